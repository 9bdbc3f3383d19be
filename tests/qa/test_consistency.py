"""2D/3D consistency on the real KITTI frames: the projected label box against the file's own
hand-drawn 2D box, and boxes that fall outside every camera."""
from __future__ import annotations

import numpy as np
import pytest

from calibration.projection import box_iou_2d
from pointlabel.model import FrameAnnotations
from pointlabel.qa.config import CheckConfig
from pointlabel.qa.consistency import box2d_references, check_consistency, project_views
from pointlabel.qa.frames import FrameInput


@pytest.fixture(scope="module")
def kitti(kitti_root):
    from pointlabel.datasets.kitti import KittiDataset
    return KittiDataset(kitti_root)


def test_kitti_label_boxes_agree_with_their_2d_boxes(kitti):
    """What the check finds on the real frames: projected 3D boxes and hand-drawn 2D boxes agree
    (IoU >= 0.96) for every vehicle; pedestrians' 2D boxes are drawn tighter than the 3D box's
    projection (IoU 0.67-0.92), still above the 0.5 warning threshold: no finding."""
    ious = {}
    for fid in kitti.frame_ids:
        frame = FrameInput(fid, kitti.reference(fid), rig=kitti.rig(fid))
        assert [f for f in check_consistency(frame, CheckConfig()) if f.check == "box2d_mismatch"] == []
        views = project_views(frame.cuboids, frame.rig)
        for c, seen in zip(frame.cuboids, views):
            ref = box2d_references(c, frame.rig)["image_2"]
            ious[(fid, c.source, c.label)] = box_iou_2d(seen["image_2"].ltrb, ref)
    assert len(ious) == 56  # every object line of the ten label files (DontCare aside)
    vehicles = [v for (f, s, lab), v in ious.items() if lab in ("Car", "Van", "Truck", "Misc", "Cyclist")]
    peds = [v for (f, s, lab), v in ious.items() if lab == "Pedestrian"]
    assert min(vehicles) >= 0.95 and 0.6 < min(peds) < 0.7
    assert ious[("000010", "000010.txt:3", "Pedestrian")] == pytest.approx(0.67, abs=0.01)


def test_a_box_shifted_sideways_disagrees_with_its_2d_box(kitti):
    fid = "000008"
    ref = kitti.reference(fid)
    target = next(c for c in ref.cuboids if c.source == "000008.txt:4")  # a car 15 m ahead
    moved = target.replace(center=np.add(target.center, [0.0, 1.5, 0.0]))
    frame = FrameInput(fid, FrameAnnotations(fid, tuple(moved if c.id == target.id else c for c in ref.cuboids)),
                       rig=kitti.rig(fid))
    found = [f for f in check_consistency(frame, CheckConfig()) if f.check == "box2d_mismatch"]
    assert [f.annotation for f in found] == [target.id]
    assert found[0].value < 0.5 and found[0].source == "000008.txt:4"
    assert "disagrees with the 2D box in image_2" in found[0].message


def test_a_box_behind_the_camera_is_outside_every_camera(kitti):
    fid = "000008"
    ref = kitti.reference(fid)
    target = ref.cuboids[1]
    behind = target.replace(center=(-target.center[0], target.center[1], target.center[2]))
    frame = FrameInput(fid, FrameAnnotations(fid, (behind,)), rig=kitti.rig(fid))
    found = {f.check: f for f in check_consistency(frame, CheckConfig())}
    assert found["outside_cameras"].severity == "warning"  # it has a 2D box, so it should be seen
    assert found["box2d_mismatch"].severity == "error" and found["box2d_mismatch"].value == 0.0
    # a box without a 2D box of its own, out of view: only worth knowing
    plain = FrameInput(fid, FrameAnnotations(fid, (behind.replace(attributes={}),)), rig=kitti.rig(fid))
    assert [(f.check, f.severity) for f in check_consistency(plain, CheckConfig())] == [("outside_cameras", "info")]


def test_projection_shortcuts_match_the_exact_path(kitti, synthetic):
    """The vectorised shortcuts of project_views give what cuboid_box2d gives."""
    from calibration.projection import cuboid_box2d
    for fid, rig, cubs in (("000142", kitti.rig("000142"), kitti.reference("000142").cuboids),
                           ("000003", synthetic.rig("000003"), synthetic.reference("000003").cuboids)):
        views = project_views(list(cubs), rig)
        for c, seen in zip(cubs, views):
            for name, sensor in rig.cameras.items():
                exact = cuboid_box2d(sensor.lidar_to_cam(c.corners()), sensor.camera)
                if exact is None:
                    assert name not in seen
                else:
                    assert np.allclose(seen[name].ltrb, exact.ltrb) and seen[name].truncation == pytest.approx(exact.truncation)
