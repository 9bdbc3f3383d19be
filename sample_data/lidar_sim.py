"""A rotating 64-beam LiDAR (HDL-64E-like) at 10 Hz, simulated by ray casting.

LiDAR frame: x forward, y left, z up, metres, origin at the sensor. Beams: 32 upper lasers from
+2.0 to -8.33 deg (1/3 deg apart) and 32 lower ones from -8.83 to -24.9 deg; 2048 firings per
revolution. Each sweep is cast as one instant (no motion skew), so the ground-truth boxes at
the sweep's timestamp hold its points exactly.

Returns: range noise (Gaussian, `range_sigma`), dropouts (random, plus weak returns lost with
the received power reflectivity * incidence / range^2), and an intensity channel in [0, 1]
(KITTI's reflectance: the surface's reflectivity times an incidence term, plus noise), so
lane paint is brighter than asphalt.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sample_data.raycast import Snapshot


def hdl64_elevations_deg() -> np.ndarray:
    """(64,) beam elevations, top to bottom, degrees."""
    return np.concatenate([np.linspace(2.0, -8.33, 32), np.linspace(-8.83, -24.9, 32)])


@dataclass(frozen=True)
class LidarModel:
    elevations_deg: np.ndarray = field(default_factory=hdl64_elevations_deg)
    azimuth_steps: int = 2048
    min_range: float = 2.0
    max_range: float = 120.0
    range_sigma: float = 0.015  # metres
    random_dropout: float = 0.01
    weak_power: float = 1e-3  # received power at which a return is kept with p = 1 - 1/e
    intensity_sigma: float = 0.02

    @property
    def n_rays(self) -> int:
        return len(self.elevations_deg) * self.azimuth_steps

    def ray_dirs_lidar(self, azimuth0: float) -> tuple[np.ndarray, np.ndarray]:
        """(dirs (N, 3) unit, LiDAR frame; ring (N,) beam index), firing order."""
        az = azimuth0 + np.arange(self.azimuth_steps) * (2 * np.pi / self.azimuth_steps)
        el = np.deg2rad(self.elevations_deg)
        az, el = np.meshgrid(az, el, indexing="ij")  # (azimuth, beam)
        dirs = np.stack([np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)], -1)
        ring = np.broadcast_to(np.arange(len(self.elevations_deg)), az.shape)
        return dirs.reshape(-1, 3), ring.reshape(-1)

    def sweep(self, snapshot: Snapshot, T_world_from_lidar: np.ndarray, rng: np.random.Generator):
        """One revolution -> (pts_lidar (M, 3) float32, intensity (M,) float32, actor (M,) int:
        index of the scene actor each return hit, -1 for the static world)."""
        dirs_lidar, _ = self.ray_dirs_lidar(rng.uniform(0, 2 * np.pi / self.azimuth_steps))
        R, origin = T_world_from_lidar[:3, :3], T_world_from_lidar[:3, 3]
        dirs_world = dirs_lidar @ R.T
        hits = snapshot.cast(np.broadcast_to(origin, dirs_world.shape), dirs_world)
        r = hits.distance
        cos_inc = np.abs((hits.normal_world * dirs_world).sum(1))
        keep = np.isfinite(r) & (r >= self.min_range) & (r <= self.max_range)
        with np.errstate(invalid="ignore", divide="ignore"):
            power = hits.reflectivity * (0.3 + 0.7 * cos_inc) / (r / 10.0) ** 2
        p_keep = (1 - np.exp(-power / self.weak_power)) * (1 - self.random_dropout)
        keep &= rng.random(len(r)) < np.nan_to_num(p_keep)
        r_noisy = r[keep] + rng.normal(0, self.range_sigma, keep.sum())
        pts_lidar = (dirs_lidar[keep] * r_noisy[:, None]).astype(np.float32)
        intensity = hits.reflectivity[keep] * (0.35 + 0.65 * cos_inc[keep])
        intensity = intensity + rng.normal(0, self.intensity_sigma, keep.sum())
        intensity = np.round(np.clip(intensity, 0.0, 1.0), 2).astype(np.float32)
        return pts_lidar, intensity, hits.actor[keep]
