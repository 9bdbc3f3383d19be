"""A sensor rig: one LiDAR and any number of cameras, each with extrinsics and a time offset.

Each camera carries `T_cam_from_lidar` (4x4): pts_cam = T_cam_from_lidar applied to pts_lidar.
The rig is read and written as JSON for non-KITTI data::

    {"lidar": "lidar_top",
     "cameras": {"front": {"K": [[...]], "width": W, "height": H, "dist": [k1,k2,p1,p2,k3] | null,
                           "T_cam_from_lidar": [[4x4]], "time_offset": 0.0}}}
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from calibration.camera import PinholeCamera
from calibration.errors import CalibrationError
from calibration.transforms import check_rigid, transform_points

MAX_IMAGE_SIDE = 100_000  # pixels
MAX_TIME_OFFSET_S = 3600.0


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
        """The rig of a JSON object; CalibrationError (naming the camera and the key) for
        anything that cannot be used: missing keys, non-finite numbers, K that is not a pinhole
        (fx, fy > 0, last row [0, 0, 1]), a T_cam_from_lidar that is not rigid, absurd sizes."""
        if not isinstance(d, dict):
            raise CalibrationError("a rig must be a JSON object")
        cameras = d.get("cameras", {})
        if not isinstance(cameras, dict):
            raise CalibrationError("rig 'cameras' must be an object {name: camera}")
        lidar = d.get("lidar", "lidar")
        if not isinstance(lidar, str):
            raise CalibrationError("rig 'lidar' must be a name")
        cams = {}
        for name, c in cameras.items():
            cams[name] = _camera_from_dict(name, c)
        return Rig(cameras=cams, lidar=lidar)

    def write_json(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2))

    @staticmethod
    def read_json(path: str | Path) -> "Rig":
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, UnicodeDecodeError, ValueError) as e:
            raise CalibrationError(f"{path}: cannot read rig JSON ({e})") from None
        return Rig.from_dict(data)


def _number(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise CalibrationError(f"{what} must be a finite number, got {value!r:.40}")
    return float(value)


def _matrix(value, shape: tuple[int, int], what: str) -> np.ndarray:
    rows = value if isinstance(value, list) and all(isinstance(r, list) for r in value) else None
    if rows is None or len(rows) != shape[0] or any(len(r) != shape[1] for r in rows):
        raise CalibrationError(f"{what} must be a {shape[0]}x{shape[1]} list of lists")
    return np.array([[_number(v, what) for v in r] for r in rows])


def _camera_from_dict(name: str, c) -> CameraSensor:
    where = f"camera {name!r}"
    if not isinstance(c, dict):
        raise CalibrationError(f"{where} must be an object")
    missing = [k for k in ("K", "width", "height", "T_cam_from_lidar") if k not in c]
    if missing:
        raise CalibrationError(f"{where} lacks {', '.join(missing)}")
    K = _matrix(c["K"], (3, 3), f"{where}: K")
    if not (K[0, 0] > 0 and K[1, 1] > 0 and np.allclose(K[2], [0, 0, 1]) and K[1, 0] == 0):
        raise CalibrationError(f"{where}: K is not a pinhole matrix (needs fx > 0, fy > 0, "
                               "K[1][0] = 0 and a last row [0, 0, 1])")
    size = []
    for key in ("width", "height"):
        v = c[key]
        if isinstance(v, bool) or not isinstance(v, int) or not 0 < v <= MAX_IMAGE_SIDE:
            raise CalibrationError(f"{where}: {key} must be a whole number of pixels in "
                                   f"1..{MAX_IMAGE_SIDE}, got {v!r:.40}")
        size.append(v)
    dist = c.get("dist")
    if dist is not None:
        if not isinstance(dist, list) or len(dist) > 5:
            raise CalibrationError(f"{where}: dist must be null or up to 5 numbers [k1, k2, p1, p2, k3]")
        dist = [_number(v, f"{where}: dist") for v in dist]
        if any(abs(v) > 1e6 for v in dist):
            raise CalibrationError(f"{where}: a distortion coefficient is beyond 1e6")
    T = c["T_cam_from_lidar"]
    T = _matrix(T, (len(T), 4) if isinstance(T, list) and len(T) in (3, 4) else (4, 4),
                f"{where}: T_cam_from_lidar")
    T = check_rigid(T, f"{where}: T_cam_from_lidar")
    offset = _number(c.get("time_offset", 0.0), f"{where}: time_offset")
    if abs(offset) > MAX_TIME_OFFSET_S:
        raise CalibrationError(f"{where}: time_offset {offset} s is beyond {MAX_TIME_OFFSET_S:g} s")
    camera = PinholeCamera(K=K, width=size[0], height=size[1], dist=dist)
    return CameraSensor(name, camera, T, offset)
