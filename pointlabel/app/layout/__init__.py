"""The page: header (frames, modes, history, saved state), the views (3D, BEV, cameras),
and the side panel (box views, editor, object list, view settings). Built per feature."""
from __future__ import annotations

from dash import dcc, html

from pointlabel.app import ids
from pointlabel.app.keys import keymap
from pointlabel.app.layout import editor, header, help as help_panel, objects, settings, views


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
        dcc.Store(id=ids.CURRENT_CLASS, data={"cuboid": cfg.classes[0], "polyline": cfg.polyline_classes[0]}),
        dcc.Store(id=ids.FIT_REQUEST),
        dcc.Store(id=ids.VERTEX_REQUEST),
        dcc.Store(id=ids.SELECT_REQUEST),
        dcc.Store(id=ids.NUDGE),
        dcc.Store(id=ids.KEYMAP, data=keymap()),
        dcc.Store(id=ids.CONFIG, data={"budget": cfg.budget.to_dict(), "frames": len(session.frame_ids),
                                       "cameras": session.camera_names}),
        dcc.Interval(id=ids.PLAY_INTERVAL, interval=1500, disabled=True),
    ]
    return html.Div(id="app-root", children=[
        *stores,
        header.build(session, frame_index),
        html.Div(className="main", children=[
            html.Div(className="left", children=[views.build_main_views(), views.build_cameras(session)]),
            html.Div(className="right", children=[
                views.build_box_views(), editor.build(session), objects.build(), settings.build(session)]),
        ]),
        help_panel.build(),
    ])
