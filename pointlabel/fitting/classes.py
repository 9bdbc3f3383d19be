"""THE class table: every class the project knows, once. Fitting, pre-labelling, QA and the
app all derive from it (`qa.guidelines.default_guidelines()` turns it into the project's
guidelines; a guidelines file overrides it per class, and `pointlabel guidelines fit`
estimates its sizes from a label set).

Per class: a colour, the size *prior* the fitting uses (typical, smallest and largest whole
object, close to KITTI's training set), the *plausibility limits* QA holds labels to (wider:
KITTI's own labels fall inside), motion limits, whether it is rigid, the fewest returns a box
needs, and a line of guideline text. Sizes are (length along the heading, width, height) in
metres, as `Cuboid.size_lwh`. `CLASS_PRIORS` (name -> SizePrior) is what the fitting calls
take; pass your own (same keys) to label other classes or other vehicles.

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


@dataclass(frozen=True)
class ClassSpec:
    """One row of the class table. prior: the fitting's SizePrior (None: never fitted or
    proposed); limits: (min, max) (l, w, h) a label of the class must fall inside (QA);
    speeds in m/s, yaw rates in rad/s; rigid: keeps its size along a track."""

    name: str
    colour: str
    prior: SizePrior | None
    limits: tuple[tuple[float, float, float], tuple[float, float, float]] | None
    max_speed: float = 60.0
    max_yaw_rate: float = 3.0
    rigid: bool = True
    min_points: int = 5
    text: str = ""


# colours: the Tableau palette
CLASS_TABLE: dict[str, ClassSpec] = {c.name: c for c in (
    ClassSpec("Car", "#1f77b4",
              SizePrior((3.9, 1.65, 1.55), (2.9, 1.35, 1.2), (5.6, 2.2, 2.1), max_top_fill=0.85),
              ((2.2, 1.2, 1.0), (6.2, 2.3, 2.3)), 60.0, 1.5, True, 5,
              "Passenger cars incl. SUVs; box around the body without mirrors; heading to the front."),
    ClassSpec("Van", "#17becf",
              SizePrior((5.1, 1.9, 2.2), (4.0, 1.6, 1.7), (6.6, 2.4, 2.8), max_top_fill=0.9),
              ((3.5, 1.5, 1.5), (7.5, 2.6, 3.2)), 50.0, 1.5, True, 5,
              "Vans and minibuses; taller than a car."),
    ClassSpec("Truck", "#8c564b",
              SizePrior((10.0, 2.6, 3.3), (5.5, 2.0, 2.3), (18.0, 3.2, 4.5)),
              ((4.5, 1.8, 2.0), (20.0, 3.2, 4.6)), 40.0, 1.0, True, 5,
              "Lorries and tractor units; a trailer is its own box."),
    ClassSpec("Pedestrian", "#d62728",
              SizePrior((0.7, 0.6, 1.75), (0.3, 0.3, 1.0), (1.4, 1.2, 2.1)),
              ((0.2, 0.2, 0.8), (1.5, 1.3, 2.2)), 6.0, 6.3, False, 5,
              "A person standing or walking; the box includes the limbs' current extent."),
    ClassSpec("Person_sitting", "#e377c2", None,
              ((0.3, 0.3, 0.6), (1.8, 1.3, 1.7)), 3.0, 6.3, False, 5,
              "A person sitting (bench, wheelchair); not a cyclist."),
    # a cyclist's box may be short: a bicycle seen end-on, a child's bike (KITTI has 1.19 m)
    ClassSpec("Cyclist", "#ff7f0e",
              SizePrior((1.75, 0.6, 1.75), (1.2, 0.3, 1.2), (2.3, 1.2, 2.1), max_top_fill=0.6),
              ((0.9, 0.25, 0.9), (2.6, 1.2, 2.2)), 20.0, 3.0, True, 5,
              "Rider and bicycle in one box; a parked bicycle is Misc."),
    ClassSpec("Tram", "#9467bd", None,
              ((8.0, 2.0, 2.6), (45.0, 3.3, 4.3)), 25.0, 0.5, True, 5,
              "Trams and light rail; one box per car body."),
    ClassSpec("Misc", "#bcbd22", None,
              ((0.1, 0.1, 0.1), (20.0, 4.0, 5.0)), 40.0, 6.3, False, 5,
              "Other road users (trailers, segways, parked bicycles)."),
)}

CLASS_PRIORS: dict[str, SizePrior] = {n: c.prior for n, c in CLASS_TABLE.items() if c.prior is not None}

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
