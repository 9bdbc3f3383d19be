"""Levelling a scan: the rotation that makes its dominant plane (floor, table) horizontal.

A camera looking down at a table gives, after `--up -y`, a table tilted by the camera's pitch;
this finds the largest plane (Open3D's RANSAC, seeded so the result is repeatable) among the
points facing roughly up and returns the smallest rotation taking its normal to +z.
"""
from __future__ import annotations

import numpy as np

MAX_TILT_DEG = 60.0  # a plane steeper than this is a wall, not the floor to level


def rotation_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(3, 3) rotation taking unit vector a to unit vector b (Rodrigues): the smallest one when
    they are within 90 degrees (always so for levelling, whose normals point up). Further
    apart, a is first turned by pi about an axis perpendicular to it, so the formula's
    1 / (1 + cos) is never near a division by zero."""
    a = np.asarray(a, float) / np.linalg.norm(a)
    b = np.asarray(b, float) / np.linalg.norm(b)
    if np.dot(a, b) < 0:
        axis = np.cross(a, [1.0, 0, 0] if abs(a[0]) < 0.9 else [0, 1.0, 0])
        axis /= np.linalg.norm(axis)
        half_turn = 2 * np.outer(axis, axis) - np.eye(3)  # takes a to -a
        return _rodrigues(-a, b) @ half_turn
    return _rodrigues(a, b)


def _rodrigues(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Rotation taking unit a to unit b, for a . b >= 0."""
    v, c = np.cross(a, b), float(np.dot(a, b))
    V = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
    return np.eye(3) + V + V @ V / (1 + c)


def dominant_plane_normal(pts: np.ndarray, distance: float = 0.01, seed: int = 0) -> np.ndarray | None:
    """pts: (N, 3) -> unit normal (z >= 0) of the largest plane within MAX_TILT_DEG of
    horizontal, or None when there is none. `distance`: inlier band, metres."""
    import open3d as o3d
    pts = np.asarray(pts, dtype=np.float64)
    if len(pts) < 50:
        return None
    if len(pts) > 200_000:
        pts = pts[np.random.default_rng(seed).choice(len(pts), 200_000, replace=False)]
    o3d.utility.random.seed(seed)
    cloud = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(pts))
    for _ in range(3):  # the largest plane may be a wall: drop it and look again
        if len(cloud.points) < 50:
            return None
        plane, inliers = cloud.segment_plane(distance, 3, 500)
        n = np.asarray(plane[:3], float)
        n = n / np.linalg.norm(n) * (1 if plane[2] >= 0 else -1)
        if np.degrees(np.arccos(np.clip(n[2], -1, 1))) <= MAX_TILT_DEG:
            return n
        cloud = cloud.select_by_index(inliers, invert=True)
    return None


def levelling_rotation(pts: np.ndarray) -> np.ndarray:
    """pts: (N, 3), z roughly up -> (3, 3) rotation making its dominant plane level
    (identity when no plane is found)."""
    n = dominant_plane_normal(pts)
    return np.eye(3) if n is None else rotation_between(n, [0.0, 0.0, 1.0])
