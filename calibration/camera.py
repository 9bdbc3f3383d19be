"""Pinhole camera with image size and optional OpenCV distortion (k1, k2, p1, p2, k3).

Camera frame: x right, y down, z forward (optical axis). Image frame: u right, v down, pixels,
origin at the top-left pixel's centre. Projection: x = X/Z, y = Y/Z, OpenCV's radial and
tangential distortion on (x, y), then u = fx*x + s*y + cx, v = fy*y + cy.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

Z_NEAR = 0.1  # metres: nothing closer to the image plane than this is projected


@dataclass(frozen=True)
class PinholeCamera:
    """Intrinsics `K` (3x3), image size in pixels, distortion (k1, k2, p1, p2, k3) or None."""

    K: tuple
    width: int
    height: int
    dist: tuple | None = None

    def __post_init__(self):
        K = np.asarray(self.K, dtype=float)
        if K.shape != (3, 3):
            raise ValueError(f"K must be 3x3, got {K.shape}")
        object.__setattr__(self, "K", tuple(map(tuple, K.tolist())))
        if self.dist is not None:
            d = np.zeros(5)
            given = np.asarray(self.dist, dtype=float).ravel()
            if given.size > 5:
                raise ValueError("distortion takes at most 5 coefficients (k1, k2, p1, p2, k3)")
            d[: given.size] = given
            object.__setattr__(self, "dist", None if not d.any() else tuple(d.tolist()))
        if self.width <= 0 or self.height <= 0:
            raise ValueError(f"image size must be positive, got {self.width}x{self.height}")

    @property
    def K_matrix(self) -> np.ndarray:
        return np.asarray(self.K, dtype=float)

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return (self.width, self.height)

    # -- normalised <-> pixel ------------------------------------------------------------
    def distort(self, xy: np.ndarray) -> np.ndarray:
        """xy: (N, 2) ideal normalised coordinates -> (N, 2) distorted normalised coordinates."""
        if self.dist is None:
            return np.asarray(xy, dtype=float)
        k1, k2, p1, p2, k3 = self.dist
        x, y = xy[:, 0], xy[:, 1]
        r2 = x * x + y * y
        radial = 1 + k1 * r2 + k2 * r2**2 + k3 * r2**3
        xd = x * radial + 2 * p1 * x * y + p2 * (r2 + 2 * x * x)
        yd = y * radial + p1 * (r2 + 2 * y * y) + 2 * p2 * x * y
        return np.stack([xd, yd], axis=1)

    def undistort_normalised(self, xy_d: np.ndarray, iterations: int = 30) -> np.ndarray:
        """Inverse of `distort` by fixed-point iteration (as OpenCV's undistortPoints)."""
        xy_d = np.asarray(xy_d, dtype=float)
        if self.dist is None:
            return xy_d
        k1, k2, p1, p2, k3 = self.dist
        xy = xy_d.copy()
        for _ in range(iterations):
            x, y = xy[:, 0], xy[:, 1]
            r2 = x * x + y * y
            radial = 1 + k1 * r2 + k2 * r2**2 + k3 * r2**3
            dx = 2 * p1 * x * y + p2 * (r2 + 2 * x * x)
            dy = p1 * (r2 + 2 * y * y) + 2 * p2 * x * y
            xy = np.stack([(xy_d[:, 0] - dx) / radial, (xy_d[:, 1] - dy) / radial], axis=1)
        return xy

    def normalised_to_pixels(self, xy: np.ndarray) -> np.ndarray:
        K = self.K_matrix
        u = K[0, 0] * xy[:, 0] + K[0, 1] * xy[:, 1] + K[0, 2]
        v = K[1, 1] * xy[:, 1] + K[1, 2]
        return np.stack([u, v], axis=1)

    def pixels_to_normalised(self, uv: np.ndarray) -> np.ndarray:
        K = self.K_matrix
        y = (uv[:, 1] - K[1, 2]) / K[1, 1]
        x = (uv[:, 0] - K[0, 2] - K[0, 1] * y) / K[0, 0]
        return np.stack([x, y], axis=1)

    def undistort_pixels(self, uv_img: np.ndarray) -> np.ndarray:
        """uv_img: (N, 2) distorted pixels -> (N, 2) pixels of the ideal pinhole image."""
        xy = self.undistort_normalised(self.pixels_to_normalised(np.asarray(uv_img, dtype=float)))
        return self.normalised_to_pixels(xy)

    @cached_property
    def max_valid_r2(self) -> float:
        """Largest ideal r^2 the distortion model is trusted at: a margin beyond the image
        corners, and never past the radius where the radial polynomial stops growing."""
        if self.dist is None:
            return np.inf
        corners = np.array([[0, 0], [self.width - 1, 0], [0, self.height - 1],
                            [self.width - 1, self.height - 1]], dtype=float)
        r2_img = (self.undistort_normalised(self.pixels_to_normalised(corners)) ** 2).sum(1).max()
        k1, k2, _, _, k3 = self.dist
        r = np.linspace(0, np.sqrt(r2_img) * 3, 2000)
        rd = r * (1 + k1 * r**2 + k2 * r**4 + k3 * r**6)
        folds = np.nonzero(np.diff(rd) <= 0)[0]
        r_fold = r[folds[0]] if folds.size else np.inf
        return float(min(r2_img * 1.5**2, r_fold**2))

    # -- projection ----------------------------------------------------------------------
    def project(self, pts_cam: np.ndarray, z_near: float = Z_NEAR, in_image: bool = True):
        """pts_cam: (N, 3) camera frame -> (uv_img (N, 2), depth (N,), valid (N,) bool).

        `valid` is depth > z_near, within the distortion model's trusted radius and, with
        `in_image`, inside [0, W-1] x [0, H-1]. uv of invalid points is NaN where depth <= z_near
        (never divided by a non-positive depth).
        """
        pts_cam = np.asarray(pts_cam, dtype=float).reshape(-1, 3)
        depth = pts_cam[:, 2]
        front = depth > z_near
        xy = np.full((len(pts_cam), 2), np.nan)
        xy[front] = pts_cam[front, :2] / depth[front, None]
        r2 = (xy**2).sum(1)
        valid = front & (r2 <= self.max_valid_r2) if self.dist is not None else front.copy()
        uv = np.full_like(xy, np.nan)
        uv[front] = self.normalised_to_pixels(self.distort(xy[front]))
        if in_image:
            valid &= self.contains(uv)
        return uv, depth, valid

    def contains(self, uv_img: np.ndarray) -> np.ndarray:
        """(N,) bool: pixel inside [0, W-1] x [0, H-1] (NaN is outside)."""
        u, v = uv_img[:, 0], uv_img[:, 1]
        with np.errstate(invalid="ignore"):
            return (u >= 0) & (u <= self.width - 1) & (v >= 0) & (v <= self.height - 1)

    def to_dict(self) -> dict:
        return {"K": [list(r) for r in self.K], "width": self.width, "height": self.height,
                "dist": None if self.dist is None else list(self.dist)}

    @staticmethod
    def from_dict(d: dict) -> "PinholeCamera":
        return PinholeCamera(K=d["K"], width=int(d["width"]), height=int(d["height"]),
                             dist=d.get("dist"))
