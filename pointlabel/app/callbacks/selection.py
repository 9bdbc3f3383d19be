"""Selection: from the object list, from clicks (routed clientside), and across frames (the
selection follows its track when the frame changes)."""
from __future__ import annotations

from dash import ALL, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from pointlabel.app import actions, ids


def register(app, session) -> None:
    @app.callback(Output(ids.SELECTION, "data", allow_duplicate=True),
                  Input(ids.object_row(ALL), "n_clicks"), prevent_initial_call=True)
    def from_list(_clicks):
        t = ctx.triggered_id
        if not isinstance(t, dict) or not (ctx.triggered and ctx.triggered[0]["value"]):
            raise PreventUpdate  # rows re-rendered, not clicked
        return actions.selection(t["index"])

    @app.callback(Output(ids.SELECTION, "data", allow_duplicate=True),
                  Input(ids.SELECT_REQUEST, "data"), State(ids.FRAME_SLIDER, "value"), prevent_initial_call=True)
    def from_click(req, index):
        if not req:
            raise PreventUpdate
        if req.get("id"):
            return actions.selection(req["id"], req.get("vertex"))
        return actions.select_at(session, session.frame_id(index), req).selection

    @app.callback(Output(ids.SELECTION, "data", allow_duplicate=True),
                  Input(ids.FRAME_SLIDER, "value"), State(ids.SELECTION, "data"), prevent_initial_call=True)
    def across_frames(index, selection):
        new = actions.follow_selection(session, session.frame_id(index), selection)
        return no_update if new is None else new
