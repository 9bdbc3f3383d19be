"""A sensor rig: one LiDAR and any number of cameras, each with extrinsics and a time offset.

Each camera carries `T_cam_from_lidar` (4x4): pts_cam = T_cam_from_lidar applied to pts_lidar.
The rig is read and written as JSON for non-KITTI data::

    {"lidar": "lidar_top",
     "cameras": {"front": {"K": [[...]], "width": W, "height": H, "dist": [k1,k2,p1,p2,k3] | null,
                           "T_cam_from_lidar": [[4x4]], "time_offset": 0.0}}}
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from calibration.camera import PinholeCamera
from calibration.transforms import transform_points


@dataclass(frozen=True)
class CameraSensor:
    """A camera of the rig: its model, where it sits relative to the LiDAR, its clock offset."""

    name: str
    camera: PinholeCamera
    T_cam_from_lidar: tuple
    time_offset: float = 0.0  # nominal seconds from the LiDAR sweep time to this camera's frame

    def __post_init__(self):
        T = np.asarray(self.T_cam_from_lidar, dtype=float)
        if T.shape == (3, 4):
            T = np.vstack([T, [0, 0, 0, 1]])
        if T.shape != (4, 4):
            raise ValueError(f"camera {self.name}: T_cam_from_lidar must be 4x4, got {T.shape}")
        object.__setattr__(self, "T_cam_from_lidar", tuple(map(tuple, T.tolist())))

    @property
    def T(self) -> np.ndarray:
        """(4, 4) T_cam_from_lidar."""
        return np.asarray(self.T_cam_from_lidar, dtype=float)

    def lidar_to_cam(self, pts_lidar: np.ndarray) -> np.ndarray:
        """pts_lidar: (N, 3) LiDAR frame -> pts_cam (N, 3) this camera's frame."""
        return transform_points(self.T, pts_lidar)

    def project_lidar(self, pts_lidar: np.ndarray, in_image: bool = True):
        """pts_lidar: (N, 3) -> (uv_img (N, 2), depth (N,), valid (N,))."""
        return self.camera.project(self.lidar_to_cam(pts_lidar), in_image=in_image)


@dataclass(frozen=True)
class Rig:
    """One LiDAR and its cameras (an ordered mapping name -> CameraSensor)."""

    cameras: dict = field(default_factory=dict)
    lidar: str = "lidar"

    def __getitem__(self, name: str) -> CameraSensor:
        return self.cameras[name]

    @property
    def camera_names(self) -> list[str]:
        return list(self.cameras)

    def to_dict(self) -> dict:
        return {"lidar": self.lidar, "cameras": {
            n: {**c.camera.to_dict(), "T_cam_from_lidar": [list(r) for r in c.T_cam_from_lidar],
                "time_offset": c.time_offset} for n, c in self.cameras.items()}}

    @staticmethod
    def from_dict(d: dict) -> "Rig":
        cams = {}
        for name, c in d.get("cameras", {}).items():
            missing = [k for k in ("K", "width", "height", "T_cam_from_lidar") if k not in c]
            if missing:
                raise KeyError(f"camera '{name}' lacks {', '.join(missing)}")
            cams[name] = CameraSensor(name, PinholeCamera.from_dict(c), c["T_cam_from_lidar"],
                                      float(c.get("time_offset", 0.0)))
        return Rig(cameras=cams, lidar=d.get("lidar", "lidar"))

    def write_json(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2))

    @staticmethod
    def read_json(path: str | Path) -> "Rig":
        return Rig.from_dict(json.loads(Path(path).read_text()))
