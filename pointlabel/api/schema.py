"""Validation of the HTTP API's JSON bodies, apart from the routes so it can be fuzzed.

Every `parse_*` function takes what a client sent (raw bytes / str, or already-decoded JSON)
and returns plain, checked values, or raises `ApiInputError` (a PointlabelError) with one
line saying what is wrong. Nothing else escapes them, whatever the input.

Limits (what cannot be a real annotation is refused here, not later): coordinates within
10 km of the sensor, sizes in (0, 1 km], |yaw| <= 1000 rad (wrapped to [-pi, pi)), labels
and attribute keys 1-64 printable characters, track ids 0 .. 2^31-1, at most 32 attributes,
10,000 polyline points, JSON nested at most 32 deep.
"""
from __future__ import annotations

import json
import math
from typing import Any

from pointlabel.errors import PointlabelError
from pointlabel.model import (STATUS_CONFIRMED, STATUS_PROPOSAL, STATUS_REJECTED, Cuboid, DontCare,
                              Polyline3D)

MAX_COORD_M = 10_000.0
MAX_SIZE_M = 1_000.0
MAX_YAW_RAD = 1_000.0
MAX_TRACK = 2**31 - 1
MAX_TEXT = 64
MAX_ATTRIBUTES = 32
MAX_ATTRIBUTE_TEXT = 1_000
MAX_ATTRIBUTE_NUMBER = 1e15
MAX_POINTS = 10_000
MAX_DEPTH = 32
MAX_VERSION = 2**53
STATUSES = (STATUS_CONFIRMED, STATUS_PROPOSAL, STATUS_REJECTED)
TYPES = ("cuboid", "polyline")
# the fields a client may set, per annotation type (API names)
CUBOID_FIELDS = ("label", "center", "size", "yaw", "track", "status", "attributes")
POLYLINE_FIELDS = ("label", "points", "closed", "track", "status", "attributes")
REQUIRED = {"cuboid": ("label", "center", "size", "yaw"), "polyline": ("label", "points")}


class ApiInputError(PointlabelError):
    """A request body or argument the API refuses (HTTP 400)."""


# -- JSON ----------------------------------------------------------------------------------
def _no_constants(name):
    raise ApiInputError(f"{name} is not JSON (numbers must be finite)")


def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ApiInputError("a JSON object repeats a key")
    return dict(pairs)


def _depth(x, limit: int = MAX_DEPTH) -> int:
    stack, deepest = [(x, 1)], 0
    while stack:
        v, d = stack.pop()
        deepest = max(deepest, d)
        if d > limit:
            raise ApiInputError(f"JSON nested deeper than {limit}")
        if isinstance(v, dict):
            stack.extend((w, d + 1) for w in v.values())
        elif isinstance(v, list):
            stack.extend((w, d + 1) for w in v)
    return deepest


def parse_json(raw: bytes | str | None) -> Any:
    """Strict JSON: UTF-8, no NaN / Infinity, no repeated keys, bounded nesting."""
    if raw is None or (isinstance(raw, (bytes, bytearray)) and not raw.strip()) or (isinstance(raw, str) and not raw.strip()):
        raise ApiInputError("the request needs a JSON body")
    try:
        text = raw.decode("utf-8") if isinstance(raw, (bytes, bytearray)) else str(raw)
        value = json.loads(text, parse_constant=_no_constants, object_pairs_hook=_no_duplicates)
    except ApiInputError:
        raise
    except UnicodeDecodeError:
        raise ApiInputError("the body is not UTF-8") from None
    except RecursionError:
        raise ApiInputError(f"JSON nested deeper than {MAX_DEPTH}") from None
    except ValueError as e:  # JSONDecodeError, and ints too long to convert
        raise ApiInputError(f"the body is not valid JSON ({str(e).splitlines()[0][:120]})") from None
    _depth(value)
    return value


def _body(body) -> dict:
    value = parse_json(body) if isinstance(body, (bytes, bytearray, str)) or body is None else body
    if not isinstance(value, dict):
        raise ApiInputError("the body must be a JSON object")
    _depth(value)
    return value


# -- fields --------------------------------------------------------------------------------
def _text(v, what: str, max_len: int = MAX_TEXT, controls_ok: bool = False) -> str:
    if not isinstance(v, str):
        raise ApiInputError(f"{what} must be a string")
    if not controls_ok and not 1 <= len(v) <= max_len:
        raise ApiInputError(f"{what} must have 1 to {max_len} characters")
    if len(v) > max_len:
        raise ApiInputError(f"{what} must have at most {max_len} characters")
    try:
        v.encode("utf-8")
    except UnicodeEncodeError:
        raise ApiInputError(f"{what} is not valid Unicode") from None
    bad = (lambda c: c == "\x00") if controls_ok else (lambda c: ord(c) < 32 or ord(c) == 127)
    if any(bad(c) for c in v):
        raise ApiInputError(f"{what} holds a control character")
    return v


def _number(v, what: str, lo: float, hi: float, lo_open: bool = False) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ApiInputError(f"{what} must be a number")
    try:
        x = float(v)
    except OverflowError:
        raise ApiInputError(f"{what} is out of range") from None
    if not math.isfinite(x) or x > hi or x < lo or (lo_open and x <= lo):
        raise ApiInputError(f"{what} must be {'>' if lo_open else '>='} {lo:g} and <= {hi:g}")
    return x


def _vec3(v, what: str, lo: float, hi: float, lo_open: bool = False) -> tuple[float, float, float]:
    if not isinstance(v, list) or len(v) != 3:
        raise ApiInputError(f"{what} must be a list of 3 numbers")
    return tuple(_number(x, f"{what}[{i}]", lo, hi, lo_open) for i, x in enumerate(v))


def _integer(v, what: str, lo: int, hi: int) -> int:
    if isinstance(v, float) and math.isfinite(v) and v.is_integer():
        v = int(v)  # JSON Schema: 3.0 is an integer
    if isinstance(v, bool) or not isinstance(v, int):
        raise ApiInputError(f"{what} must be a whole number")
    if not lo <= v <= hi:
        raise ApiInputError(f"{what} must be between {lo} and {hi}")
    return int(v)


def _attributes(v) -> dict:
    if not isinstance(v, dict):
        raise ApiInputError("attributes must be an object")
    if len(v) > MAX_ATTRIBUTES:
        raise ApiInputError(f"at most {MAX_ATTRIBUTES} attributes")
    out = {}
    for k, x in v.items():
        _text(k, "an attribute name")
        if isinstance(x, str):
            out[k] = _text(x, f"attribute {k!r}", MAX_ATTRIBUTE_TEXT, controls_ok=True)
        elif x is None or isinstance(x, bool):
            out[k] = x
        elif isinstance(x, (int, float)):
            n = _number(x, f"attribute {k!r}", -MAX_ATTRIBUTE_NUMBER, MAX_ATTRIBUTE_NUMBER)
            out[k] = int(x) if isinstance(x, int) else n
        else:
            raise ApiInputError(f"attribute {k!r} must be a string, number, true/false or null")
    return out


def _field(name: str, v):
    """One settable field, checked and converted."""
    if name == "label":
        return _text(v, "label")
    if name == "center":
        return _vec3(v, "center", -MAX_COORD_M, MAX_COORD_M)
    if name == "size":
        return _vec3(v, "size", 0.0, MAX_SIZE_M, lo_open=True)
    if name == "yaw":
        yaw = _number(v, "yaw", -MAX_YAW_RAD, MAX_YAW_RAD)
        if -math.pi <= yaw < math.pi:
            return yaw
        wrapped = math.remainder(yaw, 2 * math.pi)
        return -math.pi if wrapped >= math.pi else wrapped
    if name == "track":
        return None if v is None else _integer(v, "track", 0, MAX_TRACK)
    if name == "status":
        if v not in STATUSES:
            raise ApiInputError(f"status must be one of {', '.join(STATUSES)}")
        return v
    if name == "attributes":
        return _attributes(v)
    if name == "points":
        if not isinstance(v, list) or not 1 <= len(v) <= MAX_POINTS:
            raise ApiInputError(f"points must be a list of 1 to {MAX_POINTS} [x, y, z]")
        return tuple(_vec3(p, f"points[{i}]", -MAX_COORD_M, MAX_COORD_M) for i, p in enumerate(v))
    if name == "closed":
        if not isinstance(v, bool):
            raise ApiInputError("closed must be true or false")
        return v
    raise ApiInputError(f"unknown field {name!r}")


def _fields_of(kind: str) -> tuple[str, ...]:
    return CUBOID_FIELDS if kind == "cuboid" else POLYLINE_FIELDS


def parse_annotation_body(body) -> dict:
    """A new annotation (POST /frames/<frame>/annotations) -> {"type", and its fields by their
    API names}, e.g. {"type": "cuboid", "label": "Car", "center": (x, y, z), "size": (l, w, h),
    "yaw": 0.1}. Raises ApiInputError for anything else."""
    d = _body(body)
    kind = d.get("type")
    if kind not in TYPES:
        raise ApiInputError(f"type must be one of {', '.join(TYPES)}")
    allowed = _fields_of(kind)
    for k in d:
        if k != "type" and k not in allowed:
            raise ApiInputError(f"unknown field {k!r} for a {kind}")
    missing = [k for k in REQUIRED[kind] if k not in d]
    if missing:
        raise ApiInputError(f"a {kind} needs {', '.join(missing)}")
    return {"type": kind, **{k: _field(k, v) for k, v in d.items() if k != "type"}}


def parse_update_body(body) -> tuple[int, dict]:
    """A change (PUT /annotations/<id>) -> (the version it was based on, {field: value}).
    Which fields apply to the annotation's type is checked by `apply_fields`."""
    d = _body(body)
    if "version" not in d:
        raise ApiInputError("a change needs the version it was based on: {\"version\": N, ...}")
    version = _integer(d["version"], "version", 0, MAX_VERSION)
    fields = {}
    for k, v in d.items():
        if k == "version":
            continue
        if k == "type":
            if v not in TYPES:
                raise ApiInputError(f"type must be one of {', '.join(TYPES)}")
            fields["type"] = v
            continue
        fields[k] = _field(k, v)
    return version, fields


def parse_version_arg(text) -> int:
    """`?version=N` of a DELETE."""
    if text is None or text == "":
        raise ApiInputError("a delete needs the version it was based on: ?version=N")
    if not isinstance(text, str) or not text.isascii() or not text.isdigit() or len(text) > 20:
        raise ApiInputError("version must be a whole number")
    if int(text) > MAX_VERSION:
        raise ApiInputError(f"version must be at most {MAX_VERSION}")
    return int(text)


def parse_fit_body(body) -> tuple[tuple[float, float, float], str | None]:
    """{"seed": [x, y, z], "label"?} of POST /frames/<frame>/fit -> (seed, label)."""
    d = _body(body)
    for k in d:
        if k not in ("seed", "label"):
            raise ApiInputError(f"unknown field {k!r}")
    if "seed" not in d:
        raise ApiInputError("a fit needs a seed point: {\"seed\": [x, y, z]}")
    return _vec3(d["seed"], "seed", -MAX_COORD_M, MAX_COORD_M), (_text(d["label"], "label") if "label" in d else None)


def parse_client_id(value: str | None) -> str | None:
    """The optional X-Client-Id header: who edits (1-64 printable ASCII characters)."""
    if value is None or value == "":
        return None
    if not value.isascii() or not value.isprintable() or len(value) > MAX_TEXT:
        raise ApiInputError("X-Client-Id must be 1 to 64 printable ASCII characters")
    return value


# -- annotations <-> API JSON --------------------------------------------------------------
def new_annotation(fields: dict, annotation_id: str):
    """The model object of parse_annotation_body's result."""
    common = {"id": annotation_id, "label": fields["label"], "track_id": fields.get("track"),
              "status": fields.get("status", STATUS_CONFIRMED), "attributes": fields.get("attributes", {})}
    if fields["type"] == "cuboid":
        return Cuboid(center=fields["center"], size_lwh=fields["size"], yaw=fields["yaw"], source="api", **common)
    return Polyline3D(vertices=fields["points"], closed=fields.get("closed", False), **common)


def apply_fields(annotation, fields: dict):
    """The annotation with parse_update_body's fields set (ApiInputError if one does not
    apply to its type)."""
    kind = "cuboid" if isinstance(annotation, Cuboid) else "polyline" if isinstance(annotation, Polyline3D) else "dontcare"
    if kind == "dontcare":
        raise ApiInputError("a DontCare region cannot be changed through the API")
    if fields.get("type", kind) != kind:
        raise ApiInputError(f"annotation is a {kind}, not a {fields['type']}")
    allowed = _fields_of(kind)
    bad = [k for k in fields if k != "type" and k not in allowed]
    if bad:
        raise ApiInputError(f"field {bad[0]!r} does not apply to a {kind}")
    names = {"size": "size_lwh", "track": "track_id", "points": "vertices"}
    changes = {names.get(k, k): v for k, v in fields.items() if k != "type"}
    return annotation.replace(**changes) if changes else annotation


def annotation_json(annotation, version: int) -> dict:
    """An annotation as the API shows it (LiDAR frame; cuboid: centre, size [l, w, h], yaw)."""
    if isinstance(annotation, Cuboid):
        return {"id": annotation.id, "version": int(version), "type": "cuboid", "label": annotation.label,
                "center": list(annotation.center), "size": list(annotation.size_lwh), "yaw": annotation.yaw,
                "track": annotation.track_id, "status": annotation.status,
                "attributes": dict(annotation.attributes)}
    if isinstance(annotation, Polyline3D):
        return {"id": annotation.id, "version": int(version), "type": "polyline", "label": annotation.label,
                "points": [list(p) for p in annotation.vertices], "closed": annotation.closed,
                "track": annotation.track_id, "status": annotation.status,
                "attributes": dict(annotation.attributes)}
    assert isinstance(annotation, DontCare)
    return {"id": annotation.id, "version": int(version), "type": "dontcare", "box2d": list(annotation.box2d)}
