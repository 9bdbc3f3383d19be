"""Rigid transforms: rotation (pyquaternion.Quaternion) + translation, and 4x4 helpers.

A transform named `T_b_from_a` maps points expressed in frame a into frame b:
`pts_b = T_b_from_a.apply(pts_a)`, and `T_c_from_a = T_c_from_b @ T_b_from_a`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from pyquaternion import Quaternion

from calibration.errors import CalibrationError

ORTHONORMAL_TOL = 1e-3  # max |R R^T - I| and |det R - 1| of a usable rotation (6-decimal files pass)
MAX_TRANSLATION_M = 1e4  # a sensor 10 km from another is a broken file, not a rig


def _identity_quaternion() -> Quaternion:
    return Quaternion()


@dataclass(frozen=True)
class RigidTransform:
    """A proper rigid motion: `p_to = R p_from + t`."""

    rotation: Quaternion = field(default_factory=_identity_quaternion)
    translation: tuple[float, float, float] = (0.0, 0.0, 0.0)

    @staticmethod
    def from_matrix(T: np.ndarray) -> "RigidTransform":
        """T: (4, 4) or (3, 4) homogeneous matrix with an orthonormal rotation part."""
        T = np.asarray(T, dtype=float)
        if T.shape not in ((4, 4), (3, 4)):
            raise ValueError(f"expected a 4x4 or 3x4 matrix, got shape {T.shape}")
        R = orthonormalize(T[:3, :3])
        return RigidTransform(Quaternion(matrix=R), tuple(float(v) for v in T[:3, 3]))

    @staticmethod
    def from_yaw(yaw: float, translation=(0.0, 0.0, 0.0)) -> "RigidTransform":
        """Rotation of `yaw` radians about +z, then translation."""
        return RigidTransform(Quaternion(axis=[0, 0, 1], angle=yaw), tuple(float(v) for v in translation))

    @property
    def matrix(self) -> np.ndarray:
        """(4, 4) homogeneous matrix."""
        T = np.eye(4)
        T[:3, :3] = self.rotation.rotation_matrix
        T[:3, 3] = self.translation
        return T

    def inverse(self) -> "RigidTransform":
        """T_a_from_b from T_b_from_a."""
        q_inv = self.rotation.inverse
        t = -q_inv.rotation_matrix @ np.asarray(self.translation)
        return RigidTransform(q_inv, tuple(float(v) for v in t))

    def __matmul__(self, other: "RigidTransform") -> "RigidTransform":
        """Compose: (T_c_from_b @ T_b_from_a) = T_c_from_a."""
        q = self.rotation * other.rotation
        t = self.rotation.rotation_matrix @ np.asarray(other.translation) + np.asarray(self.translation)
        return RigidTransform(q.normalised, tuple(float(v) for v in t))

    def apply(self, pts: np.ndarray) -> np.ndarray:
        """pts: (N, 3) in the 'from' frame -> (N, 3) in the 'to' frame."""
        return transform_points(self.matrix, pts)


def orthonormalize(R: np.ndarray) -> np.ndarray:
    """Nearest rotation matrix (SVD), so 6-decimal calibration files give a proper rotation."""
    U, _, Vt = np.linalg.svd(np.asarray(R, dtype=float))
    R_out = U @ Vt
    if np.linalg.det(R_out) < 0:
        U[:, -1] *= -1
        R_out = U @ Vt
    return R_out


def check_rotation(R, name: str = "rotation", tol: float = ORTHONORMAL_TOL) -> np.ndarray:
    """R as a (3, 3) float array, or CalibrationError when it is not a proper rotation: not
    finite, not orthonormal within `tol` (max |R R^T - I|), or det != +1 (a reflection, or a
    singular matrix such as all zeros)."""
    try:
        R = np.asarray(R, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise CalibrationError(f"{name} is not a matrix of numbers") from None
    if R.shape != (3, 3):
        raise CalibrationError(f"{name} must be 3x3, got shape {R.shape}")
    if not np.isfinite(R).all():
        raise CalibrationError(f"{name} has a non-finite value")
    err = float(np.abs(R @ R.T - np.eye(3)).max())
    det = float(np.linalg.det(R))
    if err > tol or abs(det - 1.0) > tol:
        what = "singular" if abs(det) < tol else "a reflection" if det < 0 else "not orthonormal"
        raise CalibrationError(f"{name} is not a rotation ({what}: max |R R^T - I| = {err:.3g}, "
                               f"det = {det:.6g}; tolerance {tol:g})")
    return R


def check_rigid(T, name: str = "transform", tol: float = ORTHONORMAL_TOL,
                max_translation: float = MAX_TRANSLATION_M) -> np.ndarray:
    """T: (3, 4) or (4, 4) rigid transform -> (4, 4) float array; CalibrationError when it is
    not finite, its rotation part is not a rotation (`check_rotation`), its translation is
    beyond `max_translation` metres, or a 4x4's last row is not [0, 0, 0, 1]."""
    try:
        T = np.asarray(T, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise CalibrationError(f"{name} is not a matrix of numbers") from None
    if T.shape not in ((3, 4), (4, 4)):
        raise CalibrationError(f"{name} must be 3x4 or 4x4, got shape {T.shape}")
    if not np.isfinite(T).all():
        raise CalibrationError(f"{name} has a non-finite value")
    if T.shape == (4, 4) and not np.allclose(T[3], [0, 0, 0, 1], atol=tol):
        raise CalibrationError(f"{name}: the last row must be [0, 0, 0, 1], got {T[3].tolist()}")
    check_rotation(T[:3, :3], f"{name}'s rotation", tol)
    if np.abs(T[:3, 3]).max() > max_translation:
        raise CalibrationError(f"{name}: translation {T[:3, 3].tolist()} is beyond "
                               f"{max_translation:g} m")
    return to_homogeneous(T[:3])


def to_homogeneous(M: np.ndarray) -> np.ndarray:
    """Pad a (3, 3) or (3, 4) matrix to (4, 4)."""
    M = np.asarray(M, dtype=float)
    T = np.eye(4)
    T[: M.shape[0], : M.shape[1]] = M
    return T


def transform_points(T_b_from_a: np.ndarray, pts_a: np.ndarray) -> np.ndarray:
    """pts_a: (N, 3) in frame a; T_b_from_a: (4, 4) -> (N, 3) in frame b (float64)."""
    pts_a = np.asarray(pts_a).reshape(-1, 3)
    T = np.asarray(T_b_from_a, dtype=float)
    # Column-wise multiply-adds: for (N, 3) @ (3, 3) this beats a BLAS matmul several times over.
    x, y, z = (pts_a[:, i].astype(float) for i in range(3))
    out = np.empty((len(pts_a), 3))
    for r in range(3):
        out[:, r] = T[r, 0] * x + T[r, 1] * y + T[r, 2] * z + T[r, 3]
    return out


def invert(T_b_from_a: np.ndarray) -> np.ndarray:
    """Inverse of a (4, 4) rigid or affine transform (exact for rigid ones)."""
    T = np.asarray(T_b_from_a, dtype=float)
    R, t = T[:3, :3], T[:3, 3]
    if np.allclose(R @ R.T, np.eye(3), atol=1e-6):
        out = np.eye(4)
        out[:3, :3] = R.T
        out[:3, 3] = -R.T @ t
        return out
    return np.linalg.inv(T)


def rot_z(yaw: float) -> np.ndarray:
    """(3, 3) rotation about +z by yaw radians (counter-clockwise seen from above)."""
    c, s = np.cos(yaw), np.sin(yaw)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def wrap_angle(a):
    """Wrap radians to [-pi, pi)."""
    return (np.asarray(a, dtype=float) + np.pi) % (2 * np.pi) - np.pi
