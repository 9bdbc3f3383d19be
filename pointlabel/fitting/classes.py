"""Size priors per object class, and a class guess from a fitted box's extent.

Sizes are (length along the heading, width, height) in metres, as `Cuboid.size_lwh`. The
typical values are close to KITTI's training-set means; min/max bound what a real object of
the class measures. `CLASS_PRIORS` is a plain dict: pass your own (same keys) to every fitting call to
label other classes or other vehicles.

Size alone cannot tell a car seen from behind (1.8 m wide, a face deep) from a cyclist seen
from the side (1.8 m long, thin). Their tops can: a car's rear is as wide near the top as
lower down, while a cyclist's top (rider) spans a fraction of the bike. `top_fill` is that
share: the extent of the object's top band along an axis over its whole extent. It also
tells a car (a cabin on a longer body) from a wall or a box of the same size.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SizePrior:
    """Size of one class: typical, smallest and largest (l, w, h) in metres, and the largest
    top fill along the length (see the module docstring)."""

    typical: tuple[float, float, float]
    min: tuple[float, float, float]
    max: tuple[float, float, float]
    max_top_fill: float = 1.0


CLASS_PRIORS: dict[str, SizePrior] = {
    "Car": SizePrior((3.9, 1.65, 1.55), (2.9, 1.35, 1.2), (5.6, 2.2, 2.1), max_top_fill=0.85),
    "Van": SizePrior((5.1, 1.9, 2.2), (4.0, 1.6, 1.7), (6.6, 2.4, 2.8), max_top_fill=0.9),
    "Truck": SizePrior((10.0, 2.6, 3.3), (5.5, 2.0, 2.3), (18.0, 3.2, 4.5)),
    "Pedestrian": SizePrior((0.7, 0.6, 1.75), (0.3, 0.3, 1.0), (1.4, 1.2, 2.1)),
    "Cyclist": SizePrior((1.75, 0.6, 1.75), (1.2, 0.3, 1.2), (2.3, 1.2, 2.1), max_top_fill=0.6),
}

# The log-size spread of a fully seen object about its class's typical size.
_SIGMA = 0.22
# A dimension smaller than typical may be partly hidden (occluded, cut, sparse): that costs
# _HIDDEN_BASE plus _HIDDEN per unit of relative shortfall, whichever reading is cheaper.
_HIDDEN_BASE = 0.5
_HIDDEN = 1.0
# Penalty per unit of relative excess over the class maximum (an object is never larger).
_TOO_BIG = 12.0
# Penalty per unit of top fill beyond the class's largest.
_TOP_FILL = 6.0
# Penalty for a length across the line of sight (|sin| of the angle): a tie-break.
_ACROSS_SIGHT = 0.3


def size_cost(extent_lwh, prior: SizePrior) -> float:
    """How badly a measured extent (l, w, h) fits a class: 0 perfect, larger is worse.

    Per dimension: inside [min, max] a Gaussian in log-size about the typical size; below
    typical it may instead be read as partly hidden; above max it is wrong (steeply)."""
    e = np.maximum(np.asarray(extent_lwh, dtype=float), 1e-3)
    lo, hi, typ = (np.asarray(v, dtype=float) for v in (prior.min, prior.max, prior.typical))
    gauss = (np.log(np.minimum(e, hi) / typ) / _SIGMA) ** 2 / 2
    seen = np.where(e >= lo, gauss + _TOO_BIG * np.maximum(e / hi - 1.0, 0.0), np.inf)
    hidden = np.where(e < typ, _HIDDEN_BASE + _HIDDEN * (1.0 - e / typ), np.inf)
    return float(np.sum(np.minimum(seen, hidden)))


def guess_class(extent_a: float, extent_b: float, height: float,
                priors: dict[str, SizePrior] | None = None,
                top_fill: tuple[float, float] = (1.0, 1.0),
                across_sight: tuple[float, float] = (0.0, 0.0)) -> tuple[str, float, bool]:
    """Best class for a box whose two horizontal extents are `extent_a` (along the fitted
    axis a) and `extent_b` (along the perpendicular axis b), and `height`, all metres;
    top_fill: the top band's share of each horizontal extent; across_sight: |sin| of the
    angle between each axis and the line of sight. When the two readings of the extents
    fit about equally, the length is taken along the line of sight: what a partial view
    misses is mostly depth.

    Either horizontal axis may turn out to be the length: returns (label, cost, a_is_length).
    """
    priors = CLASS_PRIORS if priors is None else priors
    best = ("Car", np.inf, extent_a >= extent_b)
    for label, prior in priors.items():
        for a_is_length in (True, False):
            lw = (extent_a, extent_b) if a_is_length else (extent_b, extent_a)
            fill = top_fill[0] if a_is_length else top_fill[1]
            if lw[0] < prior.min[0]:
                fill = 0.0  # a length not seen in full says nothing about its top
            sideways = across_sight[0] if a_is_length else across_sight[1]
            cost = (size_cost((*lw, height), prior) + _TOP_FILL * max(fill - prior.max_top_fill, 0.0)
                    + _ACROSS_SIGHT * sideways)
            if cost < best[1]:
                best = (label, cost, a_is_length)
    return best
