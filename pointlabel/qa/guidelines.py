"""The project's labelling guidelines: classes, colours, size limits, motion limits, required
attributes and a short guideline text per class; shown to labellers and reviewers by the app
and used by the checks. A JSON file::

    {"format": "pointlabel-guidelines", "version": 1, "name": "...",
     "classes": {"Car": {"colour": "#1f77b4",
                         "size": {"min": [l, w, h], "typical": [l, w, h], "max": [l, w, h]},
                         "max_speed": 60.0, "max_yaw_rate": 1.5, "rigid": true,
                         "min_points": 5, "required_attributes": ["occluded"],
                         "text": "Whole vehicle incl. mirrors ..."}, ...},
     "checks": {"ground_error": 0.5, ...}}   # optional overrides of qa.checks.CheckConfig

Sizes are (length along the heading, width, height) in metres, as Cuboid.size_lwh. The size
limits are *plausibility* limits: a box outside them is an error, so they are wider than the
fitting's class priors (KITTI's own labels fall inside them). A class may also carry
"fit": {"min", "typical", "max", "max_top_fill"}: the size prior click-to-fit and
pre-labelling use (`Guidelines.fit_priors`). Speeds in m/s, yaw rates in rad/s.

The defaults are the one class table, `pointlabel.fitting.classes.CLASS_TABLE`;
`fit_sizes` re-estimates the sizes from a label set (`pointlabel guidelines fit`).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from pointlabel.errors import PointlabelError
from pointlabel.fitting.classes import CLASS_TABLE, ClassSpec, SizePrior

FORMAT = "pointlabel-guidelines"


@dataclass(frozen=True)
class ClassGuide:
    """What the guidelines say about one class."""

    name: str
    colour: str = "#7f7f7f"
    size: SizePrior | None = None
    max_speed: float = 60.0
    max_yaw_rate: float = 3.0
    rigid: bool = True  # a rigid object keeps its size along a track
    min_points: int = 5
    required_attributes: tuple[str, ...] = ()
    text: str = ""
    fit: SizePrior | None = None  # the fitting's size prior (None: the class is never fitted)

    def outside(self, size_lwh) -> np.ndarray:
        """(3,) per dimension (l, w, h): +1 above the class's size limits, -1 below, 0 inside
        (all 0 for a class without limits)."""
        lwh = np.asarray(size_lwh, dtype=float)
        if self.size is None:
            return np.zeros(3)
        return (lwh > np.asarray(self.size.max)).astype(float) - (lwh < np.asarray(self.size.min))

    def to_dict(self) -> dict:
        d = {k: v for k, v in asdict(self).items() if k not in ("name", "size", "fit")}
        d["required_attributes"] = list(self.required_attributes)
        if self.size is not None:
            d["size"] = {"min": list(self.size.min), "typical": list(self.size.typical),
                         "max": list(self.size.max)}
        if self.fit is not None:
            d["fit"] = {"min": list(self.fit.min), "typical": list(self.fit.typical),
                        "max": list(self.fit.max), "max_top_fill": self.fit.max_top_fill}
        return d

    @staticmethod
    def from_dict(name: str, d: dict) -> "ClassGuide":
        size = d.get("size")
        prior = None
        if size is not None:
            prior = SizePrior(tuple(map(float, size.get("typical", size["min"]))),
                              tuple(map(float, size["min"])), tuple(map(float, size["max"])))
        fit = d.get("fit")
        if fit is not None:
            fit = SizePrior(tuple(map(float, fit.get("typical", fit["min"]))), tuple(map(float, fit["min"])),
                            tuple(map(float, fit["max"])), float(fit.get("max_top_fill", 1.0)))
        elif name in CLASS_TABLE:
            fit = CLASS_TABLE[name].prior  # a file without "fit" keeps the class table's prior
        known = {k: d[k] for k in ("colour", "max_speed", "max_yaw_rate", "rigid", "min_points", "text")
                 if k in d}
        return ClassGuide(name=name, size=prior, required_attributes=tuple(d.get("required_attributes", ())),
                          fit=fit, **known)

    @staticmethod
    def from_spec(spec: ClassSpec) -> "ClassGuide":
        """The guide of a row of the class table."""
        size = None
        if spec.limits is not None:
            typical = spec.prior.typical if spec.prior is not None else \
                tuple(float(np.sqrt(a * b)) for a, b in zip(*spec.limits))
            size = SizePrior(typical, spec.limits[0], spec.limits[1])
        return ClassGuide(spec.name, spec.colour, size, spec.max_speed, spec.max_yaw_rate, spec.rigid,
                          spec.min_points, (), spec.text, spec.prior)


@dataclass(frozen=True)
class Guidelines:
    """A project's classes (name -> ClassGuide) and optional check-threshold overrides."""

    classes: dict[str, ClassGuide] = field(default_factory=dict)
    checks: dict = field(default_factory=dict)
    name: str = "default"

    def guide(self, label: str) -> ClassGuide | None:
        """The class's guide; a case-insensitive match is accepted ("car" finds "Car")."""
        if label in self.classes:
            return self.classes[label]
        low = label.lower()
        return next((g for n, g in self.classes.items() if n.lower() == low), None)

    def size_priors(self) -> dict[str, SizePrior]:
        """name -> the plausibility limits (as a SizePrior) of the classes that have them."""
        return {n: g.size for n, g in self.classes.items() if g.size is not None}

    def fit_priors(self) -> dict[str, SizePrior]:
        """name -> the fitting's size prior, for the classes click-to-fit and pre-labelling
        may propose (what `fitting.fit_cuboid(..., priors=)` and `prelabel` take)."""
        return {n: g.fit for n, g in self.classes.items() if g.fit is not None}

    def colour(self, label: str) -> str:
        g = self.guide(label)
        return g.colour if g else "#7f7f7f"

    def with_class(self, guide: ClassGuide) -> "Guidelines":
        return replace(self, classes={**self.classes, guide.name: guide})

    def to_dict(self) -> dict:
        return {"format": FORMAT, "version": 1, "name": self.name,
                "classes": {n: g.to_dict() for n, g in self.classes.items()},
                "checks": dict(self.checks)}

    @staticmethod
    def from_dict(d: dict, source: str = "<guidelines>") -> "Guidelines":
        if not isinstance(d, dict) or d.get("format", FORMAT) != FORMAT:
            raise PointlabelError(f"not a guidelines file (format must be {FORMAT!r})", source)
        try:
            classes = {str(n): ClassGuide.from_dict(str(n), c) for n, c in (d.get("classes") or {}).items()}
        except (KeyError, TypeError, ValueError) as e:
            raise PointlabelError(f"bad class entry ({e})", source) from None
        return Guidelines(classes=classes, checks=dict(d.get("checks") or {}), name=str(d.get("name", "")))

    def write(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1))

    @staticmethod
    def read(path: str | Path) -> "Guidelines":
        path = Path(path)
        try:
            data = json.loads(path.read_text())
        except OSError as e:
            raise PointlabelError(f"cannot read guidelines ({e.strerror})", path) from None
        except ValueError as e:
            raise PointlabelError(f"guidelines are not valid JSON ({e})", path) from None
        return Guidelines.from_dict(data, str(path))


def default_guidelines() -> Guidelines:
    """The class table (`fitting.classes.CLASS_TABLE`) as guidelines."""
    return Guidelines({n: ClassGuide.from_spec(c) for n, c in CLASS_TABLE.items()}, {}, "default")


@dataclass(frozen=True)
class SizeFit:
    """What `fit_sizes` did for one class: labels seen, and the typical size before and after
    (None: too few labels, the class kept its sizes)."""

    name: str
    n: int
    before: tuple | None
    after: tuple | None


def fit_sizes(label_set, frame_ids, base: Guidelines | None = None,
              min_labels: int = 10) -> tuple[Guidelines, list[SizeFit]]:
    """Guidelines whose sizes are estimated from the cuboids of `label_set` (anything with
    .frame(fid)) over `frame_ids`; other fields from `base` (default: the class table).

    Per class with at least `min_labels` labels (rejected ones left out): typical = the
    median; the fitting's prior spans the 5th to 95th percentile widened by 10 %; the
    plausibility limits span the 1st to 99th percentile widened by 20 % and always hold
    every label seen (so a set's own labels are never implausible). A new class gets the
    same with default colour and limits."""
    from pointlabel.model import STATUS_REJECTED
    base = base or default_guidelines()
    sizes: dict[str, list] = {}
    for fid in frame_ids:
        for c in label_set.frame(fid).cuboids:
            if c.status != STATUS_REJECTED:
                sizes.setdefault(c.label, []).append(c.size_lwh)
    out, report = dict(base.classes), []
    for name in sorted(set(sizes) | set(base.classes)):
        v = np.asarray(sizes.get(name, []), dtype=float).reshape(-1, 3)
        guide = base.guide(name) or ClassGuide(name)
        before = guide.size.typical if guide.size is not None else None
        if len(v) < min_labels:
            report.append(SizeFit(name, len(v), before, None))
            continue
        typical = tuple(np.round(np.median(v, axis=0), 3).tolist())
        p1, p5, p95, p99 = np.percentile(v, [1, 5, 95, 99], axis=0)
        lo = np.minimum(p1 / 1.2, v.min(axis=0))
        hi = np.maximum(p99 * 1.2, v.max(axis=0))
        fit_lo, fit_hi = p5 / 1.1, p95 * 1.1
        top_fill = guide.fit.max_top_fill if guide.fit is not None else 1.0
        out[guide.name] = replace(guide, size=SizePrior(typical, _r(lo), _r(hi)),
                                  fit=SizePrior(typical, _r(fit_lo), _r(fit_hi), top_fill))
        report.append(SizeFit(guide.name, len(v), before, typical))
    return replace(base, classes=out, name=f"{base.name} (sizes fitted)"), report


def _r(a) -> tuple[float, float, float]:
    return tuple(round(float(x), 3) for x in a)


def load_guidelines(path: str | Path | None) -> Guidelines:
    """The guidelines file at `path`, or the default."""
    return default_guidelines() if path is None else Guidelines.read(path)
