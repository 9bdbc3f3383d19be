"""The page: header (frames, modes, history, saved state), the views (3D, BEV, cameras),
and the side panel: box views and the selection, then two tabs: Label (editor, object list,
view settings) and Review (QA findings, verdicts). Built per feature."""
from __future__ import annotations

from dash import dcc, html

from pointlabel.app import ids
from pointlabel.app.callbacks.canvas import CANVAS_SINKS
from pointlabel.app.canvas_config import canvas_config
from pointlabel.app.layout import editor, header, history, objects, review, settings, views
from pointlabel.app.layout import help as help_panel
from pointlabel.app.layout import team as team_panel


def initial_frame_index(session, query: dict) -> int:
    """The frame a page load opens: `?frame=<id>` (so a reload stays on its frame), else 0."""
    fid = query.get("frame")
    return session.index_of(fid) if fid in session.frame_ids else 0


def build_layout(session, frame_index: int = 0) -> html.Div:
    cfg = session.config
    stores = [
        dcc.Location(id=ids.URL, refresh=False),
        dcc.Store(id=ids.ANNOTATIONS),
        dcc.Store(id=ids.SELECTION, data={"id": None, "vertex": None}),
        history.client_store(),
        dcc.Store(id=ids.CURRENT_CLASS, data={"cuboid": cfg.classes[0], "polyline": cfg.polyline_classes[0]}),
        dcc.Store(id=ids.FIT_REQUEST),
        dcc.Store(id=ids.VERTEX_REQUEST),
        dcc.Store(id=ids.REDACT_REQUEST),
        dcc.Store(id=ids.SELECT_REQUEST),
        dcc.Store(id=ids.CONFIG, data=canvas_config(session)),
        dcc.Store(id=ids.CAMERA_OVERLAYS),
        *[dcc.Store(id=ids.canvas_sink(name)) for name in CANVAS_SINKS],
        dcc.Store(id=ids.FINDINGS, storage_type="session"),  # a reload keeps the last checks' findings
        dcc.Store(id=ids.REVIEW_ITEMS),
        dcc.Store(id=ids.FOCUS),
        dcc.Interval(id=ids.PLAY_INTERVAL, interval=1500, disabled=True),
    ]
    return html.Div(id="app-root", children=[
        *stores,
        header.build(session, frame_index),
        html.Div(className="main", children=[
            html.Div(className="left", children=[views.build_main_views(), views.build_cameras(session)]),
            html.Div(className="right", children=[
                editor.selection_bar(), tabs(),
                html.Div(id=ids.LABEL_PANEL, className="label-panel", children=[
                    editor.build(session), objects.build(), history.build(), settings.build(session)]),
                review.build(), team_panel.build(session)]),
        ]),
        help_panel.build(),
    ])


def tabs() -> html.Div:
    """Label / Review: which of the side panel's two panels shows (both stay in the page)."""
    return html.Div(className="tabs", children=[
        html.Button("Label", id=ids.TAB_LABEL_BTN, className="tab active"),
        html.Button("Review", id=ids.TAB_REVIEW_BTN, className="tab")])
