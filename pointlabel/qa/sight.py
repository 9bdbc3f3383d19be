"""What the sweep saw: line-of-sight queries on one frame's returns (LiDAR frame, the sensor
at the origin). A spot was *seen free* when rays reached it or past it with nothing in front;
it is *hidden* when a return nearer the sensor on its line of sight stands in front of it.
Only returns taller than BLOCKER_HEIGHT (the fitting's) above the ground hide anything (lower
ones are the ground, kerbs and their noise). Directions match within 0.4 degrees of azimuth (or 0.15 m
at the spot's range) and 0.8 degrees of elevation: a 64-beam sweep's rings and columns.
"""
from __future__ import annotations

from functools import cached_property

import numpy as np

from pointlabel.fitting.context import BLOCKER_HEIGHT, azimuth_intervals, polar

TOP_BEAM_MIN_RETURNS = 50  # returns in a bin to tell the highest beam there ...
TOP_RING_GAP = 0.2  # deg: a return this far under the highest beam has a ring passing over it
TOP_BEAM_BIN = 0.004  # ... whose 1 / range (1/m) spans this (0.1 m at 5 m, 6 m at 40 m)
AZIMUTH_TOL = np.radians(0.4)
ELEVATION_TOL = np.radians(0.8)


class Blockers:
    """The returns that hide what is behind them (taller than BLOCKER_HEIGHT above the ground),
    by azimuth, to ask whether the sweep saw a spot (`seen_free`) or what hides it (`hidden`).
    geo: the frame's `qa.frames.FrameGeometry` (its `blockers` builds this once)."""

    def __init__(self, geo):
        az, el, rng = polar(geo.pts).T  # every return, once; by azimuth
        self.max_elevation = float(np.percentile(el, 99.99)) if len(el) else np.pi / 2
        order = np.argsort(az)
        self.all_az, self.all_el, self.all_rng = az[order], el[order], rng[order]
        tall = geo.height[order] > BLOCKER_HEIGHT  # the blockers: a subset, in the same order
        self.index, self.az, self.el, self.rng = order[tall], self.all_az[tall], self.all_el[tall], self.all_rng[tall]

    def seen_free(self, spots_lidar: np.ndarray, own: np.ndarray, clearance: float = 0.5) -> np.ndarray:
        """(P, 3) spots -> (P,) bool: rays reached the spot (a return on its line of sight at
        its range or beyond: no blind sector, no surface that returns nothing) and no blocker
        (other than the points `own`, a sorted index array into geo.pts) lies more than
        `clearance` m in front of it."""
        spots, rng, az, el, tol = _directions(spots_lidar)
        out = np.zeros(len(spots), dtype=bool)
        for i in range(len(spots)):
            reached = False
            for lo, hi in azimuth_intervals(az[i] - tol[i], az[i] + tol[i]):
                i0, i1 = np.searchsorted(self.all_az, [lo, hi])
                reached |= bool(((np.abs(self.all_el[i0:i1] - el[i]) < ELEVATION_TOL)
                                 & (self.all_rng[i0:i1] > rng[i] - clearance)).any())
            out[i] = reached and not self._blocked(az[i], el[i], tol[i], rng[i] - clearance, own)
        return out

    def top_beam(self, range_m) -> np.ndarray:
        """(P,) the elevation (radians) of the sweep's highest beam at these horizontal ranges
        (m). A multi-beam sensor's lasers sit apart (a 64-beam's upper block ~0.2 m over the
        origin), so its highest beam rises at near ranges: tan(elevation) = a + d / range.
        (a, d) is the line under which the highest returns of every range bin (`_top_line`)
        lie and that most of them touch (within 0.2 degrees): bins where the beam hit something.
        Without enough bins, +inf (no cluster is taken to reach it)."""
        if self.top_line is None:
            return np.full(np.shape(range_m), np.inf)
        a, d = self.top_line
        return np.arctan(a + d / np.maximum(np.asarray(range_m, dtype=float), 1.0))

    @cached_property
    def top_line(self) -> tuple[float, float] | None:
        """(a, d) of `top_beam`, fitted on first use (`_top_line`)."""
        return _top_line(self.all_rng, self.all_el)

    def passed_over(self, pts_lidar: np.ndarray) -> bool:
        """Did a ring pass over these returns (n, 3)? Their highest is more than TOP_RING_GAP
        degrees under the sweep's highest beam at its range (and 0.5 degrees under the
        highest return of the sweep): no ring above it, and the object may go on up."""
        _, el, rng = polar(np.asarray(pts_lidar, dtype=float).reshape(-1, 3)).T
        j = int(np.argmax(el))
        beam = min(self.max_elevation - np.radians(0.5),
                   float(self.top_beam(rng[j:j + 1])[0]) - np.radians(TOP_RING_GAP))
        return bool(el[j] < beam)

    def hidden(self, spots_lidar: np.ndarray, own: np.ndarray, clearance: float = 0.3) -> np.ndarray:
        """(P, 3) spots -> (P,) bool: a blocker other than the points `own` (a sorted index
        array into geo.pts) lies more than `clearance` m in front of the spot on its line of
        sight."""
        spots, rng, az, el, tol = _directions(spots_lidar)
        return np.array([self._blocked(az[i], el[i], tol[i], rng[i] - clearance, own) for i in range(len(spots))],
                        dtype=bool)

    def _blocked(self, az: float, el: float, tol: float, before: float, own: np.ndarray) -> bool:
        for lo, hi in azimuth_intervals(az - tol, az + tol):
            i0, i1 = np.searchsorted(self.az, [lo, hi])
            hit = (np.abs(self.el[i0:i1] - el) < ELEVATION_TOL) & (self.rng[i0:i1] < before)
            if hit.any() and not np.all(isin_sorted(self.index[i0:i1][hit], own)):
                return True
        return False


def _directions(spots_lidar: np.ndarray):
    """(spots (P, 3), horizontal range, azimuth, elevation, azimuth tolerance), each (P,)."""
    spots = np.asarray(spots_lidar, dtype=float).reshape(-1, 3)
    az, el, rng = polar(spots).T
    return spots, rng, az, el, np.maximum(AZIMUTH_TOL, 0.15 / np.maximum(rng, 0.1))


def isin_sorted(values: np.ndarray, sorted_pool: np.ndarray) -> np.ndarray:
    if len(sorted_pool) == 0:
        return np.zeros(len(values), dtype=bool)
    pos = np.clip(np.searchsorted(sorted_pool, values), 0, len(sorted_pool) - 1)
    return sorted_pool[pos] == values


def _top_line(rng: np.ndarray, el: np.ndarray) -> tuple[float, float] | None:
    """(a, d) of `Blockers.top_beam` from the returns' horizontal ranges and elevations. The
    returns are binned by 1 / range (the line's own axis, TOP_BEAM_BIN wide: a bin's highest
    returns then vary by under 0.1 degrees along it), each bin's highest taken as its 99.5th
    percentile (a stray return above the beam does not count)."""
    keep = rng >= 2.0
    inv, t = 1.0 / rng[keep], np.tan(el[keep])
    bins = np.floor(inv / TOP_BEAM_BIN).astype(int)
    order = np.argsort(bins, kind="stable")
    bins, t = bins[order], t[order]
    if len(bins) == 0:
        return None
    starts = np.flatnonzero(np.r_[True, np.diff(bins) > 0])
    counts = np.diff(np.r_[starts, len(bins)])
    full = counts >= TOP_BEAM_MIN_RETURNS
    if full.sum() < 5:
        return None
    tops = np.array([np.percentile(t[s:s + n], 99.5) for s, n in zip(starts[full], counts[full])])
    x = (bins[starts[full]] + 0.5) * TOP_BEAM_BIN
    best, line = -1, None
    for d in np.arange(-0.5, 0.51, 0.01):  # the lasers' height over the origin, m
        a = float(np.max(tops - d * x))  # the line through the highest bin, all under it
        support = int(np.sum(tops >= a + d * x - np.tan(np.radians(0.2))))
        if support > best:
            best, line = support, (a, float(d))
    return line
