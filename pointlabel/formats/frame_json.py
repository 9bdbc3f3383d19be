"""Our own per-frame JSON: every annotation of a frame (cuboids, polylines, DontCare) in the
LiDAR frame, so nothing is lost when another format can only hold part of it.

    {"format": "pointlabel-frame", "version": 1, "frame": "000008", "frame_of_reference": "lidar",
     "annotations": [{"type": "cuboid", "id": ..., "center": [x, y, z], "size_lwh": [l, w, h],
                      "yaw": r, ...}, {"type": "polyline", "vertices": [[x, y, z], ...], ...}]}
"""
from __future__ import annotations

import json
from pathlib import Path

from pointlabel.errors import PointlabelError
from pointlabel.formats.plausible import check_frame
from pointlabel.model import FrameAnnotations

FORMAT = "pointlabel-frame"


def to_text(frame: FrameAnnotations) -> str:
    return json.dumps({"format": FORMAT, "version": 1, "frame_of_reference": "lidar",
                       **frame.to_dict()}, indent=1)


def from_text(text: str, source: str = "<json>") -> FrameAnnotations:
    try:
        d = json.loads(text)
        if not isinstance(d, dict):
            raise ValueError("the top level must be an object")
        if d.get("format", FORMAT) != FORMAT:
            raise ValueError(f"format is {d.get('format')!r}")
        anns = d.get("annotations", [])
        if not isinstance(anns, list) or not all(isinstance(a, dict) for a in anns):
            raise ValueError('"annotations" must be a list of objects')
        frame = FrameAnnotations.from_dict(d)
    except (ValueError, KeyError, TypeError, RecursionError) as e:
        raise PointlabelError(f"not a pointlabel frame JSON ({e})", source) from None
    return check_frame(frame, source)


def write(path: str | Path, frame: FrameAnnotations) -> None:
    Path(path).write_text(to_text(frame))


def read(path: str | Path) -> FrameAnnotations:
    path = Path(path)
    try:
        return from_text(path.read_text(), str(path))
    except OSError as e:
        raise PointlabelError(f"cannot read ({e.__class__.__name__})", path) from None
