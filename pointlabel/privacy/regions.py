"""Redaction regions from the 3D boxes: a person's head, a vehicle's front and rear plate zones,
projected through the real calibration (lens distortion included, near-plane clipped).

Each zone is a small box in the cuboid's own frame (x forward, y left, z up, origin at the
centre), placed by class from the box geometry alone:

- Pedestrian / Person_sitting / Cyclist: the head, the top HEAD_HEIGHT of the box over a
  footprint of at most HEAD_SPAN (a cyclist's over the middle CYCLIST_SPAN of its length);
- Car / Van / Truck: a plate zone on the front face and one on the rear face, centred across
  the face, PLATE_ZONE_Z above the bottom, PLATE_ZONE_W wide, PLATE_DEPTH deep around the face
  (box edges are loose by a few centimetres; plates stand proud of the body).

A zone's corners are projected with `calibration.projection.cuboid_box2d`; a plate face
turned away from the camera gives no region. The 2D box is grown by MARGIN of its size (and
MARGIN_PX) so an imperfect box still covers what it should: a region too large costs a
little background, one too small leaks a face.
"""
from __future__ import annotations

import numpy as np

from calibration.cuboid_topology import UNIT_CORNERS
from calibration.projection import cuboid_box2d
from calibration.rig import CameraSensor
from pointlabel.model import STATUS_REJECTED, Cuboid, FrameAnnotations, Redaction2D

HEAD_CLASSES = ("Pedestrian", "Person_sitting", "Cyclist")
PLATE_CLASSES = ("Car", "Van", "Truck")
HEAD_HEIGHT = (0.30, 0.42)  # metres: min(max(0.2 * box height, lo), hi)
HEAD_SPAN = 0.5  # metres: most of the footprint a head takes, across and along
CYCLIST_SPAN = 0.7  # share of a cyclist's length the rider's head can be over
PLATE_ZONE_Z = {"Car": (0.20, 0.80), "Van": (0.20, 0.95), "Truck": (0.35, 1.25)}  # above the bottom
PLATE_ZONE_W = 0.8  # metres (a 0.52 m plate, off-centre by up to 0.14 m), at most 0.8 of the width
PLATE_DEPTH = (0.15, 0.10)  # metres inside, outside the face
MARGIN, MARGIN_PX = 0.08, 2.0


def _zone_corners(c: Cuboid, lo_local, hi_local) -> np.ndarray:
    """(8, 3) LiDAR-frame corners of the box [lo, hi] given in the cuboid's own frame."""
    lo, hi = np.asarray(lo_local, float), np.asarray(hi_local, float)
    local = (lo + hi) / 2 + UNIT_CORNERS * (hi - lo)
    return local @ c.rotation.T + np.asarray(c.center)


def head_zone(c: Cuboid) -> np.ndarray:
    """(8, 3) corners of a person's (or rider's) head zone, LiDAR frame."""
    l, w, h = c.size_lwh
    hh = min(max(0.2 * h, HEAD_HEIGHT[0]), HEAD_HEIGHT[1])
    half_l = (CYCLIST_SPAN * l if c.label == "Cyclist" else min(l, HEAD_SPAN)) / 2
    half_w = min(w, HEAD_SPAN) / 2
    return _zone_corners(c, (-half_l, -half_w, h / 2 - hh), (half_l, half_w, h / 2 + 0.05))


def plate_zones(c: Cuboid) -> list[tuple[np.ndarray, np.ndarray]]:
    """[(corners (8, 3), outward normal (3,)), front then rear], LiDAR frame."""
    l, w, h = c.size_lwh
    z_lo, z_hi = PLATE_ZONE_Z.get(c.label, PLATE_ZONE_Z["Car"])
    z_lo, z_hi = -h / 2 + z_lo, min(-h / 2 + z_hi, h / 2)
    half_w = min(PLATE_ZONE_W, 0.8 * w) / 2
    inside, outside = PLATE_DEPTH
    out = []
    for sign in (1.0, -1.0):
        xs = sorted((sign * (l / 2 - inside), sign * (l / 2 + outside)))
        corners = _zone_corners(c, (xs[0], -half_w, z_lo), (xs[1], half_w, z_hi))
        out.append((corners, sign * c.rotation[:, 0]))
    return out


def _project(corners_lidar: np.ndarray, sensor: CameraSensor) -> tuple[float, float, float, float] | None:
    box = cuboid_box2d(sensor.lidar_to_cam(corners_lidar), sensor.camera)
    if box is None:
        return None
    w, h = box.right - box.left, box.bottom - box.top
    mx, my = MARGIN * w + MARGIN_PX, MARGIN * h + MARGIN_PX
    W, H = sensor.camera.width - 1, sensor.camera.height - 1
    l, t = max(box.left - mx, 0.0), max(box.top - my, 0.0)
    r, b = min(box.right + mx, W), min(box.bottom + my, H)
    return None if r - l < 1 or b - t < 1 else (l, t, r, b)


def box_regions(anns: FrameAnnotations, sensor: CameraSensor) -> list[Redaction2D]:
    """Head and plate regions of a frame's cuboids (not rejected ones) in one camera."""
    cam_lidar = np.linalg.inv(sensor.T)[:3, 3]  # the camera centre in the LiDAR frame
    out = []
    for c in anns.cuboids:
        if c.status == STATUS_REJECTED:
            continue
        if c.label in HEAD_CLASSES:
            box = _project(head_zone(c), sensor)
            if box:
                out.append(Redaction2D(sensor.name, box_xyxy=box, label="face", source="auto:box-head"))
        elif c.label in PLATE_CLASSES:
            for corners, normal in plate_zones(c):
                if normal @ (cam_lidar - corners.mean(0)) <= 0:
                    continue  # the face looks away from the camera
                box = _project(corners, sensor)
                if box:
                    out.append(Redaction2D(sensor.name, box_xyxy=box, label="plate", source="auto:box-plate"))
    return out


def drawn_regions(anns: FrameAnnotations, camera: str) -> list[Redaction2D]:
    """The frame's stored 2D redact annotations of one camera (all but rejected ones)."""
    return [r for r in anns.redactions if r.camera == camera and r.status != STATUS_REJECTED]


def drawn_region(camera: str, uv_shown, image_size: tuple[int, int], shown_size: tuple[int, int] | None = None,
                 label: str = "other", source: str = "drawn") -> Redaction2D:
    """The 2D redact annotation of a gesture on a camera image as shown (e.g. downscaled in the
    app): `uv_shown` (K, 2) shown pixels, two points = a box's opposite corners, three or more =
    a polygon; scaled to the recorded image (`image_size` (W, H) vs `shown_size`) and clipped
    to it. Store it with `store.put(frame_id, region)` like any annotation."""
    uv = np.asarray(uv_shown, dtype=float).reshape(-1, 2)
    W, H = image_size
    sw, sh = shown_size or image_size
    uv = np.clip(uv * [W / sw, H / sh], 0, [W - 1, H - 1])
    if len(uv) == 2:
        (l, t), (r, b) = uv.min(0), uv.max(0)
        return Redaction2D(camera, box_xyxy=(l, t, r, b), label=label, source=source)
    return Redaction2D(camera, polygon=[tuple(p) for p in uv], label=label, source=source)
