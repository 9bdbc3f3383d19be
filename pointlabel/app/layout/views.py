"""The views: the box views, the 3D view and the bird's-eye view side by side, the cameras in
a row below. Each is an empty container the canvas (assets/canvas.bundle.js, built from js/)
draws into; the server sends their data as binary messages (app.endpoints)."""
from __future__ import annotations

from dash import html

from pointlabel.app import ids


def build_main_views() -> html.Div:
    return html.Div(className="views-row", children=[
        html.Div(id=ids.GRAPH_BOX_VIEWS, className="box-views"),
        html.Div(className="view view-3d", children=html.Div(id=ids.GRAPH_3D, className="canvas-host")),
        html.Div(className="view view-bev", children=html.Div(id=ids.GRAPH_BEV, className="canvas-host")),
    ])


def build_cameras(session) -> html.Div:
    cams = [html.Div(className="camera", **{"data-camera": name}) for name in session.camera_names]
    if not cams:  # scans: the row collapses to one line and the 3D view and BEV take the height
        return html.Div("no cameras in this dataset", id=ids.CAMERAS_ROW, className="cameras-row collapsed")
    return html.Div(id=ids.CAMERAS_ROW, className="cameras-row", children=cams)
