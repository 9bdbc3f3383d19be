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
fitting's class priors (KITTI's own labels fall inside them). Speeds in m/s, yaw rates in rad/s.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from pointlabel.errors import PointlabelError
from pointlabel.fitting.classes import SizePrior

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

    def to_dict(self) -> dict:
        d = {k: v for k, v in asdict(self).items() if k not in ("name", "size")}
        d["required_attributes"] = list(self.required_attributes)
        if self.size is not None:
            d["size"] = {"min": list(self.size.min), "typical": list(self.size.typical),
                         "max": list(self.size.max)}
        return d

    @staticmethod
    def from_dict(name: str, d: dict) -> "ClassGuide":
        size = d.get("size")
        prior = None
        if size is not None:
            prior = SizePrior(tuple(map(float, size.get("typical", size["min"]))),
                              tuple(map(float, size["min"])), tuple(map(float, size["max"])))
        known = {k: d[k] for k in ("colour", "max_speed", "max_yaw_rate", "rigid", "min_points", "text")
                 if k in d}
        return ClassGuide(name=name, size=prior, required_attributes=tuple(d.get("required_attributes", ())),
                          **known)


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
        """name -> SizePrior for the classes that have size limits (the fitting accepts this)."""
        return {n: g.size for n, g in self.classes.items() if g.size is not None}

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


def _guide(name, colour, lo, typ, hi, max_speed, max_yaw_rate, rigid, text) -> ClassGuide:
    return ClassGuide(name, colour, SizePrior(typ, lo, hi), max_speed, max_yaw_rate, rigid, 5, (), text)


def default_guidelines() -> Guidelines:
    """KITTI's classes with plausibility limits that KITTI's own labels and the sample data
    satisfy; colours from the Tableau palette."""
    g = [
        _guide("Car", "#1f77b4", (2.2, 1.2, 1.0), (3.9, 1.6, 1.56), (6.2, 2.3, 2.3), 60.0, 1.5, True,
               "Passenger cars incl. SUVs; box around the body without mirrors; heading to the front."),
        _guide("Van", "#17becf", (3.5, 1.5, 1.5), (5.1, 1.9, 2.2), (7.5, 2.6, 3.2), 50.0, 1.5, True,
               "Vans and minibuses; taller than a car."),
        _guide("Truck", "#8c564b", (4.5, 1.8, 2.0), (10.0, 2.6, 3.3), (20.0, 3.2, 4.6), 40.0, 1.0, True,
               "Lorries and tractor units; a trailer is its own box."),
        _guide("Pedestrian", "#d62728", (0.2, 0.2, 0.8), (0.85, 0.65, 1.75), (1.5, 1.3, 2.2), 6.0, 6.3, False,
               "A person standing or walking; the box includes the limbs' current extent."),
        _guide("Person_sitting", "#e377c2", (0.3, 0.3, 0.6), (0.8, 0.6, 1.25), (1.8, 1.3, 1.7), 3.0, 6.3, False,
               "A person sitting (bench, wheelchair); not a cyclist."),
        _guide("Cyclist", "#ff7f0e", (1.2, 0.3, 1.0), (1.75, 0.6, 1.75), (2.6, 1.2, 2.2), 20.0, 3.0, True,
               "Rider and bicycle in one box; a parked bicycle is Misc."),
        _guide("Tram", "#9467bd", (8.0, 2.0, 2.6), (16.0, 2.6, 3.5), (45.0, 3.3, 4.3), 25.0, 0.5, True,
               "Trams and light rail; one box per car body."),
        _guide("Misc", "#bcbd22", (0.1, 0.1, 0.1), (2.0, 1.0, 1.5), (20.0, 4.0, 5.0), 40.0, 6.3, False,
               "Other road users (trailers, segways, parked bicycles)."),
    ]
    return Guidelines({c.name: c for c in g}, {}, "default")


def load_guidelines(path: str | Path | None) -> Guidelines:
    """The guidelines file at `path`, or the default."""
    return default_guidelines() if path is None else Guidelines.read(path)
