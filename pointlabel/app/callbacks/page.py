"""The page state of the current frame, and what shows it: saved mark, object list, editor."""
from __future__ import annotations

import math

from dash import ALL, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from pointlabel.app import ids
from pointlabel.app.layout import objects
from pointlabel.app.layout.editor import OCCLUDED_BTN
from pointlabel.app.session import annotations_of
from pointlabel.model import Cuboid, Polyline3D

HIDDEN = {"display": "none"}
SHOWN = {"display": "block"}


def editor_view(anns, selection: dict | None, points_inside: dict) -> dict:
    """What the editor shows for a selection (pure): title, section visibility, field values."""
    sel = anns.get((selection or {}).get("id") or "") if anns is not None else None
    blank = {k: None for k in ids.CUBOID_FIELDS}
    view = {"title": "nothing selected · click a point (fit mode: 2) or a row", "cuboid": SHOWN, "polyline": HIDDEN,
            "fields": blank, "vertex": {k: None for k in ids.VERTEX_FIELDS}, "track": None, "note": "",
            "label": None, "occluded": None}
    if isinstance(sel, Cuboid):
        from pointlabel.app.editing import cuboid_fields
        n = points_inside.get(sel.id)
        view.update(title=f"{sel.label} · track {sel.track_id if sel.track_id is not None else '–'} · {sel.status}"
                          + (f" · {n} pts" if n is not None else "")
                          + (f" · conf {sel.confidence:.2f}" if sel.confidence is not None else ""),
                    fields=cuboid_fields(sel), track=sel.track_id, note=sel.attributes.get("note", ""),
                    label=sel.label, occluded=sel.attributes.get("occluded"))
    elif isinstance(sel, Polyline3D):
        k = (selection or {}).get("vertex")
        vertex = {k2: None for k2 in ids.VERTEX_FIELDS}
        if k is not None and k < len(sel.vertices):
            vertex = dict(zip(ids.VERTEX_FIELDS, (round(c, 3) for c in sel.vertices[k])))
        view.update(title=f"{sel.label} polyline · {len(sel.vertices)} vertices · "
                          f"{'closed' if sel.closed else 'open'}" + (f" · vertex {k}" if k is not None else ""),
                    cuboid=HIDDEN, polyline=SHOWN, vertex=vertex, track=sel.track_id, label=sel.label)
    return view


def _fmt(v):
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else v


def register(app, session) -> None:
    cfg = session.config

    @app.callback(Output(ids.ANNOTATIONS, "data"), Input(ids.FRAME_SLIDER, "value"))
    def load(index):
        # "loaded": the views' figures of this frame are built with these annotations already,
        # so the overlay patch skips it (a second 3D repaint would double a frame switch).
        return {**session.page_state(session.frame_id(index)), "loaded": True}

    @app.callback(Output(ids.SAVED, "children"), Input(ids.ANNOTATIONS, "data"))
    def saved(state):
        return session.saved_label(state)

    @app.callback(Output(ids.OBJECT_LIST, "children"), Output(ids.OBJECT_LIST_SHOWN, "data"),
                  Output(ids.object_pts(ALL), "children"),
                  Input(ids.ANNOTATIONS, "data"), Input(ids.SELECTION, "data"), Input(ids.OBJECT_FILTER, "value"),
                  State(ids.OBJECT_LIST_SHOWN, "data"))
    def object_list(state, selection, only, shown):
        if not state:
            raise PreventUpdate
        values = objects.row_values(state["annotations"], state.get("points_inside", {}),
                                    (selection or {}).get("id"), state.get("verdicts", {}),
                                    objects.ONLY_REJECTED in (only or []))
        if values == shown:
            raise PreventUpdate
        counts = objects.counts_only(shown, values)
        if counts is None:
            return objects.rows(values), values, [no_update] * len(ctx.outputs_list[2])
        # a key nudge: only the count cells change (re-rendering the rows re-runs their click callback)
        return no_update, values, [counts.get(o["id"]["index"], "") for o in ctx.outputs_list[2]]

    @app.callback(Output(ids.SELECTED_TITLE, "children"), Output(ids.EDITOR_CUBOID, "style"),
                  Output(ids.EDITOR_POLYLINE, "style"),
                  Output(ids.field(ALL), "value"), Output(ids.vertex_field(ALL), "value"),
                  Output(ids.TRACK_INPUT, "value"), Output(ids.NOTE_INPUT, "value"),
                  Output(ids.class_button(ALL), "className"), Output(ids.poly_class_button(ALL), "className"),
                  Output({"type": OCCLUDED_BTN, "index": ALL}, "className"),
                  Input(ids.ANNOTATIONS, "data"), Input(ids.SELECTION, "data"),
                  State(ids.field(ALL), "id"), State(ids.vertex_field(ALL), "id"), State(ids.CURRENT_CLASS, "data"))
    def editor(state, selection, field_ids, vertex_ids, current):
        v = editor_view(annotations_of(state), selection, (state or {}).get("points_inside", {}))
        label_c = v["label"] if v["cuboid"] is SHOWN and v["label"] else (current or {}).get("cuboid")
        label_p = v["label"] if v["polyline"] is SHOWN and v["label"] else (current or {}).get("polyline")
        return (v["title"], v["cuboid"], v["polyline"],
                [_fmt(v["fields"].get(i["index"])) for i in field_ids],
                [_fmt(v["vertex"].get(i["index"])) for i in vertex_ids],
                v["track"], v["note"],
                ["class-btn active" if c == label_c else "class-btn" for c in cfg.classes],
                ["class-btn active" if c == label_p else "class-btn" for c in cfg.polyline_classes],
                ["occl-btn active" if v["occluded"] == k else "occl-btn" for k in range(4)])
