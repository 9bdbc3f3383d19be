"""The views' figures. The cloud goes once per frame (and when the range filter changes);
colour and point size are patched; annotation edits patch only the overlay slots."""
from __future__ import annotations

from dash import ALL, Input, Output, Patch, State, ctx, no_update

from pointlabel.app import ids, views
from pointlabel.app.figures.bev import BEV_BASE
from pointlabel.app.figures.camera import CAMERA_BASE
from pointlabel.app.figures.points import marker, point_colours
from pointlabel.app.figures.scene import SCENE_BASE
from pointlabel.app.session import annotations_of


def _patch_slots(patch: Patch, base: int, traces) -> Patch:
    for k, trace in enumerate(traces):
        patch["data"][base + k] = trace.to_plotly_json()
    return patch


def register(app, session) -> None:
    @app.callback(Output(ids.GRAPH_3D, "figure"),
                  Input(ids.FRAME_SLIDER, "value"), Input(ids.RANGE, "value"),
                  State(ids.COLOR_MODE, "value"), State(ids.POINT_SIZE, "value"), State(ids.SELECTION, "data"))
    def scene(index, range_m, colour_mode, size, selection):
        return views.scene(session, session.frame_id(index), colour_mode, size, range_m, selection)

    @app.callback(Output(ids.GRAPH_BEV, "figure"),
                  Input(ids.FRAME_SLIDER, "value"), Input(ids.RANGE, "value"),
                  State(ids.COLOR_MODE, "value"), State(ids.SELECTION, "data"))
    def bev(index, range_m, colour_mode, selection):
        return views.bev(session, session.frame_id(index), colour_mode, range_m, selection)

    @app.callback(Output(ids.camera_graph(ALL), "figure"), Input(ids.FRAME_SLIDER, "value"),
                  State(ids.SELECTION, "data"))
    def cameras(index, selection):
        fid = session.frame_id(index)
        figs = [views.camera(session, fid, name, selection) for name in session.camera_names]
        return [no_update if f is None else f for f in figs]

    @app.callback(Output(ids.GRAPH_3D, "figure", allow_duplicate=True),
                  Output(ids.GRAPH_BEV, "figure", allow_duplicate=True),
                  Input(ids.COLOR_MODE, "value"), Input(ids.POINT_SIZE, "value"),
                  State(ids.FRAME_SLIDER, "value"), State(ids.RANGE, "value"), prevent_initial_call=True)
    def recolour(colour_mode, size, index, range_m):
        """Colour mode or point size: patch the markers of the cloud traces, not their xyz."""
        fid = session.frame_id(index)
        frame = session.frame(fid)
        out = []
        for budget, base_size in ((session.config.budget.view3d, size), (session.config.budget.bev, 2.0)):
            idx, _ = views.view_points(session, fid, budget, range_m)
            p = Patch()
            p["data"][0]["marker"] = marker(point_colours(frame.cloud, idx, colour_mode), base_size)
            out.append(p)
        return tuple(out)

    @app.callback(Output(ids.GRAPH_3D, "figure", allow_duplicate=True),
                  Output(ids.GRAPH_BEV, "figure", allow_duplicate=True),
                  Output(ids.camera_graph(ALL), "figure", allow_duplicate=True),
                  Input(ids.ANNOTATIONS, "data"), Input(ids.SELECTION, "data"),
                  State(ids.FRAME_SLIDER, "value"), State(ids.COLOR_MODE, "value"), State(ids.POINT_SIZE, "value"),
                  State(ids.RANGE, "value"), prevent_initial_call=True)
    def overlays(state, selection, index, colour_mode, size, range_m):
        """An edit or a new selection: re-send only the overlay slots (and the 3D focus points)."""
        fid = session.frame_id(index)
        anns = annotations_of(state)
        skip = no_update, no_update, [no_update] * len(session.camera_names)
        if anns is None or anns.frame_id != fid:
            return skip
        if ctx.triggered_id == ids.ANNOTATIONS and state.get("loaded"):
            return skip  # the frame's figures were built with these annotations
        o = views.overlays(session, fid, anns, selection)
        scene = _patch_slots(Patch(), SCENE_BASE, o["scene"])
        scene["data"][1] = views.focus_trace(session, fid, anns, selection, colour_mode, size, range_m).to_plotly_json()
        bev = _patch_slots(Patch(), BEV_BASE, o["bev"])
        cams = [_patch_slots(Patch(), CAMERA_BASE, o["cameras"][n]) if n in o["cameras"] else no_update
                for n in session.camera_names]
        return scene, bev, cams

    @app.callback(Output(ids.GRAPH_BOX_VIEWS, "figure"), Input(ids.ANNOTATIONS, "data"), Input(ids.SELECTION, "data"))
    def box_views(state, selection):
        anns = annotations_of(state)
        if anns is None:
            return no_update
        return views.box_views(session, anns.frame_id, anns, selection, state.get("points_inside", {}))
