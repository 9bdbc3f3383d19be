"""Propagation through simulated sweeps (static and moving sensor), and interpolation."""
import math
from types import SimpleNamespace

import numpy as np
import pytest

from pointlabel.fitting.context import FrameContext
from pointlabel.fitting.propagate import interpolate, propagate, propagate_in_store, propagate_track
from pointlabel.geometry.iou import bev_iou
from pointlabel.model import Cuboid
from pointlabel.store import AnnotationStore


def moving_car(lidar, steps=10, speed=1.2, turn=0.03, ego_speed=0.0):
    """Truth boxes (steps + 1, 7) in each sweep's LiDAR frame and the sweeps' contexts: a car
    driving `speed` m per sweep while turning `turn` rad per sweep, seen by a sensor that
    itself drives `ego_speed` m per sweep along +x (so the LiDAR frame moves)."""
    truths, contexts, ego = [], [], []
    x, y, yaw = 6.0, 4.0, 0.2
    for k in range(steps + 1):
        sensor_x = k * ego_speed
        truth = lidar.box_on_ground(x - sensor_x, y, 4.2, 1.8, 1.5, yaw)
        truths.append(truth)
        contexts.append(FrameContext.build(lidar.scan([truth], seed=k)[0]))
        step = np.eye(4)
        step[0, 3] = -ego_speed  # T_this_from_previous: the world moves back past the sensor
        ego.append(step)
        x, y, yaw = x + speed * math.cos(yaw), y + speed * math.sin(yaw), yaw + turn
    return np.array(truths), contexts, ego[1:]


def start_box(truth):
    return Cuboid(center=truth[:3], size_lwh=truth[3:6], yaw=truth[6], label="Car", track_id=7)


def test_ten_sweeps_without_correction(lidar):
    truths, contexts, _ = moving_car(lidar)
    boxes = propagate_track(start_box(truths[0]), contexts[1:])
    ious = [bev_iou(b.as_array(), t)[0, 0] for b, t in zip(boxes, truths[1:])]
    assert min(ious) > 0.8
    assert all(b.track_id == 7 and b.status == "proposal" and b.size_lwh == pytest.approx((4.2, 1.8, 1.5))
               for b in boxes)


def test_moving_sensor_with_its_motion(lidar):
    truths, contexts, ego = moving_car(lidar, speed=1.0, ego_speed=1.0)  # drives along with us
    boxes = propagate_track(start_box(truths[0]), contexts[1:], ego_motions=ego)
    assert bev_iou(boxes[-1].as_array(), truths[-1])[0, 0] > 0.8


def test_nothing_there_keeps_the_prediction_with_no_confidence(lidar):
    pts, _ = lidar.scan([])
    box = Cuboid(center=(10, 0, -1.0), size_lwh=(4, 1.8, 1.5), yaw=0.3)
    out = propagate(box, FrameContext.build(pts))
    assert out.confidence == 0.0
    assert out.center == pytest.approx(box.center) and out.id != box.id


def test_keyframes_are_kept(lidar):
    truths, contexts, _ = moving_car(lidar, steps=3)
    key = start_box(truths[2]).replace(status="confirmed")
    boxes = propagate_track(start_box(truths[0]), contexts[1:], keyframes=[None, key, None])
    assert boxes[1] is key
    assert bev_iou(boxes[2].as_array(), truths[3])[0, 0] > 0.8


def test_propagate_in_store(lidar, tmp_path):
    truths, contexts, _ = moving_car(lidar, steps=4)
    clouds = {f"{k:06d}": SimpleNamespace(xyz=c.pts_lidar) for k, c in enumerate(contexts)}
    dataset = SimpleNamespace(root=tmp_path / "sim", frame_ids=sorted(clouds), load_cloud=clouds.__getitem__)
    store = AnnotationStore(tmp_path / "s.sqlite")
    store.put("000000", start_box(truths[0]).replace(status="confirmed"))
    store.put("000002", start_box(truths[2]).replace(status="confirmed", id="key"))
    out = propagate_in_store(dataset, store, 7, "000000", "000004")
    assert [f for f, _, kept in out if kept] == ["000002"]
    track = store.track(7)
    assert sorted(track) == ["000000", "000001", "000002", "000003", "000004"]
    assert track["000002"].id == "key"
    assert bev_iou(track["000004"].as_array(), truths[4])[0, 0] > 0.8
    again = propagate_in_store(dataset, store, 7, "000000", "000004")  # replaces, no duplicates
    assert len(store.frame("000003").cuboids) == 1 and len(again) == 4


def test_interpolate():
    c0 = Cuboid(center=(0, 0, 0), size_lwh=(4, 2, 1.5), yaw=0.0, label="Van", track_id=3)
    c1 = Cuboid(center=(10, 4, 1), size_lwh=(4, 2, 1.5), yaw=math.pi / 2, label="Van", track_id=3)
    mid = interpolate(c0, 0.0, c1, 2.0, 1.0)
    assert mid.center == pytest.approx((5, 2, 0.5))
    assert mid.yaw == pytest.approx(math.pi / 4)
    assert (mid.label, mid.track_id, mid.status) == ("Van", 3, "proposal")
    assert interpolate(c0, 0.0, c1, 2.0, 0.0).center == pytest.approx(c0.center)
    assert interpolate(c0, 0.0, c1, 2.0, 2.0).yaw == pytest.approx(c1.yaw)
    # Across the +-pi seam slerp takes the short way round: 170 and -170 degrees meet at 180.
    a = c0.replace(yaw=math.radians(170))
    b = c1.replace(yaw=math.radians(-170))
    assert abs(interpolate(a, 0, b, 1, 0.5).yaw) == pytest.approx(math.pi)
    with pytest.raises(ValueError):
        interpolate(c0, 1.0, c1, 1.0, 1.0)


def test_motion_heading_needs_consistent_travel():
    from pointlabel.fitting.propagate import motion_heading
    assert motion_heading(np.array([[10.0, 0.0], [9.0, 0.1], [8.0, 0.2]])) == pytest.approx(np.arctan2(0.2, -2.0))
    assert motion_heading(np.array([[10.0, 0.0], [10.05, 0.0], [9.98, 0.03]])) is None  # parked (noise)
    assert motion_heading(np.array([[0.0, 0.0], [2.0, 0.0], [0.5, 0.0], [2.5, 0.0]])) is None  # back and forth


def test_orient_along_motion_turns_the_boxes_facing_backwards():
    """An oncoming car, fitted with +x away from the sensor (geometry's choice), moving
    towards it: every box is turned to face the motion; ego motion is taken into account."""
    from pointlabel.fitting.propagate import orient_along_motion
    from pointlabel.model import Cuboid
    boxes = [Cuboid(center=(20.0 - 1.5 * k, 3.0, -0.9), size_lwh=(4, 1.8, 1.5), yaw=0.02) for k in range(4)]
    turned = orient_along_motion(boxes)
    assert all(abs(abs(c.yaw) - np.pi) < 0.05 for c in turned)
    # The sensor drives forward 2 m a sweep and the car stands still: in each sweep's own
    # frame the car comes nearer, but in the common frame it does not move: unchanged.
    ego = [np.eye(4) for _ in range(4)]
    for k in range(4):
        ego[k][0, 3] = 2.0 * k  # T_common_from_own: this sweep's origin 2k m ahead
    parked = [Cuboid(center=(20.0 - 2.0 * k, 3.0, -0.9), size_lwh=(4, 1.8, 1.5), yaw=0.02) for k in range(4)]
    assert [c.yaw for c in orient_along_motion(parked, ego)] == [c.yaw for c in parked]


def test_propagate_track_faces_a_crossing_car_forward(lidar):
    """A car crosses in front of the sensor 1 m a sweep towards -y (heading -pi/2); its first
    box was fitted facing +y (geometry cannot tell front from back): the propagated boxes
    face the motion."""
    sweeps = [lidar.box_on_ground(15.0, 4.0 - k, 4.2, 1.8, 1.5, -np.pi / 2) for k in range(5)]
    contexts = [FrameContext.build(lidar.scan([b])[0]) for b in sweeps[1:]]
    first = Cuboid(center=sweeps[0][:3], size_lwh=(4.2, 1.8, 1.5), yaw=np.pi / 2)
    boxes = propagate_track(first, contexts)
    assert len(boxes) == 4
    for box, truth in zip(boxes, sweeps[1:]):
        assert np.cos(box.yaw + np.pi / 2) > 0.95
        assert bev_iou(box.as_array(), truth)[0, 0] > 0.7
