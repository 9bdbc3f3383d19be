"""Click-to-fit against ground truth: simulated sweeps (hard cases included) and real KITTI."""
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pointlabel.fitting.context import FrameContext
from pointlabel.fitting.fit import canonical_yaw, closeness_heading, fit_cuboid
from pointlabel.geometry.boxes import points_in_box_mask
from pointlabel.geometry.iou import bev_iou


def fitted(lidar, boxes, k=0, label=None, truth=None, **scan_kw):
    """Scan `boxes` (K, 7), click object k (a box index, or the indices of its parts with
    its `truth` box) at its point nearest its centre, fit."""
    boxes = np.asarray(boxes, dtype=float)
    truth = boxes[k] if truth is None else truth
    pts, hit = lidar.scan(boxes, **scan_kw)
    ctx = FrameContext.build(pts)
    result = fit_cuboid(ctx, lidar.seed_of(pts, hit, k, truth), label=label)
    assert result.cuboid is not None, result.reason
    return result, bev_iou(result.cuboid.as_array(), truth)[0, 0]


def axis_error_deg(yaw, truth):
    """Heading error modulo 180 degrees (geometry cannot tell front from back)."""
    return abs(math.degrees((yaw - truth + math.pi / 2) % math.pi - math.pi / 2))


@pytest.mark.parametrize("x, y, yaw", [(10, 3, 0.5), (7, -6, -1.2), (18, 10, 2.0), (25, -4, 0.1)])
def test_car_in_the_open(lidar, x, y, yaw):
    truth = lidar.box_on_ground(x, y, 4.2, 1.8, 1.5, yaw)
    result, iou = fitted(lidar, [truth])
    c = result.cuboid
    assert iou > 0.8
    assert axis_error_deg(c.yaw, yaw) < 3
    assert c.label == "Car" and c.status == "proposal" and 0 < c.confidence <= 1
    assert c.center[2] - c.size_lwh[2] / 2 == pytest.approx(lidar.ground_z(x, y), abs=0.1)  # on the ground


def test_car_seen_from_behind_keeps_a_cars_length(lidar):
    """Only the rear face (and a sliver of roof) is seen: the box still gets a car's length,
    grown away from the sensor, and its length runs along the line of sight."""
    truth = lidar.box_on_ground(12, 0, 4.2, 1.8, 1.5, 0.0)
    result, iou = fitted(lidar, [truth])
    c = result.cuboid
    assert c.size_lwh[0] > 3.5
    assert axis_error_deg(c.yaw, 0.0) < 3
    assert c.center[0] > 12.0 - 0.6  # grown away from the sensor, not towards it
    assert iou > 0.7


def test_object_cut_by_the_sweep_border(lidar):
    """The sweep covers azimuths -45..45 degrees; a car straddles the 45-degree edge, so its
    far half was never measured: the box keeps a car's size and grows towards the border."""
    truth = lidar.box_on_ground(8.0, 7.0, 4.2, 1.8, 1.5, math.pi / 2)
    result, iou = fitted(lidar, [truth], az_limits=(-45, 45))
    assert result.cuboid.label == "Car"
    assert result.cuboid.size_lwh[0] > 3.5
    assert iou > 0.7


def test_car_next_to_a_wall(lidar):
    """A 3 m wall 0.4 m beside the car merges with it in one cluster: the wall is cut away."""
    car = lidar.box_on_ground(10, 5, 4.2, 1.8, 1.5, 0.0)
    wall = lidar.box_on_ground(10, 6.3, 30, 0.2, 3.0, 0.0)
    result, iou = fitted(lidar, [car, wall])
    assert iou > 0.8
    assert result.cuboid.size_lwh[1] < 2.1


def test_pedestrian_next_to_a_pole(lidar):
    ped = lidar.box_on_ground(8, -2, 0.6, 0.7, 1.75, 0.0)
    pole = lidar.box_on_ground(8, -2.75, 0.2, 0.2, 5.0, 0.0)
    result, iou = fitted(lidar, [ped, pole])
    assert result.cuboid.label == "Pedestrian"
    assert result.cuboid.size_lwh[2] < 2.0  # the pole's height is not the pedestrian's
    assert iou > 0.6


def test_seed_on_the_ground_is_no_object(lidar):
    pts, _ = lidar.scan([lidar.box_on_ground(10, 3, 4.2, 1.8, 1.5, 0.5)])
    ctx = FrameContext.build(pts)
    result = fit_cuboid(ctx, [6.0, -5.0, lidar.ground_z(6.0, -5.0)])
    assert result.cuboid is None
    assert result.reason == "no object here"
    assert result.n_points == 0 and result.confidence == 0.0


def test_clicking_a_wall_is_not_an_object(lidar):
    wall = lidar.box_on_ground(12, 0, 0.3, 25, 3.0, 0.0)
    pts, hit = lidar.scan([wall])
    result = fit_cuboid(FrameContext.build(pts), lidar.seed_of(pts, hit, 0, wall))
    assert result.cuboid is None and result.reason.startswith("not an object")


@pytest.mark.parametrize("label, size, x, y, yaw", [
    ("Pedestrian", (0.6, 0.7, 1.75), 9, 2, 0.3),
    ("Truck", (10.0, 2.6, 3.4), 15, -5, 0.1),
])
def test_other_classes_are_recognised(lidar, label, size, x, y, yaw):
    result, iou = fitted(lidar, [lidar.box_on_ground(x, y, *size, yaw)])
    assert result.cuboid.label == label
    assert iou > 0.6


@pytest.mark.parametrize("x, y, yaw", [(9, 3, 1.2), (12, -2, 0.1), (7, 5, -0.7)])
def test_cyclist_is_not_a_car_seen_from_behind(lidar, x, y, yaw):
    """As long as a car is wide: only the cyclist's narrow top (the rider) tells them apart."""
    truth, parts = lidar.cyclist_parts(x, y, yaw)
    result, iou = fitted(lidar, parts, k=[0, 1], truth=truth)
    assert result.cuboid.label == "Cyclist"
    assert iou > 0.6


def test_on_a_slope_the_bottom_follows_the_ground(lidar):
    slope = (0.08, 0.03)
    truth = lidar.box_on_ground(12, 4, 4.2, 1.8, 1.5, 0.7, slope=slope)
    result, iou = fitted(lidar, [truth], slope=slope)
    assert iou > 0.8
    bottom = result.cuboid.center[2] - result.cuboid.size_lwh[2] / 2
    assert bottom == pytest.approx(lidar.ground_z(12, 4, slope), abs=0.1)


def test_a_given_label_sets_the_prior(lidar):
    truth = lidar.box_on_ground(12, 0, 4.2, 1.8, 1.5, 0.0)
    result, _ = fitted(lidar, [truth], label="Van")
    assert result.cuboid.label == "Van"
    with pytest.raises(ValueError):
        fitted(lidar, [truth], label="Zeppelin")


def test_closeness_heading_of_an_l_shape():
    """Two perpendicular walls of points at 30 degrees: the heading is 30 degrees (mod 90)."""
    t = np.linspace(0, 1, 200)
    local = np.concatenate([np.column_stack([4 * t, 0 * t]), np.column_stack([0 * t, 1.8 * t])])
    a = math.radians(30)
    R = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    theta = closeness_heading(local @ R.T + [10, 5])
    assert math.degrees(theta) == pytest.approx(30, abs=0.2)


def test_canonical_yaw():
    assert canonical_yaw(math.pi - 0.1) == pytest.approx(-0.1)
    assert canonical_yaw(0.2, hint=math.pi) == pytest.approx(0.2 - math.pi)
    assert canonical_yaw(-0.2, hint=0.0) == pytest.approx(-0.2)


def test_real_kitti_cars(kitti_frames):
    """Cars with >= 100 points in the real frames, seeded at their point nearest the centre:
    median BEV IoU against label_2 at least 0.7 (the benchmark's target)."""
    ious = []
    for fid in ["000008", "000010", "000032", "000142"]:
        pts, gts = kitti_frames(fid)
        ctx = FrameContext.build(pts)
        for g in gts:
            inside = pts[points_in_box_mask(pts, g.as_array())]
            if g.label != "Car" or len(inside) < 100:
                continue
            seed = inside[np.argmin(np.linalg.norm(inside - g.center, axis=1))]
            result = fit_cuboid(ctx, seed)
            box = None if result.cuboid is None else result.cuboid.as_array()
            ious.append(0.0 if box is None else bev_iou(box, g.as_array())[0, 0])
    assert len(ious) >= 15
    assert np.median(ious) >= 0.7


def test_two_cars_nose_to_tail_are_not_one_truck(lidar):
    """Parked nose to tail with 0.6 m between them, seen obliquely: the gap lies in the
    first car's shadow, but two whole cars are never joined into one object."""
    first = lidar.box_on_ground(8, -3.5, 4.0, 1.7, 1.5, 0.0)
    second = lidar.box_on_ground(12.6, -3.5, 4.0, 1.7, 1.5, 0.0)
    for k, truth in enumerate((first, second)):
        result, iou = fitted(lidar, [first, second], k=k)
        assert result.cuboid.label == "Car"
        assert result.cuboid.size_lwh[0] < 5.0
        assert iou > 0.7


def _ground_seed(lidar, pts, x, y):
    """The sweep's ground point nearest (x, y): where a BEV click's seed lands."""
    ground = pts[np.abs(pts[:, 2] - lidar.ground_z(pts[:, 0], pts[:, 1])) < 0.05]
    return ground[np.argmin(np.hypot(ground[:, 0] - x, ground[:, 1] - y))]


def test_bev_click_on_the_ground_beside_a_car_snaps_to_it(lidar):
    truth = lidar.box_on_ground(10, 4, 4.2, 1.8, 1.5, 0.2)
    pts, _ = lidar.scan([truth])
    ctx = FrameContext.build(pts)
    c, s = math.cos(0.2), math.sin(0.2)
    beside = truth[:2] - 1.2 * np.array([-s, c])  # 0.3 m beyond its right side, facing the sensor
    result = fit_cuboid(ctx, _ground_seed(lidar, pts, *beside))
    assert result.cuboid is not None and result.cuboid.label == "Car"
    assert bev_iou(result.cuboid.as_array(), truth)[0, 0] > 0.8


def test_bev_click_on_the_hidden_half_of_a_van_snaps_to_it(lidar):
    """Seen from the side, a van (taller than the sensor: no roof seen) holds no points on
    its far half (its own shadow), and a click there is more than 0.5 m from any: it means
    the van in front of the spot."""
    truth = lidar.box_on_ground(4, 12, 5.0, 1.9, 2.1, 0.0)
    pts, _ = lidar.scan([truth])
    ctx = FrameContext.build(pts)
    spot = np.array([4.0, 12.7])  # 0.25 m inside the far side
    assert np.hypot(*(ctx.obj_pts[:, :2] - spot).T).min() > 0.5
    result = fit_cuboid(ctx, [*spot, lidar.ground_z(*spot)])
    assert result.cuboid is not None and bev_iou(result.cuboid.as_array(), truth)[0, 0] > 0.7


def test_click_on_the_open_ground_beyond_the_snap_radius_is_no_object(lidar):
    truth = lidar.box_on_ground(10, 4, 4.2, 1.8, 1.5, 0.0)
    pts, _ = lidar.scan([truth])
    ctx = FrameContext.build(pts)
    for spot in ([10.0, 2.0], [14.0, 4.0]):  # 1.1 m beside the car; 1.9 m behind it (in its shadow)
        result = fit_cuboid(ctx, _ground_seed(lidar, pts, *spot))
        assert result.cuboid is None and result.reason == "no object here"


@pytest.mark.parametrize("frame_id, x, y", [("000019", 10.0, -2.83), ("000142", 10.52, -2.69)])
def test_kitti_cars_that_fitted_as_trucks(kitti_frames, frame_id, x, y):
    """Returns a few metres under the road beside these cars sank the ground model, so the
    road around them stood above it and joined them (a 10 m 'truck'). Now: a car."""
    pts, gts = kitti_frames(frame_id)
    truth = min(gts, key=lambda g: math.hypot(g.center[0] - x, g.center[1] - y))
    ctx = FrameContext.build(pts)
    inside = pts[points_in_box_mask(pts, truth.as_array())]
    inside = inside[ctx.ground.height_above(inside) > 0.3]
    result = fit_cuboid(ctx, inside[np.argmin(np.linalg.norm(inside - truth.center, axis=1))])
    assert result.cuboid.label == "Car"
    assert bev_iou(result.cuboid.as_array(), truth.as_array())[0, 0] > 0.85


def test_kitti_22_cars_one_click(kitti_frames):
    """The 22 cars with >= 100 points of the 10 real frames: a click at a random point of
    each car and a BEV click (seed: the cloud point nearest in x-y, often the road) in its
    footprint give BEV IoU >= 0.7 for at least 80 %, median >= 0.8 (the issue's target)."""
    from pathlib import Path
    root = Path(__file__).resolve().parents[2].parent / "shared" / "kitti" / "training"
    from scipy.spatial import cKDTree
    rng = np.random.default_rng(1)
    point_ious, bev_ious = [], []
    for fid in sorted(p.stem for p in (root / "label_2").glob("*.txt")):
        pts, gts = kitti_frames(fid)
        ctx = FrameContext.build(pts)
        tree = cKDTree(ctx.pts_lidar[:, :2])
        for g in gts:
            box = g.as_array()
            inside = ctx.pts_lidar[points_in_box_mask(ctx.pts_lidar, box)]
            inside = inside[inside[:, 2] > box[2] - box[5] / 2 + 0.15]
            if g.label != "Car" or len(inside) < 100:
                continue
            fit = fit_cuboid(ctx, inside[rng.integers(len(inside))]).cuboid
            point_ious.append(0.0 if fit is None else bev_iou(fit.as_array(), box)[0, 0])
            c, s = math.cos(box[6]), math.sin(box[6])
            xy = box[:2] + rng.uniform(-box[3:5] / 2, box[3:5] / 2) @ np.array([[c, s], [-s, c]])
            fit = fit_cuboid(ctx, ctx.pts_lidar[tree.query(xy)[1]]).cuboid
            bev_ious.append(0.0 if fit is None else bev_iou(fit.as_array(), box)[0, 0])
    assert len(point_ious) == 22
    for ious in (np.array(point_ious), np.array(bev_ious)):
        assert np.mean(ious >= 0.7) >= 0.8 and np.median(ious) >= 0.8


@settings(max_examples=60, deadline=None)
@given(st.floats(-20, 20), st.floats(-20, 20), st.floats(-math.pi, math.pi),
       st.floats(0.5, 6.0), st.floats(0.5, 3.0), st.floats(-8, 8), st.floats(-8, 8),
       st.floats(-math.pi, math.pi), st.floats(-10, 10), st.floats(-10, 10))
def test_footprint_distance_properties(x, y, yaw, l, w, px, py, turn, tx, ty):
    """Zero exactly inside the footprint (as points_in_box_mask says), and unchanged when
    the box and the point move together (a yaw turn and a shift)."""
    from pointlabel.fitting.fit import footprint_distance
    from pointlabel.model import Cuboid
    box = Cuboid(center=(x, y, 0.0), size_lwh=(l, w, 1.5), yaw=yaw)
    p = np.array([x + px, y + py])
    d = footprint_distance(box, p)
    inside = points_in_box_mask(np.array([[*p, 0.0]]), box.as_array())[0]
    assume(abs(d) > 1e-6 or inside)  # on the edge itself either answer is right
    assert (d == 0.0) == inside
    T = np.eye(4)
    T[:2, :2] = [[math.cos(turn), -math.sin(turn)], [math.sin(turn), math.cos(turn)]]
    T[:2, 3] = (tx, ty)
    moved = T[:2, :2] @ p + T[:2, 3]
    assert footprint_distance(box.transformed(T), moved) == pytest.approx(d, abs=1e-9)


@pytest.mark.parametrize("xy", [(11.4, -3.5), (11.78, -3.8), (9.0, -3.5)])
def test_kitti_bev_clicks_on_a_car_and_its_hidden_side(kitti_frames, xy):
    """000019, the car at (10.0, -2.83): BEV clicks on its far (hidden) side, where the
    sweep's nearest point is ~1 m away (0.15 m beyond its edge for the second), and on the
    ground under its near side, all fit it."""
    from pointlabel.fitting.fit import fit_bev_click
    pts, gts = kitti_frames("000019")
    truth = min(gts, key=lambda g: math.hypot(g.center[0] - 10.0, g.center[1] + 2.83))
    result = fit_bev_click(FrameContext.build(pts), xy)
    assert result.cuboid is not None and result.cuboid.label == "Car"
    assert bev_iou(result.cuboid.as_array(), truth.as_array())[0, 0] > 0.85
