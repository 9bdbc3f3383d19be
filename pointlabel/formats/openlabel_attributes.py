"""Our annotation attributes <-> OpenLABEL typed attributes (`boolean`, `num`, `text`, `vec`).

OpenLABEL attributes are flat lists of named, typed values; ours are a mapping of any JSON
value. The mapping, chosen so that other tools see plain names and nothing is lost:

- bool -> `boolean`, int/float -> `num`, str -> `text`, a flat list of numbers and strings
  -> `vec`;
- a nested mapping is flattened with '/' in the name: {"kitti": {"alpha": 0.1}} ->
  num "kitti/alpha";
- anything else (None, nested lists, empty mappings, keys holding '/') -> text named
  "json:<name>" holding the value as JSON;
- our own fields (`META` names: annotation id, status, score = confidence, source) come
  first; a user attribute that collides with them, or starts with "attr:" or "json:", is
  written as "attr:<name>".

`decode` inverts `encode` exactly (tuples come back as lists, as they would from any JSON).
"""
from __future__ import annotations

import json
import math
from typing import Any, Mapping

META = {"annotation_id": "text", "status": "text", "source": "text", "score": "num"}
ESCAPE, JSON_PREFIX, SEP = "attr:", "json:", "/"
KINDS = ("boolean", "num", "text", "vec")


def _kind(value) -> str | None:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "num" if math.isfinite(value) else None
    if isinstance(value, str):
        return "text"
    if isinstance(value, (list, tuple)) and all(
            isinstance(v, str) or (isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v))
            for v in value):
        return "vec"
    return None


def _flat(name: str, value, out: list) -> bool:
    """Append (kind, name, value) items for one value; False when it needs the JSON form."""
    if isinstance(value, Mapping):
        if not value or any(not isinstance(k, str) or SEP in k or not k for k in value):
            return False
        items: list = []
        if not all(_flat(f"{name}{SEP}{k}", v, items) for k, v in value.items()):
            return False
        out.extend(items)
        return True
    kind = _kind(value)
    if kind is None:
        return False
    out.append((kind, name, list(value) if kind == "vec" else value))
    return True


def _user_name(key: str) -> str:
    return ESCAPE + key if key in META or key.startswith((ESCAPE, JSON_PREFIX)) else key


def encode(attributes: Mapping[str, Any], meta: Mapping[str, Any] | None = None) -> dict:
    """meta (our fields, None values left out) + user attributes -> OpenLABEL `attributes`."""
    items = [(META[k], k, v) for k, v in (meta or {}).items() if v is not None]
    for key, value in attributes.items():
        name = _user_name(str(key))
        if not name or SEP in name or not _flat(name, value, items):
            items.append(("text", JSON_PREFIX + name, json.dumps(value)))
    out: dict = {}
    for kind, name, value in items:
        out.setdefault(kind, []).append({"name": name, "val": value})
    return {k: out[k] for k in KINDS if k in out}


def decode(attributes: Mapping | None, where: str = "") -> tuple[dict, dict]:
    """OpenLABEL `attributes` -> (meta, user attributes). Unnamed entries are skipped."""
    meta: dict = {}
    user: dict = {}
    for kind in KINDS:
        for entry in (attributes or {}).get(kind, []):
            name, value = entry.get("name"), entry.get("val")
            if not isinstance(name, str) or not name:
                continue
            if name in META and META[name] == kind:
                meta[name] = value
                continue
            if name.startswith(JSON_PREFIX) and kind == "text":
                key = _unescape(name[len(JSON_PREFIX):])
                try:
                    user[key] = json.loads(value)
                except (TypeError, ValueError):
                    raise ValueError(f"{where}attribute {name!r} is not valid JSON") from None
                continue
            _put(user, _unescape(name).split(SEP), value)
    return meta, user


def _unescape(name: str) -> str:
    return name[len(ESCAPE):] if name.startswith(ESCAPE) else name


def _put(target: dict, path: list[str], value) -> None:
    for part in path[:-1]:
        nxt = target.get(part)
        if not isinstance(nxt, dict):
            nxt = target[part] = {}
        target = nxt
    target[path[-1]] = value


def pointer_types(attributes: dict) -> dict:
    """name -> kind, as OpenLABEL's `object_data_pointers[...]["attributes"]` lists them."""
    return {e["name"]: kind for kind in KINDS for e in attributes.get(kind, [])}
