"""Click-to-fit: a tight, upright, oriented cuboid for the object around a seed point.

All coordinates are in the LiDAR frame (x forward, y left, z up, metres; sensor at the
origin). Steps:

1. grow the object's cluster from the seed (`cluster.grow_cluster`); a cluster that is a
   fragment of a bigger one (seen through or past it) joins it when it lies in its box;
2. heading: the rectangle orientation in [0, 90) degrees whose edges the ground-projected
   points hug most closely (the closeness criterion of Zhang et al., "Efficient L-Shape
   Fitting for Vehicle Detection Using Laser Scanners", IV 2017), searched at 1 degree then
   refined at 0.1 degree;
3. which rectangle axis is the length, and the class when none is given: the class prior
   that fits the extents best (`classes.guess_class`); when both readings fit alike and
   nothing stands in front of the object, the length runs along the line of sight;
4. size: the measured extent where the object is seen; a dimension shorter than the class's
   smallest object is partly hidden and gets the class's typical size (a car seen from
   behind keeps a car's length). It grows towards the end where the sweep saw no free space
   beyond the points: away from the sensor (behind the object itself), behind an occluder,
   or out of the sweep (an object cut by the sweep's border grows towards the border);
5. bottom on the ground model, top at the highest point.

A seed on the ground (a BEV click lands on the road under or beside a car) first snaps to
the nearest above-ground point within `FitConfig.snap_radius` m in x-y, or, on a spot hidden
from the sensor, to the object in front of it (`snap_candidates`), if that object's box
reaches within `FitConfig.snap_box_reach` m of the click.

Heading is only defined up to 180 degrees by geometry: the fitted yaw is in [-pi/2, pi/2).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pointlabel.fitting.classes import CLASS_PRIORS, SizePrior, guess_class
from pointlabel.fitting.cluster import grow_cluster
from pointlabel.fitting.context import BLOCKER_HEIGHT, FrameContext
from pointlabel.geometry.boxes import points_in_box_mask
from pointlabel.model import STATUS_PROPOSAL, Cuboid



@dataclass(frozen=True)
class FitConfig:
    """The named constants of click-to-fit (lengths in metres)."""

    min_points: int = 5  # a cluster of fewer points gets no box
    not_an_object_cost: float = 5.0  # guess_class cost above which an unlabelled cluster is no object
    pad: float = 0.05  # added to each measured horizontal extent (points never reach the very edge)
    snap_radius: float = 0.5  # x-y reach of a seed on the ground to the nearest object point
    snap_min_height: float = BLOCKER_HEIGHT  # a seed lower than this is on the ground; snap to higher points
    shadow_reach: float = 3.0  # a ground seed in a shadow snaps to the object up to this far in front
    snap_box_reach: float = 0.75  # a snapped fit counts if its box reaches this close to the click
    snap_far: float = 1.0  # last resort: the nearest tall point this far in x-y
    owner_share: float = 0.8  # a fragment joins its owner when this share of it lies in its box ...
    owner_margin: float = 0.3  # ... grown by this margin


DEFAULT_CONFIG = FitConfig()


@dataclass(frozen=True, eq=False)
class FitResult:
    """cuboid: the fitted box (LiDAR frame, status 'proposal') or None; confidence in [0, 1];
    reason: why there is no box ('' when there is one); n_points in the cluster;
    indices: (n,) the cluster's points, into ctx.pts_lidar."""

    cuboid: Cuboid | None
    confidence: float
    reason: str
    n_points: int
    indices: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int), repr=False)


def fit_cuboid(ctx: FrameContext, seed_xyz, label: str | None = None,
               priors: dict[str, SizePrior] | None = None,
               config: FitConfig = DEFAULT_CONFIG) -> FitResult:
    """Fit the object around `seed_xyz` (3,) LiDAR frame. `label` forces the class (and its
    size prior); otherwise the class is guessed. A seed on the ground (less than
    `config.snap_min_height` m above it) snaps to the object there (`snap_candidates`).
    No object there -> cuboid None."""
    seed = np.asarray(seed_xyz, dtype=float).reshape(3)
    on_ground = seed[2] - float(ctx.ground.height_at(seed[None, :2])[0]) < config.snap_min_height
    for snapped in snap_candidates(ctx, seed[:2], config) if on_ground else ():
        result = _fit_from_seed(ctx, snapped, label, priors, config)
        if result.cuboid is not None and footprint_distance(result.cuboid, seed[:2]) <= config.snap_box_reach:
            return result
    # no snapped object's box is where the click was: the click's own point decides
    return _fit_from_seed(ctx, seed, label, priors, config)


def _fit_from_seed(ctx: FrameContext, seed: np.ndarray, label, priors, config: FitConfig) -> FitResult:
    """Grow the cluster at `seed` (3,) and fit it (joined with its owner if it is a fragment)."""
    cluster = grow_cluster(ctx, seed, priors=priors)
    if len(cluster.indices) == 0:
        return FitResult(None, 0.0, cluster.reason, 0)
    for owner in cluster.owners:  # a fragment of a bigger object lies inside its box
        whole = fit_cluster(ctx, owner, label, priors, config).cuboid
        if whole is not None and np.mean(points_in_box_mask(
                ctx.pts_lidar[cluster.indices], whole.as_array(),
                margin=config.owner_margin)) >= config.owner_share:
            return fit_cluster(ctx, np.concatenate([owner, cluster.indices]), label, priors, config)
    return fit_cluster(ctx, cluster.indices, label, priors, config)


def fit_bev_click(ctx: FrameContext, xy, label: str | None = None,
                  priors: dict[str, SizePrior] | None = None,
                  config: FitConfig = DEFAULT_CONFIG) -> FitResult:
    """Click-to-fit from a bird's-eye view: `xy` (2,) LiDAR frame, no height. The clicked
    spot on the ground model seeds `fit_cuboid`, which snaps it to the object there (near
    it, or in front of its shadow) and keeps the box only if it reaches the spot (within
    `config.snap_box_reach` m). Better than seeding at the sweep's point nearest in x-y:
    in a car's shadow that point may lie a metre or more from the click."""
    xy = np.asarray(xy, dtype=float).reshape(2)
    return fit_cuboid(ctx, [*xy, float(ctx.ground.height_at(xy[None])[0])], label, priors, config)


def footprint_distance(cuboid: Cuboid, xy) -> float:
    """Distance (m) in x-y from `xy` (2,) LiDAR frame to the cuboid's footprint (0 inside)."""
    c, s = np.cos(cuboid.yaw), np.sin(cuboid.yaw)
    d = np.asarray(xy, dtype=float).reshape(2) - np.asarray(cuboid.center[:2])
    local = np.abs([c * d[0] + s * d[1], -s * d[0] + c * d[1]])
    return float(np.hypot(*np.maximum(local - np.asarray(cuboid.size_lwh[:2]) / 2, 0.0)))


def snap_candidates(ctx: FrameContext, xy, config: FitConfig = DEFAULT_CONFIG) -> list[np.ndarray]:
    """The object points (each (3,), LiDAR frame) a click on the ground at `xy` (2,) may
    mean, most likely first (at most one of each kind):

    1. the point at least `config.snap_min_height` m above the ground (a car's body, not
       the kerb beside it) nearest in x-y within `config.snap_radius` m;
    2. the object in front of the spot on its line of sight (a click on the far half of a
       car in the BEV, which the sweep did not see): its tall point nearest the spot, up to
       `config.shadow_reach` m in front and `config.snap_radius` m aside;
    3. the nearest lower above-ground point within `config.snap_radius` m;
    4. the nearest tall point within `config.snap_far` m (a car whose near end is hidden
       behind another).

    `fit_cuboid` keeps the first whose box reaches within `config.snap_box_reach` m of the
    spot."""
    obj = ctx.obj_pts
    if len(obj) == 0:
        return []
    xy = np.asarray(xy, dtype=float).reshape(2)
    d = np.hypot(obj[:, 0] - xy[0], obj[:, 1] - xy[1])
    near = d <= config.snap_radius
    tall = ctx.height[ctx.obj_idx] >= config.snap_min_height
    rng = float(np.hypot(*xy))
    unit = xy / max(rng, 1e-6)
    along = obj[:, :2] @ unit
    aside = np.abs(obj[:, :2] @ np.array([-unit[1], unit[0]]))
    shadow = tall & (aside <= config.snap_radius) & (along < rng) & (along >= rng - config.shadow_reach)
    out = []
    for pool, score in ((near & tall, d), (shadow, -along), (near & ~tall, d),
                        (tall & (d <= config.snap_far), d)):
        if pool.any():
            k = np.flatnonzero(pool)
            point = obj[k[np.argmin(score[k])]]
            if not any(np.array_equal(point, p) for p in out):
                out.append(point.copy())
    return out


def fit_cluster(ctx: FrameContext, indices: np.ndarray, label: str | None = None,
                priors: dict[str, SizePrior] | None = None,
                config: FitConfig = DEFAULT_CONFIG) -> FitResult:
    """Fit a box to the points ctx.pts_lidar[indices] ((n,) ints) of one object."""
    priors = CLASS_PRIORS if priors is None else priors
    indices = np.asarray(indices, dtype=int)
    pts = ctx.pts_lidar[indices]
    n = len(pts)
    if n < config.min_points:
        return FitResult(None, 0.0, f"too few points ({n})", n, indices)
    theta = closeness_heading(pts[:, :2])
    lo, hi = rect_extent(pts[:, :2], theta)
    ext = hi - lo
    ground_z = float(ctx.ground.height_at(((lo + hi) / 2 @ rect_axes(theta))[None])[0])
    height = float(pts[:, 2].max()) - ground_z
    fill = top_fill(pts, theta, ground_z)
    sight = (lo + hi) / 2 / max(float(np.hypot(*((lo + hi) / 2))), 1e-6)  # unit, in (a, b)
    probe_z = ground_z + 0.5 * height  # look past the object at its mid-height
    occluded = not ctx.seen_free([*(_front_probe(lo, hi, sight) @ rect_axes(theta)), probe_z])[0]
    across = (0.0, 0.0) if occluded else (abs(sight[1]), abs(sight[0]))
    if label is None:
        label, cost, a_is_length = guess_class(ext[0], ext[1], height, priors, fill, across)
        if cost > config.not_an_object_cost:
            return FitResult(None, 0.0, f"not an object ({ext.max():.1f} x {ext.min():.1f} x "
                                        f"{height:.1f} m fits no class)", n, indices)
    else:
        if label not in priors:
            raise ValueError(f"no size prior for class {label!r} (known: {', '.join(priors)})")
        _, cost, a_is_length = guess_class(ext[0], ext[1], height, {label: priors[label]}, fill, across)
    prior = priors[label]
    if not a_is_length:  # make axis 0 the length axis
        theta, lo, hi = theta + np.pi / 2, np.array([lo[1], -hi[0]]), np.array([hi[1], -lo[0]])
    # A dimension shorter than the class allows is partly hidden: it gets the typical size.
    size_lw = np.where(hi - lo < np.asarray(prior.min[:2]), prior.typical[:2], hi - lo + config.pad)
    toward = growth_direction(ctx, theta, lo, hi, probe_z)
    centre_ab = np.array([_place(lo[k], hi[k], size_lw[k], toward[k]) for k in range(2)])
    centre_xy = centre_ab @ rect_axes(theta)
    ground_z = float(ctx.ground.height_at(centre_xy[None])[0])
    height = float(pts[:, 2].max()) - ground_z
    h = prior.typical[2] if height < prior.min[2] else height
    seen = float(np.prod(np.minimum((hi - lo) / size_lw, 1.0)))
    confidence = (1 - np.exp(-n / 40)) * np.exp(-cost / 4) * (0.6 + 0.4 * seen)
    cuboid = Cuboid(center=(*centre_xy, ground_z + h / 2), size_lwh=(*size_lw, h),
                    yaw=canonical_yaw(theta), label=label, status=STATUS_PROPOSAL,
                    confidence=round(float(confidence), 3), source="fit")
    return FitResult(cuboid, cuboid.confidence, "", n, indices)


def rect_axes(theta: float) -> np.ndarray:
    """(2, 2) rows: unit axis a = (cos, sin) and b = (-sin, cos) of a rectangle at `theta`."""
    c, s = np.cos(theta), np.sin(theta)
    return np.array([[c, s], [-s, c]])


def top_fill(pts: np.ndarray, theta: float, ground_z: float, band=(0.7, 0.95)) -> tuple[float, float]:
    """Share of the extent along each rectangle axis (a, b) that the object's top band (from
    band[0] to band[1] of its height above `ground_z`) spans. pts: (n, 3) LiDAR frame."""
    rel = (pts[:, 2] - ground_z) / max(float(pts[:, 2].max()) - ground_z, 1e-6)
    top = (rel >= band[0]) & (rel <= band[1])
    if top.sum() < 2:
        return 1.0, 1.0
    lo, hi = rect_extent(pts[:, :2], theta)
    t_lo, t_hi = rect_extent(pts[top, :2], theta)
    fill = (t_hi - t_lo) / np.maximum(hi - lo, 1e-6)
    return float(fill[0]), float(fill[1])


def rect_extent(xy: np.ndarray, theta: float) -> tuple[np.ndarray, np.ndarray]:
    """xy: (n, 2) -> (lo (2,), hi (2,)): the range of the projections on the axes a, b."""
    proj = np.asarray(xy, dtype=float) @ rect_axes(theta).T
    return proj.min(axis=0), proj.max(axis=0)


def closeness_heading(xy: np.ndarray, angles: np.ndarray | None = None, d0: float = 0.15,
                      d0_fine: float = 0.05) -> float:
    """Orientation (rad) of the rectangle whose edges the points xy (n, 2) hug most closely.

    Each point scores 1 / max(d, d0), d its distance to the nearer of the two edges it is
    closest to (one per axis). The best of `angles` (default: 0-89 degrees, the result then
    in [0, pi/2)) is refined at 0.1 degree with `d0_fine`; a plateau of equal scores gives
    its middle."""
    xy = _thin(np.asarray(xy, dtype=float))
    xy = xy - xy.mean(axis=0)
    coarse = np.radians(np.arange(0.0, 90.0, 1.0)) if angles is None else np.asarray(angles, dtype=float)
    best = _plateau_middle(coarse, _closeness(xy, coarse, d0))
    fine = best + np.radians(np.arange(-1.0, 1.0001, 0.1))
    theta = _plateau_middle(fine, _closeness(xy, fine, d0_fine))
    return theta % (np.pi / 2) if angles is None else theta


def _plateau_middle(angles: np.ndarray, score: np.ndarray) -> float:
    """The middle of the best-scoring angles (a mean modulo 90 degrees, the rectangle's
    symmetry), nearest the first of them."""
    top = angles[score >= score.max() * (1 - 1e-9)]
    mean = np.angle(np.mean(np.exp(4j * top))) / 4
    return float(top[0] + (mean - top[0] + np.pi / 4) % (np.pi / 2) - np.pi / 4)


def _closeness(xy: np.ndarray, angles: np.ndarray, d0: float) -> np.ndarray:
    """xy: (n, 2), angles: (A,) -> (A,) closeness score of each rectangle orientation."""
    c, s = np.cos(angles), np.sin(angles)
    p1 = xy[:, :1] * c + xy[:, 1:] * s   # (n, A) along axis a
    p2 = -xy[:, :1] * s + xy[:, 1:] * c  # (n, A) along axis b
    d = np.minimum(_edge_distance(p1), _edge_distance(p2))
    return (1.0 / np.maximum(d, d0)).sum(axis=0)


def _edge_distance(p: np.ndarray) -> np.ndarray:
    """p: (n, A) projections -> (n, A) distance to the edge (min or max) the points hug more."""
    to_min, to_max = p - p.min(axis=0), p.max(axis=0) - p
    use_min = (to_min ** 2).sum(axis=0) < (to_max ** 2).sum(axis=0)
    return np.where(use_min, to_min, to_max)


def _thin(xy: np.ndarray, cell: float = 0.05, max_points: int = 1500) -> np.ndarray:
    """One point per `cell`-m square (dense near faces weigh no more than sparse far ones)."""
    if len(xy) <= 64:
        return xy
    keys = np.floor(xy / cell).astype(np.int64)
    _, first = np.unique(keys, axis=0, return_index=True)
    out = xy[np.sort(first)]
    if len(out) > max_points:
        out = out[np.linspace(0, len(out) - 1, max_points).astype(int)]
    return out


def growth_direction(ctx: FrameContext, theta: float, lo, hi, z: float, step: float = 0.5) -> np.ndarray:
    """(2,) per axis: +1 grow towards hi, -1 towards lo, 0 both ways, for a partly seen
    dimension: towards the end where the sweep did not see free space `step` m beyond the
    points at height z (hidden behind the object itself, behind something else, or outside
    the sweep)."""
    axes = rect_axes(theta)
    mid = (lo + hi) / 2
    probes = []
    for k in range(2):
        for end in (lo[k] - step, hi[k] + step):
            p = mid.copy()
            p[k] = end
            probes.append(p)
    xy = np.array(probes) @ axes
    free = ctx.seen_free(np.column_stack([xy, np.full(len(xy), z)])).reshape(2, 2)  # [axis, (lo, hi)]
    return np.where(free[:, 0] & ~free[:, 1], 1.0, np.where(~free[:, 0] & free[:, 1], -1.0, 0.0))


def _front_probe(lo, hi, sight, step: float = 0.5) -> np.ndarray:
    """(a, b) coordinates of the spot `step` m in front of the observed rectangle [lo, hi]
    on the line of sight through its middle (`sight`: unit vector from the sensor, in (a, b))."""
    mid, half = (lo + hi) / 2, (hi - lo) / 2
    t = np.min(half / np.maximum(np.abs(sight), 1e-6))
    return mid - sight * (t + step)


def _place(lo: float, hi: float, size: float, toward: float) -> float:
    """Centre along one axis of a `size`-long box holding [lo, hi], grown in `toward`."""
    if size <= hi - lo or toward == 0:
        return (lo + hi) / 2
    return lo + size / 2 if toward > 0 else hi - size / 2


def canonical_yaw(theta: float, hint: float | None = None) -> float:
    """The yaw theta or theta + pi: nearest `hint` if given, else the one in [-pi/2, pi/2)."""
    ref = 0.0 if hint is None else hint
    yaw = (theta - ref + np.pi / 2) % np.pi - np.pi / 2 + ref
    return float((yaw + np.pi) % (2 * np.pi) - np.pi)
