"""KITTI object calibration files (`calib/NNNNNN.txt`): read, write, and turn into a Rig.

Lines are `KEY: v1 v2 ...`, parsed by key, never by line number. P0-P3 are 3x4 projection
matrices of the rectified cameras (P2 = left colour camera, 4th column = baseline offset),
R0_rect is 3x3, Tr_velo_to_cam and Tr_imu_to_velo are 3x4. Older files spell them `R_rect`
and `Tr_velo_cam`; both are accepted, the first spelling is written.

Chain: uv ~ P2 . R0_rect (padded) . Tr_velo_to_cam (padded) . [x y z 1] (LiDAR frame).
A rectified camera i is modelled as a pinhole `K_i = P_i[:, :3]` sitting at
`t_i = K_i^-1 P_i[:, 3]` in the rect frame, so `K_i (pts_rect + t_i) = P_i [pts_rect; 1]` exactly.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from calibration.camera import PinholeCamera
from calibration.errors import CalibrationError
from calibration.rig import CameraSensor, Rig
from calibration.transforms import check_rigid, check_rotation, to_homogeneous

_SHAPES = {"P0": (3, 4), "P1": (3, 4), "P2": (3, 4), "P3": (3, 4), "R0_rect": (3, 3),
           "Tr_velo_to_cam": (3, 4), "Tr_imu_to_velo": (3, 4)}
_ALIASES = {"R_rect": "R0_rect", "Tr_velo_cam": "Tr_velo_to_cam", "Tr_imu_velo": "Tr_imu_to_velo"}
REQUIRED = ("P2", "R0_rect", "Tr_velo_to_cam")
MAX_P_VALUE = 1e7  # |entries| of P: focal lengths and principal points in pixels, fx * baseline


@dataclass(frozen=True, eq=False)
class KittiCalib:
    """The matrices of one KITTI calib file (numpy arrays, shapes as in `_SHAPES`)."""

    P: dict  # camera index (0-3) -> (3, 4)
    R0_rect: np.ndarray
    Tr_velo_to_cam: np.ndarray
    Tr_imu_to_velo: np.ndarray | None = None

    @property
    def T_rect_from_lidar(self) -> np.ndarray:
        """(4, 4): R0_rect (padded) @ Tr_velo_to_cam (padded)."""
        return to_homogeneous(self.R0_rect) @ to_homogeneous(self.Tr_velo_to_cam)

    @property
    def T_cam0_from_lidar(self) -> np.ndarray:
        return to_homogeneous(self.Tr_velo_to_cam)

    def camera(self, index: int, width: int, height: int) -> tuple[PinholeCamera, np.ndarray]:
        """Pinhole model of rectified camera `index` and its (4, 4) T_cam_from_rect."""
        P = self.P[index]
        K = P[:, :3]
        T_cam_from_rect = np.eye(4)
        T_cam_from_rect[:3, 3] = np.linalg.solve(K, P[:, 3])
        return PinholeCamera(K=K, width=width, height=height), T_cam_from_rect

    def to_rig(self, image_sizes: dict) -> Rig:
        """image_sizes: {camera index: (width, height)} for the cameras that have images."""
        cams = {}
        for index, (w, h) in image_sizes.items():
            cam, T_cam_from_rect = self.camera(index, w, h)
            name = f"image_{index}"
            cams[name] = CameraSensor(name, cam, T_cam_from_rect @ self.T_rect_from_lidar)
        return Rig(cameras=cams, lidar="velodyne")

    def to_text(self) -> str:
        """The file's text, 12 significant digits, keys in KITTI's order."""
        def fmt(M):
            return " ".join(f"{v:.12e}" for v in np.asarray(M, dtype=float).ravel())
        lines = [f"P{i}: {fmt(self.P[i])}" for i in sorted(self.P)]
        lines.append(f"R0_rect: {fmt(self.R0_rect)}")
        lines.append(f"Tr_velo_to_cam: {fmt(self.Tr_velo_to_cam)}")
        if self.Tr_imu_to_velo is not None:
            lines.append(f"Tr_imu_to_velo: {fmt(self.Tr_imu_to_velo)}")
        return "\n".join(lines) + "\n"

    def write(self, path: str | Path) -> None:
        Path(path).write_text(self.to_text())


def parse_kitti_calib(text: str, source: str = "<calib>") -> KittiCalib:
    """Parse a calib file's text by key; raises CalibrationError naming the missing/bad key."""
    values: dict[str, np.ndarray] = {}
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if ":" not in line:
            raise CalibrationError(f"{source}: line {lineno} is not 'KEY: values'")
        key, _, rest = line.partition(":")
        key = _ALIASES.get(key.strip(), key.strip())
        if key not in _SHAPES:
            continue  # unknown keys (e.g. calib_time) are ignored
        try:
            nums = np.array([float(v) for v in rest.split()], dtype=float)
        except ValueError:
            raise CalibrationError(f"{source}: {key} has a value that is not a number") from None
        shape = _SHAPES[key]
        if nums.size != shape[0] * shape[1]:
            raise CalibrationError(
                f"{source}: {key} has {nums.size} values, expected {shape[0] * shape[1]}")
        if not np.all(np.isfinite(nums)):
            raise CalibrationError(f"{source}: {key} has a non-finite value")
        values[key] = nums.reshape(shape)
    missing = [k for k in REQUIRED if k not in values]
    if missing:
        raise CalibrationError(f"{source}: missing {', '.join(missing)}")
    _check_usable(values, source)
    P = {int(k[1]): v for k, v in values.items() if k.startswith("P")}
    return KittiCalib(P=P, R0_rect=values["R0_rect"], Tr_velo_to_cam=values["Tr_velo_to_cam"],
                      Tr_imu_to_velo=values.get("Tr_imu_to_velo"))


def _check_usable(values: dict[str, np.ndarray], source: str) -> None:
    """Refuse at parse time what would fail (or silently mislead) later: R0_rect must be a
    rotation, Tr_velo_to_cam / Tr_imu_to_velo rigid (all-zero ones are singular), every P a
    pinhole K [I | t] with K upper triangular, fx, fy > 0 and last row [0, 0, 1]."""
    try:
        check_rotation(values["R0_rect"], "R0_rect")
        check_rigid(values["Tr_velo_to_cam"], "Tr_velo_to_cam")
        if "Tr_imu_to_velo" in values:
            check_rigid(values["Tr_imu_to_velo"], "Tr_imu_to_velo")
    except CalibrationError as e:
        raise CalibrationError(f"{source}: {e}") from None
    for key in sorted(k for k in values if k.startswith("P")):
        P = values[key]
        K = P[:, :3]
        if np.abs(P).max() > MAX_P_VALUE:
            raise CalibrationError(f"{source}: {key} has a value beyond {MAX_P_VALUE:g}")
        if not (K[0, 0] > 0 and K[1, 1] > 0 and np.allclose(K[2], [0, 0, 1], atol=1e-6)
                and abs(K[1, 0]) <= 1e-6):
            raise CalibrationError(f"{source}: {key} is not a rectified pinhole projection "
                                   "(needs fx > 0, fy > 0 and a third row [0 0 1 tz])")


def read_kitti_calib(path: str | Path) -> KittiCalib:
    path = Path(path)
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as e:
        raise CalibrationError(f"{path}: cannot read calibration ({e})") from None
    return parse_kitti_calib(text, str(path))
