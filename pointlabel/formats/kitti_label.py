"""KITTI label_2 codec: text lines <-> KittiObject records <-> our LiDAR-frame annotations.

A line has 15 fields (16 with a detection score): type truncated occluded alpha left top right
bottom h w l x y z rotation_y [score]; x y z is the box's *bottom centre* in the rectified
camera frame (y down), rotation_y the yaw about the camera's Y axis. See CONVENTIONS.md.

Import keeps what the file said (2D box, alpha, truncation, occlusion, the line itself) in the
cuboid's `attributes["kitti"]`; export derives them from the 3D box and the calibration unless
asked to write the imported values back for boxes unchanged since import.
"""
from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from calibration.kitti_calib import KittiCalib
from calibration.projection import cuboid_box2d
from calibration.rig import CameraSensor
from calibration.transforms import invert, wrap_angle
from pointlabel.errors import PointlabelError
from pointlabel.model import Cuboid, DontCare, FrameAnnotations

CLASSES = ("Car", "Van", "Truck", "Pedestrian", "Person_sitting", "Cyclist", "Tram", "Misc", "DontCare")
DONTCARE_LINE = "DontCare -1 -1 -10 {:.2f} {:.2f} {:.2f} {:.2f} -1 -1 -1 -1000 -1000 -1000 -10"


@dataclass(frozen=True)
class KittiObject:
    """One label_2 line, values as in the file (rect frame of camera 0, image_2 pixels)."""

    type: str
    truncated: float
    occluded: int
    alpha: float
    bbox: tuple[float, float, float, float]  # left, top, right, bottom
    hwl: tuple[float, float, float]
    location: tuple[float, float, float]  # bottom centre, rect frame
    rotation_y: float
    score: float | None = None


def parse_label_line(line: str, where: str = "<label>") -> KittiObject:
    """Parse one line; `where` ("file:line") names it in errors.

    Numbers must be plain ASCII decimals (`-1.5`, `2e-3`): Python's float() would also take
    `8_4` (84), Unicode digits, `inf` and `nan`, none of which a KITTI writer produces.
    Values that no real object has are refused here, not written back as 301-digit fields:
    positions beyond MAX_POSITION_M, sizes beyond MAX_SIZE_M, angles beyond MAX_ANGLE, 2D
    boxes beyond MAX_PIXEL (DontCare's -1 / -10 / -1000 placeholders pass)."""
    if not line.isascii():
        raise PointlabelError("the line holds non-ASCII characters", where)
    fields = line.split()
    if len(fields) not in (15, 16):
        raise PointlabelError(f"{len(fields)} fields, expected 15 (or 16 with a score)", where)
    bad = next((x for x in fields[1:] if not _NUMBER.fullmatch(x)), None)
    if bad is not None:
        raise PointlabelError(f"a numeric field is not a number (a plain ASCII decimal): {bad[:20]!r}", where)
    v = [float(x) for x in fields[1:]]
    if not all(math.isfinite(x) for x in v):
        raise PointlabelError("a numeric field is not finite", where)
    _check_ranges(fields[0], v, where)
    return KittiObject(type=fields[0], truncated=v[0], occluded=int(round(v[1])), alpha=v[2],
                       bbox=tuple(v[3:7]), hwl=tuple(v[7:10]), location=tuple(v[10:13]),
                       rotation_y=v[13], score=v[14] if len(v) == 15 else None)


_TYPE = re.compile(r"[!-~]{1,64}")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
MAX_POSITION_M = 1e4  # 10 km from the camera
MAX_SIZE_M = 1e3  # no labelled object is a kilometre long
MAX_ANGLE = 10.0  # radians: [-pi, pi) in practice; DontCare writes -10
MAX_PIXEL = 1e5
MAX_SCORE = 1e6


def _check_ranges(kind: str, v: list[float], where: str) -> None:
    """v: the 14 (15) numbers of a line, in file order."""
    truncated, occluded, alpha, bbox, hwl, loc, ry = v[0], v[1], v[2], v[3:7], v[7:10], v[10:13], v[13]
    checks = (
        (abs(truncated) <= 1.0 or truncated == -1, f"truncated {truncated:g} is not in [0, 1]"),
        (occluded in (-1, 0, 1, 2, 3), f"occluded {occluded:g} is not 0, 1, 2 or 3"),
        (abs(alpha) <= MAX_ANGLE and abs(ry) <= MAX_ANGLE, "an angle is beyond 10 rad"),
        (max(map(abs, bbox)) <= MAX_PIXEL, f"a 2D box coordinate is beyond {MAX_PIXEL:g} px"),
        (max(map(abs, hwl)) <= MAX_SIZE_M, f"a size (h w l) is beyond {MAX_SIZE_M:g} m"),
        (max(map(abs, loc)) <= MAX_POSITION_M, f"a position (x y z) is beyond {MAX_POSITION_M:g} m"),
        (len(v) < 15 or abs(v[14]) <= MAX_SCORE, f"the score is beyond {MAX_SCORE:g}"),
    )
    for ok, message in checks:
        if not ok:
            raise PointlabelError(f"{kind}: {message}", where)


def _f(x: float) -> str:
    return f"{round(float(x), 2) + 0.0:.2f}"


def format_label_line(obj: KittiObject) -> str:
    """Two decimals for floats, occluded as an integer (as KITTI's own files)."""
    if obj.type == "DontCare":
        return DONTCARE_LINE.format(*obj.bbox)
    if not _TYPE.fullmatch(obj.type):
        raise PointlabelError(f"class {obj.type!r} cannot be a KITTI type (one word of printable "
                              "ASCII); rename it or export --format pcd/ply")
    parts = [obj.type, _f(obj.truncated), str(int(obj.occluded)), _f(obj.alpha),
             *map(_f, obj.bbox), *map(_f, obj.hwl), *map(_f, obj.location), _f(obj.rotation_y)]
    if obj.score is not None:
        parts.append(_f(obj.score))
    return " ".join(parts)


def line_id(frame_id: str, lineno: int) -> str:
    """Stable id of an imported line, so importing the same file again updates, not duplicates."""
    return hashlib.sha1(f"kitti:{frame_id}:{lineno}".encode()).hexdigest()[:32]


# -- geometry -------------------------------------------------------------------------------
def object_to_cuboid(obj: KittiObject, T_rect_from_lidar: np.ndarray, **fields) -> Cuboid:
    """A label's box in our LiDAR frame: centre_rect = location - [0, h/2, 0]; heading
    d_rect = roty(ry) [1, 0, 0] = [cos ry, 0, -sin ry] mapped back to LiDAR, yaw = atan2(dy, dx)."""
    h, w, l = obj.hwl
    T_lidar_from_rect = invert(T_rect_from_lidar)
    centre_rect = np.asarray(obj.location) - [0.0, h / 2, 0.0]
    centre_lidar = T_lidar_from_rect[:3, :3] @ centre_rect + T_lidar_from_rect[:3, 3]
    ry = obj.rotation_y
    d_lidar = T_lidar_from_rect[:3, :3] @ np.array([math.cos(ry), 0.0, -math.sin(ry)])
    yaw = math.atan2(d_lidar[1], d_lidar[0])
    return Cuboid(center=centre_lidar, size_lwh=(l, w, h), yaw=yaw, label=obj.type, **fields)


def cuboid_location_ry(cuboid: Cuboid, T_rect_from_lidar: np.ndarray):
    """(location (3,) bottom centre in rect, rotation_y) of a LiDAR-frame cuboid."""
    T = np.asarray(T_rect_from_lidar, dtype=float)
    centre_rect = T[:3, :3] @ np.asarray(cuboid.center) + T[:3, 3]
    location = centre_rect + [0.0, cuboid.size_lwh[2] / 2, 0.0]
    d = T[:3, :3] @ np.array([math.cos(cuboid.yaw), math.sin(cuboid.yaw), 0.0])
    return location, float(wrap_angle(-math.atan2(d[2], d[0])))


def _occlusion(value) -> int:
    """KITTI's occlusion level 0-3 of an `occluded` attribute; anything else is 3 (unknown)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value not in (0, 1, 2, 3):
        return 3
    return int(value)


def cuboid_to_object(cuboid: Cuboid, T_rect_from_lidar: np.ndarray, cam2: CameraSensor) -> KittiObject | None:
    """The label line of a cuboid, its 2D box projected into image_2 and clipped, its alpha by
    formula and our truncation; None when it does not project into the image."""
    box2d = cuboid_box2d(cam2.lidar_to_cam(cuboid.corners()), cam2.camera)
    if box2d is None:
        return None
    location, ry = cuboid_location_ry(cuboid, T_rect_from_lidar)
    alpha = float(wrap_angle(ry - math.atan2(location[0], location[2])))
    l, w, h = cuboid.size_lwh
    occluded = _occlusion(cuboid.attributes.get("occluded", 0))
    return KittiObject(cuboid.label, box2d.truncation, occluded, alpha, box2d.ltrb, (h, w, l),
                       tuple(location), ry, cuboid.confidence if cuboid.status == "proposal" else None)


# -- files ----------------------------------------------------------------------------------
def parse_label_text(text: str, source: str) -> list[tuple[int, str, KittiObject]]:
    """(line number, raw line, object) for every non-empty line; CRLF tolerated."""
    out = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line:
            out.append((lineno, line, parse_label_line(line, f"{source}:{lineno}")))
    return out


def annotations_from_text(text: str, calib: KittiCalib, frame_id: str, source: str) -> FrameAnnotations:
    """A label_2 file's objects as LiDAR-frame annotations, keeping what the file said."""
    name = Path(source).name
    items = []
    for lineno, line, obj in parse_label_text(text, source):
        aid, where = line_id(frame_id, lineno), f"{name}:{lineno}"
        if obj.type == "DontCare":
            items.append(DontCare(box2d=obj.bbox, id=aid, source=where))
            continue
        if min(obj.hwl) <= 0:
            raise PointlabelError(f"box size h w l = {obj.hwl} is not positive", f"{source}:{lineno}")
        said = {"truncated": obj.truncated, "occluded": obj.occluded, "alpha": obj.alpha,
                "bbox": list(obj.bbox), "line": line}
        cub = object_to_cuboid(obj, calib.T_rect_from_lidar, id=aid, source=where,
                               confidence=obj.score,
                               attributes={"occluded": obj.occluded, "kitti": said})
        said["geometry"] = cub.as_array().tolist()
        items.append(cub)
    return FrameAnnotations.from_annotations(frame_id, items)


def read_label_file(path: str | Path, calib: KittiCalib, frame_id: str) -> FrameAnnotations:
    path = Path(path)
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as e:
        raise PointlabelError(f"cannot read label file ({e.__class__.__name__})", path) from None
    return annotations_from_text(text, calib, frame_id, str(path))


def unchanged_since_import(cuboid: Cuboid) -> bool:
    said = cuboid.attributes.get("kitti")
    return bool(said) and "geometry" in said and np.allclose(
        cuboid.as_array(), said["geometry"], atol=1e-9) and cuboid.label == said["line"].split()[0]


def frame_to_lines(frame: FrameAnnotations, T_rect_from_lidar: np.ndarray, cam2: CameraSensor,
                   keep_imported_2d: bool = False) -> list[str]:
    """label_2 lines of a frame: cuboids that project into image_2, then DontCare regions.
    With `keep_imported_2d`, boxes unchanged since import are written as the file had them."""
    lines = []
    for c in frame.cuboids:
        if c.status == "rejected":
            continue
        if keep_imported_2d and unchanged_since_import(c):
            lines.append(c.attributes["kitti"]["line"])
            continue
        obj = cuboid_to_object(c, T_rect_from_lidar, cam2)
        if obj is not None:
            lines.append(format_label_line(obj))
    lines += [DONTCARE_LINE.format(*d.box2d) for d in frame.dontcares]
    return lines
