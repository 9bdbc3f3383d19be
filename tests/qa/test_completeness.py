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


def _ray_grid(az_deg, el_deg, range_of):
    """Returns of a 64-beam-like grid of rays (0.2 deg x 0.4 deg) over the given spans, each
    at range_of(az, el) (radians) metres; LiDAR frame."""
    az, el = np.meshgrid(np.radians(np.arange(*az_deg, 0.2)), np.radians(np.arange(*el_deg, 0.4)))
    az, el = az.ravel(), el.ravel()
    r = range_of(az, el)
    return np.column_stack([r * np.cos(el) * np.cos(az), r * np.cos(el) * np.sin(az), r * np.sin(el)])


def test_walls_poles_ground_and_foliage_are_no_objects_by_shape(kitti_root):
    from pointlabel.datasets.kitti import KittiDataset
    from pointlabel.geometry.boxes import count_points_in_boxes, cuboids_to_array, points_in_cuboid_mask
    from pointlabel.qa.completeness import not_an_object, roughness
    rng = np.random.default_rng(0)
    ground_z = -1.73

    def height(p):
        return p[:, 2] - ground_z
    # real objects: KITTI's best-seen car and pedestrian (their returns above the ground)
    ds = KittiDataset(kitti_root)
    for fid, label in (("000008", "Car"), ("000000", "Pedestrian")):
        xyz = ds.load_cloud(fid).xyz.astype(float)
        boxes = [c for c in ds.reference(fid).cuboids if c.label == label]
        best = boxes[int(np.argmax(count_points_in_boxes(xyz, cuboids_to_array(boxes))))]
        own = xyz[points_in_cuboid_mask(xyz, best)]
        own = own[own[:, 2] > own[:, 2].min() + 0.25]
        assert not not_an_object(own, own[:, 2] - own[:, 2].min() + 0.25), (fid, label, roughness(own))
    # a wall (a thin vertical sheet), a pole, a raised pavement (a flat horizontal sheet)
    wall = np.column_stack([rng.uniform(10, 14, 800), np.full(800, 6.0) + rng.normal(0, 0.01, 800),
                            rng.uniform(ground_z, ground_z + 2.0, 800)])
    pole = np.column_stack([rng.normal(8.0, 0.05, 200), rng.normal(5.0, 0.05, 200), rng.uniform(ground_z, ground_z + 3.5, 200)])
    pavement = np.column_stack([rng.uniform(5, 9, 500), rng.uniform(-6, -4, 500), np.full(500, ground_z + 0.15)])
    for clutter in (wall, pole, pavement):
        assert not_an_object(clutter, height(clutter))
    # seen by a grid of rays: a bush returns from all through its depth, a surface does not
    bush = _ray_grid((-20, -12), (-6, 0), lambda az, el: 12.0 + rng.uniform(0, 1.5, az.shape))
    panel = _ray_grid((-20, -12), (-6, 0), lambda az, el: 12.0 / np.cos(az + np.radians(16)))
    assert roughness(bush) > 0.12 and roughness(panel) < 0.05
    assert not_an_object(bush, height(bush) - height(bush).min() + 0.3)


def _kitti_missed(kitti_root, fid, drop_line=None):
    """missed_object findings of KITTI frame `fid` with its label on `drop_line` removed, and
    that label."""
    from pointlabel.datasets.kitti import KittiDataset
    ds = KittiDataset(kitti_root)
    ref, pts = ds.reference(fid), ds.load_cloud(fid).xyz
    gone = next((c for c in ref.cuboids if (c.source or "").endswith(f".txt:{drop_line}")), None)
    keep = [c for c in ref.cuboids if gone is None or c.id != gone.id]
    frame = FrameInput(fid, FrameAnnotations(fid, tuple(keep), (), ref.dontcares), pts, ds.rig(fid))
    found = check_completeness(frame, FrameGeometry(pts, frame.cuboids), default_guidelines(), CheckConfig(),
                               "image_2")
    return found, gone


def test_a_car_parked_bumper_to_bumper_behind_a_labelled_one_is_not_a_part_of_it(kitti_root):
    # 000142's car on line 3 (5 m away, 2,600 returns) parks within 0.9 m of its neighbour's
    # box: its returns reach that box's margin, but the two together are longer than a car
    found, gone = _kitti_missed(kitti_root, "000142", 3)
    (f,) = [f for f in found if np.hypot(*np.subtract(f.location[:2], gone.center[:2])) < 1.0]
    assert f.severity == "warning" and f.label == "Car"
    # while a part of a labelled car's object (its returns just outside a tight box) is not
    # reported: no finding lies within any of the frame's boxes grown by 0.5 m
    found, _ = _kitti_missed(kitti_root, "000142")
    from pointlabel.datasets.kitti import KittiDataset
    for c in KittiDataset(kitti_root).reference("000142").cuboids:
        for f in found:
            local = (np.asarray(f.location) - c.center) @ c.rotation
            assert not np.all(np.abs(local[:2]) <= np.asarray(c.size_lwh[:2]) / 2 + 0.5), (f, c.source)


def test_a_cluster_whose_foot_is_hidden_behind_nearer_things_is_only_an_info(kitti_root):
    # 000142's facades above the parked cars on the right: the ground under them was never
    # seen (the ground model took the facade's lowest returns for it), so they looked like
    # car-sized objects standing on the ground
    found, _ = _kitti_missed(kitti_root, "000142")
    facade = [f for f in found if f.value > 1000]
    assert facade and all(f.severity == "info" and "foot is hidden" in f.message for f in facade)
    # an object behind a parked car is still found, as an info: 000032's van on line 6
    found, gone = _kitti_missed(kitti_root, "000032", 6)
    near = [f for f in found if np.hypot(*np.subtract(f.location[:2], gone.center[:2])) < 2.5]
    assert near and near[0].severity == "info"


def test_the_left_out_study_finds_labels_taken_out_of_their_frame(kitti_root):
    from pointlabel.datasets.kitti import KittiDataset
    from pointlabel.labelsets import ReferenceSet
    from pointlabel.qa.faults import left_out_study
    ds = KittiDataset(kitti_root)
    result = left_out_study(ds, ReferenceSet(ds), frame_ids=["000142"])
    # 000142's well-seen cars, most of them parked bumper to bumper, are each found when left out
    assert result.n >= 5 and result.found_any == result.n - len(result.missed)
    assert result.found_any >= result.n - 1 and result.found_warning <= result.found_any
    assert sum(result.clean_findings.values()) >= 1  # the facades, as infos


def test_a_cluster_whose_top_is_at_the_highest_beam_is_only_an_info(kitti_root):
    # 000010's trunks and poles beside the road (17-24 m, 2.1-2.3 m "tall": the highest beam
    # there) look like a person or a cyclist by size; no ray passed over them
    found, _ = _kitti_missed(kitti_root, "000010")
    tall = [f for f in found if "highest beam" in f.message]
    assert len(tall) >= 2 and all(f.severity == "info" for f in tall)
    # a person left out, whose head the beams passed over, is still a warning: 000000's on line 1
    found, gone = _kitti_missed(kitti_root, "000000", 1)
    (f,) = [f for f in found if np.hypot(*np.subtract(f.location[:2], gone.center[:2])) < 1.0]
    assert f.severity == "warning" and f.label == "Pedestrian"
