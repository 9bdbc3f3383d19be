"""Retention: how long a dataset's frames may be kept, and which are past it.

The policy is stored in the store's meta table under `privacy.retention`: either a period
(`{"period_days": 90}`: a frame is past it that long after its time) or a date
(`{"until": "2027-06-30"}`: on and after that day every frame is past it). A frame's time is
its sweep timestamp where the dataset has one (native layout), else the time its first
annotation entered the store (import or first edit), else the sweep file's modification time.
`expired()` lists what is past the policy; erasing it is pointlabel.privacy.erase's job.
"""
from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass
from pathlib import Path

from pointlabel.errors import PointlabelError

META_KEY = "privacy.retention"
_UNITS = {"d": 1, "w": 7, "y": 365}


@dataclass(frozen=True)
class Policy:
    period_days: float | None = None
    until: dt.date | None = None

    def __post_init__(self):
        if (self.period_days is None) == (self.until is None):
            raise PointlabelError("a retention policy is a period or a date, not both")
        if self.period_days is not None and not self.period_days > 0:
            raise PointlabelError("a retention period must be positive")

    def describe(self) -> str:
        return f"{self.period_days:g} days" if self.period_days is not None else f"until {self.until.isoformat()}"

    def to_dict(self) -> dict:
        return {"period_days": self.period_days} if self.period_days is not None else {"until": self.until.isoformat()}

    @staticmethod
    def from_dict(d: dict) -> "Policy":
        if "period_days" in d:
            return Policy(period_days=float(d["period_days"]))
        return Policy(until=dt.date.fromisoformat(d["until"]))


def parse_period(text: str) -> float:
    """'90d', '12w', '2y' (365-day years) or a bare number of days -> days."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([dwy]?)\s*", str(text).lower())
    if not m:
        raise PointlabelError(f"retention period {text!r}: give days, weeks or years, e.g. 90d, 12w, 2y")
    return float(m.group(1)) * _UNITS[m.group(2) or "d"]


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise PointlabelError(f"retention date {text!r}: give YYYY-MM-DD") from None


def get_policy(store) -> Policy | None:
    d = store.get_meta(META_KEY)
    return None if not d else Policy.from_dict(d)


def set_policy(store, policy: Policy) -> None:
    store.set_meta(META_KEY, policy.to_dict())


@dataclass(frozen=True)
class FrameAge:
    frame: str
    t: float  # seconds since the epoch
    basis: str  # "timestamp" | "imported" | "file"
    annotations: int


def frame_times(dataset, store) -> list[FrameAge]:
    """Every frame of the dataset with the time retention counts from (see module docstring)."""
    stamps = dict(getattr(dataset, "timestamps", {}) or {})
    first_seen, counts = {}, {}
    for c in store.history():
        first_seen[c.frame] = min(first_seen.get(c.frame, c.ts), c.ts)
    for ls in store.label_sets():
        for fid in store.frames(ls):
            counts[fid] = counts.get(fid, 0) + len(store.frame(fid, ls))
    out = []
    for fid in dataset.frame_ids:
        if fid in stamps:
            t, basis = stamps[fid], "timestamp"
        elif fid in first_seen:
            t, basis = first_seen[fid], "imported"
        else:
            t, basis = Path(dataset.frame(fid).cloud).stat().st_mtime, "file"
        out.append(FrameAge(fid, float(t), basis, counts.get(fid, 0)))
    return out


def expired(policy: Policy, frames: list[FrameAge], now: float | None = None) -> list[FrameAge]:
    """The frames past the policy at `now` (seconds since the epoch; default: now)."""
    now = time.time() if now is None else now
    if policy.until is not None:
        end = dt.datetime.combine(policy.until, dt.time(), tzinfo=dt.timezone.utc).timestamp()
        return list(frames) if now >= end else []
    limit = policy.period_days * 86400.0
    return [f for f in frames if now - f.t > limit]
