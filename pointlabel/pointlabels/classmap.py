"""The class table of point-wise labels: id (uint16) -> name and colour.

The default is SemanticKITTI's (`semantic-kitti.yaml`: its `labels:` ids and names, its
`color_map:` colours, which that file writes as BGR). A project's own table is a YAML or JSON
file in the same shape (`labels: {id: name}`, optional `color_map: {id: [b, g, r]}`), or the
`classes.json` our PCD/PLY export writes (`{"id": "name"}`). Id 0 is always "unlabelled".

Box classes (KITTI's `Car`, `Pedestrian`, ...) map to semantic ids through `BOX_CLASSES`,
then through the table by lower-cased name, then to `other-object`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pointlabel.errors import PointlabelError

UNLABELLED = 0
MAX_ID = 0xFFFF

# semantic-kitti.yaml, labels and color_map (BGR there; RGB here).
_SEMANTIC_KITTI = {
    0: ("unlabeled", (0, 0, 0)), 1: ("outlier", (255, 0, 0)),
    10: ("car", (100, 150, 245)), 11: ("bicycle", (100, 230, 245)), 13: ("bus", (100, 80, 250)),
    15: ("motorcycle", (30, 60, 150)), 16: ("on-rails", (0, 0, 255)), 18: ("truck", (80, 30, 180)),
    20: ("other-vehicle", (0, 0, 255)), 30: ("person", (255, 30, 30)), 31: ("bicyclist", (255, 40, 200)),
    32: ("motorcyclist", (150, 30, 90)), 40: ("road", (255, 0, 255)), 44: ("parking", (255, 150, 255)),
    48: ("sidewalk", (75, 0, 75)), 49: ("other-ground", (175, 0, 75)), 50: ("building", (255, 200, 0)),
    51: ("fence", (255, 120, 50)), 52: ("other-structure", (255, 150, 0)),
    60: ("lane-marking", (150, 255, 170)), 70: ("vegetation", (0, 175, 0)), 71: ("trunk", (135, 60, 0)),
    72: ("terrain", (150, 240, 80)), 80: ("pole", (255, 240, 150)), 81: ("traffic-sign", (255, 0, 0)),
    99: ("other-object", (50, 255, 255)), 252: ("moving-car", (100, 150, 245)),
    253: ("moving-bicyclist", (255, 40, 200)), 254: ("moving-person", (255, 30, 30)),
    255: ("moving-motorcyclist", (150, 30, 90)), 256: ("moving-on-rails", (0, 0, 255)),
    257: ("moving-bus", (100, 80, 250)), 258: ("moving-truck", (80, 30, 180)),
    259: ("moving-other-vehicle", (0, 0, 255)),
}

BOX_CLASSES = {"Car": "car", "Van": "car", "Truck": "truck", "Pedestrian": "person",
               "Person_sitting": "person", "Cyclist": "bicyclist", "Tram": "on-rails",
               "Misc": "other-vehicle"}
GROUND_CLASS = "road"


@dataclass(frozen=True)
class ClassMap:
    """names: id -> name; colours: id -> (r, g, b) uint8 (ids without one get a stable hue)."""

    names: dict[int, str]
    colours: dict[int, tuple[int, int, int]] = field(default_factory=dict)

    def __post_init__(self):
        for i in self.names:
            if not 0 <= int(i) <= MAX_ID:
                raise PointlabelError(f"class id {i} is outside 0..{MAX_ID}")

    @staticmethod
    def semantic_kitti() -> "ClassMap":
        return ClassMap({i: n for i, (n, _) in _SEMANTIC_KITTI.items()},
                        {i: c for i, (_, c) in _SEMANTIC_KITTI.items()})

    def id_of(self, name: str) -> int:
        """The id of a class name (case-insensitive); PointlabelError if unknown."""
        low = name.lower()
        for i, n in self.names.items():
            if n.lower() == low:
                return i
        raise PointlabelError(f"unknown class {name!r} (classes: {', '.join(list(self.names.values())[:12])}...)")

    def box_class_id(self, box_label: str) -> int:
        """The semantic id for a cuboid's class (BOX_CLASSES, then by name, then other-object)."""
        for name in (BOX_CLASSES.get(box_label), box_label, "other-object"):
            if name is not None:
                try:
                    return self.id_of(name)
                except PointlabelError:
                    continue
        return max(self.names) + 1 if self.names else 1

    def colour(self, class_id: int) -> tuple[int, int, int]:
        if class_id in self.colours:
            return self.colours[class_id]
        hue = (class_id * 0.618034) % 1.0  # golden-ratio hues: neighbours differ
        return tuple(int(255 * v) for v in _hsv(hue, 0.75, 0.95))

    def lut(self) -> np.ndarray:
        """(max_id + 1, 3) uint8 colour of every id up to the largest (unlabelled: grey)."""
        top = max(self.names, default=0)
        out = np.array([self.colour(i) for i in range(top + 1)], np.uint8)
        out[UNLABELLED] = (160, 160, 160)
        return out

    def to_dict(self) -> dict:
        """{"labels": {id: name}, "color_map": {id: [r, g, b]}} with string keys (JSON)."""
        return {"labels": {str(i): n for i, n in sorted(self.names.items())},
                "color_map": {str(i): list(self.colour(i)) for i in sorted(self.names)}}

    @staticmethod
    def from_dict(d: dict, bgr: bool = False) -> "ClassMap":
        labels = d.get("labels", d) if isinstance(d, dict) else None
        if not isinstance(labels, dict) or not labels:
            raise PointlabelError("a class map needs a `labels:` mapping of id -> name")
        try:
            names = {int(k): str(v) for k, v in labels.items()}
            colours = {int(k): tuple(int(c) for c in (v[::-1] if bgr else v))
                       for k, v in (d.get("color_map") or {}).items()}
        except (TypeError, ValueError) as e:
            raise PointlabelError(f"class map: ids must be integers and colours 3 integers ({e})") from None
        return ClassMap(names, colours)

    def write_yaml(self, path: str | Path) -> None:
        """semantic-kitti.yaml's shape: `labels:` and a BGR `color_map:`."""
        lines = ["# point-wise classes (semantic-kitti.yaml shape; color_map is BGR)", "labels:"]
        lines += [f"  {i}: {json.dumps(n)}" for i, n in sorted(self.names.items())]
        lines += ["color_map:"]
        lines += [f"  {i}: [{', '.join(str(c) for c in self.colour(i)[::-1])}]" for i in sorted(self.names)]
        Path(path).write_text("\n".join(lines) + "\n")


def read_class_map(path: str | Path) -> ClassMap:
    """A YAML (semantic-kitti.yaml: BGR colours) or JSON (RGB colours) class map file."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as e:
        raise PointlabelError(f"cannot read class map: {e.strerror}", path) from None
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            import yaml
            data, bgr = yaml.safe_load(text), True
        else:
            data, bgr = json.loads(text), False
    except Exception as e:  # yaml.YAMLError / json.JSONDecodeError: both are bad files
        raise PointlabelError(f"bad class map: {str(e).splitlines()[0]}", path) from None
    try:
        return ClassMap.from_dict(data, bgr=bgr)
    except PointlabelError as e:
        raise PointlabelError(e.message, path) from None


def _hsv(h: float, s: float, v: float) -> tuple[float, float, float]:
    i = int(h * 6) % 6
    f = h * 6 - int(h * 6)
    p, q, t = v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)
    return [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)][i]
