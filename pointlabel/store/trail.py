"""The trail of changes in words: one line per history row, for `pointlabel history` and the
app's history panel."""
from __future__ import annotations

import math
import time

from pointlabel.store.annotation_store import Change

_FIELDS = (("label", "class"), ("track_id", "track"), ("status", "status"), ("closed", "closed"))


def _name(d: dict | None) -> str:
    if not d:
        return "annotation"
    track = f" {d['track_id']}" if d.get("track_id") is not None else ""
    return f"{d.get('label', d.get('type', 'annotation'))}{track}"


def what_changed(before: dict | None, after: dict | None) -> str:
    """'moved 0.50 m, turned 17°, class Car → Van' and the like."""
    if before is None and after is None:
        return ""
    if before is None:
        return "created"
    if after is None:
        return "deleted"
    parts = []
    if "center" in after and before.get("center") != after.get("center"):
        d = math.dist(before["center"], after["center"])
        parts.append(f"moved {d:.2f} m")
    if "size_lwh" in after and before.get("size_lwh") != after.get("size_lwh"):
        parts.append("resized to " + " × ".join(f"{v:.2f}" for v in after["size_lwh"]) + " m")
    if "yaw" in after and before.get("yaw") != after.get("yaw"):
        parts.append(f"turned {math.degrees(after['yaw'] - before['yaw']):+.1f}°")
    if "vertices" in after and before.get("vertices") != after.get("vertices"):
        n0, n1 = len(before.get("vertices") or []), len(after["vertices"])
        parts.append(f"vertices {n0} → {n1}" if n0 != n1 else "moved a vertex")
    for key, word in _FIELDS:
        if before.get(key) != after.get(key):
            parts.append(f"{word} {before.get(key)} → {after.get(key)}")
    if before.get("attributes") != after.get("attributes"):
        a0, a1 = before.get("attributes") or {}, after.get("attributes") or {}
        parts += [f"{k} {a0.get(k)} → {a1.get(k)}" for k in sorted(set(a0) | set(a1)) if a0.get(k) != a1.get(k)]
    return ", ".join(parts) or "unchanged"


def describe(change: Change, me: str | None = None) -> str:
    """One line: time, who, what (with the version it made)."""
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(change.ts))
    who = change.author or "?"
    if change.client:
        who += " (you)" if me and change.client == me else f" ({change.client[:8]})"
    kind = "" if change.kind == "edit" else f"{change.kind}: "
    subject = _name(change.after or change.before)
    return (f"{when}  {who}  frame {change.frame}  {subject} [{change.annotation_id[:8]}] v{change.version}  "
            f"{kind}{what_changed(change.before, change.after)}")


def to_json(change: Change) -> dict:
    return {"seq": change.seq, "txn": change.txn, "ts": change.ts, "author": change.author,
            "client": change.client, "label_set": change.label_set, "frame": change.frame,
            "annotation": change.annotation_id, "op": change.op, "version": change.version,
            "kind": change.kind, "what": what_changed(change.before, change.after),
            "before": change.before, "after": change.after}
