"""Resampling a distorted camera image into the ideal pinhole image of the same K and size.

For every pixel (u, v) of the output, the ideal normalised point is distorted with the
camera's OpenCV model and the input is sampled there (bilinear). Pixels whose source falls
outside the input, or beyond the distortion model's trusted radius, are black.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from calibration.camera import PinholeCamera


def undistort_image(img: np.ndarray, camera: PinholeCamera) -> np.ndarray:
    """img: (H, W, C) or (H, W) of the distorted camera -> the same shape, ideal pinhole."""
    if camera.dist is None:
        return img.copy()
    h, w = img.shape[:2]
    v, u = np.mgrid[0:h, 0:w].astype(float)
    uv_ideal = np.stack([u.ravel(), v.ravel()], axis=1)
    xy = camera.pixels_to_normalised(uv_ideal)
    trusted = (xy ** 2).sum(1) <= camera.max_valid_r2
    src = camera.normalised_to_pixels(camera.distort(xy))
    coords = [src[:, 1].reshape(h, w), src[:, 0].reshape(h, w)]
    planes = img[..., None] if img.ndim == 2 else img
    out = np.stack([ndimage.map_coordinates(planes[..., c].astype(float), coords, order=1, cval=0.0)
                    for c in range(planes.shape[2])], axis=-1)
    out[~trusted.reshape(h, w)] = 0
    out = np.clip(np.round(out), 0, 255).astype(img.dtype) if img.dtype == np.uint8 else out.astype(img.dtype)
    return out[..., 0] if img.ndim == 2 else out


def pinhole_of(camera: PinholeCamera) -> PinholeCamera:
    """The same camera without distortion (what an undistorted image is taken with)."""
    return PinholeCamera(K=camera.K, width=camera.width, height=camera.height, dist=None)
