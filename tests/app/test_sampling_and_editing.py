"""Pure functions of the app: point budgets, key edits in the box's own axes, key bindings."""
from __future__ import annotations

import math

import numpy as np
import pytest

from pointlabel.app import editing, ids
from pointlabel.app.callbacks.frames import step_frame
from pointlabel.app.keys import BINDINGS, help_rows, keymap
from pointlabel.app.sampling import downsample_to_budget, range_mask, voxel_indices
from pointlabel.model import Cuboid, Polyline3D


def test_voxel_indices_keeps_the_first_point_of_each_voxel():
    pts = np.array([[0.1, 0.1, 0.1], [0.2, 0.3, 0.1], [1.5, 0.1, 0.1], [0.9, 0.9, 0.9], [1.6, 0.2, 0.0]], np.float32)
    # voxels of 1 m: (0,0,0) holds points 0, 1, 3; (1,0,0) holds 2 and 4
    assert voxel_indices(pts, 1.0).tolist() == [0, 2]


def test_downsample_keeps_everything_under_the_budget():
    pts = np.random.default_rng(1).normal(size=(500, 3)).astype(np.float32)
    idx, voxel = downsample_to_budget(pts, 1000)
    assert voxel is None and idx.tolist() == list(range(500))


@pytest.mark.parametrize("n,budget", [(200_000, 20_000), (1_000_000, 50_000)])
def test_downsample_fills_85_to_100_percent_of_the_budget_with_real_points(n, budget):
    rng = np.random.default_rng(0)
    xy = rng.uniform(-50, 50, size=(n, 2))
    z = np.where(rng.random(n) < 0.2, rng.uniform(0, 3, n), rng.normal(0, 0.03, n))
    pts = np.c_[xy, z].astype(np.float32)
    idx, voxel = downsample_to_budget(pts, budget)
    assert voxel is not None and voxel > 0
    assert 0.85 * budget <= len(idx) <= budget
    assert len(np.unique(idx)) == len(idx) and idx.min() >= 0 and idx.max() < n


def test_range_mask_is_horizontal_distance():
    pts = np.array([[3, 4, 100], [30, 40, 0], [0, 1, 0]], np.float32)  # ranges 5, 50, 1
    assert range_mask(pts, 2, 10).tolist() == [True, False, False]


def _box(yaw=0.0):
    return Cuboid(center=(10, 5, 1), size_lwh=(4, 2, 1.5), yaw=yaw)


def test_nudge_moves_in_the_box_own_axes():
    b = _box(yaw=math.pi / 2)  # heading along +y
    fwd = editing.nudge_cuboid(b, "move_forward")
    assert np.allclose(fwd.center, (10, 5.05, 1))
    left = editing.nudge_cuboid(b, "move_left", coarse=True)  # the box's left is -x here
    assert np.allclose(left.center, (9.5, 5, 1))
    assert np.allclose(editing.nudge_cuboid(b, "move_up").center, (10, 5, 1.05))


def test_nudge_turns_and_resizes():
    b = _box()
    assert math.isclose(editing.nudge_cuboid(b, "rotate_ccw").yaw, math.radians(1))
    assert math.isclose(editing.nudge_cuboid(b, "rotate_cw", coarse=True).yaw, -math.radians(10))
    assert editing.nudge_cuboid(b, "longer").size_lwh == pytest.approx((4.05, 2, 1.5))
    assert editing.nudge_cuboid(b, "narrower", coarse=True).size_lwh == pytest.approx((4, 1.5, 1.5))
    tiny = Cuboid(center=(0, 0, 0), size_lwh=(0.06, 1, 1), yaw=0)
    assert editing.nudge_cuboid(tiny, "shorter", coarse=True).size_lwh[0] == editing.MIN_SIZE
    assert editing.nudge_cuboid(b, "move_back").id == b.id  # same annotation, new state


def test_fields_round_trip_and_yaw_in_degrees():
    b = _box(yaw=0.3)
    f = editing.cuboid_fields(b)
    assert f["yaw"] == round(math.degrees(0.3), 2)
    assert editing.cuboid_with_fields(b, f) is b  # nothing typed: the same object, no save
    moved = editing.cuboid_with_fields(b, {**f, "x": "12.5", "yaw": 90})
    assert moved.center[0] == 12.5 and math.isclose(moved.yaw, math.pi / 2)
    with pytest.raises(ValueError):
        editing.cuboid_with_fields(b, {"l": 0})
    with pytest.raises(ValueError):
        editing.cuboid_with_fields(b, {"x": "abc"})


def test_polyline_vertex_edits():
    p = Polyline3D(vertices=[(0, 0, 0), (1, 0, 0)])
    p = editing.add_vertex(p, (2, 0, 0))
    p = editing.add_vertex(p, (0.5, 1, 0), after=0)
    assert [v[:2] for v in p.vertices] == [(0, 0), (0.5, 1), (1, 0), (2, 0)]
    p = editing.move_vertex(p, 1, (0.5, 2, 0.3))
    assert p.vertices[1] == (0.5, 2, 0.3)
    closed = editing.toggle_closed(p)
    assert closed.closed and not editing.toggle_closed(closed).closed
    two = editing.delete_vertex(editing.delete_vertex(closed, 0), 0)
    assert len(two.vertices) == 2 and not two.closed  # two vertices cannot stay closed
    assert editing.nudge_vertex(p, 0, "move_left").vertices[0] == (0, 0.05, 0)
    assert editing.nudge_vertex(p, 0, "rotate_cw") is p


def test_keymap_covers_every_binding_and_nudge():
    km = keymap()
    assert sum(len(k) for k, *_ in BINDINGS) == len(km)  # no key bound twice
    nudges = {t["nudge"] for t in km.values() if "nudge" in t}
    assert nudges == set(editing.NUDGE_ACTIONS)
    # undo / redo go through the canvas' edit queue, in order with the nudges before them
    assert km["ctrl+z"] == {"edit": "undo"} and km["ctrl+shift+z"] == km["ctrl+y"] == {"edit": "redo"}
    assert km["tab"] == {"select": "next"} and km["shift+tab"] == {"select": "prev"} and km["g"] == {"view": "focus"}
    assert all(k == k.lower() for k in km)
    assert any("Shift" in keys for _, keys, _ in help_rows())


def test_step_frame():
    assert step_frame(ids.NEXT_BTN, 3, 10) == 4
    assert step_frame(ids.NEXT_BTN, 9, 10) == 9
    assert step_frame(ids.PREV_BTN, 0, 10) == 0
    assert step_frame(ids.PLAY_INTERVAL, 9, 10) == 0  # playback wraps around
    assert step_frame("something-else", 3, 10) is None


def test_start_voxel_spares_the_search_and_keeps_the_budget():
    rng = np.random.default_rng(3)
    a, b = (rng.normal(0, 20, (60000, 3)) for _ in range(2))
    idx_a, voxel_a = downsample_to_budget(a, 20000)
    idx_b, voxel_b = downsample_to_budget(b, 20000, start_voxel=voxel_a)
    assert 0.85 * 20000 <= len(idx_b) <= 20000 and len(np.unique(idx_b)) == len(idx_b)
    assert voxel_b == voxel_a  # a similar cloud takes the same size at once
    idx_c, voxel_c = downsample_to_budget(b, 20000, start_voxel=voxel_a * 5)  # a bad hint is searched past
    assert 0.85 * 20000 <= len(idx_c) <= 20000 and voxel_c != voxel_a * 5
