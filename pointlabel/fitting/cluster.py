"""Object clusters among the above-ground points of a sweep (LiDAR frame, metres).

Two points are linked when they are closer than `link_distance(range)`, which grows with the
range because the sweep's rings spread apart (vertical offsets count half: rings split an
object into horizontal bands, and a roof's rings lie far apart); a cluster is a connected
component of that graph.
For speed, points are first pooled into small voxels and the graph is built on voxel centroids.

`grow_cluster` starts from a clicked seed. A seed on a stray (a few returns, e.g. from inside
a car through its windows) joins the biggest component around it. When the grown component
cannot be one object (too tall for its footprint, or larger than any class: a pedestrian
merged with a pole, a car merged with the wall beside it), `_separate` cuts it at the
object's own height, read off the points around the seed: points above that level go, and
so do the vertical structures that run on through it (walls, poles), then the seed's
component is taken again. Bigger components that the result is seen through or past are
listed as its possible owners, for the fit to decide (`fit.fit_cuboid`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from pointlabel.fitting.classes import CLASS_PRIORS, SizePrior, guess_class
from pointlabel.fitting.context import FrameContext

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
    if member.sum() < _STRAY:  # a stray point: the object is the biggest cluster around
        around = np.unique(labels[dist <= _REACH])
        big = around[np.argmax(sizes[around])]
        in_big = np.flatnonzero(labels == big)
        seed_local = int(in_big[np.argmin(dist[in_big])])
        member |= labels == big
    heights = ctx.height[ctx.obj_idx[local]]
    if not _plausible(pts[member], heights[member], priors):
        member = _separate(pts, heights, member, seed_local)
    owners = _owners(pts, labels, sizes, dist, member)
    return Cluster(ctx.obj_idx[local[member]], int(ctx.obj_idx[local[seed_local]]),
                   owners=tuple(ctx.obj_idx[local[labels == k]] for k in owners))


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


def segment_objects(ctx: FrameContext, min_points: int = 8, max_extent: float = 20.0) -> list[np.ndarray]:
    """All above-ground clusters of a sweep: a list of (n,) index arrays into ctx.pts_lidar,
    each with at least `min_points` points and a horizontal span under `max_extent` m."""
    pts = ctx.obj_pts
    labels = components(pts, voxel=0.15)
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    out = []
    for group in np.split(order, bounds):
        if len(group) < min_points:
            continue
        span = np.ptp(pts[group, :2], axis=0)
        if np.hypot(*span) <= max_extent:
            out.append(ctx.obj_idx[group])
    return out
