"""Clientside wiring: the keymap for assets/pointlabel.js, click routing, the help panel."""
from __future__ import annotations

from dash import ALL, ClientsideFunction, Input, Output, State

from pointlabel.app import ids


def register(app, session) -> None:
    app.clientside_callback(ClientsideFunction("pointlabel", "installKeymap"),
                            Output(ids.KEYMAP, "id"), Input(ids.KEYMAP, "data"))
    app.clientside_callback(
        ClientsideFunction("pointlabel", "routeClick"),
        Output(ids.FIT_REQUEST, "data"), Output(ids.VERTEX_REQUEST, "data"), Output(ids.SELECT_REQUEST, "data"),
        Input(ids.GRAPH_3D, "clickData"), Input(ids.GRAPH_BEV, "clickData"),
        Input(ids.camera_graph(ALL), "clickData"), Input(ids.POINT_INPUT, "n_submit"),
        State(ids.MODE, "value"), State(ids.POINT_INPUT, "value"), prevent_initial_call=True)
    app.clientside_callback(ClientsideFunction("pointlabel", "toggleHelp"),
                            Output(ids.HELP_PANEL, "style"),
                            Input(ids.HELP_BTN, "n_clicks"), Input(ids.HELP_CLOSE, "n_clicks"),
                            State(ids.HELP_PANEL, "style"), prevent_initial_call=True)
