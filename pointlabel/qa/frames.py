"""What the checks see of one frame, and the per-frame geometry they share, computed once.

All arrays are in the LiDAR frame (x forward, y left, z up, metres). `FrameGeometry` holds the
sweep's points, the ground model fitted to them, every point's height above that ground, and
which points lie in which box; box membership uses each cuboid's full orientation. The points
are kept sorted by x (in 0.25 m buckets), so the points near a box are a contiguous slice
(then narrowed by x and y before anything is rotated): a frame costs one linear-time sort,
not one pass over the sweep per box.
Point indices handed out refer to that sorted order (`pts`, `height`).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from calibration.rig import Rig
from pointlabel.geometry.ground import GroundModel, estimate_ground
from pointlabel.model import STATUS_REJECTED, FrameAnnotations

MAX_GROW = 2.0  # m: a box's neighbourhood covers at least this growth (more on demand)
X_BUCKETS_PER_M = 4  # points are sorted by x in buckets this fine


@dataclass(frozen=True, eq=False)
class FrameInput:
    """One frame to check: its annotations, and optionally its sweep (pts_lidar (N, 3) LiDAR
    frame), its rig (for projections), its time (seconds; None: `CheckConfig.sweep_period`
    apart from its neighbours) and its pose T_world_from_lidar (4, 4) (None: tracks are
    followed relative to the moving sensor)."""

    frame_id: str
    annotations: FrameAnnotations
    pts_lidar: np.ndarray | None = None
    rig: Rig | None = None
    timestamp: float | None = None
    T_world_from_lidar: np.ndarray | None = None

    @property
    def cuboids(self) -> list:
        """The cuboids that count (rejected proposals do not)."""
        return [c for c in self.annotations.cuboids if c.status != STATUS_REJECTED]


class FrameGeometry:
    """Points, ground and box membership of one sweep.

    pts_lidar: (N, 3); centres (M, 3), sizes_lwh (M, 3), rotations (M, 3, 3) box-to-LiDAR.
    """

    def __init__(self, pts_lidar: np.ndarray, cuboids, ground: GroundModel | None = None):
        pts = np.asarray(pts_lidar, dtype=float).reshape(-1, 3)
        pts = pts[np.all(np.isfinite(pts), axis=1)]
        # sort by x in 0.25 m buckets: a 16-bit key sorts in linear time (numpy's radix sort)
        key = np.clip(np.floor(pts[:, 0] * X_BUCKETS_PER_M), -32768, 32767).astype(np.int16)
        order = np.argsort(key, kind="stable")
        self.pts, self._key = pts[order], key[order]
        self.centres = np.array([c.center for c in cuboids], dtype=float).reshape(-1, 3)
        self.sizes = np.array([c.size_lwh for c in cuboids], dtype=float).reshape(-1, 3)
        self.rotations = np.array([c.rotation for c in cuboids], dtype=float).reshape(-1, 3, 3)
        self.ground = ground if ground is not None else estimate_ground(self.pts)
        self.height = self.ground.height_above(self.pts)
        self._x = np.ascontiguousarray(self.pts[:, 0])
        self._y = np.ascontiguousarray(self.pts[:, 1])
        self._hoods: dict[int, tuple[float, np.ndarray, np.ndarray]] = {}

    def __len__(self) -> int:
        return len(self.centres)

    @cached_property
    def blockers(self):
        """The sweep's line-of-sight index (`qa.sight.Blockers`), built on first use."""
        from pointlabel.qa.sight import Blockers
        return Blockers(self)

    def near(self, xy, reach: float) -> np.ndarray:
        """Indices of the points within `reach` m of x-y position `xy` in x and in y."""
        k_lo, k_hi = np.clip(np.floor(np.array([xy[0] - reach, xy[0] + reach]) * X_BUCKETS_PER_M),
                             -32768, 32767).astype(np.int16)
        lo = int(np.searchsorted(self._key, k_lo, side="left"))
        hi = int(np.searchsorted(self._key, k_hi, side="right"))
        keep = (np.abs(self._x[lo:hi] - xy[0]) <= reach) & (np.abs(self._y[lo:hi] - xy[1]) <= reach)
        return lo + np.flatnonzero(keep)

    def candidates(self, k: int, reach: float) -> np.ndarray:
        """Indices of the points within `reach` m of box k's centre in x and in y."""
        return self.near(self.centres[k], reach)

    def nearest_distance(self, q, reach: float) -> float:
        """Distance from q (3,) to the nearest point within `reach` m in x and y (inf: none)."""
        idx = self.near(q, reach)
        if len(idx) == 0:
            return float("inf")
        return float(np.sqrt(((self.pts[idx] - q) ** 2).sum(axis=1).min()))

    def local(self, k: int, idx: np.ndarray) -> np.ndarray:
        """(n, 3) points `idx` in box k's own frame (x along the heading, z up the box)."""
        return (self.pts[idx] - self.centres[k]) @ self.rotations[k]

    def _hood(self, k: int, grow: float = MAX_GROW) -> tuple[np.ndarray, np.ndarray]:
        """(indices, |local coordinates|) of the points around box k, enough for a growth of
        `grow` m (at least MAX_GROW; computed once per box, again only for a larger growth:
        every mask below is a comparison on it)."""
        if k not in self._hoods or self._hoods[k][0] < grow:
            reach = max(grow, MAX_GROW)
            half = self.sizes[k] / 2 + reach
            idx = self.candidates(k, float(np.linalg.norm(half)) + 0.5)
            self._hoods[k] = (reach, idx, np.abs(self.local(k, idx)))
        return self._hoods[k][1:]

    def box_points(self, k: int, grow_xy: float = 0.0, grow_z: float = 0.0) -> np.ndarray:
        """Indices of the points inside box k grown by `grow_xy` m sideways, `grow_z` m up/down."""
        idx, a = self._hood(k, max(grow_xy, grow_z))
        hx, hy, hz = self.sizes[k] / 2
        keep = (a[:, 0] <= hx + grow_xy) & (a[:, 1] <= hy + grow_xy) & (a[:, 2] <= hz + grow_z)
        return idx[keep]

    def footprint_points(self, k: int, grow_xy: float) -> np.ndarray:
        """Indices of the points over box k's footprint grown by `grow_xy` m, at any height."""
        idx, a = self._hood(k, grow_xy)
        hx, hy, _ = self.sizes[k] / 2
        return idx[(a[:, 0] <= hx + grow_xy) & (a[:, 1] <= hy + grow_xy)]

    @cached_property
    def inside(self) -> list[np.ndarray]:
        """Per box, the indices of the points inside it."""
        return [self.box_points(k) for k in range(len(self))]

    @cached_property
    def in_any_box(self) -> np.ndarray:
        """(N,) bool: the point lies inside some box."""
        mask = np.zeros(len(self.pts), dtype=bool)
        for idx in self.inside:
            mask[idx] = True
        return mask

    @cached_property
    def counts(self) -> np.ndarray:
        """(M,) number of points inside each box."""
        return np.array([len(i) for i in self.inside], dtype=int)
