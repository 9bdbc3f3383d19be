"""Intersection over union of oriented, upright boxes, pairwise and vectorised.

Boxes are (M, 7) [x, y, z, l, w, h, yaw] in the LiDAR frame (geometric centre, yaw about +z;
pitch and roll are ignored). The bird's-eye-view (BEV) overlap of two boxes is the area of
the intersection of their x-y rectangles, computed exactly by Sutherland-Hodgman clipping of
one rectangle by the other's four edges, for all pairs at once; pairs whose bounding circles
do not meet are skipped. 3D IoU multiplies the BEV overlap by the overlap in z.
"""
from __future__ import annotations

import numpy as np

from pointlabel.geometry.boxes import bev_corners

_EPS = 1e-9


def bev_intersection(boxes_a: np.ndarray, boxes_b: np.ndarray) -> np.ndarray:
    """(M, 7), (K, 7) -> (M, K) area (m^2) of the x-y overlap of every pair."""
    a = np.asarray(boxes_a, dtype=float).reshape(-1, 7)
    b = np.asarray(boxes_b, dtype=float).reshape(-1, 7)
    out = np.zeros((len(a), len(b)))
    if len(a) == 0 or len(b) == 0:
        return out
    reach = np.hypot(a[:, 3], a[:, 4])[:, None] / 2 + np.hypot(b[:, 3], b[:, 4])[None] / 2
    gap = np.hypot(a[:, None, 0] - b[None, :, 0], a[:, None, 1] - b[None, :, 1])
    ia, ib = np.nonzero(gap < reach)
    if len(ia):
        ccw = [3, 2, 1, 0]  # the topology's bottom face runs clockwise seen from above
        poly_a, poly_b = bev_corners(a)[:, ccw], bev_corners(b)[:, ccw]
        out[ia, ib] = convex_intersection_area(poly_a[ia], poly_b[ib])
    return out


def bev_iou(boxes_a: np.ndarray, boxes_b: np.ndarray) -> np.ndarray:
    """(M, 7), (K, 7) -> (M, K) BEV IoU in [0, 1]."""
    a = np.asarray(boxes_a, dtype=float).reshape(-1, 7)
    b = np.asarray(boxes_b, dtype=float).reshape(-1, 7)
    inter = bev_intersection(a, b)
    union = (a[:, 3] * a[:, 4])[:, None] + (b[:, 3] * b[:, 4])[None] - inter
    return np.clip(inter / np.maximum(union, _EPS), 0.0, 1.0)


def iou_3d(boxes_a: np.ndarray, boxes_b: np.ndarray) -> np.ndarray:
    """(M, 7), (K, 7) -> (M, K) 3D IoU in [0, 1] of upright boxes."""
    a = np.asarray(boxes_a, dtype=float).reshape(-1, 7)
    b = np.asarray(boxes_b, dtype=float).reshape(-1, 7)
    top = np.minimum((a[:, 2] + a[:, 5] / 2)[:, None], (b[:, 2] + b[:, 5] / 2)[None])
    bottom = np.maximum((a[:, 2] - a[:, 5] / 2)[:, None], (b[:, 2] - b[:, 5] / 2)[None])
    inter = bev_intersection(a, b) * np.maximum(top - bottom, 0.0)
    vol_a, vol_b = np.prod(a[:, 3:6], axis=1), np.prod(b[:, 3:6], axis=1)
    union = vol_a[:, None] + vol_b[None] - inter
    return np.clip(inter / np.maximum(union, _EPS), 0.0, 1.0)


def convex_intersection_area(poly_a: np.ndarray, poly_b: np.ndarray) -> np.ndarray:
    """poly_a, poly_b: (N, 4, 2) counter-clockwise convex quadrilaterals -> (N,) area of
    poly_a[i] clipped by poly_b[i] (vectorised Sutherland-Hodgman)."""
    verts = np.asarray(poly_a, dtype=float)
    clip = np.asarray(poly_b, dtype=float)
    n = len(verts)
    count = np.full(n, verts.shape[1])
    scale = np.maximum(np.abs(clip).max(axis=(1, 2)), 1.0)[:, None]
    rows = np.arange(n)[:, None]
    for e in range(clip.shape[1]):
        start, end = clip[:, e][:, None], clip[:, (e + 1) % clip.shape[1]][:, None]
        slots = np.arange(verts.shape[1])[None]
        valid = slots < count[:, None]
        nxt = verts[rows, (slots + 1) % np.maximum(count[:, None], 1)]
        edge = end - start
        side = _cross(edge, verts - start)
        side_nxt = _cross(edge, nxt - start)
        tol = _EPS * scale * np.linalg.norm(edge, axis=-1)
        inside, inside_nxt = side >= -tol, side_nxt >= -tol
        crosses = valid & (inside != inside_nxt)
        denom = np.where(crosses, side - side_nxt, 1.0)
        hit = verts + (side / denom)[..., None] * (nxt - verts)
        # Vertex i emits itself if inside, then the crossing point towards vertex i + 1.
        cand = np.stack([verts, hit], axis=2).reshape(n, -1, 2)
        keep = np.stack([valid & inside, crosses], axis=2).reshape(n, -1)
        order = np.argsort(~keep, axis=1, kind="stable")
        count = keep.sum(axis=1)
        width = max(int(count.max()), 1)
        verts = cand[rows, order[:, :width]]
    slots = np.arange(verts.shape[1])[None]
    valid = slots < count[:, None]
    nxt = verts[rows, (slots + 1) % np.maximum(count[:, None], 1)]
    twice = np.where(valid, verts[..., 0] * nxt[..., 1] - nxt[..., 0] * verts[..., 1], 0.0).sum(axis=1)
    return np.where(count >= 3, np.abs(twice) / 2, 0.0)


def _cross(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """z of the 2D cross product, broadcasting over leading axes: (..., 2), (..., 2) -> (...)."""
    return u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0]
