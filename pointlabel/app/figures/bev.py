"""The bird's-eye view: x (forward) to the right, y (left) upwards, metres, equal scale."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from pointlabel.app.figures.overlays import overlay_bev
from pointlabel.app.figures.points import PointColours, cloud_trace_bev
from pointlabel.app.figures.style import base_layout

BEV_BASE = 1  # the cloud


def bev_bounds(pts_lidar, pad: float = 0.05) -> tuple[float, float, float, float]:
    """(x_min, x_max, y_min, y_max) holding 98 % of the points, padded: the initial view."""
    if pts_lidar is None or len(pts_lidar) == 0:
        return (-40.0, 40.0, -40.0, 40.0)
    lo, hi = np.percentile(np.asarray(pts_lidar)[:, :2], [1, 99], axis=0)
    span = np.maximum(hi - lo, 1e-3)
    lo, hi = lo - pad * span, hi + pad * span
    return (float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1]))


def bev_layout(bounds: tuple[float, float, float, float] = (-40.0, 40.0, -40.0, 40.0),
               frame_id: str | None = None) -> dict:
    axis = {"showgrid": True, "gridcolor": "#2a3038", "zeroline": False, "color": "#8a939e",
            "ticks": "", "tickfont": {"size": 9}}
    return base_layout(uirevision="bev", dragmode="pan", meta={"frame": frame_id},
                       margin={"l": 28, "r": 4, "t": 4, "b": 20},
                       xaxis={**axis, "range": [bounds[0], bounds[1]]},
                       yaxis={**axis, "range": [bounds[2], bounds[3]], "scaleanchor": "x", "scaleratio": 1})


def bev_figure(pts_lidar, colours: PointColours, size: float, annotations=None, selection=None,
               class_colours=None) -> go.Figure:
    """pts_lidar: (M, 3) float32 LiDAR frame, already downsampled to the BEV budget."""
    return go.Figure(data=[cloud_trace_bev(pts_lidar, colours, size),
                           *overlay_bev(annotations, selection, class_colours)],
                     layout=bev_layout(bev_bounds(pts_lidar), getattr(annotations, "frame_id", None)))


def empty_bev_figure() -> go.Figure:
    return go.Figure(data=[go.Scattergl(x=[], y=[], mode="markers", name="cloud"), *overlay_bev(None, None)],
                     layout=bev_layout())
