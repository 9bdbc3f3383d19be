"""Propagation to the next sweep: static points through the poses, tracked boxes with their box."""
import json

import numpy as np
from hypothesis import given, settings, strategies as st

from calibration.transforms import invert, transform_points
from pointlabel.cli import main
from pointlabel.datasets.native import NativeDataset, NativeWriter
from pointlabel.geometry.boxes import points_in_cuboid_mask
from pointlabel.model import Cuboid
from pointlabel.pointlabels.propagate import transfer_labels
from pointlabel.pointlabels.storage import PointLabelStore
from pointlabel.store import AnnotationStore


def _pose(yaw, t):
    c, s = np.cos(yaw), np.sin(yaw)
    T = np.eye(4)
    T[:3, :3] = [[c, -s, 0], [s, c, 0], [0, 0, 1]]
    T[:3, 3] = t
    return T


@settings(max_examples=25, deadline=None)
@given(st.floats(-np.pi, np.pi), st.floats(-5, 5), st.floats(-5, 5))
def test_a_static_scene_seen_from_a_moved_sensor_keeps_every_label(yaw, tx, ty):
    rng = np.random.default_rng(0)
    pts_src = rng.uniform(-20, 20, (2000, 3))
    sem = rng.integers(1, 5, 2000).astype(np.uint16)
    inst = rng.integers(0, 3, 2000).astype(np.uint16)
    T_src_from_dst = _pose(yaw, (tx, ty, 0.3))
    pts_dst = transform_points(invert(T_src_from_dst), pts_src)[::-1]  # another order, too
    tr = transfer_labels(pts_src, sem, inst, pts_dst, T_src_from_dst, max_dist=0.05)
    assert np.array_equal(tr.semantic, sem[::-1]) and np.array_equal(tr.instance, inst[::-1])
    assert tr.n_static == 2000 and tr.n_boxed == 0


def _box_surface(rng, n=600):
    """Points on a 4 x 2 x 1.5 box's sides, box frame."""
    local = rng.uniform(-1, 1, (n, 3)) * [2, 1, 0.75]
    side = rng.integers(0, 3, n)
    local[np.arange(n), side] = np.sign(local[np.arange(n), side]) * np.array([2, 1, 0.75])[side]
    return local


def test_propagate_moves_a_tracked_car_with_its_box_and_the_street_through_the_poses(tmp_path, capsys):
    rng = np.random.default_rng(3)
    ground_w = np.column_stack([rng.uniform(-5, 40, 6000), rng.uniform(-10, 10, 6000), np.zeros(6000)])
    wall_w = np.column_stack([rng.uniform(-5, 40, 1500), np.full(1500, 9.0), rng.uniform(0, 3, 1500)])
    car_local = _box_surface(rng)
    boxes_w = [Cuboid(center=(12, 0, 0.8), size_lwh=(4, 2, 1.5), yaw=0.0, label="Car", track_id=1),
               Cuboid(center=(17, 1, 0.8), size_lwh=(4, 2, 1.5), yaw=0.3, label="Car", track_id=1)]
    poses = [_pose(0, (0, 0, 1.7)), _pose(0.05, (2.5, 0.2, 1.7))]
    root = tmp_path / "seq"
    with NativeWriter(root, None, name="t") as w:
        for k in range(2):
            from pointlabel.pointlabels.propagate import box_pose
            car_w = transform_points(box_pose(boxes_w[k]), car_local)
            pts_w = np.vstack([ground_w, wall_w, car_w]) + rng.normal(0, 0.01, (6000 + 1500 + len(car_local), 3))
            w.write_sweep(f"{k:06d}", 0.1 * k, transform_points(invert(poses[k]), pts_w), T_world_from_lidar=poses[k])
    ds = NativeDataset(root)
    db = tmp_path / "s.sqlite"
    ann = AnnotationStore(db)
    for k in range(2):
        ann.put(f"{k:06d}", boxes_w[k].transformed(invert(poses[k])))
    store = PointLabelStore.for_store(ann)
    n = 6000 + 1500 + len(car_local)
    sem = np.r_[np.full(6000, 40), np.full(1500, 50), np.full(len(car_local), 10)].astype(np.uint16)
    inst = np.r_[np.zeros(7500), np.ones(len(car_local))].astype(np.uint16)
    pts0 = ds.load_cloud("000000").xyz
    assert len(pts0) == n
    store.replace("000000", sem, inst, client="ann")
    assert main(["pointlabels", "propagate", str(root), "--from", "000000", "--to", "000001", "--db", str(db)]) == 0
    out = json.loads(capsys.readouterr().out)
    # the box (0.1 m margin) also holds a few ground points: they move with it, along the ground
    assert out["poses"] is True and len(car_local) <= out["boxed"] < len(car_local) + 100 and out["changed"] == n
    got = store.get("000001")
    car = slice(7500, n)
    assert np.array_equal(got.semantic[car], sem[car]) and np.array_equal(got.instance, inst)
    assert (got.semantic == sem).mean() > 0.999  # a wall point at its foot may take the ground's label
    # without the box, the car's points would have been matched as static points and missed
    pts1 = ds.load_cloud("000001").xyz
    static_only = transfer_labels(pts0, sem, inst, pts1, invert(poses[0]) @ poses[1], max_dist=0.25)
    in_car = points_in_cuboid_mask(pts1, boxes_w[1].transformed(invert(poses[1])))
    assert (static_only.semantic[in_car] == 10).mean() < 0.2
    # one undoable op; a second propagate only fills unlabelled points: nothing to do
    assert main(["pointlabels", "propagate", str(root), "--from", "000000", "--to", "000001", "--db", str(db)]) == 0
    assert json.loads(capsys.readouterr().out)["changed"] == 0
    assert main(["pointlabels", "undo", str(root), "--db", str(db)]) == 0
    assert json.loads(capsys.readouterr().out)["changed"] == n and not store.get("000001").semantic.any()
