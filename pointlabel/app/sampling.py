"""Which points a view receives: range filter, voxel downsampling to a point budget, and the
full-resolution region around the selected box. Pure numpy; all arrays LiDAR frame."""
from __future__ import annotations

import numpy as np


def range_mask(pts_lidar: np.ndarray, r_min: float, r_max: float) -> np.ndarray:
    """pts_lidar: (N, 3) -> (N,) bool, horizontal distance from the sensor within [r_min, r_max]."""
    r2 = pts_lidar[:, 0].astype(np.float64) ** 2 + pts_lidar[:, 1].astype(np.float64) ** 2
    return (r2 >= r_min * r_min) & (r2 <= r_max * r_max)


def voxel_indices(pts_lidar: np.ndarray, voxel: float) -> np.ndarray:
    """pts_lidar: (N, 3) -> sorted indices of one real point (the first) per occupied voxel."""
    q = np.floor(pts_lidar / voxel).astype(np.int64)
    q -= q.min(axis=0)
    dims = q.max(axis=0) + 1
    keys = (q[:, 0] * dims[1] + q[:, 1]) * dims[2] + q[:, 2]
    _, first = np.unique(keys, return_index=True)
    first.sort()
    return first


def downsample_to_budget(pts_lidar: np.ndarray, budget: int, seed: int = 0,
                         start_voxel: float | None = None) -> tuple[np.ndarray, float | None]:
    """pts_lidar: (N, 3) -> (indices (M,) with M <= budget, voxel size used or None).

    Below the budget every point is kept. Above it: a random pre-thinning to 4x the budget
    (so big scans cost one pass of O(N)), then a voxel grid whose size is searched in log
    space (the occupied count falls as a power of the voxel size) until it holds 85-100 % of
    the budget; a last random thinning trims any remainder. Kept points are real points of
    the cloud (not voxel centroids), so a click on one is a click on the data. `start_voxel`
    (e.g. the size the previous sweep needed) is tried first: consecutive sweeps usually need
    the same size, which spares the search.
    """
    n = len(pts_lidar)
    if n <= budget:
        return np.arange(n), None
    rng = np.random.default_rng(seed)
    pool = np.arange(n)
    if n > 4 * budget:
        pool = np.flatnonzero(rng.random(n) < 4 * budget / n)
    pts = pts_lidar[pool]
    if start_voxel:  # the hint is the search's first probe
        v0 = float(start_voxel)
        first = voxel_indices(pts, v0)
        if 0.85 * budget <= len(first) <= budget:
            return pool[first], v0
        k0 = len(first)
        best = (first, v0) if k0 <= budget else None
        v1 = v0 * float(np.exp(np.log(0.93 * budget / k0) / -2.0))  # count ~ voxel^-2 near here
    else:
        extent = np.ptp(pts, axis=0).astype(np.float64)
        area = max(extent[0] * extent[1], extent[0] * extent[2], extent[1] * extent[2], 1e-6)
        v0 = float(np.sqrt(area / budget))
        k0 = len(voxel_indices(pts, v0))
        v1 = v0 * 0.7 if k0 < budget else v0 * 1.4
        best = None
    for _ in range(6):
        idx = voxel_indices(pts, v1)
        k1 = len(idx)
        if k1 <= budget and (best is None or k1 > len(best[0])):
            best = (idx, v1)
        if 0.85 * budget <= k1 <= budget:
            break
        slope = np.log(k1 / k0) / np.log(v1 / v0) if k1 != k0 and v1 != v0 else -2.0
        slope = min(slope, -0.5)
        v0, k0 = v1, k1
        v1 = v1 * float(np.exp(np.log(0.93 * budget / k1) / slope))
    if best is None:
        idx, v1 = voxel_indices(pts, v1), v1
        best = (np.sort(rng.choice(idx, size=budget, replace=False)) if len(idx) > budget else idx, v1)
    return pool[best[0]], float(best[1])
