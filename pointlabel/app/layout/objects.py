"""The object list: every annotation of the frame; a row click selects it in every view."""
from __future__ import annotations

from dash import html

from pointlabel.app import ids


def build() -> html.Div:
    return html.Div(className="objects", children=[html.Table(id=ids.OBJECT_LIST, className="object-table")])


def rows(state_annotations: list[dict], points_inside: dict, selected_id: str | None) -> list:
    """Table rows for the page state's annotation dicts (pure: dicts in, components out)."""
    head = html.Tr([html.Th(h) for h in ("", "class", "track", "pts", "status")])
    out = [html.Thead(head)]
    body = []
    for a in state_annotations:
        if a["type"] == "dontcare":
            continue
        kind = "▭" if a["type"] == "cuboid" else "⌇"
        status = a.get("status", "")
        pts = points_inside.get(a["id"], "") if a["type"] == "cuboid" else f"{len(a['vertices'])} v"
        cls = "row" + (" selected" if a["id"] == selected_id else "") + f" status-{status}"
        body.append(html.Tr(id=ids.object_row(a["id"]), n_clicks=0, className=cls, children=[
            html.Td(kind), html.Td(a.get("label", "")),
            html.Td("" if a.get("track_id") is None else str(a["track_id"])),
            html.Td(str(pts)), html.Td(status)]))
    out.append(html.Tbody(body))
    return out
