"""Settings of one app instance: class lists, guidelines, point budgets, where exports go."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_CLASSES = ("Car", "Van", "Truck", "Pedestrian", "Person_sitting", "Cyclist", "Tram", "Misc")
# The 3D view's (and the BEV's) default point budget: a whole sweep of a 64- or 128-beam
# LiDAR. The canvas uploads it to the GPU once per frame (benchmarks/bench_canvas.py); only
# multi-million-point scans are voxel-downsampled to it.
DEFAULT_BUDGET_3D = 150_000
DEFAULT_POLYLINE_CLASSES = ("lane", "road_edge", "curb", "stop_line", "crosswalk")


@dataclass(frozen=True)
class PointBudget:
    """The most points each view receives; above it the cloud is voxel-downsampled. The 3D
    view and the BEV share one upload (`view3d`); `bev` is kept for old configs."""

    view3d: int = DEFAULT_BUDGET_3D
    bev: int = 80_000
    camera: int = 25_000

    def to_dict(self) -> dict:
        return {"view3d": self.view3d, "bev": self.bev, "camera": self.camera}


@dataclass(frozen=True)
class AppConfig:
    """`classes`: the cuboid classes offered (None: the guidelines' classes, in their order);
    `guidelines`: the project's guidelines (pointlabel.qa.guidelines; None: the default), which
    also give the class colours, the guideline text shown per class, and the checks' limits."""

    classes: tuple[str, ...] | None = None
    guidelines: object | None = None
    polyline_classes: tuple[str, ...] = DEFAULT_POLYLINE_CLASSES
    label_set: str = "default"
    budget: PointBudget = field(default_factory=PointBudget)
    export_dir: Path | None = None        # default: kitti_export/ beside the annotation store
    image_max_width: int = 960            # camera images are sent downscaled to this width
    focus_margin: float = 1.0             # metres around the selected box kept at full resolution
    range_max: float = 120.0              # metres: upper end of the range filter
    cache_frames: int = 6                 # frames kept loaded on the server (LRU)
    author: str | None = "app"
