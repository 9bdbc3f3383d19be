"""Carry a sweep's point labels to another sweep (usually the next).

- Static points: a destination point is mapped through the poses, `T_src_from_dst =
  inv(T_world_from_src) @ T_world_from_dst` (a native dataset's poses.json; identity when
  the dataset has none, i.e. a sensor standing still), and takes the label of its nearest
  source point outside the tracked boxes, if that is within `max_dist` metres.
- Points inside a tracked box (a cuboid of the annotation store with a track id present in
  both frames; the destination box grown by `margin`) move with their box: mapped into the
  source box (`T_lidar_from_src_box @ T_dst_box_from_lidar`, full orientation), they take
  the label of the nearest source point in that box, when it is nearer than the static
  match (the ground under a box stays ground).

Only labelled source points pass labels on; by default only unlabelled destination points
are written (one undoable op).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from calibration.transforms import invert, transform_points
from pointlabel.geometry.boxes import points_in_cuboid_mask
from pointlabel.model import STATUS_REJECTED
from pointlabel.pointlabels.storage import DEFAULT_SET, OpResult, PointLabelStore


@dataclass(frozen=True)
class Transfer:
    """(N_dst,) labels carried over (0 where nothing came) and how: `source` (N_dst,) int,
    the source point index or -1; counts of points moved with boxes and as static."""

    semantic: np.ndarray
    instance: np.ndarray
    source: np.ndarray
    n_boxed: int
    n_static: int
    used_poses: bool


def box_pose(cuboid) -> np.ndarray:
    """(4, 4) T_lidar_from_box of a cuboid (box frame: origin at its centre, x along heading)."""
    T = np.eye(4)
    T[:3, :3] = cuboid.rotation
    T[:3, 3] = cuboid.center
    return T


def transfer_labels(pts_src: np.ndarray, sem_src: np.ndarray, inst_src: np.ndarray, pts_dst: np.ndarray,
                    T_src_from_dst: np.ndarray | None = None, box_pairs=(), max_dist: float = 0.25,
                    margin: float = 0.1) -> Transfer:
    """pts_src (Ns, 3) source LiDAR frame with labels (Ns,); pts_dst (Nd, 3) destination LiDAR
    frame; box_pairs: [(cuboid in src, same track's cuboid in dst), ...]. Pure numpy/scipy."""
    pts_src = np.asarray(pts_src, dtype=np.float64)
    pts_dst = np.asarray(pts_dst, dtype=np.float64)
    sem = np.zeros(len(pts_dst), np.uint16)
    inst = np.zeros(len(pts_dst), np.uint16)
    source = np.full(len(pts_dst), -1, np.int64)
    best = np.full(len(pts_dst), np.inf)
    labelled = sem_src > 0
    moving_src = np.zeros(len(pts_src), dtype=bool)
    for c_src, _ in box_pairs:
        moving_src |= points_in_cuboid_mask(pts_src, c_src)
    # Static hypothesis for every destination point.
    static_src = np.flatnonzero(labelled & ~moving_src)
    if len(static_src) and len(pts_dst):
        moved = pts_dst if T_src_from_dst is None else transform_points(T_src_from_dst, pts_dst)
        d, j = cKDTree(pts_src[static_src]).query(moved, k=1, distance_upper_bound=max_dist)
        ok = np.isfinite(d)
        source[ok], best[ok] = static_src[j[ok]], d[ok]
    # Box hypothesis for destination points in a tracked box (grown by `margin`): the nearer wins.
    boxed = np.zeros(len(pts_dst), dtype=bool)
    for c_src, c_dst in box_pairs:
        cand = np.flatnonzero(points_in_cuboid_mask(pts_src, c_src, margin) & labelled)
        m_dst = np.flatnonzero(points_in_cuboid_mask(pts_dst, c_dst, margin))
        if not len(cand) or not len(m_dst):
            continue
        moved = transform_points(box_pose(c_src) @ invert(box_pose(c_dst)), pts_dst[m_dst])
        d, j = cKDTree(pts_src[cand]).query(moved, k=1, distance_upper_bound=max_dist)
        win = np.isfinite(d) & (d < best[m_dst])
        source[m_dst[win]], best[m_dst[win]] = cand[j[win]], d[win]
        boxed[m_dst[win]] = True
    n_boxed = int(boxed.sum())
    n_static = int(((source >= 0) & ~boxed).sum())
    got = source >= 0
    sem[got] = sem_src[source[got]]
    inst[got] = inst_src[source[got]]
    return Transfer(sem, inst, source, n_boxed, n_static, T_src_from_dst is not None)


def propagate_frame(store: PointLabelStore, dataset, src: str, dst: str, annotations=None,
                    label_set: str = DEFAULT_SET, client: str | None = None, max_dist: float = 0.25,
                    overwrite: bool = False) -> tuple[OpResult, Transfer]:
    """Propagate the stored labels of frame `src` to frame `dst` (one op on `dst`)."""
    from pointlabel.errors import PointlabelError
    from pointlabel.pointlabels.ops import FramePoints
    f_src = FramePoints(dataset, src)
    f_dst = FramePoints(dataset, dst)
    got = store.get(src, label_set)
    if got is None:
        raise PointlabelError(f"frame {src} has no point labels to propagate")
    if got.n_points != f_src.n_points:
        raise PointlabelError(f"frame {src}: point labels are for {got.n_points} points, the cloud has {f_src.n_points}")
    poses = getattr(dataset, "poses", None) or {}
    T = invert(poses[src]) @ poses[dst] if src in poses and dst in poses else None
    pairs = []
    if annotations is not None:
        a = {c.track_id: c for c in annotations.frame(src, label_set).cuboids
             if c.track_id is not None and c.status != STATUS_REJECTED}
        b = {c.track_id: c for c in annotations.frame(dst, label_set).cuboids
             if c.track_id is not None and c.status != STATUS_REJECTED}
        pairs = [(a[t], b[t]) for t in sorted(set(a) & set(b))]
    tr = transfer_labels(f_src.pts_lidar, got.semantic, got.instance, f_dst.pts_lidar, T, pairs, max_dist)
    idx = np.flatnonzero(tr.source >= 0)
    res = store.paint(dst, f_dst.n_points, idx, tr.semantic[idx], tr.instance[idx], label_set=label_set,
                      client=client, tool="propagate", params={"from": src, "max_dist": max_dist},
                      only_unlabelled=not overwrite)
    return res, tr
