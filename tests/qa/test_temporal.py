"""Track checks on hand-made tracks (10 Hz, constant velocity unless a fault is put in)."""
from __future__ import annotations

import numpy as np
import pytest

from pointlabel.model import Cuboid, FrameAnnotations
from pointlabel.qa.config import CheckConfig
from pointlabel.qa.frames import FrameInput
from pointlabel.qa.guidelines import default_guidelines
from pointlabel.qa.temporal import _blame, check_tracks


def track(xs, label="Car", track_id=1, size=(4.0, 1.8, 1.5), yaws=None, poses="static"):
    """One track along x (None: absent in that sweep) and a parked car; poses: per sweep
    T_world_from_lidar, "static" (identity: a parked sensor) or None (unknown)."""
    if isinstance(poses, str):
        poses = [np.eye(4)] * len(xs)
    frames = []
    for k, x in enumerate(xs):
        cubs = () if x is None else (Cuboid(center=(x, 0, -1), size_lwh=size, yaw=(yaws or [0.0] * len(xs))[k],
                                            label=label, track_id=track_id, id=f"t{track_id}-{k}"),)
        other = Cuboid(center=(0, 20, -1), size_lwh=(4, 2, 1.5), yaw=0.0, track_id=99, id=f"o-{k}")
        frames.append(FrameInput(f"{k:03d}", FrameAnnotations(f"{k:03d}", cubs + (other,)), timestamp=0.1 * k,
                                 T_world_from_lidar=None if poses is None else poses[k]))
    return frames


def run(frames):
    return [(f.check, f.frame, f.annotation, f.severity) for f in check_tracks(frames, default_guidelines(), CheckConfig())]


def test_a_clean_track_has_no_finding():
    assert run(track([1.0 * k for k in range(8)])) == []


def test_a_box_shifted_in_one_sweep_is_blamed_not_its_neighbours():
    xs = [1.0 * k for k in range(8)]
    xs[4] += 1.5
    assert run(track(xs)) == [("position_jump", "004", "t1-4", "error")]


def test_speed_beyond_the_class_is_an_error_on_the_outlier():
    xs = [0.5 * k for k in range(6)]
    xs[3] += 3.0  # a pedestrian 3 m off for one sweep: 30 m/s there and back
    found = run(track(xs, label="Pedestrian", size=(0.6, 0.6, 1.7)))
    assert ("speed", "003", "t1-3", "error") in found and ("position_jump", "003", "t1-3", "error") in found
    assert not [f for f in found if f[2] != "t1-3"]


def test_motion_is_judged_in_the_world_when_poses_are_given():
    # The sensor drives at 10 m/s past a parked car: in the LiDAR frame the car moves at
    # 10 m/s, which a pedestrian cannot; with the poses it stands still.
    poses = [np.eye(4) for _ in range(6)]
    for k, T in enumerate(poses):
        T[0, 3] = 1.0 * k
    xs = [20.0 - 1.0 * k for k in range(6)]
    assert any(f[0] == "speed" for f in run(track(xs, label="Pedestrian", size=(0.6, 0.6, 1.7),
                                                  poses=[np.eye(4)] * 6)))
    # without poses the limits are relative to a sensor that may itself move: 10 m/s passes
    assert run(track(xs, label="Pedestrian", size=(0.6, 0.6, 1.7), poses=None)) == []
    assert run(track(xs, label="Pedestrian", size=(0.6, 0.6, 1.7), poses=poses)) == []


def test_size_change_gap_duplicate_class_change_and_heading_flip():
    frames = track([1.0 * k for k in range(8)])
    shrunk = frames[3].annotations.cuboids[0].replace(size_lwh=(3.0, 1.8, 1.5))
    frames[3] = FrameInput("003", FrameAnnotations("003", (shrunk,) + frames[3].annotations.cuboids[1:]), timestamp=0.3)
    assert ("size_change", "003", "t1-3", "error") in run(frames)

    gap = track([0.0, 1.0, None, None, 4.0, 5.0])
    found = check_tracks(gap, default_guidelines(), CheckConfig())
    assert [(f.check, f.frame, f.annotation, f.value) for f in found] == [("track_gap", "002", "t1-1", 2)]

    dup = track([1.0 * k for k in range(4)])
    twin = Cuboid(center=(5, 5, -1), size_lwh=(4, 1.8, 1.5), yaw=0.0, track_id=1, id="twin")
    dup[2] = FrameInput("002", FrameAnnotations("002", dup[2].annotations.cuboids + (twin,)), timestamp=0.2)
    found = run(dup)
    assert ("duplicate_track_id", "002", "twin", "error") in found and ("duplicate_track_id", "002", "t1-2", "error") in found

    relabel = track([1.0 * k for k in range(5)])
    van = relabel[2].annotations.cuboids[0].replace(label="Van")
    relabel[2] = FrameInput("002", FrameAnnotations("002", (van,) + relabel[2].annotations.cuboids[1:]), timestamp=0.2)
    assert ("track_class_change", "002", "t1-2", "warning") in run(relabel)

    flips = run(track([1.0 * k for k in range(5)], yaws=[0, 0, np.pi, 0, 0]))
    # the flipped box turns impossibly fast, and points against the way its track moves
    assert sorted(flips) == [("heading_motion", "002", "t1-2", "error"), ("yaw_jump", "002", "t1-2", "warning")]


@pytest.mark.parametrize("bad, blamed", [
    ([False, True, True, False], [2]),   # an outlier: both its segments violate
    ([False, False, True], [3]),         # a step at the end: the later observation
    ([True, False, False], [1]),
    ([True, True, True], [1, 2]),        # a run: every inner observation
])
def test_blame(bad, blamed):
    assert _blame(np.array(bad)) == blamed


def test_heading_against_the_motion_is_found_only_where_the_track_moves():
    # a car driving +x at 10 m/s labelled facing backwards in every sweep: all of them
    backwards = run(track([1.0 * k for k in range(5)], yaws=[np.pi] * 5))
    assert [f[0] for f in backwards] == ["heading_motion"] * 5 and {f[3] for f in backwards} == {"error"}
    # a parked car says nothing about its heading
    assert run(track([5.0] * 5, yaws=[np.pi] * 5)) == []
    # relative to an unknown (moving) sensor nothing is said either
    assert run(track([1.0 * k for k in range(5)], yaws=[np.pi] * 5, poses=None)) == []
    # a pedestrian walking backwards is only a warning (people do)
    ped = run(track([0.25 * k for k in range(5)], label="Pedestrian", size=(0.6, 0.6, 1.7), yaws=[np.pi] * 5))
    assert ped and {f[3] for f in ped} == {"warning"}
