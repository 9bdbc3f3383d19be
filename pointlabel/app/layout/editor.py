"""The editor of the selected annotation: class (with the guidelines' text for it), track,
attributes, numeric fields, actions; and the polyline tools. Buttons stay in the page even when
hidden (keys press them)."""
from __future__ import annotations

from dash import dcc, html

from pointlabel.app import ids

OCCLUSION = ((0, "visible"), (1, "partly"), (2, "largely"), (3, "unknown"))
OCCLUDED_BTN = "occluded-btn"


def occluded_button(k: int) -> dict:
    return {"type": OCCLUDED_BTN, "index": k}


def _num(name: str, label: str, id_of=ids.field) -> html.Label:
    return html.Label(className="num", children=[label, dcc.Input(
        id=id_of(name), type="text", debounce=True, className="num-input")])


def build(session) -> html.Div:
    cfg = session.config
    cuboid = html.Div(id=ids.EDITOR_CUBOID, className="editor-section", children=[
        html.Div(className="classes", children=[
            html.Button(c, id=ids.class_button(c), className="class-btn") for c in cfg.classes]),
        html.Div(id=ids.GUIDE_TEXT, className="guide-text"),
        html.Div(className="row", children=[
            html.Label(["track ", dcc.Input(id=ids.TRACK_INPUT, type="text", debounce=True, className="track-input")]),
            html.Span("occluded", className="lbl"),
            *[html.Button(str(k), id=occluded_button(k), title=t, className="occl-btn") for k, t in OCCLUSION],
            dcc.Input(id=ids.NOTE_INPUT, type="text", debounce=True, placeholder="note", className="note-input"),
        ]),
        html.Div(className="fields", children=[
            _num("x", "x"), _num("y", "y"), _num("z", "z"), _num("yaw", "yaw°"),
            _num("l", "l"), _num("w", "w"), _num("h", "h"),
            html.Button("apply", id=ids.APPLY_FIELDS_BTN, className="btn small")]),
        html.Div(className="row actions", children=[
            html.Button("delete", id=ids.DELETE_BTN, className="btn small danger", title="Delete"),
            html.Button("copy →", id=ids.COPY_NEXT_BTN, className="btn small", title="copy to next frame (C)"),
            html.Button("propagate →", id=ids.PROPAGATE_BTN, className="btn small", title="propagate to next frame (P)"),
            html.Button("interpolate", id=ids.INTERPOLATE_BTN, className="btn small",
                        title="fill the track between its keyframes (T)"),
            html.Button("refine track", id=ids.REFINE_TRACK_BTN, className="btn small",
                        title="one size and a smoothed path for the whole track, heading from its motion"),
            html.Button("accept", id=ids.ACCEPT_BTN, className="btn small ok", title="accept proposal (Enter)"),
            html.Button("reject", id=ids.REJECT_BTN, className="btn small", title="reject proposal (X)"),
        ]),
    ])
    polyline = html.Div(id=ids.EDITOR_POLYLINE, className="editor-section", style={"display": "none"}, children=[
        html.Div(className="classes", children=[
            html.Button(c, id=ids.poly_class_button(c), className="class-btn") for c in cfg.polyline_classes]),
        html.Div(className="fields", children=[
            _num("vx", "x", ids.vertex_field), _num("vy", "y", ids.vertex_field), _num("vz", "z", ids.vertex_field),
            html.Button("move vertex", id=ids.APPLY_VERTEX_BTN, className="btn small"),
            html.Button("delete vertex", id=ids.DELETE_VERTEX_BTN, className="btn small", title="Backspace"),
            html.Button("close / open", id=ids.CLOSE_POLYLINE_BTN, className="btn small", title="M"),
        ]),
    ])
    frame_tools = html.Div(className="row actions", children=[
        html.Button("new polyline", id=ids.NEW_POLYLINE_BTN, className="btn small", title="N"),
        dcc.RadioItems(id=ids.POLYLINE_HEIGHT, inline=True, value="point", className="height-radio", options=[
            {"label": "z of point", "value": "point"}, {"label": "z of ground", "value": "ground"}]),
        html.Button("pre-label frame", id=ids.PRELABEL_BTN, className="btn small"),
        html.Button("accept all", id=ids.ACCEPT_ALL_BTN, className="btn small ok"),
        html.Button("reject all", id=ids.REJECT_ALL_BTN, className="btn small"),
    ])
    return html.Div(className="editor", children=[cuboid, polyline, frame_tools])


def selection_bar() -> html.Div:
    """What is selected and the last action's message: above both side-panel tabs."""
    return html.Div(className="selection-bar", children=[
        html.Div(id=ids.SELECTED_TITLE, className="selected-title", children="nothing selected"),
        html.Div(id=ids.STATUS, className="status")])
