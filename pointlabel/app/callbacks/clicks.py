"""Clientside wiring of the page's small controls: coordinates typed into the point field
(a click by numbers), the help panel. Clicks in the views are the canvas' own
(js/src: they set the fit / select / vertex request stores directly)."""
from __future__ import annotations

from dash import ClientsideFunction, Input, Output, State

from pointlabel.app import ids


def register(app, session) -> None:
    app.clientside_callback(
        ClientsideFunction("pointlabel", "routePoint"),
        Output(ids.FIT_REQUEST, "data"), Output(ids.VERTEX_REQUEST, "data"), Output(ids.SELECT_REQUEST, "data"),
        Input(ids.POINT_INPUT, "n_submit"), State(ids.MODE, "value"), State(ids.POINT_INPUT, "value"),
        prevent_initial_call=True)
    app.clientside_callback(ClientsideFunction("pointlabel", "toggleHelp"),
                            Output(ids.HELP_PANEL, "style"),
                            Input(ids.HELP_BTN, "n_clicks"), Input(ids.HELP_CLOSE, "n_clicks"),
                            State(ids.HELP_PANEL, "style"), prevent_initial_call=True)
