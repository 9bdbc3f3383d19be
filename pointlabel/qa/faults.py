"""A fault-injection study: break correct labels one at a time in the ways a labeller does
and count how many the checks call errors, and how many clean labels they call errors.

Faults (box's own axes; `sign` alternates between the labels so both directions occur):
shift along 1.5 m, shift across 1.0 m, lift / sink 0.5 m, turn 90 and 180 degrees, each of
l, w, h +-40 % (about the centre), length and width swapped. A fault that leaves a box
(nearly) as it was is no fault and is not counted: a turn by 90 degrees or a swap of a box
whose length and width differ by less than 0.3 m.

Each faulty label is checked in its own frame with the other labels around it (within
NEIGHBOURHOOD m) left as they were, by the per-frame checks (`checks.check_frame`; the
track checks need sequences). A label takes part when its clean box holds at least
`min_returns` returns: a label the sweep hardly saw cannot be judged against its points (the
table also gives the rate over all). `count` says which returns: "box", every return in the
box, ground included (a car's box 40 m away may hold 26 returns of which 15 are its own), or
"object", those higher than the point checks' OBJECT_MIN_HEIGHT above the ground, which is
what the checks themselves judge by.
Classes the point checks do not judge (`CheckConfig.points_skip_classes`, e.g. Misc) are
left out.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pointlabel.geometry.ground import estimate_ground
from pointlabel.model import FrameAnnotations
from pointlabel.qa.config import CheckConfig
from pointlabel.qa.findings import ERROR
from pointlabel.qa.frames import FrameGeometry
from pointlabel.qa.guidelines import Guidelines, default_guidelines

NEIGHBOURHOOD = 12.0  # m: boxes farther from the faulty one cannot change its findings
POINT_CHECKS = ("points_misfit", "points_turned", "points_heading", "points_vertical", "points_backwards")


def _along(c, d):
    return c.replace(center=np.add(c.center, d * np.array([np.cos(c.yaw), np.sin(c.yaw), 0.0])))


def _across(c, d):
    return c.replace(center=np.add(c.center, d * np.array([-np.sin(c.yaw), np.cos(c.yaw), 0.0])))


def _scale(c, axis, f):
    s = list(c.size_lwh)
    s[axis] *= f
    return c.replace(size_lwh=s)


FAULTS = {
    "shift along 1.5 m": lambda c, s: _along(c, 1.5 * s),
    "shift across 1.0 m": lambda c, s: _across(c, 1.0 * s),
    "lift 0.5 m": lambda c, s: c.replace(center=np.add(c.center, [0.0, 0.0, 0.5])),
    "sink 0.5 m": lambda c, s: c.replace(center=np.add(c.center, [0.0, 0.0, -0.5])),
    "turn 90 deg": lambda c, s: c.replace(yaw=c.yaw + s * np.pi / 2),
    "turn 180 deg": lambda c, s: c.replace(yaw=c.yaw + np.pi),
    "l +40 %": lambda c, s: _scale(c, 0, 1.4),
    "l -40 %": lambda c, s: _scale(c, 0, 0.6),
    "w +40 %": lambda c, s: _scale(c, 1, 1.4),
    "w -40 %": lambda c, s: _scale(c, 1, 0.6),
    "h +40 %": lambda c, s: _scale(c, 2, 1.4),
    "h -40 %": lambda c, s: _scale(c, 2, 0.6),
    "l/w swap": lambda c, s: c.replace(size_lwh=(c.size_lwh[1], c.size_lwh[0], c.size_lwh[2])),
}


def is_fault(kind: str, cuboid) -> bool:
    """Whether the fault changes the box at all (a square box turned 90 degrees does not)."""
    if kind in ("turn 90 deg", "l/w swap"):
        return abs(cuboid.size_lwh[0] - cuboid.size_lwh[1]) >= 0.3
    return True


@dataclass(frozen=True)
class Trial:
    """One label checked as it was (kind "clean") or broken one way: its returns in the clean
    box (all, and the object's: higher than OBJECT_MIN_HEIGHT above the ground, as the point
    checks count them), whether an error was found, and by the label-vs-points checks."""

    kind: str
    frame: str
    label: str
    source: str
    n_box: int
    n_object: int
    found: bool
    found_points: bool
    errors: tuple = ()  # clean trials: (check, message) of each error (a false alarm)


@dataclass
class StudyRow:
    """One fault kind: eligible labels, of them found as errors (any check / the label-vs-points
    checks only), and the same over every label."""

    kind: str
    n: int = 0
    found: int = 0
    found_points: int = 0
    n_all: int = 0
    found_all: int = 0
    missed: list = field(default_factory=list)  # (frame, label, source, returns) of eligible labels missed

    @property
    def rate(self) -> float:
        return self.found / self.n if self.n else float("nan")

    @property
    def rate_points(self) -> float:
        return self.found_points / self.n if self.n else float("nan")


@dataclass
class StudyResult:
    rows: list[StudyRow]
    clean_n: int = 0  # eligible clean labels
    clean_errors: int = 0  # of them with an error-level finding
    clean_n_all: int = 0
    clean_errors_all: int = 0
    clean_flagged: list = field(default_factory=list)  # (frame, label, check, message)
    eligibility: str = ""

    def table(self) -> str:
        lines = [f"{'fault':<20} {'labels':>6} {'errors':>6} {'rate':>6} {'points only':>11} {'all labels':>12}"]
        for r in self.rows:
            lines.append(f"{r.kind:<20} {r.n:>6} {r.found:>6} {r.rate:>6.0%} {r.rate_points:>11.0%} "
                         f"{r.found_all:>5}/{r.n_all:<6}")
        rate = self.clean_errors / max(self.clean_n, 1)
        lines.append(f"{'clean (false alarm)':<20} {self.clean_n:>6} {self.clean_errors:>6} {rate:>6.0%} "
                     f"{'':>11} {self.clean_errors_all:>5}/{self.clean_n_all:<6}")
        return "\n".join(lines)


COUNTS = ("box", "object")  # what `min_returns` counts: every return in the clean box, or the object's


def summarise(trials: list[Trial], kinds, min_returns: int = 25, count: str = "box") -> StudyResult:
    """The study's table from its trials: a label takes part when its clean box holds at least
    `min_returns` returns (count "box": all of them, ground included; "object": the object's)."""
    if count not in COUNTS:
        raise ValueError(f"count must be one of {COUNTS}")
    rows = {k: StudyRow(k) for k in kinds}
    result = StudyResult([rows[k] for k in kinds], eligibility=f">= {min_returns} {count} returns")
    for t in trials:
        n = t.n_box if count == "box" else t.n_object
        eligible = n >= min_returns
        if t.kind == "clean":
            result.clean_n_all += 1
            result.clean_errors_all += t.found
            if eligible:
                result.clean_n += 1
                result.clean_errors += t.found
                result.clean_flagged += [(t.frame, t.label, check, msg) for check, msg in t.errors]
            continue
        row = rows[t.kind]
        row.n_all += 1
        row.found_all += t.found
        if eligible:
            row.n += 1
            row.found += t.found
            row.found_points += t.found_points
            if not t.found:
                row.missed.append((t.frame, t.label, t.source, n))
    return result


def run_trials(dataset, label_set, frame_ids=None, kinds=None, guidelines: Guidelines | None = None,
               config: CheckConfig | None = None) -> list[Trial]:
    """Every label of `dataset`'s frames (all, or `frame_ids`) in `label_set` checked clean
    and broken in each of `kinds` (all FAULTS) in turn."""
    from pointlabel.qa.checks import check_frame
    from pointlabel.qa.frames import FrameInput
    from pointlabel.qa.point_checks import OBJECT_MIN_HEIGHT
    guidelines = guidelines or default_guidelines()
    kinds = list(kinds or FAULTS)
    trials: list[Trial] = []
    sign = 1.0
    for fid in frame_ids or dataset.frame_ids:
        clean = label_set.frame(fid)
        skip = (config or CheckConfig()).points_skip_classes
        cubs = [c for c in clean.cuboids if guidelines.guide(c.label) is not None and c.label not in skip]
        if not cubs:
            continue
        pts = dataset.load_cloud(fid).xyz
        ground = estimate_ground(np.asarray(pts, dtype=float))
        try:
            rig = dataset.rig(fid)
        except Exception:  # noqa: BLE001 - checked without cameras
            rig = None
        geo = FrameGeometry(pts, cubs, ground)
        n_object = [int(np.count_nonzero(geo.height[idx] > OBJECT_MIN_HEIGHT)) for idx in geo.inside]

        def errors(annotations):
            frame = FrameInput(fid, annotations, pts, rig)
            return [f for f in check_frame(frame, guidelines, config, ground=ground) if f.severity == ERROR]

        base = errors(clean)
        for c, n_box, n_obj in zip(cubs, geo.counts, n_object):
            bad = [f for f in base if f.annotation == c.id]
            trials.append(Trial("clean", fid, c.label, c.source or c.id[:8], int(n_box), n_obj, bool(bad),
                                any(f.check in POINT_CHECKS for f in bad), tuple((f.check, f.message) for f in bad)))
        for c, n_box, n_obj in zip(cubs, geo.counts, n_object):
            for kind in kinds:
                if not is_fault(kind, c):
                    continue
                sign = -sign
                faulty = FAULTS[kind](c, sign)
                near = [faulty if x.id == c.id else x for x in clean.cuboids
                        if np.hypot(*np.subtract(x.center[:2], c.center[:2])) < NEIGHBOURHOOD]
                annotations = FrameAnnotations(fid, tuple(near), (), clean.dontcares)
                mine = [f for f in errors(annotations) if f.annotation == c.id]
                trials.append(Trial(kind, fid, c.label, c.source or c.id[:8], int(n_box), n_obj, bool(mine),
                                    any(f.check in POINT_CHECKS for f in mine)))
    return trials


def run_study(dataset, label_set, frame_ids=None, kinds=None, min_returns: int = 25,
              guidelines: Guidelines | None = None, config: CheckConfig | None = None,
              count: str = "box") -> StudyResult:
    """The study over the frames of `dataset` (all, or `frame_ids`) labelled by `label_set`."""
    kinds = list(kinds or FAULTS)
    return summarise(run_trials(dataset, label_set, frame_ids, kinds, guidelines, config), kinds, min_returns, count)


@dataclass
class LeftOutResult:
    """Labels left out one at a time (those with >= `min_returns` of their object's returns):
    how many the missed_object check finds within `reach` m of the label's centre, as a warning
    or at any severity; and the missed_object findings on the frames as labelled (nothing
    missing), per severity."""

    n: int = 0
    found_warning: int = 0
    found_any: int = 0
    missed: list = field(default_factory=list)  # (frame, label, source, returns) not found at all
    clean_findings: dict = field(default_factory=dict)  # severity -> count


def left_out_study(dataset, label_set, frame_ids=None, min_returns: int = 25, reach: float = 2.5,
                   guidelines: Guidelines | None = None, config: CheckConfig | None = None) -> LeftOutResult:
    """Leave each well-seen label of `missed_classes` out of its frame in turn and look for it
    among the missed_object findings (`completeness.check_completeness`, in image_2's view when
    the rig has it, as KITTI labels only that)."""
    from pointlabel.qa.completeness import check_completeness, resolve_fov
    from pointlabel.qa.frames import FrameInput
    from pointlabel.qa.point_checks import OBJECT_MIN_HEIGHT
    guidelines = guidelines or default_guidelines()
    config = config or CheckConfig()
    out = LeftOutResult()
    for fid in frame_ids or dataset.frame_ids:
        clean = label_set.frame(fid)
        pts = dataset.load_cloud(fid).xyz
        try:
            rig = dataset.rig(fid)
        except Exception:  # noqa: BLE001 - checked without cameras
            rig = None
        fov = resolve_fov(config.missed_fov, getattr(dataset, "kind", None), rig)
        ground = estimate_ground(np.asarray(pts, dtype=float))
        whole = FrameInput(fid, clean, pts, rig)  # (its cuboids: the rejected proposals left out)
        geo = FrameGeometry(pts, whole.cuboids, ground)
        for f in check_completeness(whole, geo, guidelines, config, fov):
            out.clean_findings[f.severity] = out.clean_findings.get(f.severity, 0) + 1
        n_object = [int(np.count_nonzero(geo.height[idx] > OBJECT_MIN_HEIGHT)) for idx in geo.inside]
        for c, n in zip(whole.cuboids, n_object):
            if n < min_returns or c.label not in config.missed_classes:
                continue
            keep = tuple(x for x in whole.cuboids if x.id != c.id)
            frame = FrameInput(fid, FrameAnnotations(fid, keep, (), clean.dontcares), pts, rig)
            found = [f for f in check_completeness(frame, FrameGeometry(pts, frame.cuboids, ground), guidelines,
                                                   config, fov)
                     if np.hypot(*np.subtract(f.location[:2], c.center[:2])) < reach]
            out.n += 1
            out.found_any += bool(found)
            out.found_warning += any(f.severity != "info" for f in found)
            if not found:
                out.missed.append((fid, c.label, c.source or c.id[:8], n))
    return out
