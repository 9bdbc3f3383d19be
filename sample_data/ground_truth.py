"""Ground truth of one sweep, in its LiDAR frame: every actor's cuboid, lane lines and curbs.

A cuboid is the exact bounding box of the actor's mesh in the actor's own frame (so its
geometric centre is the box centre, its yaw the heading, and its pitch the road grade
relative to the ego), expressed in the LiDAR frame at the sweep's time. Attributes carry
`colour` (the object's colour in the camera images, "#rrggbb"), `num_points` (LiDAR returns
that hit the object in this sweep), `moving` and `speed` (m/s).
"""
from __future__ import annotations

import numpy as np

from calibration.transforms import invert, transform_points
from pointlabel.model import Cuboid, FrameAnnotations, Polyline3D
from sample_data.scene import CURB_H, CURB_Y, LANE_LINES, PAINT_LIFT, Scene, road_height

GT_RANGE = 100.0  # metres from the LiDAR: farther objects without returns are left out
POLYLINE_REACH = (-40.0, 100.0)  # x range around the ego covered by lane polylines
POLYLINE_STEP = 5.0


def sweep_annotations(scene: Scene, t: float, frame_id: str, points_per_actor: np.ndarray,
                      poses: np.ndarray) -> FrameAnnotations:
    """The ground truth at time t.

    points_per_actor: (A,) LiDAR returns per scene actor; poses: (A, 4, 4) T_world_from_object
    at time t (the snapshot's, so boxes and points agree exactly).
    """
    T_world_from_lidar = scene.T_world_from_lidar(t)
    T_lidar_from_world = invert(T_world_from_lidar)
    cuboids = []
    for k, actor in enumerate(scene.actors):
        T_lidar_from_obj = T_lidar_from_world @ poses[k]
        l, w, h = actor.size_lwh
        centre_lidar = transform_points(T_lidar_from_obj, [[0.0, 0.0, h / 2]])[0]
        n = int(points_per_actor[k])
        if n == 0 and np.hypot(*centre_lidar[:2]) > GT_RANGE:
            continue
        speed = float(np.hypot(actor.vx, actor.vy))
        box_obj = Cuboid(center=(0.0, 0.0, h / 2), size_lwh=(l, w, h), yaw=0.0, label=actor.label,
                         track_id=actor.track_id, id=f"gt-{frame_id}-{actor.track_id}",
                         attributes={"colour": "#%02x%02x%02x" % actor.colour, "num_points": n,
                                     "moving": actor.moving, "speed": round(speed, 3)},
                         source="sample_data")
        cuboids.append(box_obj.transformed(T_lidar_from_obj))
    return FrameAnnotations(frame_id, tuple(cuboids), tuple(_polylines(frame_id, T_world_from_lidar)))


def _polylines(frame_id: str, T_world_from_lidar: np.ndarray) -> list[Polyline3D]:
    """Lane lines (paint centre lines, on the paint) and curb top edges near the ego."""
    x_ego = T_world_from_lidar[0, 3]
    x0 = np.floor((x_ego + POLYLINE_REACH[0]) / POLYLINE_STEP) * POLYLINE_STEP
    xs = np.arange(x0, x_ego + POLYLINE_REACH[1] + POLYLINE_STEP, POLYLINE_STEP)
    T_lidar_from_world = invert(T_world_from_lidar)
    lines = [("lane", y, road_height(xs) + PAINT_LIFT, {"style": style, "colour": colour, "width": width})
             for y, width, style, colour in LANE_LINES]
    lines += [("curb", side * CURB_Y, road_height(xs) + CURB_H, {"height": CURB_H}) for side in (-1, 1)]
    out = []
    for k, (label, y, z, attrs) in enumerate(lines):
        pts_world = np.column_stack([xs, np.full(len(xs), y), z])
        pts_lidar = transform_points(T_lidar_from_world, pts_world)
        out.append(Polyline3D(vertices=pts_lidar, label=label, track_id=1000 + k,
                              id=f"gt-{frame_id}-{label}{k}", attributes=attrs))
    return out
