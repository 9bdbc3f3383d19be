"""What each view receives of a loaded frame: the points the 3D view and the BEV draw, the
LiDAR points inside each camera, the annotations projected into the cameras, and each
camera's sync label. No Dash here (app.endpoints and the callbacks send them)."""
from __future__ import annotations

import numpy as np

from pointlabel.app.figures.overlays import camera_paths
from pointlabel.app.session import AppSession


def view_points(session: AppSession, frame_id: str, budget: int, range_m=None):
    """(indices into the frame's cloud, voxel size or None) for a view with this budget and
    range filter (metres from the sensor; None: all)."""
    lo, hi = (range_m or (0.0, np.inf))
    lo, hi = float(lo), float(hi)
    if hi >= session.config.range_max:
        hi = np.inf
    return session.frame(frame_id).view_indices(budget, lo, hi)


def camera_points(session: AppSession, frame_id: str, camera: str):
    """(uv_img (M, 2) float32, depth (M,) float32) of the LiDAR points inside the image, at
    most the camera budget of them (a fixed random subset)."""
    uv, depth, _ = _camera_points(session, frame_id, camera)
    return uv, depth


def camera_point_indices(session: AppSession, frame_id: str, camera: str) -> np.ndarray:
    """(M,) indices into the frame's cloud of the points `camera_points` gives, in its order
    (painted point labels are coloured through them)."""
    return _camera_points(session, frame_id, camera)[2]


def _camera_points(session: AppSession, frame_id: str, camera: str):
    frame = session.frame(frame_id)

    def build():
        sensor = frame.rig[camera]
        uv, depth, valid = sensor.project_lidar(frame.xyz, in_image=True)
        keep = np.flatnonzero(valid)
        budget = session.config.budget.camera
        if len(keep) > budget:
            keep = np.sort(np.random.default_rng(0).choice(keep, size=budget, replace=False))
        return uv[keep].astype(np.float32), depth[keep].astype(np.float32), keep
    return frame.cached(("camera_points", camera, session.config.budget.camera), build)


def camera_overlays(session: AppSession, frame_id: str, anns) -> dict:
    """camera -> the annotations projected into it (figures.overlays.camera_paths)."""
    rig = session.frame(frame_id).rig
    return {name: camera_paths(anns, rig[name], session.class_colours)
            for name in session.camera_names if rig is not None and name in rig.cameras}


def sync_label(camera: str, match) -> str:
    """'front · Δt +12 ms' (or 'n/a' without timestamps; 'OUT OF SYNC' beyond the tolerance)."""
    if match is None or match.image is None:
        return f"{camera} · no image"
    dt = "Δt n/a (paired by frame id)" if match.dt is None else f"Δt {match.dt * 1000:+.0f} ms"
    return f"{camera} · {dt}" + ("" if match.ok else " · OUT OF SYNC")
