"""The 3D view: the sweep as one scatter3d (typed arrays), the full-resolution points around
the selected box, then the overlay slots.

The axis ranges are set, not left to Plotly's autorange: Plotly's 3D scene recomputes its
autorange on redraws and, after a camera change, not always to the same numbers, so a point
given in scene units (how the page centres the view on a finding) would drift. The ranges are
what autorange would give (the points and annotations, padded by 1/32 of the span)."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from pointlabel.app.figures.overlays import overlay_3d
from pointlabel.app.figures.points import PointColours, cloud_trace_3d, empty_points_3d
from pointlabel.app.figures.style import BACKGROUND, base_layout

SCENE_BASE = 2  # traces before the overlay slots: cloud, focus
_AXIS = {"visible": False, "showspikes": False}


def scene_bounds(pts_lidar, annotations=None) -> list[list[float]] | None:
    """[[x0, x1], [y0, y1], [z0, z1]]: the extent of the points (M, 3) and of the annotations'
    cuboid corners and polyline vertices, LiDAR frame, padded by 1/32 of each span (at least
    0.5 m); None when there is nothing."""
    parts = [np.asarray(pts_lidar, dtype=float).reshape(-1, 3)] if pts_lidar is not None else []
    if annotations is not None:
        parts += [c.corners() for c in annotations.cuboids]
        parts += [p.points for p in annotations.polylines if len(p.vertices)]
    parts = [p[np.isfinite(p).all(axis=1)] for p in parts if len(p)]
    if not parts or not sum(len(p) for p in parts):
        return None
    allp = np.concatenate(parts)
    lo, hi = allp.min(axis=0), allp.max(axis=0)
    pad = np.maximum((hi - lo) / 32, 0.5 * (hi - lo == 0))
    return [[float(a), float(b)] for a, b in zip(lo - pad, hi + pad)]


def scene_layout(frame_id: str | None = None, bounds=None) -> dict:
    """`meta.frame`: the frame the figure shows (the page's view focusing reads it); `bounds`:
    the axis ranges (scene_bounds; None: Plotly's autorange)."""
    axes = {k: dict(_AXIS) for k in ("xaxis", "yaxis", "zaxis")}
    if bounds is not None:
        for k, r in zip(axes, bounds):
            axes[k].update(range=r, autorange=False)
    return base_layout(
        meta={"frame": frame_id},
        uirevision="scene",  # the user's camera survives frame switches and edits
        scene={"aspectmode": "data", "bgcolor": BACKGROUND, **axes,
               "camera": {"eye": {"x": -0.9, "y": 0.0, "z": 0.55}, "center": {"x": 0, "y": 0, "z": 0},
                          "up": {"x": 0, "y": 0, "z": 1}},
               "dragmode": "turntable"})


def scene_figure(pts_lidar, colours: PointColours, size: float, focus_pts=None, focus_colours=None,
                 annotations=None, selection=None, class_colours=None) -> go.Figure:
    """pts_lidar: (M, 3) float32 LiDAR frame (already downsampled to the view's budget);
    focus_pts: (K, 3) full-resolution points around the selected box (or None);
    class_colours: class -> colour (the guidelines')."""
    focus = empty_points_3d() if focus_pts is None or len(focus_pts) == 0 else \
        cloud_trace_3d(focus_pts, focus_colours, size, name="focus")
    traces = [cloud_trace_3d(pts_lidar, colours, size), focus, *overlay_3d(annotations, selection, class_colours)]
    return go.Figure(data=traces, layout=scene_layout(getattr(annotations, "frame_id", None),
                                                      scene_bounds(pts_lidar, annotations)))


def empty_scene_figure() -> go.Figure:
    return go.Figure(data=[empty_points_3d("cloud"), empty_points_3d(), *overlay_3d(None, None)],
                     layout=scene_layout())
