"""Undo / redo through the store (in whatever frame the change was made), and export."""
from __future__ import annotations

from dash import Input, Output, State

from pointlabel.app import actions, ids
from pointlabel.app.callbacks.common import unpack

STATE = Output(ids.ANNOTATIONS, "data", allow_duplicate=True)
STATUS = Output(ids.STATUS, "children", allow_duplicate=True)
SLIDER = Output(ids.FRAME_SLIDER, "value", allow_duplicate=True)
FRAME = State(ids.FRAME_SLIDER, "value")


def register(app, session) -> None:
    @app.callback(STATE, STATUS, SLIDER, Input(ids.UNDO_BTN, "n_clicks"), FRAME, prevent_initial_call=True)
    def undo(_n, index):
        return unpack(actions.undo(session, session.frame_id(index)), "state", "message", "goto")

    @app.callback(STATE, STATUS, SLIDER, Input(ids.REDO_BTN, "n_clicks"), FRAME, prevent_initial_call=True)
    def redo(_n, index):
        return unpack(actions.undo(session, session.frame_id(index), redo=True), "state", "message", "goto")

    @app.callback(STATUS, Input(ids.EXPORT_BTN, "n_clicks"), prevent_initial_call=True)
    def export(_n):
        return actions.export_kitti(session).message
