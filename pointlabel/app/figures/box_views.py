"""Top, side and front views of the selected cuboid, in the box's own axes (x along the
heading, y to its left, z up; metres), with the points around it at full resolution."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from pointlabel.app.figures.style import SELECTED_COLOUR, base_layout, class_colour

VIEWS = (("top", 0, 1), ("side", 0, 2), ("front", 1, 2))  # (title, horizontal axis, vertical axis)
SHAPE_VIEW = {k: v[0] for k, v in enumerate(VIEWS)}  # layout.shapes[k] is the outline of view k


def box_local(cuboid, pts_lidar: np.ndarray) -> np.ndarray:
    """pts_lidar: (K, 3) LiDAR frame -> (K, 3) in the box's own frame."""
    return (np.asarray(pts_lidar, dtype=float) - np.asarray(cuboid.center)) @ cuboid.rotation


def box_views_figure(cuboid=None, pts_lidar=None, n_inside: int | None = None, margin: float = 1.0,
                     class_colours=None) -> go.Figure:
    """cuboid: the selected Cuboid or None; pts_lidar: (K, 3) LiDAR points near it; class_colours:
    class -> colour (the guidelines')."""
    fig = make_subplots(rows=1, cols=3, subplot_titles=[v[0] for v in VIEWS], horizontal_spacing=0.03)
    half = np.asarray(cuboid.size_lwh if cuboid is not None else (1, 1, 1), dtype=float) / 2
    local = box_local(cuboid, pts_lidar) if cuboid is not None and pts_lidar is not None and len(pts_lidar) \
        else np.zeros((0, 3))
    inside = np.all(np.abs(local) <= half + 1e-9, axis=1) if len(local) else np.zeros(0, bool)
    colour = class_colour(cuboid.label, class_colours) if cuboid is not None else "#888"
    for col, (title, a, b) in enumerate(VIEWS, start=1):
        sign = -1.0 if title == "front" else 1.0  # the front view looks at the box's face: its left is right
        fig.add_trace(go.Scattergl(x=(sign * local[:, a]).astype(np.float32), y=local[:, b].astype(np.float32),
                                   mode="markers", hoverinfo="none", name=f"{title}-points",
                                   marker={"size": 3, "color": np.where(inside, 1.0, 0.0).astype(np.float32),
                                           "colorscale": [[0, "#5d6b7a"], [1, colour]], "cmin": 0, "cmax": 1}),
                      row=1, col=col)
        ha, hb = half[a], half[b]
        # The box outline is an editable shape: dragging it or its edges moves / resizes the box
        # (callbacks.cuboids reads the drag from relayoutData; the store stays the truth).
        fig.add_shape(type="rect", x0=-ha, x1=ha, y0=-hb, y1=hb, row=1, col=col, editable=cuboid is not None,
                      line={"color": SELECTED_COLOUR if cuboid is not None else "#444", "width": 1.5},
                      fillcolor="rgba(255,255,255,0.04)")
        if title in ("top", "side") and cuboid is not None:  # heading: towards local +x
            fig.add_trace(go.Scatter(x=[0, ha], y=[0, 0], mode="lines", hoverinfo="none", name=f"{title}-heading",
                                     line={"color": colour, "width": 2}), row=1, col=col)
        span = max(ha, hb) + margin
        axis_x = "x" if col == 1 else f"x{col}"
        fig.update_xaxes(range=[-span, span], visible=False, row=1, col=col)
        fig.update_yaxes(range=[-span, span], visible=False, scaleanchor=axis_x, row=1, col=col)
    title = "no box selected" if cuboid is None else \
        f"{cuboid.label} · {cuboid.size_lwh[0]:.2f} × {cuboid.size_lwh[1]:.2f} × {cuboid.size_lwh[2]:.2f} m" + \
        (f" · {n_inside} pts" if n_inside is not None else "")
    fig.update_layout(**base_layout(margin={"l": 2, "r": 2, "t": 34, "b": 2}, uirevision="box-views"))
    fig.update_layout(title={"text": title, "font": {"size": 11}, "x": 0.01, "y": 0.98})
    for ann in fig.layout.annotations:
        ann.font = {"size": 10}
    return fig
