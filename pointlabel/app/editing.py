"""Pure edits of annotations, as the app's keys and fields ask for them (no Dash here).

Cuboid nudges act in the box's own axes (x along the heading, y to its left, z up), so
"forward" moves a car along its heading whatever its yaw. Polyline vertices move in the
LiDAR frame's axes. Steps are fine, or coarse with Shift.
"""
from __future__ import annotations

import math

import numpy as np

from pointlabel.model import Cuboid, Polyline3D

MOVE_STEP = (0.05, 0.5)            # metres: fine, coarse
TURN_STEP = (math.radians(1.0), math.radians(10.0))
SIZE_STEP = (0.05, 0.5)            # metres
MIN_SIZE = 0.05

_MOVES = {"move_forward": (1, 0, 0), "move_back": (-1, 0, 0), "move_left": (0, 1, 0),
          "move_right": (0, -1, 0), "move_up": (0, 0, 1), "move_down": (0, 0, -1)}
_TURNS = {"rotate_ccw": 1, "rotate_cw": -1}
_RESIZES = {"longer": (0, 1), "shorter": (0, -1), "wider": (1, 1), "narrower": (1, -1),
            "taller": (2, 1), "lower": (2, -1)}
NUDGE_ACTIONS = tuple(_MOVES) + tuple(_TURNS) + tuple(_RESIZES)


def nudge_cuboid(cuboid: Cuboid, action: str, coarse: bool = False) -> Cuboid:
    """One step of `action` (see NUDGE_ACTIONS) applied to a cuboid, in its own axes.
    Resizing keeps the centre (the box grows or shrinks equally on both sides)."""
    k = int(bool(coarse))
    if action in _MOVES:
        step_box = np.asarray(_MOVES[action], dtype=float) * MOVE_STEP[k]
        return cuboid.replace(center=np.asarray(cuboid.center) + cuboid.rotation @ step_box)
    if action in _TURNS:
        return cuboid.replace(yaw=cuboid.yaw + _TURNS[action] * TURN_STEP[k])
    if action in _RESIZES:
        axis, sign = _RESIZES[action]
        size = list(cuboid.size_lwh)
        size[axis] = max(MIN_SIZE, size[axis] + sign * SIZE_STEP[k])
        return cuboid.replace(size_lwh=size)
    raise ValueError(f"unknown nudge {action!r}")


def nudge_vertex(polyline: Polyline3D, vertex: int, action: str, coarse: bool = False) -> Polyline3D:
    """Move one vertex a step along the LiDAR axes (turns and resizes do not apply)."""
    if action not in _MOVES:
        return polyline
    pts = polyline.points.copy()
    pts[vertex] += np.asarray(_MOVES[action], dtype=float) * MOVE_STEP[int(bool(coarse))]
    return polyline.replace(vertices=pts)


def cuboid_fields(cuboid: Cuboid) -> dict[str, float]:
    """The numeric fields shown for a cuboid: centre (m), size (m), yaw in degrees."""
    values = dict(zip(("x", "y", "z", "l", "w", "h"), (*cuboid.center, *cuboid.size_lwh)))
    return {**{k: round(v, 3) for k, v in values.items()}, "yaw": round(math.degrees(cuboid.yaw), 2)}


def cuboid_with_fields(cuboid: Cuboid, values: dict) -> Cuboid:
    """A cuboid with the numeric fields typed by the user (missing / blank ones unchanged).
    Raises ValueError for a non-number or a size <= 0."""
    cur = cuboid_fields(cuboid)
    v = {}
    for key, old in cur.items():
        new = values.get(key)
        v[key] = float(old if new is None or new == "" else new)
    if min(v["l"], v["w"], v["h"]) <= 0:
        raise ValueError("sizes must be positive")
    if all(abs(v[k] - cur[k]) < 1e-9 for k in cur):
        return cuboid
    return cuboid.replace(center=(v["x"], v["y"], v["z"]), size_lwh=(v["l"], v["w"], v["h"]),
                          yaw=math.radians(v["yaw"]))


def add_vertex(polyline: Polyline3D, xyz, after: int | None = None) -> Polyline3D:
    """Insert a vertex after index `after` (None: append at the end)."""
    pts = [tuple(p) for p in polyline.points]
    at = len(pts) if after is None else min(after + 1, len(pts))
    pts.insert(at, tuple(float(c) for c in xyz))
    return polyline.replace(vertices=pts)


def move_vertex(polyline: Polyline3D, vertex: int, xyz) -> Polyline3D:
    pts = polyline.points.copy()
    pts[vertex] = np.asarray(xyz, dtype=float)
    return polyline.replace(vertices=pts)


def delete_vertex(polyline: Polyline3D, vertex: int) -> Polyline3D:
    pts = [tuple(p) for i, p in enumerate(polyline.points) if i != vertex]
    return polyline.replace(vertices=pts, closed=polyline.closed and len(pts) > 2)


def toggle_closed(polyline: Polyline3D) -> Polyline3D:
    return polyline.replace(closed=not polyline.closed)
