"""A QA finding: one thing a check measured about one annotation (or one place) of one frame.

`check` is a stable name (the CHECKS table lists them all), `severity` one of `error` (the
label is almost certainly wrong), `warning` (suspicious, look at it) or `info` (worth knowing),
`value` what was measured (a number or a short list, JSON-ready). `source` is where an
imported annotation came from, `<file name>:<line>` (1-based), so a reviewer can open the line.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITIES = (ERROR, WARNING, INFO)  # most severe first

# check name -> what it means (shown in reports; the names are part of the JSON interface)
CHECKS = {
    "box2d_mismatch": "projected 3D box disagrees with the file's 2D box (value: 2D IoU)",
    "outside_cameras": "the cuboid projects into no camera image (value: number of cameras)",
    "too_few_points": "few LiDAR returns inside the box (value: number of points)",
    "floating": "box bottom above the ground measured around it (value: gap in m)",
    "sunk": "box bottom below the ground measured around it (value: gap in m)",
    "size_implausible": "size outside the class's limits (value: [l, w, h] in m)",
    "overlap_3d": "two boxes overlap in 3D (value: 3D IoU)",
    "points_outside": "object points just outside the box (value: share of the object's points)",
    "polyline_unsupported": "polyline vertices off the ground with no return near (value: m off the ground)",
    "unknown_class": "class not in the guidelines (value: the class)",
    "missing_attribute": "a required attribute is missing (value: attribute names)",
    "size_change": "a track's size differs from its median (value: largest relative change)",
    "speed": "a track moves faster than its class can (value: m/s)",
    "position_jump": "a track leaves its path for one sweep (value: deviation in m)",
    "yaw_jump": "a track turns faster than its class can (value: rad/s)",
    "track_gap": "a track disappears and reappears (value: missing sweeps)",
    "duplicate_track_id": "two cuboids of one frame share a track id (value: how many)",
    "track_class_change": "a track changes class (value: the track's usual class)",
    "missed_object": "an above-ground cluster no box covers (value: number of points)",
    "points_misfit": "the box's faces disagree with its object's returns (value: largest offset in m)",
    "points_turned": "the object's long side runs across the box (value: 90, degrees to turn)",
    "points_heading": "the returns run at an angle to the box's heading (value: degrees)",
    "points_vertical": "the box's bottom or top disagrees with the ground and the highest return (value: m)",
    "points_backwards": "the box's front is higher than its rear, for a vehicle (value: m)",
    "heading_motion": "a track moves against or across its boxes' heading (value: degrees off the motion)",
    "heading_alpha": "the box's heading disagrees with the imported file's own observation angle (value: deg)",
}


@dataclass(frozen=True)
class Finding:
    """One finding. `annotation` is the annotation id (None for a finding about a place, such
    as a missed object, whose `location` (x, y, z) in the LiDAR frame says where). `related`
    names another annotation involved (the other box of an overlap or duplicate)."""

    frame: str
    annotation: str | None
    check: str
    severity: str
    value: Any
    source: str | None = None
    message: str = ""
    label: str | None = None
    track_id: int | None = None
    related: str | None = None
    location: tuple[float, float, float] | None = None
    difficulty: str | None = None

    def __post_init__(self):
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, got {self.severity!r}")
        if self.check not in CHECKS:
            raise ValueError(f"unknown check {self.check!r}")

    def to_dict(self) -> dict:
        """JSON-ready: frame, annotation, check, severity, value always; the rest when known."""
        d = {"frame": self.frame, "annotation": self.annotation, "check": self.check,
             "severity": self.severity, "value": _jsonable(self.value)}
        for key in ("source", "message", "label", "track_id", "related", "location", "difficulty"):
            v = getattr(self, key)
            if v not in (None, ""):
                d[key] = _jsonable(v)
        return d

    @staticmethod
    def from_dict(d: dict) -> "Finding":
        loc = d.get("location")
        return Finding(frame=str(d["frame"]), annotation=d.get("annotation"), check=d["check"],
                       severity=d["severity"], value=d.get("value"), source=d.get("source"),
                       message=d.get("message", ""), label=d.get("label"),
                       track_id=d.get("track_id"), related=d.get("related"),
                       location=None if loc is None else tuple(loc),
                       difficulty=d.get("difficulty"))


def _jsonable(v):
    """Round floats to 4 decimals, tuples and numpy values to plain lists and numbers."""
    if hasattr(v, "tolist"):
        v = v.tolist()
    if isinstance(v, float):
        return round(v, 4)
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    return v


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Errors first, then by frame, check and annotation."""
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(findings, key=lambda f: (rank[f.severity], f.frame, f.check, f.annotation or ""))


def count_by(findings: Iterable[Finding], key: str) -> Counter:
    """Counter of findings by an attribute: 'severity', 'check', 'frame', 'label', ..."""
    return Counter(getattr(f, key) for f in findings)


def findings_to_json(findings: Iterable[Finding]) -> str:
    return json.dumps([f.to_dict() for f in findings])


def for_annotation(findings: Iterable[Finding], annotation_id: str) -> list[Finding]:
    return [f for f in findings if f.annotation == annotation_id or f.related == annotation_id]


def about(frame_id: str, annotation, check: str, severity: str, value, message: str = "",
          **fields) -> Finding:
    """A finding about one annotation, with its source, class and track filled in."""
    return Finding(frame=str(frame_id), annotation=annotation.id, check=check, severity=severity,
                   value=value, source=getattr(annotation, "source", None) if _is_file_source(annotation) else None,
                   message=message, label=getattr(annotation, "label", None),
                   track_id=getattr(annotation, "track_id", None), **fields)


def _is_file_source(annotation) -> bool:
    """Only `<file>:<line>` sources point at a line a reviewer can open."""
    src = getattr(annotation, "source", None) or ""
    head, _, line = src.rpartition(":")
    return bool(head) and line.isdigit()
