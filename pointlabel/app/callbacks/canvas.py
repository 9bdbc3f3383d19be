"""The canvas' side of the page: clientside callbacks that hand the page's stores to the
browser's views (js/src/index.js lists them), and the one server callback they need, the
annotations projected into every camera.

A frame switch costs the server nothing here: the canvas fetches the sweep and the camera
points itself (app.endpoints). An edit re-sends only the camera projections, a few kB."""
from __future__ import annotations

from dash import ClientsideFunction, Input, Output, State, no_update
from dash.exceptions import PreventUpdate

from pointlabel.app import actions, ids, views
from pointlabel.app.callbacks.common import unpack
from pointlabel.app.session import annotations_of

# the clientside functions of js/src/index.js, each with a hidden output store of its own
CANVAS_SINKS = ("configure", "frame", "state", "selection", "mode", "settings", "cameraOverlays", "focus")


def register(app, session) -> None:
    def clientside(name: str, *inputs):
        app.clientside_callback(ClientsideFunction("canvas", name), Output(ids.canvas_sink(name), "data"), *inputs)

    clientside("configure", Input(ids.CONFIG, "data"), State(ids.CLIENT, "data"))
    clientside("frame", Input(ids.FRAME_SLIDER, "value"), State(ids.CONFIG, "data"))
    clientside("state", Input(ids.ANNOTATIONS, "data"))
    clientside("selection", Input(ids.SELECTION, "data"))
    clientside("mode", Input(ids.MODE, "value"))
    clientside("settings", Input(ids.COLOR_MODE, "value"), Input(ids.POINT_SIZE, "value"), Input(ids.RANGE, "value"),
               Input(ids.HIDE_GROUND, "value"), Input(ids.REDACTED_VIEW, "value"))
    clientside("cameraOverlays", Input(ids.CAMERA_OVERLAYS, "data"))
    clientside("focus", Input(ids.FOCUS, "data"))

    @app.callback(Output(ids.ANNOTATIONS, "data", allow_duplicate=True),
                  Output(ids.SELECTION, "data", allow_duplicate=True), Output(ids.STATUS, "children", allow_duplicate=True),
                  Input(ids.REDACT_REQUEST, "data"), State(ids.FRAME_SLIDER, "value"), State(ids.CLIENT, "data"),
                  State(ids.ANNOTATIONS, "data"), prevent_initial_call=True)
    def redact(req, index, client, page):
        """A region dragged on a camera image in redact mode: a redact annotation (privacy)."""
        if not req or not req.get("camera") or not isinstance(req.get("rect"), list) or len(req["rect"]) != 4:
            raise PreventUpdate
        out = actions.add_redaction(session.for_client(client, page), session.frame_id(index), req["camera"], req["rect"])
        return unpack(out, "state", "selection", "message")

    @app.callback(Output(ids.CAMERA_OVERLAYS, "data"), Input(ids.ANNOTATIONS, "data"))
    def camera_overlays(state):
        anns = annotations_of(state)
        if anns is None or not session.camera_names:
            return no_update
        return {"frame": anns.frame_id, "cameras": views.camera_overlays(session, anns.frame_id, anns)}
