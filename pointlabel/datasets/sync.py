"""Pairing LiDAR sweeps with camera frames by timestamp."""
from __future__ import annotations

import numpy as np


def match_nearest(t_sweeps: np.ndarray, t_cam: np.ndarray, tolerance: float):
    """For every sweep time, the camera frame nearest in time.

    t_sweeps: (N,) seconds; t_cam: (K,) seconds, any order (NaN entries are never matched);
    tolerance: seconds. Returns (idx (N,) int index into t_cam, -1 when there is no camera
    frame at all or the sweep time is NaN; dt (N,) t_cam[idx] - t_sweeps, NaN when idx is -1; ok (N,) bool,
    |dt| <= tolerance). On an exact tie the earlier camera frame wins.
    """
    t_sweeps = np.asarray(t_sweeps, dtype=float).reshape(-1)
    t_cam = np.asarray(t_cam, dtype=float).reshape(-1)
    n = len(t_sweeps)
    finite = np.flatnonzero(np.isfinite(t_cam))
    if len(finite) == 0:
        return np.full(n, -1), np.full(n, np.nan), np.zeros(n, bool)
    order = finite[np.argsort(t_cam[finite], kind="stable")]
    t_sorted = t_cam[order]
    pos = np.searchsorted(t_sorted, t_sweeps)
    before = np.clip(pos - 1, 0, len(order) - 1)
    after = np.clip(pos, 0, len(order) - 1)
    with np.errstate(invalid="ignore"):
        pick_after = np.abs(t_sorted[after] - t_sweeps) < np.abs(t_sorted[before] - t_sweeps)
    idx = np.where(np.isfinite(t_sweeps), order[np.where(pick_after, after, before)], -1)
    dt = np.where(idx >= 0, t_cam[idx] - t_sweeps, np.nan)
    with np.errstate(invalid="ignore"):
        ok = np.abs(dt) <= tolerance
    return idx, dt, ok
