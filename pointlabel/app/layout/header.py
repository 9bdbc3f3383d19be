"""Header: frame slider, previous / play / next, mode, undo / redo, saved state, export, help."""
from __future__ import annotations

from dash import dcc, html

from pointlabel.app import ids


def build(session, frame_index: int = 0) -> html.Div:
    n = len(session.frame_ids)
    marks = {i: "" for i in range(n)} if n <= 60 else None
    return html.Div(className="header", children=[
        html.Span("pointlabel", className="brand"),
        html.Button("◀", id=ids.PREV_BTN, title="previous frame (←)", className="btn"),
        html.Button("▶ play", id=ids.PLAY_BTN, title="play / pause (Space)", className="btn"),
        html.Button("▶", id=ids.NEXT_BTN, title="next frame (→)", className="btn"),
        html.Div(className="slider", children=dcc.Slider(
            id=ids.FRAME_SLIDER, min=0, max=max(n - 1, 0), step=1, value=frame_index, marks=marks, included=False,
            updatemode="mouseup", allow_direct_input=False, tooltip={"always_visible": False})),
        html.Span(id=ids.FRAME_LABEL, className="frame-label"),
        dcc.RadioItems(id=ids.MODE, className="mode", inline=True, value="select", options=[
            {"label": "select", "value": "select"}, {"label": "fit box", "value": "fit"},
            {"label": "polyline", "value": "polyline"}, {"label": "redact", "value": "redact"}]),
        html.Button("↶", id=ids.UNDO_BTN, title="undo (Ctrl+Z)", className="btn"),
        html.Button("↷", id=ids.REDO_BTN, title="redo (Ctrl+Y)", className="btn"),
        html.Span(id=ids.SAVED, className="saved", children="saved"),
        dcc.Input(id=ids.POINT_INPUT, type="text", placeholder="click at x, y, z ↵", debounce=False,
                  className="point-input"),
        html.Button("export KITTI", id=ids.EXPORT_BTN, className="btn"),
        html.Button("?", id=ids.HELP_BTN, title="keyboard shortcuts (?)", className="btn"),
    ])
