"""Tool requests on a real KITTI sweep (box, cluster, erase, only_unlabelled) and point-label
comparison (per-class IoU, mIoU) by hand and through `compare --points`."""
import json

import numpy as np
import pytest

from pointlabel.cli import main
from pointlabel.datasets.kitti import KittiDataset
from pointlabel.errors import PointlabelError
from pointlabel.geometry.boxes import points_in_cuboid_mask
from pointlabel.pointlabels.ops import FramePoints, apply_request
from pointlabel.pointlabels.storage import PointLabelStore
from pointlabel.qa.point_compare import class_ious, confusion
from pointlabel.store import AnnotationStore

FRAME = "000008"  # cars of 1000-6000 returns


@pytest.fixture
def kitti(kitti_root, tmp_path):
    ds = KittiDataset(kitti_root)
    ann = AnnotationStore(tmp_path / "s.sqlite")
    cars = [c.replace(track_id=i + 7) for i, c in enumerate(ds.reference(FRAME).cuboids) if c.label == "Car"]
    ann.put_many(FRAME, cars)
    return ds, ann, PointLabelStore.for_store(ann), cars


def test_box_cluster_erase_on_a_real_sweep(kitti):
    ds, ann, store, cars = kitti
    f = FramePoints(ds, FRAME, ann)
    car = max(cars, key=lambda c: points_in_cuboid_mask(f.pts_lidar, c).sum())
    inside = points_in_cuboid_mask(f.pts_lidar, car)
    r = apply_request(store, f, {"tool": "box", "params": {"box_id": car.id}, "class": "car", "client": "a"})
    got = store.get(FRAME)
    assert r.changed == inside.sum() > 100 and np.array_equal(got.semantic == 10, inside)
    assert set(np.unique(got.instance[inside])) == {car.track_id}  # the box's track id by default
    # fill-this-cluster from the car's centre: the car's above-ground returns, and not the road
    click = f.pts_lidar[inside][np.argmin(np.linalg.norm(f.pts_lidar[inside] - car.center, axis=1))]
    r = apply_request(store, f, {"tool": "cluster", "params": {"seed": click.tolist()}, "class": 20, "client": "a"})
    got = store.get(FRAME)
    filled = got.semantic == 20
    ctx = f.context()
    assert r.changed > 0.7 * inside.sum()
    assert (ctx.height[filled] > 0.2).all()
    assert (filled & inside).sum() / inside.sum() > 0.7 and (filled & ~inside).sum() < 0.3 * filled.sum()
    # ground, but only where nothing is painted yet
    r = apply_request(store, f, {"tool": "ground", "class": "road", "only_unlabelled": True, "client": "a"})
    got = store.get(FRAME)
    assert (got.semantic[filled] == 20).all() and (got.semantic == 40).sum() == r.changed > 10_000
    # erase with a brush at the car
    r = apply_request(store, f, {"tool": "erase", "params": {"centre": list(car.center), "radius": 10}})
    assert not store.get(FRAME).semantic[inside].any() and not store.get(FRAME).instance[inside].any()


def test_lasso_request_with_a_webgl_matrix(kitti):
    ds, ann, store, _ = kitti
    f = FramePoints(ds, FRAME)
    # BEV, 40 m across, column-major as three.js sends it: screen x = -y, screen up = +x
    half = 20.0
    vp = np.diag([1 / half, 1 / half, -0.01, 1.0]) @ np.array(
        [[0, -1, 0, 0], [1, 0, 0, -half], [0, 0, 1, -100], [0, 0, 0, 1]], float)
    r = apply_request(store, f, {"tool": "lasso", "class": 70, "params": {
        "view_projection": vp.flatten(order="F").tolist(), "viewport": [400, 400],
        "polygon": [[150, 150], [250, 150], [250, 250], [150, 250]]}})
    # the square is x in [15, 25], y in [-5, 5] (screen centre = x 20)
    p = f.pts_lidar
    expect = (p[:, 0] >= 15) & (p[:, 0] <= 25) & (np.abs(p[:, 1]) <= 5)
    got = store.get(FRAME).semantic == 70
    assert r.changed > 500 and (got != expect).sum() <= 2  # pixel-edge rounding at most
    with pytest.raises(PointlabelError, match="16 numbers"):
        apply_request(store, f, {"tool": "lasso", "class": 70, "params": {
            "view_projection": [1, 2, 3], "viewport": [4, 4], "polygon": [[0, 0], [1, 0], [1, 1]]}})


def test_class_iou_by_hand():
    a = np.array([10, 10, 40, 40, 40, 0, 70, 10], np.uint16)
    b = np.array([10, 40, 40, 40, 0, 10, 0, 10], np.uint16)   # B's 0s are ignored (points 4, 6)
    r = class_ious(confusion(a, b), {10: "car", 40: "road"})
    by = {c.id: c for c in r.classes}
    # car: TP 2 (0, 7), FP 1 (1: A car, B road), FN 1 (5: B car, A nothing) -> 2 / 4
    assert (by[10].tp, by[10].fp, by[10].fn, by[10].iou) == (2, 1, 1, 0.5)
    # road: TP 2 (2, 3), FP 0, FN 1 (1) -> 2 / 3
    assert by[40].iou == pytest.approx(2 / 3)
    assert 70 not in by  # A's 70 fell on a point B leaves unlabelled
    assert r.miou == pytest.approx((0.5 + 2 / 3) / 2) and r.points == 6 and r.accuracy == pytest.approx(4 / 6)


def test_compare_points_cli(kitti, kitti_root, tmp_path, capsys):
    ds, ann, store, cars = kitti
    f = FramePoints(ds, FRAME, ann)
    for s in ("default", "reference2"):
        apply_request(store, f, {"tool": "ground", "class": "road", "label_set": s})
    apply_request(store, f, {"tool": "box", "params": {"box_id": cars[0].id}, "class": "car", "label_set": "default"})
    apply_request(store, f, {"tool": "box", "params": {"center": list(cars[0].center), "size_lwh": list(cars[0].size_lwh),
                                                       "yaw": cars[0].yaw, "margin": 0.3}, "class": "car", "label_set": "reference2"})
    db = str(tmp_path / "s.sqlite")
    assert main(["compare", str(kitti_root), "--a", "default", "--b", "reference2", "--points", "--db", db, "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    by = {c["id"]: c for c in r["classes"]}
    assert r["frames"] == 1 and 0.95 < by[40]["iou"] < 1.0 and 0.3 < by[10]["iou"] < 1.0  # the 0.3 m margin took some road
    assert r["miou"] == pytest.approx((by[40]["iou"] + by[10]["iou"]) / 2)
    assert main(["compare", str(kitti_root), "--a", "default", "--b", "reference2", "--points", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "mIoU" in out and "car" in out and "road" in out


def test_cluster_from_a_bev_click_without_height(kitti):
    ds, ann, store, cars = kitti
    f = FramePoints(ds, FRAME, ann)
    car = max(cars, key=lambda c: points_in_cuboid_mask(f.pts_lidar, c).sum())
    inside = points_in_cuboid_mask(f.pts_lidar, car)
    click = f.pts_lidar[inside][0]
    r = apply_request(store, f, {"tool": "cluster", "params": {"seed": [float(click[0]), float(click[1]), None]}, "class": 10})
    assert r.changed > 0.7 * inside.sum()
    r = apply_request(store, f, {"tool": "cluster", "params": {"seed": [0.0, -30.0]}, "class": 10})  # nothing there
    assert r.selected == 0
