"""View settings: colour by, point size, range filter; the point budget in force."""
from __future__ import annotations

from dash import dcc, html

from pointlabel.app import ids


def default_colour_mode(session) -> str:
    """'rgb' for clouds that carry colour (coloured scans), else 'height'."""
    return "rgb" if session.has_rgb() else "height"


def build(session) -> html.Div:
    cfg = session.config
    r = cfg.range_max
    return html.Div(className="settings", children=[
        html.Label(["colour ", dcc.Dropdown(id=ids.COLOR_MODE, value=default_colour_mode(session),
                                            clearable=False, searchable=False,
                                            className="color-mode",
                                            options=["height", "intensity", "distance", "rgb"])]),
        html.Label(["size ", dcc.Slider(id=ids.POINT_SIZE, min=0.5, max=4, step=0.5, value=1.5,
                                        marks=None, allow_direct_input=False, className="size-slider")], className="size"),
        html.Label(["range m ", dcc.RangeSlider(id=ids.RANGE, min=0, max=r, step=1, value=[0, r],
                                                marks={0: "0", int(r // 2): str(int(r // 2)), int(r): str(int(r))},
                                                updatemode="mouseup", allow_direct_input=False,
                                                className="range-slider")], className="range"),
        dcc.Checklist(id=ids.HIDE_GROUND, options=[{"label": " hide ground (H)", "value": "hide"}], value=[],
                      className="hide-ground"),
        dcc.Checklist(id=ids.REDACTED_VIEW, options=[{"label": " redacted cameras (faces, plates, drawn regions)",
                                                      "value": "on"}], value=[], className="hide-ground"),
        html.Div(className="budget", children=(
            f"point budget: 3D and BEV {cfg.budget.view3d:,} · camera {cfg.budget.camera:,} "
            "(voxel-downsampled above)")),
    ])
