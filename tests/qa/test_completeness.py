"""Completeness: unlabelled objects are found where they stand; clutter and labelled objects are not."""
from __future__ import annotations

import numpy as np

from pointlabel.model import FrameAnnotations
from pointlabel.qa.completeness import check_completeness
from pointlabel.qa.config import CheckConfig
from pointlabel.qa.frames import FrameGeometry, FrameInput
from pointlabel.qa.guidelines import default_guidelines


def test_unlabelled_objects_are_found_and_clutter_is_not(synthetic):
    fid = "000005"
    ref = synthetic.reference(fid)
    pts = synthetic.load_cloud(fid).xyz
    keep = [c for c in ref.cuboids if c.label != "Van"]  # drop the vans' labels
    frame = FrameInput(fid, FrameAnnotations(fid, tuple(keep)), pts)
    found = check_completeness(frame, FrameGeometry(pts, keep), default_guidelines(), CheckConfig())
    vans = [c for c in ref.cuboids if c.label == "Van" and np.hypot(*c.center[:2]) < 55]
    for v in vans:  # each unlabelled van is reported near where it stands (seen from one side)
        assert any(np.hypot(*np.subtract(f.location[:2], v.center[:2])) < 2.0 for f in found), v.center
    assert len(found) == len(vans)  # and nothing else: not the wall, not the poles
    assert all(f.annotation is None and f.severity == "warning" for f in found)


def test_kitti_missed_objects_lie_in_the_camera_view(kitti_root):
    """KITTI labels only what image_2 sees: the check looks only there."""
    from pointlabel.datasets.kitti import KittiDataset
    from pointlabel.qa.checks import check_dataset
    from pointlabel.labelsets import ReferenceSet
    ds = KittiDataset(kitti_root)
    found = [f for f in check_dataset(ds, ReferenceSet(ds), frame_ids=["000008", "000142"])
             if f.check == "missed_object"]
    assert found
    for f in found:
        _, _, valid = ds.rig(f.frame)["image_2"].project_lidar(np.array([f.location]))
        assert valid[0], f
