"""Audit sampling: a random sample of annotations, stratified by class and KITTI difficulty,
for a reviewer to check; the verdicts give an error rate per class with a confidence interval,
so a batch is accepted or sent back on evidence.

Allocation is proportional: every stratum (class, difficulty) of N annotations gives
ceil(share * N) of them (so no stratum goes unseen). The per-class sample is then close to
self-weighting and the error rate is the pooled share of rejected items, with a Wilson score
interval (better than the normal approximation for small samples and rates near 0):

    centre = (p + z^2 / 2n) / (1 + z^2 / n)
    half   = z / (1 + z^2 / n) * sqrt(p (1 - p) / n + z^2 / 4n^2)
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import asdict, dataclass, field

import numpy as np

from pointlabel.model import STATUS_REJECTED

ACCEPTED, REJECTED = "accepted", "rejected"


@dataclass(frozen=True)
class AuditItem:
    frame: str
    annotation: str
    label: str
    difficulty: str
    source: str | None = None


@dataclass
class AuditSample:
    share: float
    seed: int
    items: list[AuditItem]
    population: dict[str, int] = field(default_factory=dict)  # "label/difficulty" -> N

    def to_dict(self) -> dict:
        return {"share": self.share, "seed": self.seed, "population": dict(self.population),
                "items": [asdict(i) for i in self.items]}

    @staticmethod
    def from_dict(d: dict) -> "AuditSample":
        return AuditSample(float(d["share"]), int(d["seed"]), [AuditItem(**i) for i in d["items"]],
                           dict(d.get("population", {})))


@dataclass(frozen=True)
class ErrorRate:
    """Per class: how many sampled items were reviewed and rejected, the rate and its interval."""

    label: str
    population: int
    sampled: int
    reviewed: int
    rejected: int
    rate: float
    low: float
    high: float

    def to_dict(self) -> dict:
        return {k: (round(v, 4) if isinstance(v, float) and not math.isnan(v) else
                    (None if isinstance(v, float) else v)) for k, v in asdict(self).items()}


def population(label_set, frame_ids, levels=None) -> list[AuditItem]:
    """Every cuboid of a label set (anything with .frame(fid)) as an audit item. `levels`:
    annotation id -> difficulty (qa.checks / qa.compare compute them); default: from the
    annotation's own KITTI fields, else 'ignored'."""
    from pointlabel.qa.difficulty import difficulty_of
    out = []
    for fid in frame_ids:
        for c in label_set.frame(fid).cuboids:
            if c.status == STATUS_REJECTED:
                continue
            level = (levels or {}).get(c.id) or difficulty_of(c)
            out.append(AuditItem(str(fid), c.id, c.label, level, c.source))
    return out


def draw_sample(items, share: float, seed: int = 0) -> AuditSample:
    """Stratified random sample: ceil(share * N) items of every (class, difficulty) stratum."""
    if not 0 < share <= 1:
        raise ValueError(f"share must be in (0, 1], got {share}")
    strata: dict[tuple[str, str], list[AuditItem]] = defaultdict(list)
    for it in items:
        strata[(it.label, it.difficulty)].append(it)
    rng = np.random.default_rng(seed)
    chosen = []
    for key in sorted(strata):
        members = sorted(strata[key], key=lambda i: (i.frame, i.annotation))
        k = min(len(members), math.ceil(share * len(members) - 1e-9))
        picks = rng.choice(len(members), size=k, replace=False)
        chosen += [members[i] for i in sorted(picks)]
    return AuditSample(share, seed, chosen, {f"{c}/{d}": len(v) for (c, d), v in sorted(strata.items())})


def wilson_interval(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a proportion k / n (n = 0: (0, 1))."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def error_rates(sample: AuditSample, verdicts: dict[str, str], z: float = 1.96) -> dict[str, ErrorRate]:
    """Per class error rate of the sampled items that have a verdict ('accepted'/'rejected')."""
    pop: dict[str, int] = defaultdict(int)
    for key, n in sample.population.items():
        pop[key.rsplit("/", 1)[0]] += n
    by_class: dict[str, list[AuditItem]] = defaultdict(list)
    for it in sample.items:
        by_class[it.label].append(it)
    out = {}
    for label in sorted(by_class):
        its = by_class[label]
        judged = [verdicts[i.annotation] for i in its if verdicts.get(i.annotation) in (ACCEPTED, REJECTED)]
        n, k = len(judged), sum(v == REJECTED for v in judged)
        lo, hi = wilson_interval(k, n, z)
        out[label] = ErrorRate(label, pop[label], len(its), n, k, k / n if n else math.nan, lo, hi)
    return out


def decide(rates: dict[str, ErrorRate], max_error: float = 0.05) -> dict[str, str]:
    """Per class: 'accept' when the interval lies below `max_error`, 'send back' when above
    it, 'review more' while it straddles it."""
    out = {}
    for label, r in rates.items():
        out[label] = "accept" if r.high <= max_error else ("send back" if r.low > max_error else "review more")
    return out
