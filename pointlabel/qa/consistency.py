"""2D/3D consistency: each cuboid projected into the cameras of the rig.

- box2d_mismatch: where an annotation carries a 2D box of its own (an imported KITTI line's
  `attributes["kitti"]["bbox"]`, which belongs to image_2, or `attributes["box2d"]` =
  {camera: [left, top, right, bottom]} from another 2D source), the IoU of that box with the
  projected, clipped 2D box of the cuboid (calibration.projection.cuboid_box2d);
- outside_cameras: the cuboid projects into no camera image at all;
- heading_alpha: an imported KITTI line's own observation angle (`alpha`) against the one the
  cuboid gives (alpha = rotation_y - atan2(x, z) in image_2's camera frame). The two differ by
  the file's rounding (up to ~0.05 rad); a half turn (the box facing backwards) is an error,
  as a 2D box off its cuboid is.

Projection goes LiDAR -> camera with each camera's T_cam_from_lidar, edges clipped at the near
plane before projecting (so boxes half behind a camera are handled), as the renderer does.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from calibration.camera import Z_NEAR
from calibration.projection import Box2D, box_iou_2d, cuboid_box2d
from calibration.rig import Rig
from pointlabel.qa.config import CheckConfig
from pointlabel.qa.findings import ERROR, INFO, WARNING, Finding, about
from pointlabel.qa.frames import FrameInput

KITTI_CAMERA = "image_2"


@dataclass(frozen=True)
class View:
    """Where a cuboid appears: the camera and its clipped 2D box there (image pixels)."""

    camera: str
    box: Box2D


def box2d_references(cuboid, rig: Rig | None) -> dict[str, tuple[float, float, float, float]]:
    """camera -> the annotation's own 2D box (left, top, right, bottom) in that camera."""
    out = {}
    kitti = cuboid.attributes.get("kitti")
    if isinstance(kitti, dict) and kitti.get("bbox") is not None:
        cam = KITTI_CAMERA if rig is None or KITTI_CAMERA in rig.cameras else None
        if cam is not None:
            out[cam] = tuple(map(float, kitti["bbox"]))
    extra = cuboid.attributes.get("box2d")
    if isinstance(extra, dict):
        out.update({str(k): tuple(map(float, v)) for k, v in extra.items() if v is not None and len(v) == 4})
    return out


def project_views(cuboids, rig: Rig | None) -> list[dict[str, Box2D]]:
    """Per cuboid, camera -> its clipped 2D box, for the cameras it projects into.

    Cheap cases first, for all boxes at once: every corner behind the camera, or every corner
    in front but beyond one edge of the field of view -> not seen; every corner in front and
    inside an undistorted image -> the corners' min/max (no clipping, truncation 0). Only the
    rest goes through the near-plane clipping of cuboid_box2d."""
    views: list[dict[str, Box2D]] = [{} for _ in cuboids]
    if rig is None or not rig.cameras or not cuboids:
        return views
    corners = np.stack([c.corners() for c in cuboids])  # (M, 8, 3) LiDAR frame
    M = len(cuboids)
    for name, sensor in rig.cameras.items():
        cam_pts = sensor.lidar_to_cam(corners.reshape(-1, 3)).reshape(M, 8, 3)
        in_front = cam_pts[..., 2] > Z_NEAR
        maybe = in_front.any(axis=1) & ~_clearly_outside(cam_pts, in_front, sensor.camera)
        if not maybe.any():
            continue
        uv_m, _, valid_m = sensor.camera.project(cam_pts[maybe].reshape(-1, 3), in_image=True)
        uv = np.full((M, 8, 2), np.nan)
        valid = np.zeros((M, 8), dtype=bool)
        uv[maybe], valid[maybe] = uv_m.reshape(-1, 8, 2), valid_m.reshape(-1, 8)
        for k in np.flatnonzero(maybe):
            if sensor.camera.dist is None and valid[k].all():
                lo, hi = uv[k].min(axis=0), uv[k].max(axis=0)
                box = Box2D(float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1]), 0.0)
            else:
                box = cuboid_box2d(cam_pts[k], sensor.camera)
            if box is not None:
                views[k][name] = box
    return views


def _clearly_outside(cam_pts: np.ndarray, in_front: np.ndarray, camera) -> np.ndarray:
    """(M,) bool: every corner in front of the camera and all of them beyond the same edge of
    the image's (ideal, normalised) field of view, widened by half for lens distortion."""
    K = camera.K_matrix
    x_lo, x_hi = -K[0, 2] / K[0, 0], (camera.width - 1 - K[0, 2]) / K[0, 0]
    y_lo, y_hi = -K[1, 2] / K[1, 1], (camera.height - 1 - K[1, 2]) / K[1, 1]
    widen = 1.0 if camera.dist is None else 1.5
    z = np.where(in_front, cam_pts[..., 2], 1.0)
    xn, yn = cam_pts[..., 0] / z, cam_pts[..., 1] / z
    beyond = ((xn < widen * x_lo).all(1) | (xn > widen * x_hi).all(1)
              | (yn < widen * y_lo).all(1) | (yn > widen * y_hi).all(1))
    return in_front.all(axis=1) & beyond


def best_view(views: dict[str, Box2D]) -> View | None:
    """The camera where the cuboid's 2D box is tallest (KITTI's difficulty uses box height)."""
    if not views:
        return None
    name = max(views, key=lambda n: (views[n].height, -views[n].truncation))
    return View(name, views[name])


def check_consistency(frame: FrameInput, config: CheckConfig,
                      views: list[dict[str, Box2D]] | None = None) -> list[Finding]:
    """box2d_mismatch and outside_cameras (nothing without a rig)."""
    rig = frame.rig
    if rig is None or not rig.cameras:
        return []
    cubs = frame.cuboids
    views = project_views(cubs, rig) if views is None else views
    out = []
    for c, seen in zip(cubs, views):
        refs = box2d_references(c, rig)
        for cam, ref in refs.items():
            if cam not in rig.cameras:
                continue
            proj = seen.get(cam)
            iou = 0.0 if proj is None else box_iou_2d(proj.ltrb, ref)
            if iou < config.box2d_iou_warning:
                sev = ERROR if iou < config.box2d_iou_error else WARNING
                where = "does not project into" if proj is None else "disagrees with the 2D box in"
                out.append(about(frame.frame_id, c, "box2d_mismatch", sev, iou,
                                 f"projected 3D box {where} {cam} (IoU {iou:.2f}); "
                                 f"2D box {[round(v, 1) for v in ref]}"
                                 + ("" if proj is None else f", projected {[round(v, 1) for v in proj.ltrb]}")))
        out += _check_alpha(frame.frame_id, c, rig, config)
        if not seen:
            sev = WARNING if refs else INFO
            out.append(about(frame.frame_id, c, "outside_cameras", sev, len(rig.cameras),
                             f"projects into none of {', '.join(rig.camera_names)}"
                             + (" although it has a 2D box" if refs else "")))
    return out


def cuboid_alpha(cuboid, sensor) -> float:
    """The observation angle (rad, [-pi, pi)) of a cuboid in a camera: KITTI's rotation_y (yaw
    about the camera's y, from the heading vector) minus the azimuth atan2(x, z) of its centre."""
    R = sensor.T[:3, :3]
    d = R @ np.array([np.cos(cuboid.yaw), np.sin(cuboid.yaw), 0.0])
    x, _, z = sensor.lidar_to_cam(np.asarray(cuboid.center, dtype=float)[None])[0]
    return float((-np.arctan2(d[2], d[0]) - np.arctan2(x, z) + np.pi) % (2 * np.pi) - np.pi)


def _check_alpha(frame_id, cuboid, rig: Rig, config: CheckConfig) -> list[Finding]:
    kitti = cuboid.attributes.get("kitti")
    if not isinstance(kitti, dict) or kitti.get("alpha") is None or KITTI_CAMERA not in rig.cameras:
        return []
    alpha = float(kitti["alpha"])
    if alpha <= -9:  # -10: KITTI's "not given"
        return []
    off = abs((cuboid_alpha(cuboid, rig[KITTI_CAMERA]) - alpha + np.pi) % (2 * np.pi) - np.pi)
    deg = float(np.degrees(off))
    if deg <= config.alpha_tolerance_deg:
        return []
    sev = ERROR if deg > 90 else WARNING
    hint = "turn it 180 deg" if deg > 135 else ("turn it 90 deg" if deg > 45 else f"turn it {deg:.0f} deg")
    return [about(frame_id, cuboid, "heading_alpha", sev, round(deg, 1),
                  f"the file's observation angle is {alpha:.2f} rad, the box's {deg:.0f} deg off it: {hint}")]
