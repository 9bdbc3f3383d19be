"""Projection of points, line segments, cuboids and polylines into a camera image.

Everything here takes camera-frame geometry (x right, y down, z forward) and a PinholeCamera.
Segments are clipped at the near plane `z = z_near` *before* projection, so nothing from behind
the camera lands in the image and a box half behind the camera still draws correctly. With
lens distortion straight 3D edges become curves, so segments are sampled before projecting.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from calibration.camera import Z_NEAR, PinholeCamera
from calibration.cuboid_topology import EDGES


def clip_segments_near(seg_cam: np.ndarray, z_near: float = Z_NEAR):
    """seg_cam: (M, 2, 3) camera frame -> (clipped (M, 2, 3), keep (M,) bool).

    Endpoints behind `z_near` are moved along the segment onto the plane; segments entirely
    behind it are dropped (keep False, their rows left unchanged).
    """
    seg = np.array(seg_cam, dtype=float).reshape(-1, 2, 3)
    z0, z1 = seg[:, 0, 2], seg[:, 1, 2]
    keep = (z0 >= z_near) | (z1 >= z_near)
    dz = z1 - z0
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (z_near - z0) / dz
        p_on_plane = seg[:, 0] + t[:, None] * (seg[:, 1] - seg[:, 0])
    fix0 = keep & (z0 < z_near)
    fix1 = keep & (z1 < z_near)
    seg[fix0, 0] = p_on_plane[fix0]
    seg[fix1, 1] = p_on_plane[fix1]
    seg[fix0 | fix1, :, 2] = np.maximum(seg[fix0 | fix1, :, 2], z_near)
    return seg, keep


def _samples_per_segment(camera: PinholeCamera, samples: int | None) -> int:
    if samples is not None:
        return max(1, samples)
    return 1 if camera.dist is None else 16


def project_segments(seg_cam: np.ndarray, camera: PinholeCamera, z_near: float = Z_NEAR,
                     samples: int | None = None) -> np.ndarray:
    """seg_cam: (M, 2, 3) camera frame -> uv_img (M, S+1, 2) polylines (NaN where not drawable).

    Segments are near-plane clipped, then sampled at S+1 points (S = 1 without distortion),
    so with distortion each comes back as the curve the lens makes of it. Points are not
    clipped to the image: a renderer's axis range does that.
    """
    seg, keep = clip_segments_near(seg_cam, z_near)
    S = _samples_per_segment(camera, samples)
    t = np.linspace(0.0, 1.0, S + 1)
    pts = seg[:, None, 0] + t[None, :, None] * (seg[:, None, 1] - seg[:, None, 0])  # (M,S+1,3)
    uv, _, valid = camera.project(pts.reshape(-1, 3), z_near=z_near * 0.999, in_image=False)
    uv[~valid] = np.nan
    uv = uv.reshape(len(seg), S + 1, 2)
    uv[~keep] = np.nan
    return uv


def cuboid_edges_cam(corners_cam: np.ndarray) -> np.ndarray:
    """corners_cam: (8, 3) -> (12, 2, 3) edges, in the one edge order of cuboid_topology."""
    return np.asarray(corners_cam, dtype=float)[EDGES]


def polyline_segments(vertices: np.ndarray, closed: bool = False) -> np.ndarray:
    """vertices: (K, 3) -> (K-1 or K, 2, 3) consecutive segments."""
    v = np.asarray(vertices, dtype=float).reshape(-1, 3)
    if len(v) < 2:
        return np.zeros((0, 2, 3))
    ends = np.roll(v, -1, axis=0) if closed and len(v) > 2 else v[1:]
    starts = v if closed and len(v) > 2 else v[:-1]
    return np.stack([starts, ends], axis=1)


def segments_to_path(uv_segments: np.ndarray) -> np.ndarray:
    """(M, S+1, 2) -> (M*(S+2), 2) one path with NaN rows between segments (for plotting)."""
    M = len(uv_segments)
    if M == 0:
        return np.zeros((0, 2))
    gap = np.full((M, 1, 2), np.nan)
    return np.concatenate([uv_segments, gap], axis=1).reshape(-1, 2)


@dataclass(frozen=True)
class Box2D:
    """A projected cuboid's 2D box in image pixels, clipped to the image, and its truncation."""

    left: float
    top: float
    right: float
    bottom: float
    truncation: float

    @property
    def ltrb(self) -> tuple[float, float, float, float]:
        return (self.left, self.top, self.right, self.bottom)

    @property
    def height(self) -> float:
        return self.bottom - self.top


def cuboid_box2d(corners_cam: np.ndarray, camera: PinholeCamera,
                 z_near: float = Z_NEAR) -> Box2D | None:
    """corners_cam: (8, 3) -> the clipped 2D box and truncation, or None if it misses the image.

    The unclipped box is min/max over the near-plane-clipped, projected edges; it is then
    clipped to [0, W-1] x [0, H-1]; truncation = share of the unclipped area outside the image.
    """
    uv = project_segments(cuboid_edges_cam(corners_cam), camera, z_near).reshape(-1, 2)
    uv = uv[np.isfinite(uv).all(1)]
    if len(uv) == 0:
        return None
    lo, hi = uv.min(0), uv.max(0)
    W, H = camera.width - 1, camera.height - 1
    cl = np.clip(lo, 0, [W, H])
    ch = np.clip(hi, 0, [W, H])
    if hi[0] < 0 or hi[1] < 0 or lo[0] > W or lo[1] > H or ch[0] <= cl[0] or ch[1] <= cl[1]:
        return None
    area = float(np.prod(hi - lo))
    inside = float(np.prod(ch - cl))
    trunc = 0.0 if area <= 0 else float(np.clip(1.0 - inside / area, 0.0, 1.0))
    return Box2D(float(cl[0]), float(cl[1]), float(ch[0]), float(ch[1]), trunc)


def box_iou_2d(a, b) -> float:
    """IoU of two (left, top, right, bottom) boxes."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return 0.0 if union <= 0 else inter / union
