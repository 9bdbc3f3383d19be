"""Pre-label proposals: create them, accept or reject the selected one, or all of a frame."""
from __future__ import annotations

from dash import Input, Output, State, ctx

from pointlabel.app import actions, ids
from pointlabel.app.callbacks.common import unpack
from pointlabel.model import STATUS_CONFIRMED, STATUS_REJECTED

STATE = Output(ids.ANNOTATIONS, "data", allow_duplicate=True)
STATUS = Output(ids.STATUS, "children", allow_duplicate=True)
FRAME = State(ids.FRAME_SLIDER, "value")
SELECTED = State(ids.SELECTION, "data")
# who edits (this page load) and the versions its page shows: session.for_client
TAB = (State(ids.CLIENT, "data"), State(ids.ANNOTATIONS, "data"))

# button -> (the whole frame?, new status)
DECISIONS = {ids.ACCEPT_BTN: (False, STATUS_CONFIRMED), ids.REJECT_BTN: (False, STATUS_REJECTED),
             ids.ACCEPT_ALL_BTN: (True, STATUS_CONFIRMED), ids.REJECT_ALL_BTN: (True, STATUS_REJECTED)}


def decide(session, frame_id: str, trigger: str, sel: dict | None):
    whole, status = DECISIONS[trigger]
    if whole:
        return actions.set_status_all(session, frame_id, status)
    return actions.set_status(session, frame_id, sel, status)


def register(app, session) -> None:
    tab = session.for_client  # this page's view of the session
    @app.callback(STATE, STATUS, Input(ids.PRELABEL_BTN, "n_clicks"), FRAME, *TAB, prevent_initial_call=True)
    def prelabel(_n, index, client, page):
        return unpack(actions.prelabel(tab(client, page), session.frame_id(index)), "state", "message")

    @app.callback(STATE, STATUS, Input(ids.ACCEPT_BTN, "n_clicks"), Input(ids.REJECT_BTN, "n_clicks"),
                  Input(ids.ACCEPT_ALL_BTN, "n_clicks"), Input(ids.REJECT_ALL_BTN, "n_clicks"),
                  FRAME, SELECTED, *TAB, prevent_initial_call=True)
    def review(_a, _r, _aa, _ra, index, sel, client, page):
        return unpack(decide(tab(client, page), session.frame_id(index), ctx.triggered_id, sel), "state", "message")
