"""Cuboid edits: click-to-fit (3D, BEV, a camera click or rectangle), numeric fields, class, track, attributes, delete,
copy / propagate to the next frame, interpolate a track. Each callback: one action.
Key nudges and handle drags do not come here: the canvas sends them to app.endpoints in order."""
from __future__ import annotations

from dash import ALL, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from pointlabel.app import actions, ids
from pointlabel.app.callbacks.common import unpack
from pointlabel.app.layout.editor import OCCLUDED_BTN

STATE = Output(ids.ANNOTATIONS, "data", allow_duplicate=True)
SELECTION = Output(ids.SELECTION, "data", allow_duplicate=True)
STATUS = Output(ids.STATUS, "children", allow_duplicate=True)
SLIDER = Output(ids.FRAME_SLIDER, "value", allow_duplicate=True)
FRAME = State(ids.FRAME_SLIDER, "value")
SELECTED = State(ids.SELECTION, "data")
# who edits (this page load) and the versions its page shows: session.for_client
TAB = (State(ids.CLIENT, "data"), State(ids.ANNOTATIONS, "data"))


def _clicked() -> bool:
    return bool(ctx.triggered and ctx.triggered[0]["value"])


def register(app, session) -> None:
    fid = session.frame_id
    tab = session.for_client  # this page's view of the session

    @app.callback(STATE, SELECTION, STATUS, Input(ids.FIT_REQUEST, "data"), FRAME, State(ids.CURRENT_CLASS, "data"),
                  *TAB, prevent_initial_call=True)
    def fit(req, index, current, client, page):
        if not req:
            raise PreventUpdate
        label = (current or {}).get("cuboid")
        return unpack(actions.fit_at(tab(client, page), fid(index), req, label), "state", "selection", "message")

    @app.callback(STATE, STATUS, Input(ids.APPLY_FIELDS_BTN, "n_clicks"), Input(ids.field(ALL), "n_submit"),
                  State(ids.field(ALL), "value"), State(ids.field(ALL), "id"), FRAME, SELECTED,
                  *TAB, prevent_initial_call=True)
    def fields(_n, _submits, values, field_ids, index, sel, client, page):
        if not _clicked():
            raise PreventUpdate
        typed = {i["index"]: v for i, v in zip(field_ids, values)}
        return unpack(actions.set_fields(tab(client, page), fid(index), sel, typed), "state", "message")

    @app.callback(STATE, Output(ids.CURRENT_CLASS, "data"), Input(ids.class_button(ALL), "n_clicks"),
                  State(ids.CURRENT_CLASS, "data"), FRAME, SELECTED, *TAB, prevent_initial_call=True)
    def label(_n, current, index, sel, client, page):
        if not _clicked() or not isinstance(ctx.triggered_id, dict):
            raise PreventUpdate
        name = ctx.triggered_id["index"]
        out = actions.set_label(tab(client, page), fid(index), sel, name)
        return (no_update if out.state is None else out.state), {**(current or {}), "cuboid": name}

    @app.callback(STATE, STATUS, Input(ids.TRACK_INPUT, "n_submit"), Input(ids.TRACK_INPUT, "n_blur"),
                  State(ids.TRACK_INPUT, "value"), FRAME, SELECTED, *TAB, prevent_initial_call=True)
    def track(_s, _b, value, index, sel, client, page):
        return unpack(actions.set_track(tab(client, page), fid(index), sel, value), "state", "message")

    @app.callback(STATE, Input({"type": OCCLUDED_BTN, "index": ALL}, "n_clicks"), FRAME, SELECTED,
                  *TAB, prevent_initial_call=True)
    def occluded(_n, index, sel, client, page):
        if not _clicked() or not isinstance(ctx.triggered_id, dict):
            raise PreventUpdate
        return unpack(actions.set_attribute(tab(client, page), fid(index), sel, "occluded",
                                            int(ctx.triggered_id["index"])), "state")[0]

    @app.callback(STATE, Input(ids.NOTE_INPUT, "n_submit"), Input(ids.NOTE_INPUT, "n_blur"),
                  State(ids.NOTE_INPUT, "value"), FRAME, SELECTED, *TAB, prevent_initial_call=True)
    def note(_s, _b, value, index, sel, client, page):
        return unpack(actions.set_attribute(tab(client, page), fid(index), sel, "note", (value or "").strip()),
                      "state")[0]

    @app.callback(STATE, SELECTION, STATUS, Input(ids.DELETE_BTN, "n_clicks"), FRAME, SELECTED,
                  *TAB, prevent_initial_call=True)
    def delete(_n, index, sel, client, page):
        return unpack(actions.delete(tab(client, page), fid(index), sel), "state", "selection", "message")

    @app.callback(STATE, SELECTION, STATUS, SLIDER, Input(ids.COPY_NEXT_BTN, "n_clicks"), FRAME, SELECTED,
                  *TAB, prevent_initial_call=True)
    def copy_next(_n, index, sel, client, page):
        return unpack(actions.to_next_frame(tab(client, page), fid(index), sel, refine=False),
                      "state", "selection", "message", "goto")

    @app.callback(STATE, SELECTION, STATUS, SLIDER, Input(ids.PROPAGATE_BTN, "n_clicks"), FRAME, SELECTED,
                  *TAB, prevent_initial_call=True)
    def propagate(_n, index, sel, client, page):
        return unpack(actions.to_next_frame(tab(client, page), fid(index), sel, refine=True),
                      "state", "selection", "message", "goto")

    @app.callback(STATE, STATUS, Input(ids.INTERPOLATE_BTN, "n_clicks"),
                  FRAME, SELECTED, *TAB, prevent_initial_call=True)
    def interpolate(_n, index, sel, client, page):
        return unpack(actions.interpolate_track(tab(client, page), fid(index), sel), "state", "message")
