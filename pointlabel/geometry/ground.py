"""Per-frame ground estimation, robust to slopes and to objects standing on the ground.

All arrays are in the LiDAR frame (x forward, y left, z up, metres). The ground is a height
map on a regular x-y grid (`cell` metres), built in three vectorised steps:

1. the lowest point of every occupied cell (`zmin`);
2. a grey-scale morphological opening of that map with a `window`-metre square: anything
   narrower than the window (cars, people, poles, the shadow under a vehicle) is removed,
   while a planar slope passes through unchanged (erosion lowers a ramp by exactly what the
   dilation gives back), so no flat-ground assumption is made;
3. patch-wise least-squares planes: the points from `band[0]` below to `band[1]` above the
   opened surface are ground (asymmetric: the opened surface is made of lowest points, and
   an object's lowest points, a little above the ground, must not lift it); around every
   cell a (2 * `patch` + 1)-cell patch of them gets a plane z = a + b dx + c dy (fitted to
   the residuals to step 2), evaluated at the cell centre.
   Patches with too few or collinear ground points keep a constant offset.

Cells nobody observed take the height of the nearest observed cell; heights between cell
centres are interpolated bilinearly; outside the grid the edge value is used. Within half a
window of the data's edge (far away, or beside a large unseen area) a rising slope comes out
too low: the opening sees it from one side only.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage


@dataclass(frozen=True, eq=False)
class GroundModel:
    """A ground height map. `heights`: (H, W) z of the ground at cell centres (LiDAR frame),
    row i <-> x = origin_xy[0] + (i + 0.5) * cell, column j <-> y = origin_xy[1] + (j + 0.5) * cell.
    `observed`: (H, W) bool, cells that held ground points (the rest are filled)."""

    origin_xy: tuple[float, float]
    cell: float
    heights: np.ndarray
    observed: np.ndarray

    def height_at(self, xy: np.ndarray) -> np.ndarray:
        """xy: (N, 2) LiDAR frame -> (N,) ground z below each position (bilinear)."""
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        H, W = self.heights.shape
        u = np.clip((xy[:, 0] - self.origin_xy[0]) / self.cell - 0.5, 0, H - 1)
        v = np.clip((xy[:, 1] - self.origin_xy[1]) / self.cell - 0.5, 0, W - 1)
        i0 = np.minimum(np.floor(u).astype(int), max(H - 2, 0))
        j0 = np.minimum(np.floor(v).astype(int), max(W - 2, 0))
        i1, j1 = np.minimum(i0 + 1, H - 1), np.minimum(j0 + 1, W - 1)
        fu, fv = u - i0, v - j0
        h = self.heights
        return ((1 - fu) * ((1 - fv) * h[i0, j0] + fv * h[i0, j1])
                + fu * ((1 - fv) * h[i1, j0] + fv * h[i1, j1]))

    def height_above(self, pts_lidar: np.ndarray) -> np.ndarray:
        """pts_lidar: (N, 3) -> (N,) height of each point above the ground (m, may be < 0)."""
        pts = np.asarray(pts_lidar, dtype=float).reshape(-1, 3)
        return pts[:, 2] - self.height_at(pts[:, :2])

    def above_ground(self, pts_lidar: np.ndarray, min_height: float = 0.2) -> np.ndarray:
        """pts_lidar: (N, 3) -> (N,) bool, points more than `min_height` m above the ground."""
        return self.height_above(pts_lidar) > min_height


def estimate_ground(pts_lidar: np.ndarray, cell: float = 1.0, window: float = 7.0,
                    band: tuple[float, float] = (0.25, 0.12), patch: int = 1,
                    max_range: float = 100.0) -> GroundModel:
    """Fit the ground of one sweep. pts_lidar: (N, 3) LiDAR frame (N >= 1).

    cell: grid resolution (m); window: width of the widest object to see through (m);
    band: how far below and above the opened surface a point still counts as ground (m);
    patch: half-size of the plane-fit patch in cells; points farther than `max_range` in x
    or y shape no cell.
    """
    pts = np.asarray(pts_lidar, dtype=float).reshape(-1, 3)
    pts = pts[np.all(np.isfinite(pts), axis=1)]
    pts = pts[(np.abs(pts[:, 0]) <= max_range) & (np.abs(pts[:, 1]) <= max_range)]
    if len(pts) == 0:
        return GroundModel((0.0, 0.0), cell, np.zeros((1, 1)), np.zeros((1, 1), bool))
    origin = np.floor(pts[:, :2].min(axis=0) / cell) * cell
    shape = tuple(int(s) + 1 for s in np.floor((pts[:, :2].max(axis=0) - origin) / cell))
    ij = np.floor((pts[:, :2] - origin) / cell).astype(int)
    flat = np.ravel_multi_index((np.minimum(ij[:, 0], shape[0] - 1),
                                 np.minimum(ij[:, 1], shape[1] - 1)), shape)

    zmin = np.full(shape[0] * shape[1], np.inf)
    np.minimum.at(zmin, flat, pts[:, 2])
    zmin = zmin.reshape(shape)
    occupied = np.isfinite(zmin)

    k = max(3, int(round(window / cell)) | 1)
    eroded = ndimage.minimum_filter(zmin, size=k, mode="nearest")  # empty cells are +inf
    eroded[~occupied] = -np.inf
    opened = ndimage.maximum_filter(eroded, size=k, mode="nearest")
    opened[~occupied] = np.nan
    coarse = _fill_nearest(opened, occupied)

    model = GroundModel((float(origin[0]), float(origin[1])), cell, coarse, occupied)
    resid = pts[:, 2] - model.height_at(pts[:, :2])
    ground = (resid > -band[0]) & (resid < band[1])
    refined, observed = _patch_planes(pts[ground], resid[ground], flat[ground], model, patch)
    return GroundModel(model.origin_xy, cell, coarse + refined, observed)


def _fill_nearest(values: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """(H, W) map: cells where ~valid take the value of the nearest valid cell."""
    if not valid.any():
        return np.zeros_like(values)
    idx = ndimage.distance_transform_edt(~valid, return_distances=False, return_indices=True)
    return values[tuple(idx)]


def _patch_planes(pts: np.ndarray, resid: np.ndarray, flat: np.ndarray, model: GroundModel,
                  patch: int) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares plane of the residuals `resid` (n,) of ground points `pts` (n, 3) in the
    (2 patch + 1)^2-cell patch around every cell; returns the (H, W) correction at the cell
    centres and the (H, W) mask of cells that held ground points."""
    shape = model.heights.shape
    d = pts[:, :2] - _cell_centres(model).reshape(-1, 2)[flat]  # offset from the own cell centre
    dx, dy = d[:, 0], d[:, 1]
    weights = (np.ones(len(pts)), dx, dy, resid, dx * dx, dx * dy, dy * dy, dx * resid, dy * resid)
    c1, cx, cy, cz, cxx, cxy, cyy, cxz, cyz = (
        np.bincount(flat, weights=w, minlength=shape[0] * shape[1]).reshape(shape) for w in weights)
    # Moments of the patch in coordinates centred on the patch's middle cell: a point of the
    # neighbour (i + p, j + q) sits at d + (p, q) * cell.
    n, sx, sy, sz, sxx, sxy, syy, sxz, syz = (np.zeros(shape) for _ in range(9))
    for p in range(-patch, patch + 1):
        for q in range(-patch, patch + 1):
            s1, sdx, sdy, sdz, sdxx, sdxy, sdyy, sdxz, sdyz = (
                _shifted(a, p, q) for a in (c1, cx, cy, cz, cxx, cxy, cyy, cxz, cyz))
            ox, oy = p * model.cell, q * model.cell
            n += s1
            sx += sdx + ox * s1
            sy += sdy + oy * s1
            sz += sdz
            sxx += sdxx + 2 * ox * sdx + ox * ox * s1
            syy += sdyy + 2 * oy * sdy + oy * oy * s1
            sxy += sdxy + ox * sdy + oy * sdx + ox * oy * s1
            sxz += sdxz + ox * sdz
            syz += sdyz + oy * sdz
    safe_n = np.maximum(n, 1)
    vxx, vyy = sxx / safe_n - (sx / safe_n) ** 2, syy / safe_n - (sy / safe_n) ** 2
    vxy = sxy / safe_n - sx * sy / safe_n ** 2
    min_eig = 0.5 * (vxx + vyy) - np.sqrt(0.25 * (vxx - vyy) ** 2 + vxy ** 2)
    good = (n >= 6) & (min_eig > (0.15 * model.cell) ** 2)  # enough points, not collinear
    out = np.where(n > 0, sz / safe_n, 0.0)  # fallback: a constant offset
    if good.any():
        A = np.stack([np.stack([n, sx, sy], -1), np.stack([sx, sxx, sxy], -1),
                      np.stack([sy, sxy, syy], -1)], -2)[good]
        b = np.stack([sz, sxz, syz], -1)[good]
        out[good] = np.linalg.solve(A, b[..., None])[:, 0, 0]  # plane value at the centre
    return _fill_nearest(out, n > 0), c1 > 0


def _shifted(a: np.ndarray, p: int, q: int) -> np.ndarray:
    """out[i, j] = a[i + p, j + q] (0 outside)."""
    out = np.zeros_like(a)
    H, W = a.shape
    out[max(0, -p):H - max(0, p), max(0, -q):W - max(0, q)] = \
        a[max(0, p):H - max(0, -p), max(0, q):W - max(0, -q)]
    return out


def _cell_centres(model: GroundModel) -> np.ndarray:
    """(H, W, 2) x-y of every cell centre."""
    H, W = model.heights.shape
    x = model.origin_xy[0] + (np.arange(H) + 0.5) * model.cell
    y = model.origin_xy[1] + (np.arange(W) + 0.5) * model.cell
    return np.stack(np.meshgrid(x, y, indexing="ij"), axis=-1)
