"""Object clusters among the above-ground points of a sweep (LiDAR frame, metres).

Two points are linked when they are closer than `link_distance(range)`, which grows with the
range because the sweep's rings spread apart (vertical offsets count half: rings split an
object into horizontal bands, and a roof's rings lie far apart); a cluster is a connected
component of that graph.
For speed, points are first pooled into small voxels and the graph is built on voxel centroids.

`grow_cluster` starts from a clicked seed. A seed on a stray (a few returns, e.g. from inside
a car through its windows, or its mirror) joins the nearest component around it that is no
stray (the biggest one around may be the hedge beside the car; the nearest may be a ring of
the car's roof, a fragment whose owner the fit then joins). When the grown component
cannot be one object (too tall for its footprint, or larger than any class: a pedestrian
merged with a pole, a car merged with the wall beside it), `_separate` cuts it at the
object's own height, read off the points around the seed: points above that level go, and
so do the vertical structures that run on through it (walls, poles), then the seed's
component is taken again. A plausible component is instead grown by the nearby fragments of
the same object that sparse rings or a grazing view split off (`join_fragments`). Either
result is then cut where its height profile along its length falls into a valley that rays
crossed, between two peaks (a car and the hedge that touches it through a low wall), and the
seed's side kept (`split_at_valley`). Bigger components that the result is seen through or
past are listed as its possible owners, for the fit to decide (`fit.fit_cuboid`).
`segment_objects` (pre-labelling) joins the fragments of each plausible component the same way.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import ConvexHull, QhullError, cKDTree

from pointlabel.fitting.classes import CLASS_PRIORS, SizePrior, guess_class
from pointlabel.fitting.context import BLOCKER_HEIGHT, FrameContext

NO_OBJECT = "no object here"
_Z_SCALE = 0.5  # vertical gaps count half: rings split one object vertically, not sideways
_LINK_BANDS = (0.3, 0.45, 0.6, 0.8)  # link distances tried, each among the points needing it
_PLAUSIBLE_COST = 4.0  # guess_class cost above which a component is not one object
_REACH = 2.0  # m around the seed searched for the component a stray seed belongs to
_OWNER_REACH = 5.0  # m around the seed searched for the component the seed is seen through
_AZIMUTH_SLACK = 1.0  # m sideways that a fragment may stick out of its owner's silhouette
_FRAGMENT = 0.5  # a fragment has fewer points than this share of its owner's ...
_FRAGMENT_MAX = 300  # ... and than this
_STRAY = 10  # a component of fewer points than this is a stray
GLASS_LINE = 0.9  # m above the ground: a vehicle's windows may start above this height


def link_distance(range_m):
    """Largest gap (m) inside one object at a horizontal range `range_m` (m) from the sensor."""
    return np.clip(0.2 + 0.01 * np.asarray(range_m, dtype=float), _LINK_BANDS[0], _LINK_BANDS[-1])


def components(pts_lidar: np.ndarray, voxel: float = 0.1) -> np.ndarray:
    """pts_lidar: (n, 3) LiDAR frame -> (n,) int component label of every point."""
    pts = np.asarray(pts_lidar, dtype=float).reshape(-1, 3) * [1.0, 1.0, _Z_SCALE]
    if len(pts) == 0:
        return np.zeros(0, dtype=int)
    keys = np.floor((pts - pts.min(axis=0)) / voxel).astype(np.int64)
    dims = keys.max(axis=0) + 1
    flat = (keys[:, 0] * dims[1] + keys[:, 1]) * dims[2] + keys[:, 2]
    _, inverse, counts = np.unique(flat, return_inverse=True, return_counts=True)
    centroids = np.stack([np.bincount(inverse, weights=pts[:, k]) for k in range(3)], 1) / counts[:, None]
    links = link_distance(np.hypot(centroids[:, 0], centroids[:, 1]))
    pairs = [np.zeros((0, 2), dtype=np.int64)]
    for band in _LINK_BANDS:
        sub = np.flatnonzero(links >= band - 1e-9)  # voxels whose link reaches this band
        if len(sub) < 2:
            break
        p = cKDTree(centroids[sub]).query_pairs(band, output_type="ndarray")
        pairs.append(sub[p])
    pairs = np.concatenate(pairs)
    m = len(centroids)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(m, m))
    _, labels = connected_components(graph, directed=False)
    return labels[inverse]


@dataclass(frozen=True, eq=False)
class Cluster:
    """indices: (n,) into ctx.pts_lidar of the object's points (empty when none);
    seed_index: the object point the cluster grew from (-1 when none); reason: why empty;
    owners: index arrays of bigger clusters this one may be a fragment of (seen through or
    past them: a car's interior behind its windows, the one ring grazing a far car's roof),
    biggest first. Whether it is one is for the fit to say: it lies inside the owner's box."""

    indices: np.ndarray
    seed_index: int
    reason: str = ""
    owners: tuple = ()


def grow_cluster(ctx: FrameContext, seed_xyz, max_extent: float = 10.0, seed_radius: float = 0.4,
                 priors: dict[str, SizePrior] | None = None) -> Cluster:
    """The object around a seed. seed_xyz: (3,) LiDAR frame. Only above-ground points within
    `max_extent` m of the seed are considered; a seed farther than `seed_radius` m from every
    above-ground point (on the ground, in the void) gives an empty Cluster 'no object here'."""
    seed = np.asarray(seed_xyz, dtype=float).reshape(3)
    if len(ctx.obj_idx) == 0:
        return Cluster(np.zeros(0, dtype=int), -1, NO_OBJECT)
    dist, nearest = ctx.tree.query(seed, distance_upper_bound=seed_radius)
    if not np.isfinite(dist):
        return Cluster(np.zeros(0, dtype=int), -1, NO_OBJECT)
    local = np.asarray(ctx.tree.query_ball_point(ctx.obj_pts[nearest], max_extent), dtype=int)
    pts = ctx.obj_pts[local]
    seed_local = int(np.flatnonzero(local == nearest)[0])
    labels = components(pts)
    member = labels == labels[seed_local]
    sizes = np.bincount(labels)
    dist = np.linalg.norm(pts - seed, axis=1)
    if member.sum() < _STRAY:  # a stray point: the object is the nearest cluster around
        around = np.flatnonzero(dist <= _REACH)
        real = around[sizes[labels[around]] >= _STRAY]
        around = real if len(real) else around[sizes[labels[around]] == sizes[labels[around]].max()]
        seed_local = int(around[np.argmin(dist[around])])
        member |= labels == labels[seed_local]
    heights = ctx.height[ctx.obj_idx[local]]
    if not _plausible(pts[member], heights[member], priors):
        member = _separate(pts, heights, member, seed_local)
    else:
        member = join_fragments(ctx, pts, heights, labels, member, priors)
    member = split_at_valley(ctx, pts, heights, member, seed_local)
    owners = _owners(pts, labels, sizes, dist, member)
    return Cluster(ctx.obj_idx[local[member]], int(ctx.obj_idx[local[seed_local]]),
                   owners=tuple(ctx.obj_idx[local[labels == k]] for k in owners))


def merge_reach(range_m):
    """Largest gap (m, vertical counted half) between two fragments of one object at a
    horizontal range `range_m` (m): a far object's rings and a grazing face's columns lie
    far apart."""
    return np.clip(0.5 + 0.02 * np.asarray(range_m, dtype=float), 0.8, 2.0)


def join_fragments(ctx: FrameContext, pts: np.ndarray, heights: np.ndarray, labels: np.ndarray,
                   member: np.ndarray, priors=None, max_joins: int = 12) -> np.ndarray:
    """Grow the cluster `member` ((n,) bool over pts (n, 3), with heights (n,) above the
    ground and component `labels` (n,)) by the components that are fragments of the same
    object: within `merge_reach` of it, with no ray seen passing between them and
    returning from beyond (`FrameContext.seen_between`), and together still the size of
    one object of a class; components lower than BLOCKER_HEIGHT (kerbs) are not taken.
    Returns the new (n,) membership.

    Sparse rings, a face seen at a grazing angle (its columns of points lie farther apart
    than any link), or a part in the shadow of something in front split one object into
    components; a gap that rays passed through is free space, and splits two objects. A gap
    in the object's own shadow tells nothing, so size decides there: a cluster that is
    already a whole object of a class (`_whole`) takes no other whole object (two cars
    parked nose to tail) and grows no larger than its class's largest."""
    member = member.copy()
    rejected: set[int] = set()
    for _ in range(max_joins):
        inside = np.flatnonzero(member)
        centre = pts[inside].mean(axis=0)
        reach = float(merge_reach(np.hypot(centre[0], centre[1])))
        scaled = pts * [1.0, 1.0, _Z_SCALE]
        outside = np.flatnonzero(~member & ~np.isin(labels, list(rejected)))
        if len(outside) == 0:
            break
        dist, nearest = cKDTree(scaled[inside]).query(scaled[outside], distance_upper_bound=reach)
        close = np.isfinite(dist)
        if not close.any():
            break
        outside, dist, nearest = outside[close], dist[close], inside[nearest[close]]
        order = np.argsort(dist)
        _, first = np.unique(labels[outside[order]], return_index=True)
        best = order[first]  # each candidate component's point nearest the cluster
        joined = False
        whole = _whole(pts[member], heights[member], priors)
        for k in best[np.argsort(dist[best])]:
            comp = labels == labels[outside[k]]
            union = member | comp
            if (heights[comp].max() > BLOCKER_HEIGHT  # lower: a kerb, the ground's edge
                    and _plausible(pts[union], heights[union], priors)
                    and (whole is None or (_whole(pts[comp], heights[comp], priors) is None
                                           and _within(pts[union], (priors or CLASS_PRIORS)[whole])))
                    and not _gap_seen(ctx, pts[outside[k]], pts[nearest[k]], heights[outside[k]],
                                      heights[nearest[k]])):
                member = union
                joined = True
                break
            rejected.add(int(labels[outside[k]]))
        if not joined:
            break
    return member


def _gap_seen(ctx: FrameContext, a, b, height_a: float, height_b: float) -> bool:
    """Did rays pass between the points a and b (3,) (heights above the ground in m) and
    return from beyond, i.e. is the gap between them free space? Above `GLASS_LINE` a ray
    may have passed through a vehicle's windows, so there the gap must also be seen free
    below that line (between BLOCKER_HEIGHT and GLASS_LINE above the ground, at a and b):
    two objects stand apart down to the ground, one car's windows do not. Where the lower
    band was not seen (hidden behind something in front), a gap seen only through glass
    height tells nothing."""
    if not ctx.seen_between(a[None], b[None])[0]:
        return False
    if max(height_a, height_b) <= GLASS_LINE:
        return True
    low = np.array([[*a[:2], a[2] - height_a + BLOCKER_HEIGHT + 0.1],
                    [*b[:2], b[2] - height_b + GLASS_LINE]])
    return bool(ctx.seen_between(low[:1], low[1:])[0])


def _owners(pts: np.ndarray, labels: np.ndarray, sizes: np.ndarray, dist: np.ndarray,
            member: np.ndarray) -> list[int]:
    """Labels of the bigger components within `_OWNER_REACH` m of the seed (dist: (n,)) that
    the small cluster `member` ((n,) bool) is seen through, biggest first."""
    n = int(member.sum())
    if n > _FRAGMENT_MAX:
        return []
    around = np.unique(labels[dist <= _OWNER_REACH])
    around = around[(sizes[around] * _FRAGMENT > n) & ~np.isin(around, labels[member])]
    seen = [int(k) for k in around[np.argsort(-sizes[around])][:8]
            if _seen_through(pts[member], pts[labels == k])]
    return seen[:3]


def _seen_through(pts_a: np.ndarray, pts_b: np.ndarray) -> bool:
    """Is component a (n, 3) seen through or past component b (m, 3)? True when most of a's
    points have a point of b nearer to the sensor at nearly the same azimuth (within
    `_AZIMUTH_SLACK` m sideways), as a car's interior behind its windows or its roof behind
    its near faces."""
    cap = 400_000  # pairs compared: thin both sides evenly beyond it
    if len(pts_a) * len(pts_b) > cap:
        pts_a = pts_a[np.linspace(0, len(pts_a) - 1, min(len(pts_a), 200)).astype(int)]
        pts_b = pts_b[np.linspace(0, len(pts_b) - 1, min(len(pts_b), cap // len(pts_a))).astype(int)]
    range_a = np.hypot(pts_a[:, 0], pts_a[:, 1])
    range_b = np.hypot(pts_b[:, 0], pts_b[:, 1])
    az_a = np.arctan2(pts_a[:, 1], pts_a[:, 0])
    az_b = np.arctan2(pts_b[:, 1], pts_b[:, 0])
    d_az = np.abs((az_a[:, None] - az_b[None] + np.pi) % (2 * np.pi) - np.pi)
    beside = d_az <= (_AZIMUTH_SLACK / np.maximum(range_a, 1.0))[:, None]
    in_front = beside & (range_b[None] < range_a[:, None])
    return bool(np.mean(in_front.any(axis=1)) >= 0.8)


def _plausible(pts: np.ndarray, heights: np.ndarray, priors) -> bool:
    """Could these points (n, 3) with heights (n,) above ground be one object of a class?"""
    if len(pts) < 3:
        return True
    xy = pts[:, :2] - pts[:, :2].mean(axis=0)
    _, vecs = np.linalg.eigh(np.cov(xy.T))
    ext = np.ptp(xy @ vecs, axis=0)
    return guess_class(ext[1], ext[0], float(heights.max()), priors or CLASS_PRIORS)[1] < _PLAUSIBLE_COST


def _whole(pts: np.ndarray, heights: np.ndarray, priors) -> str | None:
    """The class of these points (n, 3) with heights (n,) above ground if they are a whole
    object by themselves (their best class fits, and both their horizontal extents reach the
    class's smallest), else None."""
    if len(pts) < 3:
        return None
    priors = priors or CLASS_PRIORS
    ext = _extents(pts)
    label, cost, a_is_length = guess_class(ext[0], ext[1], float(heights.max()), priors)
    lw = ext if a_is_length else ext[::-1]
    return label if cost < _PLAUSIBLE_COST and np.all(lw >= priors[label].min[:2]) else None


def _within(pts: np.ndarray, prior: SizePrior) -> bool:
    """Do the points (n, 3) fit in the horizontal footprint of the class's largest object?"""
    ext = np.sort(_extents(pts))[::-1]
    return bool(np.all(ext <= np.sort(prior.max[:2])[::-1]))


def _extents(pts: np.ndarray) -> np.ndarray:
    """(2,) horizontal extents (m) of points (n, 3), longer first: the sides of their
    smallest-area enclosing rectangle (principal axes would run diagonally across the
    L-shape of a car seen at a corner)."""
    return _min_rectangle(pts)[0]


def _min_rectangle(pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The smallest-area rectangle enclosing points (n, 3) seen from above: ((2,) its sides
    (m), longer first; (2, 2) rows: unit vectors along the longer and the shorter side)."""
    xy = np.asarray(pts, dtype=float)[:, :2]
    xy = xy - xy.mean(axis=0)
    try:
        hull = xy[ConvexHull(xy).vertices]
    except QhullError:  # all on a line (or a point)
        hull = xy
    edges = np.diff(np.vstack([hull, hull[:1]]), axis=0)
    angles = np.arctan2(edges[:, 1], edges[:, 0]) % (np.pi / 2)
    c, s = np.cos(angles), np.sin(angles)
    u = hull[:, :1] * c + hull[:, 1:] * s  # (h, E) along each candidate axis
    v = -hull[:, :1] * s + hull[:, 1:] * c
    ext = np.stack([np.ptp(u, axis=0), np.ptp(v, axis=0)], axis=1)  # (E, 2)
    if len(ext) == 0:
        return np.zeros(2), np.eye(2)
    k = int(np.argmin(ext[:, 0] * ext[:, 1]))
    axes = np.array([[c[k], s[k]], [-s[k], c[k]]])
    if ext[k, 1] > ext[k, 0]:
        return ext[k, ::-1], axes[::-1]
    return ext[k], axes


def _separate(pts: np.ndarray, heights: np.ndarray, member: np.ndarray, seed: int,
              column_radius: float = 0.3, margin: float = 0.3, gap: float = 0.4,
              cell: float = 0.2) -> np.ndarray:
    """Cut the component `member` (n,) bool of pts (n, 3) at the seed object's own height.

    The object's height is the highest point within `column_radius` m (x-y) of the seed; the
    cut level L is `margin` m above it. Points above L are dropped, and so are the `cell`-m
    columns that run on through L without a vertical gap of `gap` m (walls, poles; a tree's
    crown above a car leaves such a gap). Returns the new (n,) membership of the seed's component.
    """
    idx = np.flatnonzero(member)
    near = np.hypot(*(pts[idx, :2] - pts[seed, :2]).T) <= column_radius
    level = float(heights[idx][near].max()) + margin
    col = np.floor(pts[idx, :2] / cell).astype(np.int64)
    _, col_id = np.unique(col, axis=0, return_inverse=True)
    col_id = col_id.ravel()
    h = heights[idx]
    below = np.full(col_id.max() + 1, -np.inf)
    above = np.full(col_id.max() + 1, np.inf)
    np.maximum.at(below, col_id, np.where(h <= level, h, -np.inf))
    np.minimum.at(above, col_id, np.where(h > level, h, np.inf))
    through = (above - below < gap) & (below > level - gap)
    keep = (h <= level) & ~through[col_id]
    if not keep[np.flatnonzero(idx == seed)[0]]:
        return member  # the seed is on the structure itself: leave the component as it is
    sub = idx[keep]
    labels = components(pts[sub])
    out = np.zeros_like(member)
    out[sub[labels == labels[np.flatnonzero(sub == seed)[0]]]] = True
    return out


def split_at_valley(ctx: FrameContext, pts: np.ndarray, heights: np.ndarray, member: np.ndarray,
                    seed: int, cell: float = 0.2, ratio: float = 0.5, min_drop: float = 0.4,
                    min_peak: float = 0.8, max_tries: int = 4, min_points: int = 60) -> np.ndarray:
    """Cut the cluster `member` ((n,) bool over pts (n, 3), heights (n,) above the ground)
    where its height profile along its long axis (that of its smallest enclosing rectangle)
    has a clear valley between two peaks, and keep the seed's side (pts[seed]). Returns
    the new (n,) membership.

    The profile is the highest point of each `cell`-m slice across the axis. A slice is a
    valley when it holds points, the highest slices on both sides of it reach at least
    `min_peak` m, it is at most `ratio` of the lower of the two and `min_drop` m below it,
    and a ray passed over it and returned from beyond (`_seen_over`): two objects touching
    through something low (a car and the hedge behind it, joined by a kerb, a low wall or a
    few low returns). One object's profile rises to its roof and falls again (a car's
    bonnet and boot lie lower than its roof, but on one side of it only), so it has no such
    valley. An empty slice is no valley: it is a gap between the rings or columns of a
    sparse object, and whether a gap parts two objects is for `join_fragments` to say (it
    joined the parts on evidence). A valley no ray crossed is a gap in one object's returns
    (dark paint, glass) or lies in a shadow, and tells nothing. A cluster of fewer than
    `min_points` points is left whole: a few rings across a far object (and the windows
    they see through) draw no profile to read.

    The cut is at the valley nearest the seed that rays crossed (at its deepest slice; up to
    `max_tries` valleys are looked at), and every point of the cluster on the seed's side
    stays (joined fragments are not connected to the seed's component, and need not be)."""
    idx = np.flatnonzero(member)
    if len(idx) < min_points:
        return member
    xy = pts[idx, :2] - pts[idx, :2].mean(axis=0)
    _, axes = _min_rectangle(pts[idx])
    along = xy @ axes[0]
    slot = np.floor((along - along.min()) / cell).astype(np.int64)
    profile = np.zeros(slot.max() + 1)
    np.maximum.at(profile, slot, heights[idx])
    if len(profile) < 3:
        return member
    left = np.maximum.accumulate(np.concatenate([[0.0], profile[:-1]]))  # highest before each slice
    right = np.maximum.accumulate(np.concatenate([profile[:0:-1], [0.0]]))[::-1]  # ... and after
    lower = np.minimum(left, right)
    occupied = np.bincount(slot, minlength=len(profile)) > 0
    valley = occupied & (lower >= min_peak) & (profile <= ratio * lower) & (lower - profile >= min_drop)
    if not valley.any():
        return member
    seed_slot = slot[np.flatnonzero(idx == seed)[0]]
    depth = np.where(valley, lower - profile, -np.inf)
    run = np.cumsum(np.diff(np.concatenate([[False], valley]).astype(int)) > 0)  # runs, from 1
    cuts = [int(np.flatnonzero(run == r)[np.argmax(depth[run == r])]) for r in np.unique(run[valley])]
    across = xy @ axes[1]
    for cut in sorted(cuts, key=lambda k: abs(k - seed_slot))[:max_tries]:
        if cut == seed_slot:
            break  # the seed is in a valley itself: nothing tells which side it is on
        if _seen_over(ctx, pts[idx, :2].mean(axis=0) + across.min() * axes[1], axes[0], axes[1],
                      along.min() + (cut + 0.5) * cell, float(np.ptp(across)), profile[cut], lower[cut]):
            out = np.zeros_like(member)
            out[idx[(slot < cut) if seed_slot < cut else (slot > cut)]] = True
            return out
    return member


def _seen_over(ctx: FrameContext, origin_xy, axis, across, at: float, width: float,
               floor: float, top: float, columns: int = 7) -> bool:
    """Did a ray pass over a valley and return from beyond it? The valley is the slice
    `at` m along the unit `axis` (2,) from `origin_xy` (2,), reaching `width` m from there
    along `across` (2,); the rays looked at are those between `floor` (at least
    BLOCKER_HEIGHT) and `top` (m above the ground) in `columns` vertical segments across
    its middle 70 %, and no higher than GLASS_LINE: higher up, rays pass through a vehicle's
    windows (a car's middle, seen through its side windows, is a valley in its profile)."""
    lo = max(floor, BLOCKER_HEIGHT) + 0.1
    hi = min(top - 0.1, GLASS_LINE)
    if hi <= lo:
        return False
    offsets = np.linspace(0.15, 0.85, columns) * width  # inside: rays past an edge prove nothing
    xy = np.asarray(origin_xy) + at * np.asarray(axis) + offsets[:, None] * np.asarray(across)
    ground_z = ctx.ground.height_at(xy)
    a = np.column_stack([xy, ground_z + lo])
    b = np.column_stack([xy, ground_z + hi])
    return bool(ctx.seen_between(a, b, pad_deg=0.15).any())


def segment_objects(ctx: FrameContext, min_points: int = 8, max_extent: float = 20.0,
                    priors: dict[str, SizePrior] | None = None, join: bool = True) -> list[np.ndarray]:
    """All above-ground clusters of a sweep: a list of (n,) index arrays into ctx.pts_lidar,
    each with at least `min_points` points and a horizontal span under `max_extent` m.

    With `join`, each component that could be one object, biggest first, takes the nearby
    fragments of itself as a click would (`join_fragments`, looked for among the points
    within reach of it), and a fragment taken belongs to no other cluster."""
    pts = ctx.obj_pts
    labels = components(pts, voxel=0.15)
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    groups = np.split(order, bounds)  # groups[k]: the points of component k
    members = [[k] for k in range(len(groups))]
    taken = np.zeros(len(groups), dtype=bool)
    if join and len(pts):
        heights = ctx.height[ctx.obj_idx]
        reach = float(merge_reach(np.inf))
        for k in sorted(range(len(groups)), key=lambda k: -len(groups[k])):
            group = groups[k]
            if taken[k] or len(group) < min_points or not _plausible(pts[group], heights[group], priors):
                continue
            centre = pts[group].mean(axis=0)
            radius = float(np.max(np.linalg.norm(pts[group, :2] - centre[:2], axis=1))) + reach
            local = np.asarray(ctx.tree.query_ball_point(centre, radius), dtype=int)
            if len(np.unique(labels[local])) < 2:
                continue
            joined = join_fragments(ctx, pts[local], heights[local], labels[local],
                                    labels[local] == k, priors)
            others = [int(j) for j in np.unique(labels[local[joined]]) if j != k and not taken[j]]
            members[k] += others
            taken[others] = True
    out = []
    for k, group in enumerate(groups):
        if taken[k]:
            continue
        group = np.concatenate([groups[j] for j in members[k]]) if len(members[k]) > 1 else group
        if len(group) < min_points:
            continue
        span = np.ptp(pts[group, :2], axis=0)
        if np.hypot(*span) <= max_extent:
            out.append(ctx.obj_idx[group])
    return out
