"""A camera view: the image (downscaled JPEG, placed in original pixel coordinates), the
LiDAR points projected into it coloured by depth, and the overlay slots projected with the
rig's calibration and distortion."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from pointlabel.app.figures.overlays import overlay_camera
from pointlabel.app.figures.points import depth_points_trace
from pointlabel.app.figures.style import base_layout

CAMERA_BASE = 2  # image, projected points


def sync_label(camera: str, match) -> str:
    """'front · Δt +12 ms' (or 'n/a' without timestamps; 'MISSING' outside the tolerance)."""
    if match is None or match.image is None:
        return f"{camera} · no image"
    if match.dt is None:
        dt = "Δt n/a (paired by frame id)"
    else:
        dt = f"Δt {match.dt * 1000:+.0f} ms"
    return f"{camera} · {dt}" + ("" if match.ok else " · OUT OF SYNC")


def camera_layout(width: int, height: int, title: str) -> dict:
    return base_layout(
        uirevision=f"camera-{width}x{height}", dragmode="pan",
        xaxis={"range": [-0.5, width - 0.5], "visible": False, "constrain": "domain"},
        yaxis={"range": [height - 0.5, -0.5], "visible": False, "scaleanchor": "x", "constrain": "domain"},
        annotations=[{"text": title, "xref": "paper", "yref": "paper", "x": 0.0, "y": 1.0, "xanchor": "left",
                      "yanchor": "top", "showarrow": False, "bgcolor": "rgba(0,0,0,0.55)",
                      "font": {"size": 11, "color": "#fff"}}])


def image_trace(image) -> go.Image:
    """image: app.state.CameraImage; pixel i of the shown image covers original pixels
    [i*d, (i+1)*d), so its centre sits at (i + 0.5) * d - 0.5 in original pixel coordinates."""
    dx = image.width / image.shown_width
    dy = image.height / image.shown_height
    return go.Image(source=image.uri, x0=dx / 2 - 0.5, y0=dy / 2 - 0.5, dx=dx, dy=dy, hoverinfo="skip", name="image")


def camera_figure(sensor, image, uv_img, depth, annotations=None, selection=None, title: str = "",
                  class_colours=None) -> go.Figure:
    """sensor: the rig's CameraSensor; image: CameraImage or None; uv_img: (M, 2) pixels and
    depth (M,) metres of the LiDAR points that fall in the image."""
    w, h = sensor.camera.size
    img = image_trace(image) if image is not None else go.Image(z=np.zeros((1, 1, 3), dtype=np.uint8), name="image")
    traces = [img, depth_points_trace(uv_img, depth), *overlay_camera(annotations, selection, sensor, class_colours)]
    return go.Figure(data=traces, layout=camera_layout(w, h, title or sensor.name))


def empty_camera_figure() -> go.Figure:
    return go.Figure(data=[go.Image(z=np.zeros((1, 1, 3), dtype=np.uint8), name="image"),
                           go.Scattergl(x=[], y=[], mode="markers", name="lidar"),
                           *[go.Scatter(x=[], y=[], name=s) for s in ("boxes", "proposals", "centres", "selected",
                                                                      "polylines", "vertices", "active")]],
                     layout=base_layout(xaxis={"visible": False}, yaxis={"visible": False}))
