"""What fitting needs of one sweep, built once per frame: points, ground, height above it,
the above-ground "object" points with a KD-tree, and the sweep's field of view.

All arrays are in the LiDAR frame (x forward, y left, z up, metres; the sensor at the origin).
`context_for(dataset, frame_id)` keeps the last few frames' contexts in a small LRU cache, so
a click on an already loaded frame costs only the fit itself.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree

from pointlabel.geometry.ground import GroundModel, estimate_ground

MIN_OBJECT_HEIGHT = 0.25  # m above the ground: lower points are ground (and its noise)
MAX_OBJECT_HEIGHT = 4.5   # m above the ground: higher points are no labelled object's
BLOCKER_HEIGHT = 0.5      # m above the ground: lower things (kerbs) hide no object behind them
PIT_DEPTH = 0.5           # m: a ground cell this far below its neighbourhood's median is a pit
PIT_WINDOW = 5            # cells: the neighbourhood of that median


@dataclass(frozen=True)
class SweepExtent:
    """Where the sweep ends: the largest empty azimuth sector (radians, counter-clockwise from
    `gap_start` to `gap_end`, None for a full 360-degree sweep), the largest range (m) and
    the highest elevation angle (rad) of its beams."""

    gap_start: float | None
    gap_end: float | None
    max_range: float
    max_elevation: float = np.pi / 2

    def cut_at_top(self, pts_lidar: np.ndarray, tol_deg: float = 0.4) -> bool:
        """Does an object (n, 3) reach the sweep's top beam (so it may be taller)?"""
        pts = np.asarray(pts_lidar, dtype=float).reshape(-1, 3)
        el = np.arctan2(pts[:, 2], np.hypot(pts[:, 0], pts[:, 1]))
        return bool(el.max() >= self.max_elevation - np.radians(tol_deg))


@dataclass(frozen=True, eq=False)
class FrameContext:
    """One sweep prepared for fitting.

    pts_lidar: (N, 3) float64 LiDAR frame; height: (N,) metres above the ground;
    obj_idx: (M,) indices of the points between MIN_ and MAX_OBJECT_HEIGHT above the ground;
    tree: cKDTree over pts_lidar[obj_idx]; ground: the frame's GroundModel; blockers: the
    azimuth and range of the points that hide what is behind them (`seen_free`); returns:
    the same of every point, ground included (`seen_between`).
    """

    pts_lidar: np.ndarray
    height: np.ndarray
    obj_idx: np.ndarray
    tree: cKDTree
    ground: GroundModel
    sweep: SweepExtent
    frame_id: str | None = None
    blockers: np.ndarray | None = None  # (B, 3) azimuth (rad, sorted), elevation, range (m)
    returns: np.ndarray | None = None  # (N, 3) the same of every point, ground included

    @staticmethod
    def build(pts_lidar: np.ndarray, frame_id: str | None = None) -> "FrameContext":
        """pts_lidar: (N, 3) (or (N, >=3), extra columns ignored) LiDAR frame."""
        pts = np.asarray(pts_lidar, dtype=float)[:, :3]
        pts = pts[np.all(np.isfinite(pts), axis=1)]
        ground = fill_pits(estimate_ground(pts))
        height = ground.height_above(pts)
        obj_idx = np.flatnonzero((height > MIN_OBJECT_HEIGHT) & (height < MAX_OBJECT_HEIGHT))
        obj = pts[obj_idx]
        tall = obj[height[obj_idx] > BLOCKER_HEIGHT]
        returns = polar(pts)
        return FrameContext(pts, height, obj_idx, cKDTree(obj), ground, sweep_extent(pts),
                            frame_id, polar(tall)[np.argsort(np.arctan2(tall[:, 1], tall[:, 0]))],
                            returns[np.argsort(returns[:, 0])])

    @property
    def obj_pts(self) -> np.ndarray:
        """(M, 3) the above-ground object candidate points, LiDAR frame."""
        return self.pts_lidar[self.obj_idx]

    def seen_free(self, pts_lidar: np.ndarray, clearance: float = 0.3) -> np.ndarray:
        """pts_lidar: (P, 3) -> (P,) bool: did the sweep see past these spots? False where
        something (taller than BLOCKER_HEIGHT) stands more than `clearance` m in front of a
        spot on its line of sight (within 0.3 degree of azimuth and 0.6 of elevation), or the
        spot is outside the sweep's field of view or range."""
        az, el, rng = polar(np.asarray(pts_lidar, dtype=float).reshape(-1, 3)).T
        tol = np.maximum(np.radians(0.3), 0.1 / np.maximum(rng, 0.1))
        out = rng < self.sweep.max_range
        if self.sweep.gap_start is not None:
            gap = (self.sweep.gap_end - self.sweep.gap_start) % (2 * np.pi)
            out &= (az - self.sweep.gap_start) % (2 * np.pi) >= gap
        b_az, b_el, b_rng = self.blockers.T
        for i in np.flatnonzero(out):
            for lo, hi in azimuth_intervals(az[i] - tol[i], az[i] + tol[i]):
                i0, i1 = np.searchsorted(b_az, [lo, hi])
                on_ray = np.abs(b_el[i0:i1] - el[i]) < np.radians(0.6)
                if (on_ray & (b_rng[i0:i1] < rng[i] - clearance)).any():
                    out[i] = False
        return out


    def seen_between(self, pts_a: np.ndarray, pts_b: np.ndarray, margin: float = 0.3,
                     pad_deg: float = 0.05) -> np.ndarray:
        """pts_a, pts_b: (P, 3) LiDAR frame -> (P,) bool: did a ray pass between a and b and
        return from beyond both (farther than the farther of the two by `margin` m)? The
        rays looked at are those inside the azimuth-elevation window that a and b span
        (widened by `pad_deg`). False where no ray passed (the gap between two neighbouring
        rays on a surface seen at a grazing angle) or every ray stopped at or before them (a
        gap inside one object, or one in the shadow of something else)."""
        a = polar(np.asarray(pts_a, dtype=float).reshape(-1, 3))
        b = polar(np.asarray(pts_b, dtype=float).reshape(-1, 3))
        pad = np.radians(pad_deg)
        d_az = (b[:, 0] - a[:, 0] + np.pi) % (2 * np.pi) - np.pi
        az_lo = np.minimum(a[:, 0], a[:, 0] + d_az) - pad
        az_hi = np.maximum(a[:, 0], a[:, 0] + d_az) + pad
        el_lo = np.minimum(a[:, 1], b[:, 1]) - pad
        el_hi = np.maximum(a[:, 1], b[:, 1]) + pad
        beyond = np.maximum(a[:, 2], b[:, 2]) + margin
        r_az, r_el, r_rng = self.returns.T
        out = np.zeros(len(a), dtype=bool)
        for i in range(len(a)):
            for lo, hi in azimuth_intervals(az_lo[i], az_hi[i]):
                i0, i1 = np.searchsorted(r_az, [lo, hi])
                window = (r_el[i0:i1] >= el_lo[i]) & (r_el[i0:i1] <= el_hi[i])
                if (window & (r_rng[i0:i1] > beyond[i])).any():
                    out[i] = True
        return out


def fill_pits(ground: GroundModel, depth: float = PIT_DEPTH, window: int = PIT_WINDOW) -> GroundModel:
    """The ground model with its pits filled: a cell more than `depth` m below the median
    of the `window` x `window` cells around it takes that median.

    Pits come from returns below the road surface (KITTI's Velodyne sees a few points
    metres under the road near cars: reflections off their bodies or a wet road). A grey
    opening removes narrow bumps, never narrow pits, so the ground sinks there and the
    road's own points around it stand "above the ground": they join the car beside them
    (a car fitted as a truck, 000019 and 000142). A real slope or step passes unchanged
    (the median of a ramp is its centre)."""
    h = ground.heights
    if min(h.shape) < window:
        return ground
    med = ndimage.median_filter(h, size=window, mode="nearest")
    pit = h < med - depth
    if not pit.any():
        return ground
    return GroundModel(ground.origin_xy, ground.cell, np.where(pit, med, h), ground.observed)


def polar(pts: np.ndarray) -> np.ndarray:
    """(N, 3) LiDAR frame -> (N, 3) azimuth, elevation (rad) and horizontal range (m)."""
    rng = np.hypot(pts[:, 0], pts[:, 1])
    return np.column_stack([np.arctan2(pts[:, 1], pts[:, 0]), np.arctan2(pts[:, 2], rng), rng])

def azimuth_intervals(lo: float, hi: float) -> list[tuple[float, float]]:
    """An azimuth interval as one or two intervals inside [-pi, pi]."""
    if lo < -np.pi:
        return [(lo + 2 * np.pi, np.pi), (-np.pi, hi)]
    if hi > np.pi:
        return [(lo, np.pi), (-np.pi, hi - 2 * np.pi)]
    return [(lo, hi)]


def sweep_extent(pts_lidar: np.ndarray, min_gap_deg: float = 10.0) -> SweepExtent:
    """The field of view of a sweep: its largest empty azimuth sector if wider than
    `min_gap_deg`, and its largest range. pts_lidar: (N, 3) LiDAR frame."""
    pts = np.asarray(pts_lidar, dtype=float).reshape(-1, 3)
    rng = np.hypot(pts[:, 0], pts[:, 1])
    max_range = float(rng.max()) if len(rng) else 0.0
    if len(pts) < 2:
        return SweepExtent(None, None, max_range)
    top = float(np.percentile(np.arctan2(pts[:, 2], np.maximum(rng, 1e-6)), 99.99))
    az = np.sort(np.arctan2(pts[:, 1], pts[:, 0]))
    gaps = np.diff(np.append(az, az[0] + 2 * np.pi))
    k = int(np.argmax(gaps))
    if gaps[k] < np.radians(min_gap_deg):
        return SweepExtent(None, None, max_range, top)
    start = float(az[k])
    end = float((az[(k + 1) % len(az)] + np.pi) % (2 * np.pi) - np.pi)
    return SweepExtent(start, end, max_range, top)


class ContextCache:
    """A small thread-safe LRU of FrameContexts keyed by (dataset root, frame id)."""

    def __init__(self, maxsize: int = 6):
        self.maxsize = maxsize
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, dataset, frame_id: str) -> FrameContext:
        """The context of `frame_id` of `dataset` (anything with `.root` and `.load_cloud`)."""
        key = (str(dataset.root), str(frame_id))
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        ctx = FrameContext.build(dataset.load_cloud(frame_id).xyz, frame_id=str(frame_id))
        with self._lock:
            self._items[key] = ctx
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)
        return ctx

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_DEFAULT_CACHE = ContextCache()


def context_for(dataset, frame_id: str) -> FrameContext:
    """The (cached) FrameContext of one frame of a dataset."""
    return _DEFAULT_CACHE.get(dataset, frame_id)
