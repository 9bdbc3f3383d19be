"""The 3D view: the sweep as one scatter3d (typed arrays), the full-resolution points around
the selected box, then the overlay slots."""
from __future__ import annotations

import plotly.graph_objects as go

from pointlabel.app.figures.overlays import overlay_3d
from pointlabel.app.figures.points import PointColours, cloud_trace_3d, empty_points_3d
from pointlabel.app.figures.style import BACKGROUND, base_layout

SCENE_BASE = 2  # traces before the overlay slots: cloud, focus
_AXIS = {"visible": False, "showspikes": False}


def scene_layout() -> dict:
    return base_layout(
        uirevision="scene",  # the user's camera survives frame switches and edits
        scene={"aspectmode": "data", "bgcolor": BACKGROUND, "xaxis": _AXIS, "yaxis": _AXIS, "zaxis": _AXIS,
               "camera": {"eye": {"x": -0.9, "y": 0.0, "z": 0.55}, "center": {"x": 0, "y": 0, "z": 0},
                          "up": {"x": 0, "y": 0, "z": 1}},
               "dragmode": "turntable"})


def scene_figure(pts_lidar, colours: PointColours, size: float, focus_pts=None, focus_colours=None,
                 annotations=None, selection=None) -> go.Figure:
    """pts_lidar: (M, 3) float32 LiDAR frame (already downsampled to the view's budget);
    focus_pts: (K, 3) full-resolution points around the selected box (or None)."""
    focus = empty_points_3d() if focus_pts is None or len(focus_pts) == 0 else \
        cloud_trace_3d(focus_pts, focus_colours, size, name="focus")
    traces = [cloud_trace_3d(pts_lidar, colours, size), focus, *overlay_3d(annotations, selection)]
    return go.Figure(data=traces, layout=scene_layout())


def empty_scene_figure() -> go.Figure:
    return go.Figure(data=[empty_points_3d("cloud"), empty_points_3d(), *overlay_3d(None, None)],
                     layout=scene_layout())
