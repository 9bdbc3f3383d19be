"""From a loaded frame and the view settings to the figures (the data each view receives,
then the pure builders of app.figures). No Dash callbacks here."""
from __future__ import annotations

import numpy as np

from pointlabel.app.figures.bev import bev_figure
from pointlabel.app.figures.box_views import box_views_figure
from pointlabel.app.figures.camera import camera_figure, sync_label
from pointlabel.app.figures.overlays import overlay_3d, overlay_bev, overlay_camera
from pointlabel.app.figures.points import point_colours
from pointlabel.app.figures.scene import scene_figure
from pointlabel.app.session import AppSession
from pointlabel.geometry.boxes import points_in_cuboid_mask
from pointlabel.model import Cuboid


def _range(r) -> tuple[float, float]:
    lo, hi = (r or (0.0, np.inf))
    return float(lo), float(hi)


def view_points(session: AppSession, frame_id: str, budget: int, range_m=None):
    """(indices into the frame's cloud, voxel size or None) for one view."""
    lo, hi = _range(range_m)
    if hi >= session.config.range_max:
        hi = np.inf
    return session.frame(frame_id).view_indices(budget, lo, hi)


def focus_points(session: AppSession, frame_id: str, cuboid, downsampled: bool) -> np.ndarray | None:
    """Full-resolution points within the focus margin of the selected box, when the view is
    downsampled (else the view already has them all)."""
    if not downsampled or not isinstance(cuboid, Cuboid):
        return None
    xyz = session.frame(frame_id).xyz
    return np.flatnonzero(points_in_cuboid_mask(xyz, cuboid, margin=session.config.focus_margin))


def scene(session: AppSession, frame_id: str, colour_mode: str, size: float, range_m, selection=None):
    frame = session.frame(frame_id)
    idx, voxel = view_points(session, frame_id, session.config.budget.view3d, range_m)
    anns = session.annotations(frame_id)
    sel = anns.get((selection or {}).get("id") or "")
    focus = focus_points(session, frame_id, sel, voxel is not None)
    return scene_figure(frame.xyz[idx], point_colours(frame.cloud, idx, colour_mode), size,
                        None if focus is None else frame.xyz[focus],
                        None if focus is None else point_colours(frame.cloud, focus, colour_mode),
                        anns, selection, session.class_colours)


def bev(session: AppSession, frame_id: str, colour_mode: str, range_m, selection=None):
    frame = session.frame(frame_id)
    idx, _ = view_points(session, frame_id, session.config.budget.bev, range_m)
    return bev_figure(frame.xyz[idx], point_colours(frame.cloud, idx, colour_mode), 2.0,
                      session.annotations(frame_id), selection, session.class_colours)


def camera_points(session: AppSession, frame_id: str, camera: str):
    """(uv_img (M, 2) float32, depth (M,) float32) of the LiDAR points inside the image, at
    most the camera budget of them (a fixed random subset)."""
    frame = session.frame(frame_id)

    def build():
        sensor = frame.rig[camera]
        uv, depth, valid = sensor.project_lidar(frame.xyz, in_image=True)
        keep = np.flatnonzero(valid)
        budget = session.config.budget.camera
        if len(keep) > budget:
            keep = np.sort(np.random.default_rng(0).choice(keep, size=budget, replace=False))
        return uv[keep].astype(np.float32), depth[keep].astype(np.float32)
    return frame.cached(("camera_points", camera, session.config.budget.camera), build)


def camera(session: AppSession, frame_id: str, name: str, selection=None):
    frame = session.frame(frame_id)
    if frame.rig is None or name not in frame.rig.cameras:
        return None
    uv, depth = camera_points(session, frame_id, name)
    image = frame.camera_image(name, session.config.image_max_width)
    return camera_figure(frame.rig[name], image, uv, depth, session.annotations(frame_id), selection,
                         sync_label(name, frame.sync.get(name)), session.class_colours)


def camera_overlays(session: AppSession, frame_id: str, anns) -> dict:
    """camera -> the annotations projected into it (figures.overlays.camera_paths)."""
    from pointlabel.app.figures.overlays import camera_paths
    rig = session.frame(frame_id).rig
    return {name: camera_paths(anns, rig[name], session.class_colours)
            for name in session.camera_names if rig is not None and name in rig.cameras}


def box_views(session: AppSession, frame_id: str, anns, selection, points_inside: dict):
    sel = anns.get((selection or {}).get("id") or "") if anns is not None else None
    if not isinstance(sel, Cuboid):
        return box_views_figure(None)
    xyz = session.frame(frame_id).xyz
    near = points_in_cuboid_mask(xyz, sel, margin=session.config.focus_margin)
    return box_views_figure(sel, xyz[near], points_inside.get(sel.id), session.config.focus_margin,
                            session.class_colours)


def overlays(session: AppSession, frame_id: str, anns, selection) -> dict:
    """The overlay traces of every view for the given annotations and selection, plus the
    3D focus points: {"scene": [...], "focus": (pts, colours) | None, "bev": [...],
    "cameras": {name: [...]}}."""
    frame = session.frame(frame_id)
    colours = session.class_colours
    out = {"scene": overlay_3d(anns, selection, colours), "bev": overlay_bev(anns, selection, colours), "cameras": {}}
    for name in session.camera_names:
        if frame.rig is not None and name in frame.rig.cameras:
            out["cameras"][name] = overlay_camera(anns, selection, frame.rig[name], colours)
    return out


def focus_trace(session: AppSession, frame_id: str, anns, selection, colour_mode: str, size: float, range_m):
    """The 3D view's full-resolution trace for the selected box (empty when not downsampled)."""
    from pointlabel.app.figures.points import cloud_trace_3d, empty_points_3d
    _, voxel = view_points(session, frame_id, session.config.budget.view3d, range_m)
    sel = anns.get((selection or {}).get("id") or "") if anns is not None else None
    focus = focus_points(session, frame_id, sel, voxel is not None)
    if focus is None or len(focus) == 0:
        return empty_points_3d()
    frame = session.frame(frame_id)
    return cloud_trace_3d(frame.xyz[focus], point_colours(frame.cloud, focus, colour_mode), size, name="focus")
