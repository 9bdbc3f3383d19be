"""Limits every reader of annotations applies at parse time (frame JSON, OpenPCDet, the API):
what no real annotation holds is refused with a PointlabelError naming the field, instead of
being stored and later exported as a 301-digit KITTI field or breaking a view.

The model types (pointlabel.model) already refuse non-finite numbers and non-positive sizes;
this adds magnitudes and types: positions within MAX_POSITION_M of the sensor, sizes up to
MAX_SIZE_M, angles within MAX_ANGLE, 2D pixels within MAX_PIXEL, whole-number track ids,
confidences in [0, 1], known statuses, text labels.
"""
from __future__ import annotations

import math

from pointlabel.errors import PointlabelError
from pointlabel.model import STATUS_CONFIRMED, STATUS_PROPOSAL, STATUS_REJECTED, Cuboid, DontCare, Polyline3D

MAX_POSITION_M = 1e4  # 10 km
MAX_SIZE_M = 1e3
MAX_ANGLE = 1e3  # radians (yaw is wrapped; pitch and roll are kept as given)
MAX_PIXEL = 1e5
MAX_TRACK_ID = 2**53  # exact in JSON numbers and SQLite integers alike
MAX_LABEL_CHARS = 200
STATUSES = (STATUS_CONFIRMED, STATUS_PROPOSAL, STATUS_REJECTED)


def check_annotation(a, where: str = "annotation"):
    """`a` if plausible, else PointlabelError (see the module docstring). Returns `a`."""
    def fail(message: str):
        raise PointlabelError(f"{where}: {message}")

    label = getattr(a, "label", "DontCare")  # a DontCare region has no label
    if not isinstance(label, str) or not label.strip() or len(label) > MAX_LABEL_CHARS:
        fail(f"label must be a non-empty text of at most {MAX_LABEL_CHARS} characters")
    status = getattr(a, "status", STATUS_CONFIRMED)
    if status not in STATUSES:
        fail(f"status must be one of {', '.join(STATUSES)}, got {status!r:.40}")
    track = getattr(a, "track_id", None)
    if track is not None and (isinstance(track, bool) or not isinstance(track, int) or not 0 <= track <= MAX_TRACK_ID):
        fail(f"track id must be a whole number >= 0, got {track!r:.40}")
    if isinstance(a, Cuboid):
        if max(map(abs, a.center)) > MAX_POSITION_M:
            fail(f"centre {a.center} is beyond {MAX_POSITION_M:g} m")
        if max(a.size_lwh) > MAX_SIZE_M:
            fail(f"size {a.size_lwh} is beyond {MAX_SIZE_M:g} m")
        if not all(isinstance(v, (int, float)) and abs(v) <= MAX_ANGLE for v in (a.pitch, a.roll)):
            fail(f"pitch and roll must be numbers within {MAX_ANGLE:g} rad")
        c = a.confidence
        if c is not None and (isinstance(c, bool) or not isinstance(c, (int, float))
                              or not math.isfinite(c) or not 0 <= c <= 1):
            fail(f"confidence must be a number in [0, 1], got {c!r:.40}")
    elif isinstance(a, Polyline3D):
        if any(max(map(abs, v)) > MAX_POSITION_M for v in a.vertices):
            fail(f"a vertex is beyond {MAX_POSITION_M:g} m")
    elif isinstance(a, DontCare):
        if max(map(abs, a.box2d)) > MAX_PIXEL:
            fail(f"box {a.box2d} is beyond {MAX_PIXEL:g} px")
    if not isinstance(getattr(a, "id", ""), str) or not a.id:
        fail("id must be a non-empty text")
    return a


def check_frame(frame, where: str = "frame"):
    """Every annotation of a FrameAnnotations (check_annotation); returns the frame."""
    for a in frame:
        check_annotation(a, f"{where}: {type(a).__name__} {getattr(a, 'id', '')!s:.32}")
    return frame
