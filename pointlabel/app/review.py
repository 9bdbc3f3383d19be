"""The QA reviewer's workflow, as functions of the session and the page's state (no Dash).

- `run_checks`: pointlabel.qa's checks of the label set over the whole sequence, or over one
  frame (checked with its neighbours, so the track checks see a track's previous and next
  box), as the findings state the page keeps in `dcc.Store(ids.FINDINGS)`::

      {"schema": 1, "label_set": "default", "scope": "sequence" | "frame", "frame": id | None,
       "ran_at": 1764..., "findings": [Finding.to_dict(), ...]}

  A frame's run replaces that frame's findings in an earlier run (`merge_findings`).
- `review_items`: the rows of the review list: the findings (filtered by severity), or the
  label set's rejected annotations in every frame; each a dict saying what the row shows and
  where it leads.
- `jump`: where a row sends the page: the frame, the selection, and the point the views
  centre on (a missed object has a location and no annotation).
- `set_verdict`: accept, or reject with a comment, the selected annotation (ReviewBook).
- `export_review`: the verdicts, their log and the findings as JSON, beside the KITTI export.
- `guide_text`: what the guidelines say about a class, for labellers and reviewers.
"""
from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pointlabel.app.actions import NO_SELECTION, Outcome, selection
from pointlabel.app.session import AppSession
from pointlabel.errors import PointlabelError
from pointlabel.labelsets import StoreSet
from pointlabel.model import Cuboid, Polyline3D
from pointlabel.qa.checks import check_dataset
from pointlabel.qa.findings import SEVERITIES

SCHEMA = 1
SEQUENCE, FRAME = "sequence", "frame"
FINDINGS, REJECTED = "findings", "rejected"  # what the review list shows
ALL_SEVERITIES = "all"
ACCEPTED_MARK, REJECTED_MARK = "✓", "✗"
MISSED_RADIUS = 6.0  # m shown around a missed object (a cluster has a place, not a size)


# -- checks ----------------------------------------------------------------------------------
def run_checks(session: AppSession, scope: str, frame_id: str) -> dict:
    """The findings state of the session's label set: every frame (scope 'sequence') or
    `frame_id` checked with its neighbouring frames (scope 'frame': only its findings kept)."""
    label_set = StoreSet(session.store, session.label_set)
    if scope == FRAME:
        i = session.index_of(frame_id)
        around = session.frame_ids[max(i - 1, 0):i + 2]
        found = [f for f in check_dataset(session.dataset, label_set, session.guidelines, frame_ids=around)
                 if f.frame == frame_id]
    elif scope == SEQUENCE:
        found = check_dataset(session.dataset, label_set, session.guidelines)
    else:
        raise ValueError(f"unknown scope {scope!r}")
    return {"schema": SCHEMA, "label_set": session.label_set, "scope": scope,
            "frame": frame_id if scope == FRAME else None, "ran_at": time.time(),
            "findings": [storable(f.to_dict()) for f in found]}


def storable(value):
    """`value` with -0.0 as 0.0 and NaN / inf as None: the findings state lives in the page's
    session storage, and dcc.Store compares what it holds with its JSON copy there (in JSON
    -0 comes back as 0, which Ramda's equals tells apart: the Store would update forever)."""
    if isinstance(value, float):
        return None if not math.isfinite(value) else value + 0.0
    if isinstance(value, dict):
        return {k: storable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [storable(v) for v in value]
    return value


def merge_findings(old: dict | None, new: dict) -> dict:
    """`new` over `old`: a frame's run replaces that frame's findings of an earlier run of the
    same label set; anything else replaces the old state."""
    if (new.get("scope") != FRAME or not old or old.get("schema") != SCHEMA
            or old.get("label_set") != new.get("label_set")):
        return new
    kept = [f for f in old["findings"] if f["frame"] != new["frame"]]
    return {**old, "ran_at": new["ran_at"], "findings": kept + new["findings"]}


def summary(state: dict | None) -> str:
    """'12 findings (2 error, 10 warning) · sequence · 14:02:11', or what to do first."""
    if not state or state.get("schema") != SCHEMA:
        return "no checks run yet"
    found = state["findings"]
    counts = ", ".join(f"{n} {s}" for s in SEVERITIES if (n := sum(f["severity"] == s for f in found)))
    where = "this frame" if state["scope"] == FRAME else "sequence"
    when = time.strftime("%H:%M:%S", time.localtime(state["ran_at"]))
    return f"{len(found)} findings" + (f" ({counts})" if counts else "") + f" · {where} · {when}"


# -- the review list -------------------------------------------------------------------------
def format_value(value) -> str:
    """A finding's measured value, short: numbers to 2 decimals, lists joined."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return "nan" if math.isnan(value) else f"{value:.2f}"
    if isinstance(value, (list, tuple)):
        return " × ".join(format_value(v) for v in value)
    return str(value)


def review_items(findings_state: dict | None, verdicts: dict, view: str = FINDINGS,
                 severity: str = ALL_SEVERITIES, rejected: list | None = None, annotations=None) -> list[dict]:
    """The review list's rows (pure). `verdicts`: annotation id -> qa.review.Verdict (all
    frames); `view` FINDINGS: the findings of `findings_state` of the chosen severity, each
    with its annotation's verdict; REJECTED: the verdicts `rejected` (ReviewBook.rejected()),
    `annotations` (id -> (annotation, frame) or None) giving their class and track now."""
    rows = []
    if view == REJECTED:
        for v in rejected or []:
            found = (annotations or {}).get(v.annotation)
            ann = found[0] if found else None
            rows.append({"frame": v.frame, "annotation": v.annotation, "location": None,
                         "severity": "rejected", "check": "fixed?" if v.changed_since else "rejected",
                         "label": getattr(ann, "label", None) if ann is not None else "(deleted)",
                         "track_id": getattr(ann, "track_id", None), "value": "", "source": None,
                         "verdict": v.verdict, "comment": v.comment, "changed_since": bool(v.changed_since)})
        return rows
    if not findings_state or findings_state.get("schema") != SCHEMA:
        return rows
    for f in findings_state["findings"]:
        if severity != ALL_SEVERITIES and f["severity"] != severity:
            continue
        v = verdicts.get(f.get("annotation")) if f.get("annotation") else None
        rows.append({"frame": f["frame"], "annotation": f.get("annotation"), "location": f.get("location"),
                     "severity": f["severity"], "check": f["check"], "label": f.get("label"),
                     "track_id": f.get("track_id"), "value": format_value(f.get("value")),
                     "source": f.get("source"), "message": f.get("message", ""),
                     "verdict": v.verdict if v else None, "comment": v.comment if v else "",
                     "changed_since": bool(v.changed_since) if v else False})
    return rows


def rejected_annotations(session: AppSession, rejected: list) -> dict:
    """annotation id -> (annotation, frame) as the store holds it now (None: deleted)."""
    out = {}
    for v in rejected:
        found = session.store.get(v.annotation, session.label_set)
        out[v.annotation] = None if found is None else (found[0], found[1])
    return out


# -- jumping to a row ------------------------------------------------------------------------
@dataclass(frozen=True)
class Jump:
    """index: the frame to show (None: stay); selection: what to select (None: unchanged);
    focus: {"frame", "x", "y", "z", "radius", "ts"}, the point (LiDAR frame, m) the 3D view and
    the BEV centre on and how much around it they show: twice a box's diagonal (a car: 9 m, a
    mug on a table scan: 0.4 m), MISSED_RADIUS around a missed object (None: the views stay)."""

    index: int | None = None
    selection: dict | None = None
    focus: dict | None = None
    message: str | None = None


def _focus(frame_id: str, centre, radius: float) -> dict:
    x, y, z = (float(c) for c in centre)
    return {"frame": frame_id, "x": x, "y": y, "z": z, "radius": float(radius), "ts": time.time()}


def jump(session: AppSession, item: dict | None) -> Jump:
    """The frame, selection and view focus of a review row (a finding or a rejected item)."""
    if not item:
        return Jump()
    fid = item.get("frame")
    if fid not in session.frame_ids:
        return Jump(message=f"frame {fid} is not in this dataset")
    index = session.index_of(fid)
    what = f"{item.get('check', '')} in frame {fid}"
    if item.get("annotation"):
        ann = session.annotations(fid).get(item["annotation"])
        if ann is None:
            return Jump(index, dict(NO_SELECTION), None, f"{what}: that annotation no longer exists")
        if isinstance(ann, Cuboid):
            focus = _focus(fid, ann.center, 2.0 * float(np.linalg.norm(ann.size_lwh)))
        elif isinstance(ann, Polyline3D) and len(ann.vertices):
            pts = ann.points
            focus = _focus(fid, pts.mean(axis=0), max(float(np.ptp(pts[:, :2], axis=0).max()), 2.0))
        else:
            focus = None
        return Jump(index, selection(ann.id), focus, _describe(item))
    if item.get("location") is not None:
        return Jump(index, dict(NO_SELECTION), _focus(fid, item["location"], MISSED_RADIUS), _describe(item))
    return Jump(index, None, None, _describe(item))


def _describe(item: dict) -> str:
    head = f"{item.get('severity', '')} {item.get('check', '')}".strip()
    value = f" = {item['value']}" if item.get("value") not in (None, "") else ""
    msg = item.get("message") or item.get("comment") or ""
    return f"{head}{value} · frame {item['frame']}" + (f" · {msg}" if msg else "")


# -- verdicts --------------------------------------------------------------------------------
def set_verdict(session: AppSession, frame_id: str, sel: dict | None, verdict: str, comment: str | None) -> Outcome:
    """Accept or reject (a rejection needs a comment) the selected annotation."""
    ann = session.annotations(frame_id).get((sel or {}).get("id") or "")
    if ann is None:
        return Outcome(message="select an annotation to review")
    try:
        session.review.set_verdict(ann.id, verdict, (comment or "").strip(), reviewer=session.config.author,
                                   frame=frame_id)
    except PointlabelError as e:
        return Outcome(message=f"not saved: {e}")
    name = getattr(ann, "label", "annotation")
    note = f": {comment.strip()}" if comment and comment.strip() else ""
    return Outcome(session.page_state(frame_id), message=f"{verdict} {name}{note}")


def verdict_line(state: dict | None, sel: dict | None) -> str:
    """What the review panel says about the selected annotation's verdict (pure)."""
    sel_id = (sel or {}).get("id")
    if not sel_id:
        return "select an annotation (a finding, a row, or a click) to accept or reject it"
    v = ((state or {}).get("verdicts") or {}).get(sel_id)
    if not v:
        return "not reviewed yet"
    mark = ACCEPTED_MARK if v["verdict"] == "accepted" else REJECTED_MARK
    when = time.strftime("%H:%M", time.localtime(v["ts"])) if v.get("ts") else ""
    by = f" by {v['reviewer']}" if v.get("reviewer") else ""
    comment = f": “{v['comment']}”" if v.get("comment") else ""
    changed = " · edited since" if v.get("changed_since") else ""
    return f"{mark} {v['verdict']}{by} {when}{comment}{changed}"


def comment_of(state: dict | None, sel: dict | None) -> str:
    """The selected annotation's current review comment ('' without one)."""
    v = ((state or {}).get("verdicts") or {}).get((sel or {}).get("id") or "")
    return (v or {}).get("comment", "")


# -- export and guidelines -------------------------------------------------------------------
def export_review(session: AppSession, findings_state: dict | None) -> tuple[Path, str]:
    """Write the review (current verdicts, every verdict given, the findings of the last run)
    as JSON beside the KITTI export -> (path, the JSON text)."""
    data = session.review.to_dict()
    data["log"] = [v.to_dict() for v in session.review.log()]
    fresh = findings_state if findings_state and findings_state.get("schema") == SCHEMA else None
    data["findings"] = fresh["findings"] if fresh else []
    data["checked_at"] = fresh["ran_at"] if fresh else None
    text = json.dumps(data, indent=1)
    path = Path(session.export_dir) / f"review_{session.label_set}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path, text


def guide_text(guidelines, label: str | None) -> str:
    """'Car — Passenger cars incl. SUVs; ... · typical 3.90 × 1.60 × 1.56 m · required: occluded'."""
    if not label:
        return ""
    g = guidelines.guide(label)
    if g is None:
        return f"{label} — not in the guidelines ({guidelines.name or 'unnamed'})"
    parts = [f"{g.name} — {g.text}" if g.text else g.name]
    if g.size is not None:
        parts.append("typical " + " × ".join(f"{v:.2f}" for v in g.size.typical) + " m (l × w × h)")
    if g.required_attributes:
        parts.append("required: " + ", ".join(g.required_attributes))
    return " · ".join(parts)
