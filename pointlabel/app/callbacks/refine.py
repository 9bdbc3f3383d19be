"""Actions from QA: refine the selected box's whole track; make a box from the missed_object
finding last picked in the review list.

  refine track ──► actions.refine_track ──► page state, selection, status
  review row click ──► picked item ──► make box from finding ──► actions.box_from_finding ──►
      page state, selection (the new box), status
"""
from __future__ import annotations

from dash import ALL, Input, Output, State, ctx
from dash.exceptions import PreventUpdate

from pointlabel.app import actions, ids
from pointlabel.app.callbacks.common import unpack

STATE = Output(ids.ANNOTATIONS, "data", allow_duplicate=True)
SELECTION = Output(ids.SELECTION, "data", allow_duplicate=True)
STATUS = Output(ids.STATUS, "children", allow_duplicate=True)
FRAME = State(ids.FRAME_SLIDER, "value")
TAB = (State(ids.CLIENT, "data"), State(ids.ANNOTATIONS, "data"))


def picked_item(items: list | None, triggered_id, clicked: bool) -> dict | None:
    """The review item a row click picked (pure; None: rows re-rendered, not clicked)."""
    if not clicked or not isinstance(triggered_id, dict):
        return None
    k = triggered_id.get("index")
    return (items or [])[k] if isinstance(k, int) and k < len(items or []) else None


def register(app, session) -> None:
    fid = session.frame_id
    tab = session.for_client

    @app.callback(STATE, SELECTION, STATUS, Input(ids.REFINE_TRACK_BTN, "n_clicks"), FRAME,
                  State(ids.SELECTION, "data"), *TAB, prevent_initial_call=True)
    def refine_track(_n, index, sel, client, page):
        return unpack(actions.refine_track(tab(client, page), fid(index), sel), "state", "selection", "message")

    @app.callback(Output(ids.REVIEW_PICKED, "data"), Input(ids.review_row(ALL), "n_clicks"),
                  State(ids.REVIEW_ITEMS, "data"), prevent_initial_call=True)
    def pick(_clicks, items):
        item = picked_item(items, ctx.triggered_id, bool(ctx.triggered and ctx.triggered[0]["value"]))
        if item is None:
            raise PreventUpdate
        return item

    @app.callback(STATE, SELECTION, STATUS, Input(ids.BOX_FROM_FINDING_BTN, "n_clicks"), FRAME,
                  State(ids.REVIEW_PICKED, "data"), *TAB, prevent_initial_call=True)
    def box_from_finding(_n, index, picked, client, page):
        out = actions.box_from_finding(tab(client, page), fid(index), picked)
        return unpack(out, "state", "selection", "message")
