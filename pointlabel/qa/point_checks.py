"""Label vs its points: does each box hold the object whose returns are in and around it?

Per cuboid (LiDAR frame; the sensor at the origin), `measure` gathers the object's returns:
the above-ground points over the box's footprint grown by `points_reach` (a long class's by a
share of its longest: a truck's box 40 % too short leaves 2.5 m of it out), in no other box,
clustered (`fitting.cluster.components`), keeping the clusters that are mostly the box's own
(a share of them inside it), and those it only grazes when the box and the cluster together
are no bigger than the class (a far car's end face left outside a box too short). In the
box's own axes (x along its length, y to its left, z up) it then measures, face by face, how
far the object's returns reach past the face (positive) or stop short of it (negative: an
empty margin inside the box; returns at the box's foot, the ground or a kerb, set no face),
the ground under the box (the ground returns around it) against its bottom, and the highest
return over its footprint against its top; and the object's own heading
(`fitting.fit.closeness_heading`, mod 90 degrees).

An empty margin only counts where the sweep must have seen the object reach that face: the
face turns towards the sensor, or the side face beside it does and runs along it; and nothing
stands in front of it (`Blockers`). Returns past a face always count. `judge` turns the
offsets into a shift and a size change per axis and says what to do ("move 1.4 m forward
along its length", "turn 90 degrees"); how far a face may be off grows with the range (the
rings spread) and shrinks with the point count, and a box with few returns gets at most a
warning, so sparse far objects do not flood the findings with errors. Two weak signs together
make an error where neither alone would: a box much bigger than its class with both ends
empty, or smaller than its class's smallest with returns past a face. A (nearly) empty box
beside a cluster is misplaced, not hidden, when rays passed through it or when what hides
it is that cluster and the two together are no bigger than the class.

A 180-degree turn leaves the box's geometry as it was. It shows only in the heading's sign:
against the track's motion (`temporal`), against an imported file's own observation angle
(`consistency`), and, for vehicles seen well, here: a car's front (bonnet) is lower than its
rear (cabin and boot), so the highest returns of its front third lie below those of its rear
third (KITTI's labelled cars: 0.2 to 0.75 m).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from pointlabel.fitting.cluster import components
from pointlabel.fitting.fit import closeness_heading
from pointlabel.qa.config import CheckConfig
from pointlabel.qa.findings import ERROR, WARNING, Finding, about
from pointlabel.qa.frames import FrameGeometry, FrameInput
from pointlabel.qa.guidelines import Guidelines
from pointlabel.qa.sight import Blockers

OBJECT_MIN_HEIGHT = 0.25  # m above the ground: lower returns are ground (and its noise)
ELONGATED = 1.5  # a class whose typical length / width is at least this has a heading to fit
SMALL = 2.5  # m: a class typically shorter is a person or a bicycle (see `measure`)
SAY = 0.67  # an offset over this share of what is allowed is worth a warning
VEHICLES = ("Car",)  # classes whose front (bonnet) is lower than their rear


@dataclass(frozen=True)
class BoxEvidence:
    """What the returns say about one box (metres, in the box's own axes).

    beyond: (2, 2) per horizontal axis (x, y) and end (-, +): how far the object's returns
    reach past that face (negative: they stop short of it); seen: (2, 2) whether the sweep
    must have seen the object reach that end; bottom_gap: box bottom minus the ground around
    it (None: ground not seen); top_gap: box top minus the highest return over the footprint
    (None: no return); top_seen: the object's top is inside the sweep's beams; heading_dev:
    the fitted heading minus the box's, mod 90 degrees, radians (None: not fitted);
    front_drop: highest returns of the rear third minus those of the front third (None: not
    measured); n: the object's returns; inside: of them inside the box; range_m: horizontal
    distance of the box centre; stray: (dx, dy, n) of a cluster next to an empty box, or None;
    seen_through: rays passed through the empty box (it is not hidden); through: (2, 2) per
    axis and end, rays passed through the empty margin inside that face at body height (it
    holds nothing: firmer than `seen`, which only says the object's end should show).
    """

    n: int
    inside: int
    range_m: float
    beyond: np.ndarray
    seen: np.ndarray
    bottom_gap: float | None
    top_gap: float | None
    top_seen: bool
    heading_dev: float | None
    front_drop: float | None
    stray: tuple[float, float, int] | None = None
    seen_through: bool = False  # an empty box: rays passed through it, or what hides it is the
    # object beside it (the two together no bigger than the class): it is misplaced, not hidden
    through: np.ndarray | None = None


def measure(geo: FrameGeometry, k: int, blockers: Blockers, others: np.ndarray,
            config: CheckConfig, max_lwh=None, rigid: bool = True, small: bool = False) -> BoxEvidence | None:
    """The evidence about box k of `geo` (None: no object returns near it). others: (N,) bool,
    the point lies in another box (not this one); max_lwh: the largest (l, w, h) of the box's
    class (a cluster mostly outside the box is its object only when no bigger than that);
    rigid: False for a person (a cluster beside it is another, not its own); small: a person or
    a bicycle, whose legs and wheels set its extent low down as well (past a vehicle's faces
    low returns are kerbs and bushes)."""
    centre, size, R = geo.centres[k], geo.sizes[k], geo.rotations[k]
    longest = max_lwh[0] if max_lwh is not None else size[0]
    reach = max(config.points_reach, config.points_reach_per_length * longest)
    half = size / 2
    range_m = float(np.hypot(*centre[:2]))
    hood = geo.footprint_points(k, reach)
    top_h = float(geo.height[hood].max()) if len(hood) else 0.0
    local = geo.local(k, hood)
    h_above = geo.height[hood]
    cand = (h_above > OBJECT_MIN_HEIGHT) & (local[:, 2] < half[2] + 1.0) & ~others[hood]
    idx, loc = hood[cand], local[cand]
    if len(idx) < 3:
        return None
    labels = components(geo.pts[idx])
    inside = np.all(np.abs(loc) <= half + 0.05, axis=1)
    n_lab = np.bincount(labels)
    n_in = np.bincount(labels, weights=inside, minlength=len(n_lab))
    # a cluster mostly inside the box is its object; one mostly outside (a wall, a hedge, a
    # neighbour the box touches) lends only its returns in and just around the box
    whole = (n_in >= 3) & (n_in >= config.points_own_share * n_lab)
    touching = (n_in >= 3) & ~whole
    for lab in np.flatnonzero(touching & (n_in >= 0.1 * n_lab)):  # the object, mostly outside the box?
        whole[lab] = _object_sized(loc[labels == lab], max_lwh)
    # a box too small for its object: a cluster it only grazes (a far car's end face, a ring
    # or two) is its object's when the box and the cluster together are no bigger than the class
    for lab in np.flatnonzero((n_in >= 1) & ~whole & (n_lab >= 3)):
        whole[lab] = fits_with_box(loc[labels == lab], half, max_lwh)
    touching &= ~whole
    # (a person's neighbour counts only close by, a car's part up to its half length away)
    near = np.all(np.abs(loc) <= half + min(config.points_touch_reach, float(half[:2].max())), axis=1)
    own = whole[labels] | (touching[labels] & near) | inside  # whatever is in the box is its object's
    if not own.any() or (rigid and own.sum() < config.points_min_returns):  # is its object beside it?
        stray = _stray(loc[~own], labels[~own], np.bincount(labels[~own], minlength=len(n_lab)), half,
                       config.points_min_returns)
        # returns within reach in front of the box may be its own object, moved off: only
        # something farther away hides it
        # (a few returns in it: a sparse object of its own, unless that cluster is its object)
        seen_through = not own.any() and bool(blockers.seen_free(centre[None], np.sort(idx))[0])
        if stray is not None and not seen_through:  # hidden, unless by the very object beside it:
            rest = loc[~own]  # the box and that cluster together are no bigger than the class
            seen_through = fits_with_box(rest[labels[~own] == stray[3]], half, max_lwh)
        return BoxEvidence(int(own.sum()), int(inside.sum()), range_m, np.zeros((2, 2)), np.zeros((2, 2), dtype=bool),
                           None, None, False, None, None, None if stray is None else stray[:3], seen_through)
    obj_idx, obj = idx[own], loc[own]
    n = len(obj)
    beyond = np.empty((2, 2))
    for a in range(2):  # past a face the object's returns count that run on from inside it
        beyond[a] = _face_offsets(obj, half, a, link=float(config.points_gap + 0.01 * range_m),
                                  floor=config.points_floor, upper=1.0 if small else 0.6)
    seen = _ends_seen(centre, half, R, obj, np.sort(obj_idx), blockers)
    through = _margins_seen_through(centre, half, R, obj, beyond, blockers, config.through_min_gap)
    if np.mean(geo.height[obj_idx] < 0.45 * size[2]) < 0.1:
        seen[:] = through[:] = False  # only the upper half seen (the rest hidden): a cabin, not the body
    bottom_gap = _bottom_gap(geo, k, others, config)
    over = np.all(np.abs(obj[:, :2]) <= half[:2] + 0.2, axis=1)
    top_gap = top_seen = None
    if over.sum() >= 3:
        z = np.sort(obj[over, 2])
        top = z[max(len(z) - 1 - len(z) // 100, 0)]
        top_gap = float(half[2] - top)
        # the top is seen when the beams reach above the highest return (rays passed over it)
        # and the returns cover the middle third of the length (a roof is there, a bonnet not)
        middle = bool(np.any(np.abs(obj[over, 0]) <= half[0] / 3))
        top_seen = blockers.passed_over(geo.pts[obj_idx[over]]) and middle
    heading_dev = None
    if n >= 15:
        theta = closeness_heading(geo.pts[obj_idx, :2])
        yaw = np.arctan2(R[1, 0], R[0, 0])
        heading_dev = float((theta - yaw + np.pi / 4) % (np.pi / 2) - np.pi / 4)
    return BoxEvidence(n, int(inside[own].sum()), range_m, beyond, seen, bottom_gap, top_gap,
                       bool(top_seen), heading_dev, _front_drop(obj, half), through=through)


def _object_sized(loc: np.ndarray, max_lwh) -> bool:
    """Is a cluster (n, 3) no bigger than the class's largest object (its longer horizontal
    extent against the length, the shorter against the width, the height)?"""
    if max_lwh is None:
        return False
    ext = loc.max(axis=0) - loc.min(axis=0)
    horiz = sorted(ext[:2], reverse=True)
    return bool(horiz[0] <= 1.1 * max_lwh[0] and horiz[1] <= 1.2 * max(max_lwh[1], 1.0)
                and ext[2] <= 1.1 * max_lwh[2])


def fits_with_box(loc: np.ndarray, half: np.ndarray, max_lwh) -> bool:
    """Do the box (half sizes) and a cluster (n, 3, box axes) together fit in the class's
    largest object (max_lwh: l, w, h), the box's own axes? (Any leading dimensions: (n, 2),
    half[:2] and max_lwh[:2] ask it of the footprint alone.)"""
    if max_lwh is None:
        return False
    lo = np.minimum(loc.min(axis=0), -half)
    hi = np.maximum(loc.max(axis=0), half)
    return bool(np.all(hi - lo <= np.asarray(max_lwh, dtype=float)))


def _face_offsets(obj: np.ndarray, half: np.ndarray, a: int, link: float, floor: float = 0.1,
                  upper: float = 0.6) -> tuple[float, float]:
    """How far the returns reach past the faces (-, +) of axis a (negative: short of it).
    obj: (n, 3) the object's returns (those `measure` kept, past the faces too), box axes.

    Only returns level with the face count (within the box's other horizontal extent), the
    outermost 1 % are left out (strays), and past the face only returns in the `upper` share
    (60 %; a person's or a bicycle's: all) of the object's own height, running on without a
    gap wider than `link` m and with nothing taller than the object: a kerb, a bush or a tree
    beside it is not the object. Returns
    less than `floor` m above the box's bottom never count (the ground or a kerb under a box
    grown past its object's end would otherwise fill it)."""
    b = 1 - a
    level = np.abs(obj[:, b]) <= half[b] + 0.1
    pts = obj[level] if level.sum() >= 3 else obj
    inside = np.abs(pts[:, a]) <= half[a]

    if inside.sum() >= 3:
        own_bottom, own_top = np.percentile(pts[inside, 2], [1, 99])
        low = own_top - upper * (own_top - own_bottom)  # past a face only the upper part counts
        pts = pts[(inside & (pts[:, 2] >= floor - half[2])) | (pts[:, 2] >= low)]
    else:
        own_top = np.inf
    out = []
    for sign in (-1.0, 1.0):
        d = sign * pts[:, a]  # distance along the outward direction
        order = np.argsort(d)
        d, z = d[order], pts[order, 2]
        cut = len(d) // 100
        d, z = (d[:len(d) - cut], z[:len(z) - cut]) if cut else (d, z)
        inner = np.flatnonzero(d <= half[a])
        start = inner[-1] if len(inner) else 0
        run, zr = d[start:], z[start:]
        # stop at a gap wider than `link`, or where something taller than the object stands
        stop = np.flatnonzero((np.diff(run) > link) | (zr[1:] > max(own_top, half[2]) + 0.5))
        end = run[stop[0]] if len(stop) else run[-1]
        out.append(float(end - half[a]))
    return out[0], out[1]


def _ends_seen(centre, half, R, obj, own_idx, blockers: Blockers) -> np.ndarray:
    """(2, 2) per axis and end (-, +): must the sweep have seen the object reach that end?
    (`measure` also requires the lower half of the box to be seen: the body sets a box's
    extent, and a cabin or a roof is shorter and narrower.)

    An end is seen when its face turns towards the sensor (the angle between its normal and
    the line of sight below ~84 degrees), or when the side face beside it does (more openly,
    ~73 degrees) and so runs along to it; and nothing stands in front of the spot looked at."""
    mid_z = float(np.median(obj[:, 2]))
    seen = np.zeros((2, 2), dtype=bool)
    spots, where = [], []
    for a in range(2):
        b = 1 - a
        for e, sign in enumerate((-1.0, 1.0)):
            normal = R[:, a] * sign
            face = centre + normal * half[a] + R[:, 2] * mid_z
            facing = -normal @ face / max(np.linalg.norm(face), 1e-6)
            if facing > 0.1:
                spots.append(face)
                where.append((a, e))
                continue
            for side in (-1.0, 1.0):  # the side face along this end, if it faces the sensor
                n_side = R[:, b] * side
                side_centre = centre + n_side * half[b] + R[:, 2] * mid_z
                if -n_side @ side_centre / max(np.linalg.norm(side_centre), 1e-6) > 0.3:
                    spots.append(side_centre + normal * max(half[a] - 0.3, 0.0))
                    where.append((a, e))
    if spots:
        free = blockers.seen_free(np.array(spots), own_idx)
        for (a, e), ok in zip(where, free):
            seen[a, e] |= bool(ok)
    return seen


def _margins_seen_through(centre, half, R, obj, beyond, blockers: Blockers, min_gap: float) -> np.ndarray:
    """(2, 2) per axis and end (-, +): did rays pass through the empty margin between the
    returns and that face (wider than `min_gap` m)? Six spots in the middle of the margin,
    three across it at two heights: the quartiles of the heights at which the object's
    returns (`obj`, box axes) reach that end (a car's bumper, not its sloping windscreen; a
    person's legs or shoulders), or without five such returns 35 and 55 % of the box's
    height. A spot is seen through when rays reached it, or past it,
    with nothing in front, the object itself included (its own far end is hidden behind it).
    Two thirds of the spots must be."""
    out = np.zeros((2, 2), dtype=bool)
    gaps = -np.asarray(beyond, dtype=float)
    for a in range(2):
        b = 1 - a
        for e, sign in enumerate((-1.0, 1.0)):
            if gaps[a, e] <= min_gap:
                continue
            loc = np.zeros((6, 3))
            loc[:, a] = sign * (half[a] - gaps[a, e] / 2)
            loc[:, b] = np.repeat([-0.5, 0.0, 0.5], 2) * half[b]
            # at the heights where the object reaches that end (its returns within 0.3 m of
            # their extent there), else at 35 and 55 % of the box's height (a car's body)
            edge = sign * obj[:, a] >= half[a] - gaps[a, e] - 0.3
            edge &= np.abs(obj[:, b]) <= half[b]
            if edge.sum() >= 5:
                z = np.clip(np.percentile(obj[edge, 2], [25, 75]), -half[2], half[2])
            else:
                z = np.array([-0.3, 0.1]) * half[2]
            loc[:, 2] = np.tile(z, 3)
            spots = centre + loc @ R.T
            out[a, e] = blockers.seen_free(spots, np.empty(0, dtype=int), clearance=0.2).mean() >= 2 / 3
    return out


def _bottom_gap(geo: FrameGeometry, k: int, others: np.ndarray, config: CheckConfig) -> float | None:
    """Box bottom minus the median height of the ground returns around it (None: too few)."""
    ring = geo.footprint_points(k, config.ground_ring)
    ground = ring[(np.abs(geo.height[ring]) < config.ground_band) & ~others[ring]]
    local = geo.local(k, ground)
    outside = np.any(np.abs(local[:, :2]) > geo.sizes[k, :2] / 2, axis=1)
    z = geo.pts[ground[outside], 2]
    if len(z) < config.min_ground_points:  # the ground model is filled in there: not trusted
        return None
    bottom = geo.centres[k, 2] - geo.rotations[k, 2, 2] * geo.sizes[k, 2] / 2
    ground_z = float(np.median(z))
    own = geo.pts[geo.inside[k], 2]
    if bottom < ground_z and len(own) and own.min() < ground_z - config.ground_band:
        return None  # the object reaches below that "ground": it was something in front of it
    return float(bottom - ground_z)


def _front_drop(obj: np.ndarray, half: np.ndarray) -> float | None:
    """Highest returns (95th percentile) of the rear third minus those of the front third,
    box axes (None: fewer than 8 returns in either)."""
    x = obj[:, 0] / max(half[0], 1e-6)
    front, rear = obj[x > 0.4, 2], obj[x < -0.4, 2]
    if len(front) < 8 or len(rear) < 8:
        return None
    return float(np.percentile(rear, 95) - np.percentile(front, 95))


def _stray(loc: np.ndarray, labels: np.ndarray, n_lab: np.ndarray, half: np.ndarray,
           min_points: int) -> tuple[float, float, int, int] | None:
    """(dx, dy, n, cluster label) box axes: the cluster of at least `min_points` returns
    nearest to an empty box's footprint (the object the box was meant for), or None."""
    big = np.flatnonzero(n_lab >= min_points)
    if len(big) == 0:
        return None
    out = np.maximum(np.abs(loc[:, :2]) - half[:2], 0.0)
    gap = np.hypot(out[:, 0], out[:, 1])
    nearest = np.array([gap[labels == b].min() for b in big])
    best = int(big[np.argmin(nearest)])
    pts = loc[labels == best]
    return float(np.mean(pts[:, 0])), float(np.mean(pts[:, 1])), int(len(pts)), best


# -- judging -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Verdict:
    """What `judge` concluded about one box: the check name, severity, a value (the largest
    offset in metres, or degrees for a turn) and what to do."""

    check: str
    severity: str
    value: float
    message: str


def tolerance(ev: BoxEvidence, config: CheckConfig) -> float:
    """How far (m) a face may be off before it is worth a warning: grows with the range (rings
    and columns spread) and with few returns."""
    return config.face_tolerance + config.face_tolerance_per_m * ev.range_m + 0.5 / np.sqrt(max(ev.n, 1))


def judge(ev: BoxEvidence, label: str, size_lwh, guidelines: Guidelines, config: CheckConfig) -> list[Verdict]:
    """The findings one box's evidence supports (see the module docstring)."""
    if ev.n < config.points_min_returns and ev.stray is not None:
        return _judge_empty(ev, size_lwh, config)
    if ev.n < config.points_min_returns or label in config.points_skip_classes:
        return []
    tol = tolerance(ev, config)
    strong = ev.n >= config.points_error_returns
    out = []
    l, w, h = size_lwh
    guide = guidelines.guide(label)
    elongated = guide is not None and guide.size is not None and \
        guide.size.typical[0] >= ELONGATED * guide.size.typical[1]
    outside, why = _outside_limits(label, size_lwh, guide)
    vertical = _vertical(ev, tol, strong, config, outside[2], why[2])
    if any(v.severity == ERROR for v in vertical) or (guide is not None and not guide.rigid):
        # margins are looked through at the body's height, which a box lifted or sunk misses;
        # and a person's extent changes with every step (a walking one's box is drawn loose)
        ev = replace(ev, through=None)
    turned = _turned(ev, l, w, elongated, tol)
    if turned is not None:
        out.append(Verdict("points_turned", ERROR if strong else WARNING, 90.0, turned))
    else:
        moves, worst, ratio, resize = _horizontal(ev, tol, (config.end_loose, config.side_loose),
                                                  (config.empty_factor, config.side_empty_factor), config.through_loose)
        if moves:
            # a size outside the class's limits that the returns say to mend: two signs
            agree = [a for a in range(2) if outside[a] * resize[a] < 0]
            need = 1.0 / config.agree_factor if agree else 1.0
            sev = ERROR if strong and (ratio > 1.0 or max(abs(resize[agree]), default=0.0) > need) else WARNING
            extra = "; " + why[agree[0]] if agree and sev == ERROR and ratio <= 1.0 else ""
            out.append(Verdict("points_misfit", sev, round(worst, 3), "; ".join(moves) + extra))
        if not (moves and sev == ERROR) and strong and guide is not None:
            out += _oversized(ev, label, (l, w), guide, config) + _undersized(ev, label, (l, w), guide, tol)
        if elongated and ev.heading_dev is not None and abs(np.degrees(ev.heading_dev)) > config.heading_tolerance_deg \
                and ev.n >= 30:
            deg = float(np.degrees(ev.heading_dev))
            out.append(Verdict("points_heading", WARNING, round(abs(deg), 1),
                               f"the returns run {abs(deg):.0f} deg {'left' if deg > 0 else 'right'} of the box's "
                               f"heading: turn it {abs(deg):.0f} deg {'anticlockwise' if deg > 0 else 'clockwise'}"))
    out += vertical
    if not any(v.severity == ERROR for v in out) and label in VEHICLES and ev.front_drop is not None and ev.front_drop < -config.front_drop_error \
            and ev.n >= config.points_error_returns:
        out.append(Verdict("points_backwards", ERROR, round(-ev.front_drop, 3),
                           f"the front of the box is {-ev.front_drop:.2f} m higher than its rear (a {label}'s bonnet "
                           f"is lower than its cabin): turn it 180 deg"))
    return out


def _judge_empty(ev: BoxEvidence, size_lwh, config: CheckConfig) -> list[Verdict]:
    if ev.stray is None or ev.stray[2] < config.points_min_returns:
        return []
    dx, dy, n = ev.stray
    if abs(dx) < size_lwh[0] / 2 and abs(dy) < size_lwh[1] / 2:
        return []  # the cluster's middle is in the box: it is hidden behind something, not beside it
    # an error only where rays passed through the empty box: a hidden object is not misplaced
    sev = ERROR if n >= config.points_error_returns and ev.seen_through else WARNING
    return [Verdict("points_misfit", sev, round(float(np.hypot(dx, dy)), 3),
                    (f"the box holds none of the {n} returns beside it" if ev.n == 0 else
                     f"the box holds {ev.n} returns and {n} lie beside it") + f": {_move_words(dx, dy)}")]


def _turned(ev: BoxEvidence, l: float, w: float, elongated: bool, tol: float) -> str | None:
    """'turn 90 deg' / 'swap length and width' when the object's long side runs across the
    box (the returns stick out past both side faces, or fill the width while the length is
    short of them), else None."""
    if not elongated:
        return None
    (bx_lo, bx_hi), (by_lo, by_hi) = ev.beyond
    ext_x = l + bx_lo + bx_hi  # the returns' extent along the box's length
    ext_y = w + by_lo + by_hi
    if l < w and ext_x > l + 2 * tol and ev.beyond[0].min() > -tol:
        return f"length {l:.2f} m < width {w:.2f} m, and the returns run {ext_x:.1f} m along it: swap length and width"
    if ext_y > ext_x + 2 * tol and ext_y > 0.7 * max(l, w) and min(by_lo, by_hi) > tol:
        return (f"the object's long side ({ext_y:.1f} m of returns) runs across the box "
                f"({w:.2f} m wide): turn it 90 deg")
    return None


def _oversized(ev: BoxEvidence, label: str, lw, guide, config: CheckConfig) -> list[Verdict]:
    """A box much bigger than its class usually is (`oversize` x the typical length,
    `oversize_width` x the typical width) whose returns, wherever the sweep saw them, fill
    much less of it (`unfilled`, `unfilled_width` of it empty), leaving both ends empty:
    weak signs that together say the box is too big, where the empty ends themselves were
    hidden. (One empty end is what a long object with its far end hidden looks like.)"""
    prior = guide.fit or guide.size
    if prior is None or not guide.rigid:  # a person's extent changes with every step
        return []
    out = []
    for a, name in ((0, "long"), (1, "wide")):
        gaps = np.maximum(-ev.beyond[a], 0.0)  # empty margins at either end
        extent = lw[a] - gaps.sum()  # what the returns fill
        # empty at both ends: a hidden far end explains one empty end, not two
        both = gaps.min() >= 0.25 * gaps.sum()
        unfilled = config.unfilled if a == 0 else config.unfilled_width
        oversize = config.oversize if a == 0 else config.oversize_width
        if lw[a] > oversize * prior.typical[a] and gaps.sum() > unfilled * lw[a] and both:
            out.append(Verdict("points_misfit", ERROR, round(lw[a] - extent, 3),
                               f"{lw[a]:.2f} m {name}, a typical {label} is {prior.typical[a]:.2f} m, and its returns "
                               f"fill only {extent:.2f} m: make it about {max(extent, prior.typical[a]):.1f} m {name}"))
    return out


def _undersized(ev: BoxEvidence, label: str, lw, guide, tol: float) -> list[Verdict]:
    """A box shorter or narrower than the smallest of its class (the fitting prior's `min`)
    with its returns reaching past a face of that axis (more than `tol`): two signs that
    together say the box is too small, where one alone (a small car, a neighbour's returns)
    would not."""
    prior = guide.fit or guide.size
    if prior is None or not guide.rigid:
        return []
    out = []
    for a, name in ((0, "long"), (1, "wide")):
        past = float(ev.beyond[a].max())
        if lw[a] < prior.min[a] and past > tol:
            extent = lw[a] + float(np.maximum(ev.beyond[a], 0.0).sum())
            out.append(Verdict("points_misfit", ERROR, round(past, 3),
                               f"{lw[a]:.2f} m {name}, the smallest {label} is {prior.min[a]:.2f} m, and its returns "
                               f"reach {past:.1f} m past a face: make it about {max(extent, prior.min[a]):.1f} m {name}"))
    return out


def _horizontal(ev: BoxEvidence, tol: float, loose: tuple[float, float],
                empty_factor: tuple[float, float], through_loose: float = 0.0
                ) -> tuple[list[str], float, float, np.ndarray]:
    """(what to do along the length and the width, the largest offset in metres, that
    offset over what it may be: returns past a face may be `tol` off, an empty margin
    `empty_factor` (per axis) x tol (returns past a face are the harder evidence), and an
    empty margin rays were seen passing through (`BoxEvidence.through`) `through_loose` + tol;
    and per axis that ratio signed by what the remedy does to the size: + grow, - shrink, 0
    no finding or a pure shift)."""
    words = (("back", "forward", "along its length", "longer", "shorter"),
             ("to its right", "to its left", "across", "wider", "narrower"))
    through = ev.through if ev.through is not None else np.zeros((2, 2), dtype=bool)
    out, worst, ratio = [], 0.0, 0.0
    resize = np.zeros(2)
    for a in range(2):
        # an empty margin is allowed `loose` m more (per axis): labels are drawn a little loose,
        # and the rounded corners of a vehicle leave a box's ends emptier than its sides; one
        # seen through is empty for sure, and is allowed less
        known = [ev.beyond[a, e] if ev.beyond[a, e] > 0 else
                 min(ev.beyond[a, e] + through_loose, 0.0) if through[a, e] else
                 (min(ev.beyond[a, e] + loose[a], 0.0) if ev.seen[a, e] else None) for e in range(2)]
        factor = [1.0 if through[a, e] and ev.beyond[a, e] <= 0 else empty_factor[a] for e in range(2)]
        # returns past one face are firm evidence when the opposite face agrees (returns past
        # it too: too small; an empty margin: shifted); alone they may be a neighbour's
        r = []
        for e, v in enumerate(known):
            if v is None:
                continue
            other = known[1 - e]
            firm = v > 0 and other is not None and (other > 0 or other < -tol / 2)
            r.append(v / tol if firm else v / (empty_factor[0] * tol) if v > 0 else -v / (factor[e] * tol))
        if len(r) == 2:
            grow = known[0] + known[1]
            r.append(0.5 * abs(grow) / (tol if grow > 0 else max(factor) * tol))  # both faces off alike
        if not r or max(r) <= SAY:
            continue
        ratio = max(ratio, max(r))
        worst = max(worst, max(abs(v) for v in known if v is not None))
        neg, pos, axis, bigger, smaller = words[a]
        if known[0] is not None and known[1] is not None:
            shift, grow = (known[1] - known[0]) / 2, known[0] + known[1]
            resize[a] = np.sign(grow) * max(r) if abs(grow) > tol / 2 else 0.0
            parts = []
            if abs(shift) > tol / 2:
                parts.append(f"move it {abs(shift):.1f} m {pos if shift > 0 else neg}"
                             + (f" {axis}" if a == 0 else ""))
            if abs(grow) > tol / 2:
                parts.append(f"make it {abs(grow):.1f} m {bigger if grow > 0 else smaller}")
            out.append(" and ".join(parts) or f"its faces are {known[0]:+.1f} / {known[1]:+.1f} m off its returns")
        else:
            e = 0 if known[0] is not None else 1
            v = known[e]
            face = ("rear", "front")[e] if a == 0 else ("right", "left")[e]
            direction = (neg, pos)[e] if v > 0 else (pos, neg)[e]
            resize[a] = np.sign(v) * max(r)
            if v > 0:
                out.append(f"returns reach {v:.1f} m past its {face} face: move it {v:.1f} m {direction}"
                           f"{' ' + axis if a == 0 else ''} or make it {v:.1f} m {bigger}")
            else:
                out.append(f"its {face} face is {-v:.1f} m beyond the returns: move it {-v:.1f} m {direction}"
                           f"{' ' + axis if a == 0 else ''} or make it {-v:.1f} m {smaller}")
    return out, worst, ratio, resize


def _outside_limits(label: str, size_lwh, guide) -> tuple[np.ndarray, list[str]]:
    """Per dimension (l, w, h): +1 above the class's limits (`ClassGuide.outside`: what QA
    holds labels to), -1 below, 0 inside; and what to say about it."""
    if guide is None or guide.size is None:
        return np.zeros(3), ["", "", ""]
    sign = guide.outside(size_lwh)
    why = [f"{v:.2f} m {name} is more than the largest {label} ({hi:g} m)" if s > 0 else
           f"{v:.2f} m {name} is less than the smallest {label} ({lo:g} m)" if s < 0 else ""
           for s, v, name, lo, hi in zip(sign, size_lwh, ("long", "wide", "tall"), guide.size.min, guide.size.max)]
    return sign, why


def _vertical(ev: BoxEvidence, tol: float, strong: bool, config: CheckConfig,
              outside: float = 0.0, why: str = "") -> list[Verdict]:
    """Height and vertical position from the ground around the box and its highest return.

    Evidence, strongest first: returns above the box's top, a bottom above the ground around
    it (floating) or below it (sunk); the weakest, an empty margin above the highest return,
    is allowed `top_loose` m and counts only where rings were seen passing over the object.
    A bottom far below the ground while the top fits the returns means that ground is not
    the object's (it stands higher), but only where the top was seen: a tall truck's top
    above the beams fits any box. outside: +1 (-1) the box is taller (lower) than its class
    may be (`why` says so): evidence that mends that needs `agree_factor` times less for an
    error (a bottom below the ground lowers a box too tall, one above it extends one too low)."""
    bottom, top = ev.bottom_gap, ev.top_gap
    tol_z = config.vertical_tolerance + config.vertical_tolerance_per_m * ev.range_m
    if top is not None and top > -tol_z and (not ev.top_seen or ev.n < config.points_top_returns):
        top = None  # the object may reach above the beams, or between two rings: top unknown
    if bottom is not None and top is not None and ev.top_seen and bottom < -2.5 * max(abs(top), tol_z):
        bottom = None  # "sunk" far below while the top fits the returns: that ground is not its
    if bottom is None and top is None:
        return []
    evidence = []
    if bottom is not None:
        evidence.append(abs(bottom))
    if top is not None:
        evidence.append(-top if top < 0 else max(top - config.top_loose, 0.0))
    if bottom is not None and top is not None:  # both ends off alike: a height error
        grow = bottom - top
        evidence.append(grow if grow > 0 else max(-grow - config.top_loose, 0.0))
    ratio = max(evidence) / tol_z
    if ratio <= SAY:
        return []
    if bottom is not None and top is not None:
        shift, grow = -(bottom + top) / 2, -(top - bottom)  # move up by shift, make taller by grow
    elif bottom is not None:
        shift, grow = -bottom, 0.0
    else:
        shift, grow = 0.0, -top
    parts = []
    if abs(shift) > tol_z / 2:
        parts.append(f"move it {abs(shift):.1f} m {'up' if shift > 0 else 'down'}")
    if abs(grow) > tol_z:
        parts.append(f"make it {abs(grow):.1f} m {'taller' if grow > 0 else 'lower'}")
    if not parts:
        return []
    if bottom is None:  # the top alone cannot tell a shift from a height
        up = grow > 0
        parts = [f"move it {abs(grow):.1f} m {'up' if up else 'down'} or make it {abs(grow):.1f} m "
                 f"{'taller' if up else 'lower'}"]
    # without the ground, the top alone makes an error on a well-seen object (returns above the
    # box, or rings passing over an empty margin above its highest return)
    top_only = top is not None and ev.n >= config.points_top_returns
    remedy = grow if abs(grow) > tol_z else -shift if top is None else 0.0  # + taller, - lower
    mends = outside * remedy < 0  # the remedy brings the height inside the class's limits
    need = config.face_error_factor / (config.agree_factor if mends else 1.0)
    sev = ERROR if strong and (bottom is not None or top_only) and ratio > need else WARNING
    detail = (f"bottom {bottom:+.2f} m from the ground around it" if bottom is not None else "ground not seen") + \
             (f", top {top:+.2f} m from its highest return" if top is not None else "")
    extra = f"; {why}" if mends and sev == ERROR and ratio <= config.face_error_factor else ""
    return [Verdict("points_vertical", sev, round(float(max(abs(shift), abs(grow))), 3),
                    " and ".join(parts) + f" ({detail})" + extra)]


def _move_words(dx: float, dy: float) -> str:
    along = f"{abs(dx):.1f} m {'forward' if dx > 0 else 'back'}" if abs(dx) >= 0.1 else ""
    across = f"{abs(dy):.1f} m to its {'left' if dy > 0 else 'right'}" if abs(dy) >= 0.1 else ""
    return "move it " + " and ".join(p for p in (along, across) if p)


def check_label_points(frame: FrameInput, geo: FrameGeometry, guidelines: Guidelines,
                       config: CheckConfig) -> list[Finding]:
    """points_misfit, points_turned, points_heading, points_vertical, points_backwards."""
    cubs = frame.cuboids
    if not cubs:
        return []
    blockers = geo.blockers
    out = []
    for k, c in enumerate(cubs):
        others = _in_other_boxes(geo, k)
        guide = guidelines.guide(c.label)
        size = guide.size if guide is not None else None
        rigid = guide is None or guide.rigid
        small = not rigid or (size is not None and size.typical[0] < SMALL)
        ev = measure(geo, k, blockers, others, config, size.max if size else None, rigid=rigid, small=small)
        if ev is None:
            continue
        for v in judge(ev, c.label, c.size_lwh, guidelines, config):
            out.append(about(frame.frame_id, c, v.check, v.severity, v.value, v.message))
    return out


def _in_other_boxes(geo: FrameGeometry, k: int) -> np.ndarray:
    """(N,) bool: the point is inside some box other than k (and not inside k)."""
    mask = np.zeros(len(geo.pts), dtype=bool)
    for j, idx in enumerate(geo.inside):
        if j != k:
            mask[idx] = True
    mask[geo.inside[k]] = False
    return mask
