"""Vectorised cuboid geometry in the LiDAR frame: batches, corners, points in boxes, BEV.

Batch layout: (M, 7) [x, y, z, l, w, h, yaw], geometric centre, yaw about +z. The corner order
and edge list are calibration.cuboid_topology's (re-exported here).
"""
from __future__ import annotations

import numpy as np

from calibration.cuboid_topology import EDGES, UNIT_CORNERS, batch_box_corners  # noqa: F401
from pointlabel.model import Cuboid


def cuboids_to_array(cuboids) -> np.ndarray:
    """Sequence of Cuboid -> (M, 7)."""
    return np.array([c.as_array() for c in cuboids], dtype=float).reshape(-1, 7)


def array_to_cuboids(boxes: np.ndarray, labels=None, **common) -> list[Cuboid]:
    """(M, 7) -> list of Cuboid (labels: optional per-box class names)."""
    boxes = np.asarray(boxes, dtype=float).reshape(-1, 7)
    labels = labels if labels is not None else ["Car"] * len(boxes)
    return [Cuboid(center=b[:3], size_lwh=b[3:6], yaw=b[6], label=lab, **common)
            for b, lab in zip(boxes, labels)]


def points_in_box_mask(pts_lidar: np.ndarray, box: np.ndarray, margin: float = 0.0) -> np.ndarray:
    """pts_lidar: (N, 3); box: (7,) -> (N,) bool, inside the box grown by `margin` metres."""
    b = np.asarray(box, dtype=float)
    d = np.asarray(pts_lidar, dtype=float)[:, :3] - b[:3]
    c, s = np.cos(b[6]), np.sin(b[6])
    x = d[:, 0] * c + d[:, 1] * s
    y = -d[:, 0] * s + d[:, 1] * c
    half = b[3:6] / 2 + margin
    return (np.abs(x) <= half[0]) & (np.abs(y) <= half[1]) & (np.abs(d[:, 2]) <= half[2])


def points_in_cuboid_mask(pts_lidar: np.ndarray, cuboid: Cuboid, margin: float = 0.0) -> np.ndarray:
    """Full-orientation version for one Cuboid: (N, 3) -> (N,) bool."""
    local = (np.asarray(pts_lidar, dtype=float)[:, :3] - np.asarray(cuboid.center)) @ cuboid.rotation
    half = np.asarray(cuboid.size_lwh) / 2 + margin
    return np.all(np.abs(local) <= half, axis=1)


def count_points_in_boxes(pts_lidar: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """(N, 3), (M, 7) -> (M,) number of points in each box (a coarse radius prefilter first)."""
    boxes = np.asarray(boxes, dtype=float).reshape(-1, 7)
    pts = np.asarray(pts_lidar, dtype=float)[:, :3]
    out = np.zeros(len(boxes), dtype=int)
    for i, b in enumerate(boxes):
        r = np.linalg.norm(b[3:6]) / 2
        near = np.abs(pts[:, 0] - b[0]) <= r
        near &= np.abs(pts[:, 1] - b[1]) <= r
        out[i] = int(points_in_box_mask(pts[near], b).sum())
    return out


def bev_corners(boxes: np.ndarray) -> np.ndarray:
    """(M, 7) -> (M, 4, 2) bottom-face corners in x-y (order 0-3 of the topology)."""
    return batch_box_corners(boxes)[:, :4, :2]
