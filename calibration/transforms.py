"""Rigid transforms: rotation (pyquaternion.Quaternion) + translation, and 4x4 helpers.

A transform named `T_b_from_a` maps points expressed in frame a into frame b:
`pts_b = T_b_from_a.apply(pts_a)`, and `T_c_from_a = T_c_from_b @ T_b_from_a`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from pyquaternion import Quaternion


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
