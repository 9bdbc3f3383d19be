"""Team metrics of one dataset's label set, from what the database holds: the history (who
changed what, when), the tasks and their transitions, and the review verdicts.

- active time per person: the gaps between their consecutive changes, counting only gaps of at
  most BREAK_S (a longer gap is a break); a change's gap is charged to its object's class;
- objects: annotations a person created (their first version is theirs); objects per hour of
  active time, and seconds per object;
- task turnaround: first submission − start (in_progress, else creation), per assignee;
- rework rate: times sent back to rework / times submitted, per assignee;
- rejection reasons: the reviewers' comments on rejected objects, counted;
- error rate per class and per person: objects rejected at least once / objects judged
  (first-pass errors: a fixed object still counts; the verdict log of reviews and audits
  alike), with a Wilson 95 % interval (qa.audit.wilson_interval);
- a simulated run (pointlabel.team.simulate) plays a day faster than real time: the store's
  `team.time_scale` meta (or `time_scale`) multiplies every duration (breaks: > BREAK_S of
  the scaled clock);
- agreement: on frames where two people each created boxes, their cuboids of each class matched
  one-to-one by 3D IoU ≥ 0.5 (qa.compare.match_frame): F1 = 2·matches / (n_a + n_b) and mean IoU.
"""
from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field

from pointlabel.qa.audit import wilson_interval
from pointlabel.team.tasks import TaskBook

BREAK_S = 300.0


@dataclass
class TeamMetrics:
    dataset: str
    label_set: str
    people: dict = field(default_factory=dict)      # name -> {active_h, objects, objects_per_h, s_per_object, ...}
    per_class: dict = field(default_factory=dict)   # name -> class -> {objects, active_s, objects_per_h, s_per_object}
    class_errors: dict = field(default_factory=dict)  # class -> {judged, rejected, rate, lo, hi}
    person_errors: dict = field(default_factory=dict)  # name -> {judged, rejected, rate}
    rejection_reasons: list = field(default_factory=list)  # [(reason, count)]
    reasons_by_reviewer: dict = field(default_factory=dict)
    tasks: dict = field(default_factory=dict)       # state -> count
    agreement: list = field(default_factory=list)   # [{a, b, frames, matches, n_a, n_b, f1, mean_iou}]
    timeline: list = field(default_factory=list)    # [(ts, author, class)] of every change
    time_scale: float = 1.0                         # durations are the history's × this

    def to_dict(self) -> dict:
        return asdict(self)


def _class_of(ch) -> str:
    d = ch.after or ch.before or {}
    return str(d.get("label") or d.get("type") or "?")


def compute(store, dataset: str, label_set: str = "default", review_book=None,
            time_scale: float | None = None) -> TeamMetrics:
    from pointlabel.qa.review import ReviewBook
    scale = float(time_scale or store.get_meta("team.time_scale", 1.0) or 1.0)
    m = TeamMetrics(dataset, label_set, time_scale=scale)
    changes = sorted(store.history(label_set), key=lambda c: c.seq)
    creator: dict[str, str] = {}
    last_ts: dict[str, float] = {}
    people: dict[str, dict] = defaultdict(lambda: {"active_s": 0.0, "objects": 0, "edits": 0, "breaks": 0})
    per_class: dict[str, dict] = defaultdict(lambda: defaultdict(lambda: {"objects": 0, "active_s": 0.0}))
    for ch in changes:
        who = ch.author or "?"
        cls = _class_of(ch)
        p = people[who]
        p["edits"] += 1
        if who in last_ts:
            gap = (ch.ts - last_ts[who]) * scale
            if gap <= BREAK_S:
                p["active_s"] += gap
                per_class[who][cls]["active_s"] += gap
            else:
                p["breaks"] += 1
        last_ts[who] = ch.ts
        if ch.before is None and ch.after is not None and ch.annotation_id not in creator:
            creator[ch.annotation_id] = who
            p["objects"] += 1
            per_class[who][cls]["objects"] += 1
        m.timeline.append((ch.ts * scale, who, cls))
    for who, p in people.items():
        h = p["active_s"] / 3600
        p["active_h"] = round(h, 3)
        p["objects_per_h"] = round(p["objects"] / h, 1) if h > 0 else None
        p["s_per_object"] = round(p["active_s"] / p["objects"], 1) if p["objects"] else None
        m.people[who] = dict(p)
        m.per_class[who] = {c: {**v, "objects_per_h": round(v["objects"] / (v["active_s"] / 3600), 1)
                                if v["active_s"] > 0 else None,
                                "s_per_object": round(v["active_s"] / v["objects"], 1) if v["objects"] else None}
                            for c, v in per_class[who].items()}

    # tasks: turnaround and rework rate per assignee
    book = TaskBook(store)
    tasks = [t for t in book.list(dataset) if t.label_set == label_set]
    m.tasks = dict(Counter(t.state for t in tasks))
    events = [e for e in book.events(dataset)]
    by_task = defaultdict(list)
    for e in events:
        by_task[e["task"]].append(e)
    turn = defaultdict(list)
    submits, reworks = Counter(), Counter()
    for t in tasks:
        evs = by_task.get(t.id, [])
        started = next((e["ts"] for e in evs if e["to_state"] == "in_progress"), t.created_ts)
        first_sub = next((e["ts"] for e in evs if e["to_state"] == "submitted"), None)
        who = t.assignee or "?"
        if first_sub is not None:
            turn[who].append((first_sub - started) * scale)
        submits[who] += sum(e["to_state"] == "submitted" and e["from_state"] != "submitted" for e in evs)
        reworks[who] += sum(e["to_state"] == "rework" and e["from_state"] != "rework" for e in evs)
    for who in set(turn) | set(submits):
        p = m.people.setdefault(who, {"active_s": 0.0, "objects": 0, "edits": 0, "active_h": 0.0,
                                      "objects_per_h": None, "s_per_object": None, "breaks": 0})
        p["tasks_submitted"] = submits[who]
        p["sent_back"] = reworks[who]
        p["rework_rate"] = round(reworks[who] / submits[who], 3) if submits[who] else None
        p["turnaround_s_median"] = round(statistics.median(turn[who]), 1) if turn[who] else None
        p["turnaround_s_mean"] = round(statistics.fmean(turn[who]), 1) if turn[who] else None

    # reviews (and audits: the same verdict book)
    rb = review_book or ReviewBook(store, label_set)
    current = {a.id: (a, f) for f in store.frames(label_set) for a in store.frame(f, label_set)}
    judged, rejected = Counter(), Counter()
    pj, pr = Counter(), Counter()
    ever: dict[str, bool] = {}  # annotation -> rejected at some point (a fixed one still counts: first-pass errors)
    for v in rb.log():
        if v.verdict in ("accepted", "rejected"):
            ever[v.annotation] = ever.get(v.annotation, False) or v.verdict == "rejected"
    for aid, was_rejected in ever.items():
        a = current.get(aid)
        cls = getattr(a[0], "label", None) or getattr(a[0], "type", "?") if a else "?"
        judged[cls] += 1
        who = creator.get(aid, "?")
        pj[who] += 1
        if was_rejected:
            rejected[cls] += 1
            pr[who] += 1
    for cls in judged:
        lo, hi = wilson_interval(rejected[cls], judged[cls])
        m.class_errors[cls] = {"judged": judged[cls], "rejected": rejected[cls],
                               "rate": round(rejected[cls] / judged[cls], 3), "lo": round(lo, 3), "hi": round(hi, 3)}
    for who in pj:
        m.person_errors[who] = {"judged": pj[who], "rejected": pr[who], "rate": round(pr[who] / pj[who], 3)}
    reasons, by_rev = Counter(), defaultdict(Counter)
    for v in rb.log():
        if v.verdict == "rejected" and v.comment:
            reasons[v.comment.strip().lower()] += 1
            by_rev[v.reviewer or "?"][v.comment.strip().lower()] += 1
    m.rejection_reasons = reasons.most_common()
    m.reasons_by_reviewer = {r: c.most_common() for r, c in by_rev.items()}
    m.agreement = agreement(store, label_set, creator, current)
    return m


def agreement(store, label_set: str, creator: dict, current: dict, min_iou: float = 0.5) -> list[dict]:
    """Pairwise agreement of people who both created cuboids on the same frames."""
    from pointlabel.model import Cuboid
    from pointlabel.qa.compare import match_frame
    boxes = defaultdict(lambda: defaultdict(list))  # frame -> person -> cuboids
    for aid, (a, f) in current.items():
        if isinstance(a, Cuboid) and aid in creator:
            boxes[f][creator[aid]].append(a)
    pairs = defaultdict(lambda: {"frames": 0, "matches": 0, "n_a": 0, "n_b": 0, "iou": []})
    for f, per in boxes.items():
        names = sorted(per)
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                matches = [m for cls in {c.label for c in per[a]} & {c.label for c in per[b]}
                           for m in match_frame([c for c in per[a] if c.label == cls],
                                                [c for c in per[b] if c.label == cls], min_iou)[0]]
                s = pairs[(a, b)]
                s["frames"] += 1
                s["matches"] += len(matches)
                s["n_a"] += len(per[a])
                s["n_b"] += len(per[b])
                s["iou"] += [float(m[2]) for m in matches]
    out = []
    for (a, b), s in sorted(pairs.items()):
        out.append({"a": a, "b": b, "frames": s["frames"], "matches": s["matches"], "n_a": s["n_a"], "n_b": s["n_b"],
                    "f1": round(2 * s["matches"] / (s["n_a"] + s["n_b"]), 3) if s["n_a"] + s["n_b"] else None,
                    "mean_iou": round(statistics.fmean(s["iou"]), 3) if s["iou"] else None})
    return out
