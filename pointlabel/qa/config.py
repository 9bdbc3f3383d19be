"""Thresholds of the checks, in one place. Distances in metres, times in seconds; a project's
guidelines file may override any of them under "checks"."""
from __future__ import annotations

from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class CheckConfig:
    # 2D/3D consistency: IoU of the projected cuboid's 2D box with the file's 2D box
    box2d_iou_warning: float = 0.5
    box2d_iou_error: float = 0.25
    # ground contact: bottom of the box against the ground returns around it
    ground_warning: float = 0.3
    ground_error: float = 0.5
    ground_ring: float = 1.0  # the footprint grown by this much is where the ground is measured
    ground_band: float = 0.25  # |height above the ground model| of a ground return
    min_ground_points: int = 8  # fewer: the ground is not seen there, no finding
    # 3D overlap of two boxes of a frame
    overlap_warning: float = 0.1
    overlap_error: float = 0.4
    # object points just outside the box
    outside_margin: float = 0.3
    outside_share: float = 0.4
    outside_min_points: int = 10
    object_min_height: float = 0.3  # returns higher than this above the ground are "object"
    # polylines
    polyline_return_dist: float = 0.5
    polyline_ground_dist: float = 0.3
    # tracks
    sweep_period: float = 0.1  # time between sweeps when the dataset has no timestamps
    size_tolerance_rigid: float = 0.1  # relative change of l, w or h (error)
    size_tolerance_nonrigid: float = 0.3  # (warning)
    size_min_change: float = 0.1  # m: smaller changes are never reported
    jump_tolerance: float = 0.5  # m off the path interpolated from the neighbouring sweeps
    ego_max_speed: float = 40.0  # m/s: added to the class limit when tracks have no world poses
    ego_max_yaw_rate: float = 1.0  # rad/s: likewise
    # completeness
    missed_min_points: int = 20
    missed_cell: float = 0.3
    missed_max_range: float = 60.0
    missed_box_margin: float = 0.3
    missed_max_lift: float = 0.7  # m: a cluster whose lowest return is higher stands on nothing
    missed_classes: tuple = ("Car", "Van", "Truck", "Pedestrian", "Cyclist")
    missed_fov: str = "auto"  # "all", "cameras", a camera name, or "auto" (image_2 for KITTI)

    def updated(self, overrides: dict) -> "CheckConfig":
        """A copy with `overrides` (name -> value) applied; unknown names are an error."""
        names = {f.name: f.type for f in fields(self)}
        unknown = sorted(set(overrides) - set(names))
        if unknown:
            raise ValueError(f"unknown check settings: {', '.join(unknown)}")
        return replace(self, **overrides)
