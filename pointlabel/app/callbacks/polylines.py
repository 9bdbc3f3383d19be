"""Polylines: start one, add vertices by clicking, move / delete a vertex, close / open, class."""
from __future__ import annotations

from dash import ALL, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from pointlabel.app import actions, ids
from pointlabel.app.callbacks.common import unpack

STATE = Output(ids.ANNOTATIONS, "data", allow_duplicate=True)
SELECTION = Output(ids.SELECTION, "data", allow_duplicate=True)
STATUS = Output(ids.STATUS, "children", allow_duplicate=True)
FRAME = State(ids.FRAME_SLIDER, "value")
SELECTED = State(ids.SELECTION, "data")
# who edits (this page load) and the versions its page shows: session.for_client
TAB = (State(ids.CLIENT, "data"), State(ids.ANNOTATIONS, "data"))


def register(app, session) -> None:
    fid = session.frame_id
    tab = session.for_client  # this page's view of the session

    @app.callback(STATE, SELECTION, STATUS, Input(ids.VERTEX_REQUEST, "data"), FRAME, SELECTED,
                  State(ids.POLYLINE_HEIGHT, "value"), State(ids.CURRENT_CLASS, "data"), *TAB,
                  prevent_initial_call=True)
    def add_vertex(req, index, sel, height, current, client, page):
        if not req:
            raise PreventUpdate
        label = (current or {}).get("polyline") or session.config.polyline_classes[0]
        return unpack(actions.add_vertex_at(tab(client, page), fid(index), sel, req, height, label),
                      "state", "selection", "message")

    @app.callback(SELECTION, Output(ids.MODE, "value"), STATUS, Input(ids.NEW_POLYLINE_BTN, "n_clicks"),
                  prevent_initial_call=True)
    def new_polyline(_n):
        return dict(actions.NO_SELECTION), "polyline", "new polyline: click points to add vertices (Esc ends)"

    @app.callback(STATE, STATUS, Input(ids.CLOSE_POLYLINE_BTN, "n_clicks"),
                  FRAME, SELECTED, *TAB, prevent_initial_call=True)
    def close(_n, index, sel, client, page):
        return unpack(actions.toggle_closed(tab(client, page), fid(index), sel), "state", "message")

    @app.callback(STATE, SELECTION, STATUS, Input(ids.DELETE_VERTEX_BTN, "n_clicks"), FRAME, SELECTED,
                  *TAB, prevent_initial_call=True)
    def delete_vertex(_n, index, sel, client, page):
        return unpack(actions.delete_vertex(tab(client, page), fid(index), sel), "state", "selection", "message")

    @app.callback(STATE, STATUS, Input(ids.APPLY_VERTEX_BTN, "n_clicks"), Input(ids.vertex_field(ALL), "n_submit"),
                  State(ids.vertex_field(ALL), "value"), State(ids.vertex_field(ALL), "id"), FRAME, SELECTED,
                  *TAB, prevent_initial_call=True)
    def move_vertex(_n, _s, values, field_ids, index, sel, client, page):
        if not (ctx.triggered and ctx.triggered[0]["value"]):
            raise PreventUpdate
        typed = {i["index"]: v for i, v in zip(field_ids, values)}
        return unpack(actions.set_vertex(tab(client, page), fid(index), sel, typed), "state", "message")

    @app.callback(STATE, Output(ids.CURRENT_CLASS, "data", allow_duplicate=True),
                  Input(ids.poly_class_button(ALL), "n_clicks"), State(ids.CURRENT_CLASS, "data"), FRAME, SELECTED,
                  *TAB, prevent_initial_call=True)
    def label(_n, current, index, sel, client, page):
        if not (ctx.triggered and ctx.triggered[0]["value"]) or not isinstance(ctx.triggered_id, dict):
            raise PreventUpdate
        name = ctx.triggered_id["index"]
        out = actions.set_label(tab(client, page), fid(index), sel, name)
        return (no_update if out.state is None else out.state), {**(current or {}), "polyline": name}
