"""The views: 3D and bird's-eye side by side, the cameras in a row below, and the box views."""
from __future__ import annotations

from dash import dcc, html

from pointlabel.app import ids
from pointlabel.app.figures.bev import empty_bev_figure
from pointlabel.app.figures.box_views import box_views_figure
from pointlabel.app.figures.camera import empty_camera_figure
from pointlabel.app.figures.scene import empty_scene_figure

GRAPH_CONFIG = {"displaylogo": False, "scrollZoom": True,
                "modeBarButtonsToRemove": ["toImage", "lasso2d", "select2d", "resetCameraLastSave3d"]}


def build_main_views() -> html.Div:
    return html.Div(className="views-row", children=[
        html.Div(className="view view-3d", children=dcc.Graph(
            id=ids.GRAPH_3D, figure=empty_scene_figure(), config=GRAPH_CONFIG, className="graph")),
        html.Div(className="view view-bev", children=dcc.Graph(
            id=ids.GRAPH_BEV, figure=empty_bev_figure(), config=GRAPH_CONFIG, className="graph")),
    ])


def build_cameras(session) -> html.Div:
    cams = [html.Div(className="camera", children=dcc.Graph(
        id=ids.camera_graph(name), figure=empty_camera_figure(), config=GRAPH_CONFIG, className="graph"))
        for name in session.camera_names]
    if not cams:  # scans: the row collapses to one line and the 3D view and BEV take the height
        return html.Div("no cameras in this dataset", className="cameras-row collapsed")
    return html.Div(className="cameras-row", children=cams)


def build_box_views() -> html.Div:
    return html.Div(className="box-views", children=dcc.Graph(
        id=ids.GRAPH_BOX_VIEWS, figure=box_views_figure(None), className="graph",
        config={"displaylogo": False, "displayModeBar": False}))
