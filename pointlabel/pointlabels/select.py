"""The selection tools of point-wise labelling, as pure numpy functions -> (N,) bool masks.

Every `pts_lidar` is (N, 3) in the LiDAR frame (x forward, y left, z up, metres), in the
order of the loaded cloud. Screen space is the canvas's: pixels, origin at the top-left,
x right, y down; a `view_projection` maps LiDAR-frame points to clip space (OpenGL/three.js
convention, NDC x, y in [-1, 1], y up) and `viewport` is (width, height) in pixels.
"""
from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from pointlabel.geometry.boxes import points_in_cuboid_mask


def as_matrix4(m) -> np.ndarray:
    """A 4x4 matrix from nested rows ([[...], x4], row-major) or 16 numbers in WebGL's
    column-major order (three.js `Matrix4.elements`)."""
    a = np.asarray(m, dtype=float)
    if a.shape == (4, 4):
        return a
    if a.shape == (16,):
        return a.reshape(4, 4, order="F")
    raise ValueError(f"expected a 4x4 matrix or 16 numbers, got shape {a.shape}")


def brush_mask(pts_lidar: np.ndarray, centre_lidar, radius: float, xy_only: bool = False) -> np.ndarray:
    """Points within `radius` m of `centre_lidar` (3,) (a sphere under the cursor), or of any
    of several centres (K, 3) (one drag of the brush); `xy_only`: distance in x-y only (a
    vertical cylinder: the BEV's brush, which sees no depth)."""
    pts = np.asarray(pts_lidar, dtype=np.float64)
    centres = np.asarray(centre_lidar, dtype=np.float64).reshape(-1, 3)
    dims = 2 if xy_only else 3
    mask = np.zeros(len(pts), dtype=bool)
    for c in centres:
        d = pts[:, :dims] - c[:dims]
        mask |= np.einsum("ij,ij->i", d, d) <= float(radius) ** 2
    return mask


def project_to_screen(pts_lidar: np.ndarray, view_projection, viewport) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """pts_lidar (N, 3) -> (xy_px (N, 2) screen pixels, w (N,) clip w, valid (N,) w > 0).
    Invalid points (behind a perspective camera) get NaN pixels, never a silent divide."""
    vp = as_matrix4(view_projection)
    pts = np.asarray(pts_lidar, dtype=np.float64)
    clip = pts @ vp[:, :3].T + vp[:, 3]  # (N, 4) clip coordinates
    w = clip[:, 3]
    valid = w > 1e-9
    safe_w = np.where(valid, w, np.nan)
    width, height = float(viewport[0]), float(viewport[1])
    x_px = (clip[:, 0] / safe_w + 1.0) * 0.5 * width
    y_px = (1.0 - clip[:, 1] / safe_w) * 0.5 * height
    return np.column_stack([x_px, y_px]), w, valid


def points_in_polygon(xy: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """xy: (N, 2), polygon: (K, 2) vertices (closed implicitly) -> (N,) bool, even-odd rule.
    NaN rows are outside."""
    poly = np.asarray(polygon, dtype=np.float64).reshape(-1, 2)
    xy = np.asarray(xy, dtype=np.float64)
    out = np.zeros(len(xy), dtype=bool)
    if len(poly) < 3:
        return out
    lo, hi = poly.min(axis=0), poly.max(axis=0)
    cand = np.flatnonzero((xy[:, 0] >= lo[0]) & (xy[:, 0] <= hi[0]) & (xy[:, 1] >= lo[1]) & (xy[:, 1] <= hi[1]))
    x, y = xy[cand, 0], xy[cand, 1]
    inside = np.zeros(len(cand), dtype=bool)
    for (x0, y0), (x1, y1) in zip(poly, np.roll(poly, -1, axis=0)):
        if y0 == y1:
            continue
        crosses = (y0 > y) != (y1 > y)
        x_at = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
        inside ^= crosses & (x < x_at)
    out[cand] = inside
    return out


def lasso_mask(pts_lidar: np.ndarray, view_projection, viewport, polygon_px,
               depth_range: tuple[float, float] | None = None, view=None) -> np.ndarray:
    """Points whose projection falls inside the screen polygon `polygon_px` (K, 2) pixels.

    depth_range: (near, far) metres along the viewing direction: with `view` (4x4
    T_view_from_lidar, the camera's matrixWorldInverse) the depth is -z of the view frame;
    without it, the clip-space w (the same for a perspective camera; 1 for an orthographic
    one). Points behind a perspective camera are never selected.
    """
    xy_px, w, valid = project_to_screen(pts_lidar, view_projection, viewport)
    mask = valid & points_in_polygon(xy_px, polygon_px)
    if depth_range is not None:
        if view is not None:
            v = as_matrix4(view)
            depth = -(np.asarray(pts_lidar, dtype=np.float64) @ v[2, :3] + v[2, 3])
        else:
            depth = w
        near, far = float(depth_range[0]), float(depth_range[1])
        mask &= (depth >= near) & (depth <= far)
    return mask


def cluster_mask(pts_lidar: np.ndarray, obj_idx: np.ndarray, tree: cKDTree, seed_lidar,
                 radius: float = 0.5, seed_snap: float = 0.6, max_points: int = 300_000) -> np.ndarray:
    """Fill this cluster: region growing from the clicked spot over the above-ground points.

    obj_idx: (M,) indices into pts_lidar of the above-ground points (FrameContext.obj_idx);
    tree: KD-tree over pts_lidar[obj_idx]; seed_lidar: (3,) the clicked spot. The seed is the
    nearest above-ground point within `seed_snap` m (none: an empty mask, the click was on
    the ground); points within `radius` m of a grown point join, wave by wave.
    """
    mask = np.zeros(len(pts_lidar), dtype=bool)
    seed = np.asarray(seed_lidar, dtype=np.float64).reshape(3)
    if not np.all(np.isfinite(seed)):
        return mask
    dist, first = tree.query(seed, k=1)
    if not np.isfinite(dist) or dist > seed_snap:
        return mask
    obj_pts = tree.data
    grown = np.zeros(len(obj_idx), dtype=bool)
    grown[first] = True
    frontier = np.array([first])
    while len(frontier) and grown.sum() < max_points:
        hits = tree.query_ball_point(obj_pts[frontier], radius, return_sorted=False)
        near = np.unique(np.concatenate([np.asarray(h, dtype=np.int64) for h in hits]))
        frontier = near[~grown[near]]
        grown[frontier] = True
    mask[obj_idx[grown]] = True
    return mask


def box_mask(pts_lidar: np.ndarray, cuboid, margin: float = 0.0) -> np.ndarray:
    """Points inside a cuboid (LiDAR frame), `margin` m added on every side."""
    return points_in_cuboid_mask(np.asarray(pts_lidar), cuboid, margin)


def ground_mask(height_above_ground: np.ndarray, max_height: float = 0.25, min_height: float = -0.5,
                pts_lidar: np.ndarray | None = None, centre_xy=None, radius: float | None = None) -> np.ndarray:
    """Ground points: height above the ground model (N,) between min_height and max_height m
    (`FrameContext.height`, from `geometry.ground`); optionally only within `radius` m (in x-y)
    of `centre_xy`."""
    h = np.asarray(height_above_ground)
    mask = (h >= min_height) & (h <= max_height)
    if radius is not None and centre_xy is not None and pts_lidar is not None:
        d = np.asarray(pts_lidar)[:, :2] - np.asarray(centre_xy, dtype=float)[:2]
        mask &= np.einsum("ij,ij->i", d, d) <= float(radius) ** 2
    return mask
