"""One PNG of one frame of a native dataset: every camera with the projected ground-truth
boxes and lane lines, above a bird's-eye view of the LiDAR sweep with the same boxes.

Boxes are the sweep's (LiDAR time); each camera shows its synced frame, taken `dt` later.
When the dataset has ego poses, the projection follows the ego over `dt` (static objects then
sit exactly in their boxes); a moving object is off its box by its own motion over `dt`.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from calibration.projection import cuboid_box2d, cuboid_edges_cam, polyline_segments, project_segments
from calibration.transforms import invert, transform_points
from pointlabel.datasets.images import load_rgb
from pointlabel.datasets.native import NativeDataset
from pointlabel.geometry.boxes import bev_corners, cuboids_to_array

PANEL_W, PANEL_H = 480, 270
BEV_X, BEV_Y, BEV_PX_PER_M = (-20.0, 100.0), (-25.0, 25.0), 12.0
TITLE_H = 28
CLASS_RGB = {"Car": (255, 255, 255), "Van": (120, 230, 255), "Truck": (255, 170, 60),
             "Pedestrian": (255, 70, 70), "Cyclist": (120, 255, 90)}
LANE_RGB = (255, 0, 255)


def make_contact_sheet(dataset_dir: str | Path, frame_id: str, out_png: str | Path) -> Path:
    """Write the contact sheet of `frame_id` to `out_png`; returns its path."""
    ds = NativeDataset(dataset_dir)
    ref = ds.reference(frame_id)
    cuboids = ref.cuboids if ref else ()
    lanes = [p for p in (ref.polylines if ref else ()) if p.label == "lane"]
    rig = ds.rig(frame_id)
    cams = rig.camera_names if rig else []
    cloud = ds.load_cloud(frame_id)
    bev = _bev_panel(cloud.xyz + cloud.offset, cloud.intensity, cuboids, lanes)
    width = max(bev.width, PANEL_W * max(1, len(cams)))
    sheet = Image.new("RGB", (width, TITLE_H + (PANEL_H if cams else 0) + bev.height), (20, 20, 24))
    draw = ImageDraw.Draw(sheet)
    font = _font(15)
    t = ds.frame(frame_id).timestamp
    draw.text((8, 5), f"{ds.name}  frame {frame_id}" + (f"  t = {t:.3f} s" if t is not None else "")
              + f"  {len(cuboids)} boxes at the sweep's time"
              + ("; cameras follow the ego over dt" if ds.poses else ""), fill=(235, 235, 235), font=font)
    matches = ds.sync(frame_id)
    for i, name in enumerate(cams):
        m = matches.get(name)
        T_cam_from_lidar = rig[name].T @ _ego_motion(ds, frame_id, t, m.dt if m else None)
        panel = _camera_panel(rig[name], T_cam_from_lidar, m, cuboids, lanes, name, font)
        sheet.paste(panel, (i * PANEL_W, TITLE_H))
    sheet.paste(bev, (0, TITLE_H + (PANEL_H if cams else 0)))
    out_png = Path(out_png)
    out_png.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out_png)
    return out_png


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1
        return ImageFont.load_default()


def _ego_motion(ds: NativeDataset, frame_id: str, t_sweep: float | None, dt: float | None) -> np.ndarray:
    """(4, 4) T_lidar@camera-time_from_lidar@sweep-time; identity without poses or times."""
    pose = ds.poses.get(frame_id)
    if pose is None or t_sweep is None or dt is None:
        return np.eye(4)
    return invert(ds.pose_at(t_sweep + dt)) @ pose


def _camera_panel(sensor, T_cam_from_lidar: np.ndarray, match, cuboids, lanes, name: str,
                  font) -> Image.Image:
    if match is None or not match.ok or match.image is None:
        panel = Image.new("RGB", (PANEL_W, PANEL_H), (60, 60, 64))
        ImageDraw.Draw(panel).text((10, PANEL_H // 2 - 10), f"{name}: no frame within tolerance",
                                   fill=(255, 200, 80), font=font)
        return panel
    img = Image.fromarray(load_rgb(match.image))
    scale = PANEL_W / img.width
    panel = img.resize((PANEL_W, int(round(img.height * scale))), Image.BILINEAR)
    draw = ImageDraw.Draw(panel)
    cam = sensor.camera
    for lane in lanes:
        seg_cam = polyline_segments(transform_points(T_cam_from_lidar, lane.points))
        _draw_paths(draw, project_segments(seg_cam, cam) * scale, LANE_RGB, 1, outline=False)
    for c in sorted(cuboids, key=lambda c: -np.linalg.norm(c.center)):  # far first
        corners_cam = transform_points(T_cam_from_lidar, c.corners())
        if cuboid_box2d(corners_cam, cam) is None:
            continue
        uv = project_segments(cuboid_edges_cam(corners_cam), cam) * scale
        _draw_paths(draw, uv, CLASS_RGB.get(c.label, (255, 255, 0)), 1, outline=True)
    label = f"{name}  dt = {match.dt * 1000:+.1f} ms" if match.dt is not None else name
    draw.rectangle((0, 0, 8 + 9 * len(label), 22), fill=(0, 0, 0))
    draw.text((5, 3), label, fill=(255, 255, 255), font=font)
    return panel


def _draw_paths(draw: ImageDraw.ImageDraw, uv_segments: np.ndarray, rgb, width: int, outline: bool) -> None:
    """uv_segments: (M, S+1, 2) pixel polylines, NaN where not drawable."""
    for seg in uv_segments:
        pts = [tuple(p) for p in seg if np.isfinite(p).all()]
        if len(pts) < 2:
            continue
        if outline:
            draw.line(pts, fill=(0, 0, 0), width=width + 2)
        draw.line(pts, fill=rgb, width=width)


def _bev_uv(pts_xy: np.ndarray) -> np.ndarray:
    """(N, 2) LiDAR x, y -> BEV pixels: forward to the right, left upwards."""
    u = (pts_xy[:, 0] - BEV_X[0]) * BEV_PX_PER_M
    v = (BEV_Y[1] - pts_xy[:, 1]) * BEV_PX_PER_M
    return np.column_stack([u, v])


def _bev_panel(pts_lidar: np.ndarray, intensity, cuboids, lanes) -> Image.Image:
    W = int((BEV_X[1] - BEV_X[0]) * BEV_PX_PER_M)
    H = int((BEV_Y[1] - BEV_Y[0]) * BEV_PX_PER_M)
    canvas = np.zeros((H, W, 3), np.uint8)
    uv = np.floor(_bev_uv(pts_lidar[:, :2])).astype(int)
    inside = (uv[:, 0] >= 0) & (uv[:, 0] < W) & (uv[:, 1] >= 0) & (uv[:, 1] < H)
    level = np.full(len(pts_lidar), 0.5) if intensity is None else np.clip(intensity, 0, 1)
    grey = (70 + 185 * np.sqrt(level)).astype(np.uint8)
    canvas[uv[inside, 1], uv[inside, 0]] = grey[inside, None]
    img = Image.fromarray(canvas)
    draw = ImageDraw.Draw(img)
    for lane in lanes:
        pts = [tuple(p) for p in _bev_uv(lane.points[:, :2])]
        draw.line(pts, fill=(150, 0, 150), width=1)
    if cuboids:
        corners = bev_corners(cuboids_to_array(cuboids))
        for c, quad in zip(cuboids, corners):
            rgb = CLASS_RGB.get(c.label, (255, 255, 0))
            poly = [tuple(p) for p in _bev_uv(quad)]
            draw.polygon(poly, outline=rgb)
            front = _bev_uv(((quad[0] + quad[1]) / 2)[None])[0]
            centre = _bev_uv(np.asarray(c.center)[None, :2])[0]
            draw.line([tuple(centre), tuple(front)], fill=rgb)
    legend = "LiDAR, bird's-eye view, x forward to the right, 10 m grid ticks.  Boxes:"
    draw.text((6, 4), legend, fill=(200, 200, 200), font=_font(14))
    x = 8 + draw.textlength(legend, font=_font(14))
    for label, rgb in [*CLASS_RGB.items(), ("lanes", (150, 0, 150))]:
        draw.text((x, 4), label, fill=rgb, font=_font(14))
        x += draw.textlength(label, font=_font(14)) + 10
    for xm in np.arange(np.ceil(BEV_X[0] / 10) * 10, BEV_X[1] + 1, 10):
        u = (xm - BEV_X[0]) * BEV_PX_PER_M
        draw.line([(u, H - 8), (u, H)], fill=(200, 200, 200))
        draw.text((u + 2, H - 20), f"{xm:.0f}", fill=(160, 160, 160), font=_font(12))
    return img
