"""Thresholds of the checks, in one place. Distances in metres, times in seconds; a project's
guidelines file may override any of them under "checks"."""
from __future__ import annotations

from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class CheckConfig:
    # 2D/3D consistency: IoU of the projected cuboid's 2D box with the file's 2D box
    box2d_iou_warning: float = 0.5
    box2d_iou_error: float = 0.25
    alpha_tolerance_deg: float = 20.0  # the box's observation angle against the file's own
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
    # label vs its points (point_checks): a face may be off by face_tolerance + per_m x range
    # (+ 0.5 / sqrt(returns)) for a warning, face_error_factor times that for an error
    points_reach: float = 2.0  # m around the box searched for its object's returns, or ...
    points_reach_per_length: float = 0.2  # ... this share of its class's longest, if more (a truck: 3.6 m)
    points_min_returns: int = 10  # fewer object returns: nothing is said
    points_error_returns: int = 25  # fewer: a warning at most
    points_top_returns: int = 50  # fewer: an empty margin at the top says nothing (rings too sparse)
    points_own_share: float = 0.3  # a cluster with this share inside the box is its object's
    points_floor: float = 0.1  # m above a box's bottom: lower returns (ground, kerb) set no face
    points_gap: float = 1.0  # m (+1 % of the range): a wider gap past a face ends the object
    points_touch_reach: float = 1.6  # m: of a bigger cluster only the returns this near the box count
    points_skip_classes: tuple = ("Misc", "DontCare")  # too varied to judge against their points
    face_tolerance: float = 0.1
    face_tolerance_per_m: float = 0.006
    face_error_factor: float = 1.5  # (vertical) an error is this many tolerances off
    empty_factor: float = 1.5  # an empty margin may be this many tolerances wide, returns past a face one
    side_empty_factor: float = 1.0  # the same at a side (a side face is a sharp edge of returns)
    top_loose: float = 0.25  # m: an empty margin above the highest return allowed (roof between rings)
    oversize: float = 1.25  # a length this many times its class's typical, and ...
    unfilled: float = 0.25  # ... this share of it not filled by returns: too big (an error)
    oversize_width: float = 1.2  # across: a class's widths vary less than its lengths, so ...
    unfilled_width: float = 0.2  # ... both take less there
    end_loose: float = 0.3  # m more allowed for an empty margin at an end than for returns past it
    side_loose: float = 0.1  # the same at a side (KITTI's labelled cars: ends up to 0.46 m, sides 0.23)
    through_min_gap: float = 0.2  # m: a wider empty margin is looked through (`through`) ...
    through_loose: float = 0.1  # ... and, where rays passed through it, may be this + a tolerance wide
    agree_factor: float = 1.5  # a size outside its class's limits that the returns say to mend: an
    # error needs this many times less evidence from the returns (two weak signs together)
    vertical_tolerance: float = 0.08
    vertical_tolerance_per_m: float = 0.003
    heading_tolerance_deg: float = 12.0
    front_drop_error: float = 0.15  # m: a vehicle's front this much higher than its rear is backwards
    # heading against the track's motion (temporal)
    motion_min_speed: float = 2.0  # m/s: slower tracks say nothing about their heading
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
    missed_foot_drop: float = 0.3  # m below a cluster's lowest returns: is that hidden ...
    missed_foot_hidden: float = 0.5  # ... for more than this share of them? (then only an info)
    missed_classes: tuple = ("Car", "Van", "Truck", "Pedestrian", "Cyclist")
    missed_fov: str = "auto"  # "all", "cameras", a camera name, or "auto" (image_2 for KITTI)

    def updated(self, overrides: dict) -> "CheckConfig":
        """A copy with `overrides` (name -> value) applied; unknown names are an error."""
        names = {f.name: f.type for f in fields(self)}
        unknown = sorted(set(overrides) - set(names))
        if unknown:
            raise ValueError(f"unknown check settings: {', '.join(unknown)}")
        return replace(self, **overrides)
