"""The annotation model: cuboids, 3D polylines and per-frame sets, all in the LiDAR frame.

LiDAR frame: x forward, y left, z up, metres. A Cuboid's `center` is the box's geometric
centre, `size_lwh` is (length along the heading, width, height), `yaw` the heading about +z
(0 along +x, counter-clockwise positive, wrapped to [-pi, pi)); `pitch` and `roll` (about the
box's own y and x axes, 0 for upright boxes) complete a full orientation R = Rz(yaw) Ry(pitch)
Rx(roll). `Redaction2D` is the one type in image pixels instead: a region of a camera image
to blur (pointlabel.privacy). All types are frozen: operations return new objects.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Mapping

import numpy as np
from pyquaternion import Quaternion

from calibration.cuboid_topology import box_corners
from calibration.transforms import wrap_angle

STATUS_CONFIRMED = "confirmed"
STATUS_PROPOSAL = "proposal"
STATUS_REJECTED = "rejected"


def new_id() -> str:
    """A stable, unique annotation id."""
    return uuid.uuid4().hex


def _frozen_mapping(m: Mapping | None) -> Mapping:
    return MappingProxyType(dict(m or {}))


def _vec(v, n: int) -> tuple[float, ...]:
    a = np.asarray(v, dtype=float).ravel()
    if a.size != n or not np.all(np.isfinite(a)):
        raise ValueError(f"expected {n} finite numbers, got {v!r}")
    return tuple(float(x) for x in a)


@dataclass(frozen=True)
class Cuboid:
    """An oriented 3D box in the LiDAR frame (see module docstring for the conventions)."""

    center: tuple[float, float, float]
    size_lwh: tuple[float, float, float]
    yaw: float
    label: str = "Car"
    track_id: int | None = None
    id: str = field(default_factory=new_id)
    pitch: float = 0.0
    roll: float = 0.0
    status: str = STATUS_CONFIRMED
    confidence: float | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)
    source: str | None = None  # e.g. "000008.txt:3" for an imported label line

    def __post_init__(self):
        object.__setattr__(self, "center", _vec(self.center, 3))
        size = _vec(self.size_lwh, 3)
        if min(size) <= 0:
            raise ValueError(f"cuboid sizes must be positive, got {size}")
        object.__setattr__(self, "size_lwh", size)
        object.__setattr__(self, "yaw", float(wrap_angle(self.yaw)))
        object.__setattr__(self, "attributes", _frozen_mapping(self.attributes))

    @property
    def rotation(self) -> np.ndarray:
        """(3, 3) box-to-LiDAR rotation Rz(yaw) Ry(pitch) Rx(roll)."""
        return self.quaternion.rotation_matrix

    @property
    def quaternion(self) -> Quaternion:
        q = Quaternion(axis=[0, 0, 1], angle=self.yaw)
        if self.pitch:
            q = q * Quaternion(axis=[0, 1, 0], angle=self.pitch)
        if self.roll:
            q = q * Quaternion(axis=[1, 0, 0], angle=self.roll)
        return q

    def corners(self) -> np.ndarray:
        """(8, 3) corners in the LiDAR frame, in calibration.cuboid_topology's order."""
        return box_corners(self.center, self.size_lwh, self.rotation)

    def as_array(self) -> np.ndarray:
        """(7,) [x, y, z, l, w, h, yaw]."""
        return np.array([*self.center, *self.size_lwh, self.yaw])

    def replace(self, **changes) -> "Cuboid":
        return replace(self, **changes)

    def transformed(self, T_b_from_a: np.ndarray) -> "Cuboid":
        """The same box expressed in frame b; yaw/pitch/roll re-derived from the new rotation."""
        T = np.asarray(T_b_from_a, dtype=float)
        R = T[:3, :3] @ self.rotation
        center = T[:3, :3] @ np.asarray(self.center) + T[:3, 3]
        yaw = np.arctan2(R[1, 0], R[0, 0])
        pitch = np.arcsin(-np.clip(R[2, 0], -1, 1))
        roll = np.arctan2(R[2, 1], R[2, 2])
        return replace(self, center=center, yaw=yaw, pitch=float(pitch), roll=float(roll))

    def to_dict(self) -> dict:
        return {"type": "cuboid", "id": self.id, "label": self.label, "track_id": self.track_id,
                "center": list(self.center), "size_lwh": list(self.size_lwh), "yaw": self.yaw,
                "pitch": self.pitch, "roll": self.roll, "status": self.status,
                "confidence": self.confidence, "attributes": dict(self.attributes),
                "source": self.source}

    @staticmethod
    def from_dict(d: dict) -> "Cuboid":
        return Cuboid(center=d["center"], size_lwh=d["size_lwh"], yaw=d["yaw"],
                      label=d.get("label", "Car"), track_id=d.get("track_id"),
                      id=d.get("id") or new_id(), pitch=d.get("pitch", 0.0),
                      roll=d.get("roll", 0.0), status=d.get("status", STATUS_CONFIRMED),
                      confidence=d.get("confidence"), attributes=d.get("attributes") or {},
                      source=d.get("source"))


@dataclass(frozen=True)
class Polyline3D:
    """An ordered chain of vertices (K, 3) in the LiDAR frame: lanes, curbs, rails, pipes."""

    vertices: tuple[tuple[float, float, float], ...]
    label: str = "lane"
    closed: bool = False
    track_id: int | None = None
    id: str = field(default_factory=new_id)
    status: str = STATUS_CONFIRMED
    attributes: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "vertices", tuple(_vec(v, 3) for v in self.vertices))
        object.__setattr__(self, "attributes", _frozen_mapping(self.attributes))

    @property
    def points(self) -> np.ndarray:
        """(K, 3) vertices, LiDAR frame."""
        return np.asarray(self.vertices, dtype=float).reshape(-1, 3)

    def replace(self, **changes) -> "Polyline3D":
        return replace(self, **changes)

    def to_dict(self) -> dict:
        return {"type": "polyline", "id": self.id, "label": self.label, "closed": self.closed,
                "track_id": self.track_id, "vertices": [list(v) for v in self.vertices],
                "status": self.status, "attributes": dict(self.attributes)}

    @staticmethod
    def from_dict(d: dict) -> "Polyline3D":
        return Polyline3D(vertices=d["vertices"], label=d.get("label", "lane"),
                          closed=bool(d.get("closed", False)), track_id=d.get("track_id"),
                          id=d.get("id") or new_id(), status=d.get("status", STATUS_CONFIRMED),
                          attributes=d.get("attributes") or {})


@dataclass(frozen=True)
class DontCare:
    """A KITTI DontCare region: a 2D box in image_2 pixels (left, top, right, bottom)."""

    box2d: tuple[float, float, float, float]
    id: str = field(default_factory=new_id)
    source: str | None = None

    def __post_init__(self):
        object.__setattr__(self, "box2d", _vec(self.box2d, 4))

    def to_dict(self) -> dict:
        return {"type": "dontcare", "id": self.id, "box2d": list(self.box2d), "source": self.source}

    @staticmethod
    def from_dict(d: dict) -> "DontCare":
        return DontCare(box2d=d["box2d"], id=d.get("id") or new_id(), source=d.get("source"))


@dataclass(frozen=True)
class Redaction2D:
    """A region of one camera's image to blur (a face, a licence plate, anything a person marks),
    in that camera's image pixels as recorded (lens distortion included; u right, v down).
    Either `box_xyxy` (left, top, right, bottom) or `polygon` ((u, v), ...) with >= 3 vertices.
    `label` says what it hides ("face", "plate", "other"); `frame` of the store is the sweep
    whose synced image of `camera` it applies to."""

    camera: str
    box_xyxy: tuple[float, float, float, float] | None = None
    polygon: tuple[tuple[float, float], ...] | None = None
    label: str = "other"
    id: str = field(default_factory=new_id)
    status: str = STATUS_CONFIRMED
    source: str | None = None  # e.g. "drawn", "auto:haar-face", "auto:box-plate"
    attributes: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        if not str(self.camera):
            raise ValueError("a redaction needs the camera it applies to")
        if (self.box_xyxy is None) == (self.polygon is None):
            raise ValueError("a redaction is either a box or a polygon")
        if self.box_xyxy is not None:
            box = _vec(self.box_xyxy, 4)
            if box[2] <= box[0] or box[3] <= box[1]:
                raise ValueError(f"redaction box needs left < right and top < bottom, got {box}")
            object.__setattr__(self, "box_xyxy", box)
        else:
            poly = tuple(_vec(p, 2) for p in self.polygon)
            if len(poly) < 3:
                raise ValueError("a redaction polygon needs at least 3 vertices")
            object.__setattr__(self, "polygon", poly)
        object.__setattr__(self, "attributes", _frozen_mapping(self.attributes))

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(left, top, right, bottom) of the region."""
        if self.box_xyxy is not None:
            return self.box_xyxy
        uv = np.asarray(self.polygon)
        return (*map(float, uv.min(0)), *map(float, uv.max(0)))

    def replace(self, **changes) -> "Redaction2D":
        return replace(self, **changes)

    def to_dict(self) -> dict:
        return {"type": "redaction", "id": self.id, "camera": self.camera, "label": self.label,
                "box_xyxy": None if self.box_xyxy is None else list(self.box_xyxy),
                "polygon": None if self.polygon is None else [list(p) for p in self.polygon],
                "status": self.status, "source": self.source, "attributes": dict(self.attributes)}

    @staticmethod
    def from_dict(d: dict) -> "Redaction2D":
        return Redaction2D(camera=d["camera"], box_xyxy=d.get("box_xyxy"), polygon=d.get("polygon"),
                           label=d.get("label", "other"), id=d.get("id") or new_id(),
                           status=d.get("status", STATUS_CONFIRMED), source=d.get("source"),
                           attributes=d.get("attributes") or {})


Annotation = Cuboid | Polyline3D | DontCare | Redaction2D


def annotation_from_dict(d: dict) -> Annotation:
    kind = d.get("type")
    if kind == "cuboid":
        return Cuboid.from_dict(d)
    if kind == "polyline":
        return Polyline3D.from_dict(d)
    if kind == "dontcare":
        return DontCare.from_dict(d)
    if kind == "redaction":
        return Redaction2D.from_dict(d)
    raise ValueError(f"unknown annotation type {kind!r}")


@dataclass(frozen=True)
class FrameAnnotations:
    """All annotations of one frame (sweep), LiDAR frame."""

    frame_id: str
    cuboids: tuple[Cuboid, ...] = ()
    polylines: tuple[Polyline3D, ...] = ()
    dontcares: tuple[DontCare, ...] = ()
    redactions: tuple[Redaction2D, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "cuboids", tuple(self.cuboids))
        object.__setattr__(self, "polylines", tuple(self.polylines))
        object.__setattr__(self, "dontcares", tuple(self.dontcares))
        object.__setattr__(self, "redactions", tuple(self.redactions))

    def __iter__(self):
        yield from self.cuboids
        yield from self.polylines
        yield from self.dontcares
        yield from self.redactions

    def __len__(self) -> int:
        return len(self.cuboids) + len(self.polylines) + len(self.dontcares) + len(self.redactions)

    def get(self, annotation_id: str) -> Annotation | None:
        return next((a for a in self if a.id == annotation_id), None)

    @staticmethod
    def from_annotations(frame_id: str, annotations) -> "FrameAnnotations":
        anns = list(annotations)
        return FrameAnnotations(frame_id, tuple(a for a in anns if isinstance(a, Cuboid)),
                                tuple(a for a in anns if isinstance(a, Polyline3D)),
                                tuple(a for a in anns if isinstance(a, DontCare)),
                                tuple(a for a in anns if isinstance(a, Redaction2D)))

    def to_dict(self) -> dict:
        return {"frame": self.frame_id, "annotations": [a.to_dict() for a in self]}

    @staticmethod
    def from_dict(d: dict) -> "FrameAnnotations":
        return FrameAnnotations.from_annotations(
            str(d["frame"]), (annotation_from_dict(a) for a in d.get("annotations", [])))
