"""Undo / redo (this page's own changes, in whatever frame they were made), the history
panel, and export."""
from __future__ import annotations

import time

from dash import Input, Output, State

from pointlabel.app import actions, ids
from pointlabel.app.callbacks.common import unpack
from pointlabel.app.layout import history as panel
from pointlabel.store.trail import to_json

STATE = Output(ids.ANNOTATIONS, "data", allow_duplicate=True)
STATUS = Output(ids.STATUS, "children", allow_duplicate=True)
SLIDER = Output(ids.FRAME_SLIDER, "value", allow_duplicate=True)
FRAME = State(ids.FRAME_SLIDER, "value")
TAB = (State(ids.CLIENT, "data"), State(ids.ANNOTATIONS, "data"))


def trail(session, state: dict | None, selection: dict | None, me: str | None) -> list:
    """The history panel's rows: the selected annotation's changes, else the frame's."""
    if not state:
        return panel.rows([], me, "")
    sel = (selection or {}).get("id")
    if sel:
        changes = session.store.history(session.label_set, annotation_id=sel, limit=panel.LIMIT)
        subject = "selected object"
    else:
        changes = session.store.history(session.label_set, frame=state["frame"], limit=panel.LIMIT)
        subject = f"frame {state['frame']}"
    items = [{**to_json(c), "time": time.strftime("%H:%M:%S", time.localtime(c.ts))} for c in changes]
    return panel.rows(items, me, subject)


def register(app, session) -> None:
    # the page's client id (ids.CLIENT) is also the canvas' (its edit queue is configured with it)
    tab = session.for_client  # this page's view of the session

    @app.callback(STATE, STATUS, SLIDER, Input(ids.UNDO_BTN, "n_clicks"), FRAME, *TAB, prevent_initial_call=True)
    def undo(_n, index, client, page):
        return unpack(actions.undo(tab(client, page), session.frame_id(index)), "state", "message", "goto")

    @app.callback(STATE, STATUS, SLIDER, Input(ids.REDO_BTN, "n_clicks"), FRAME, *TAB, prevent_initial_call=True)
    def redo(_n, index, client, page):
        return unpack(actions.undo(tab(client, page), session.frame_id(index), redo=True), "state", "message", "goto")

    @app.callback(Output(ids.HISTORY_LIST, "children"), Input(ids.ANNOTATIONS, "data"), Input(ids.SELECTION, "data"),
                  State(ids.CLIENT, "data"))
    def history_panel(state, selection, client):
        return trail(session, state, selection, client)

    @app.callback(STATUS, Input(ids.EXPORT_BTN, "n_clicks"), prevent_initial_call=True)
    def export(_n):
        return actions.export_kitti(session).message
