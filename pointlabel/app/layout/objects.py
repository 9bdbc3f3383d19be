"""The object list: every annotation of the frame with its review verdict; a row click selects
it in every view. "only rejected" keeps the rows a reviewer rejected (what a labeller fixes)."""
from __future__ import annotations

from dash import dcc, html

from pointlabel.app import ids

ONLY_REJECTED = "rejected"
MARKS = {"accepted": "✓", "rejected": "✗"}


def build() -> html.Div:
    return html.Div(className="objects", children=[
        dcc.Checklist(id=ids.OBJECT_FILTER, className="object-filter", inline=True, value=[],
                      options=[{"label": "only rejected", "value": ONLY_REJECTED}]),
        html.Table(id=ids.OBJECT_LIST, className="object-table")])


def review_cell(verdict: dict | None) -> html.Td:
    """✓ / ✗ and the reviewer's comment (the whole comment on hover)."""
    if not verdict:
        return html.Td("", className="review")
    mark = MARKS.get(verdict["verdict"], "?")
    text = f"{mark} {verdict.get('comment', '')}".strip()
    fixed = " (edited since)" if verdict.get("changed_since") else ""
    return html.Td(text + fixed, title=f"{verdict['verdict']}{fixed}: {verdict.get('comment', '')}",
                   className=f"review verdict-{verdict['verdict']}")


def rows(state_annotations: list[dict], points_inside: dict, selected_id: str | None,
         verdicts: dict | None = None, only_rejected: bool = False) -> list:
    """Table rows for the page state's annotation dicts and verdicts (pure: dicts in,
    components out)."""
    verdicts = verdicts or {}
    head = html.Tr([html.Th(h) for h in ("", "class", "track", "pts", "status", "review")])
    out = [html.Thead(head)]
    body = []
    for a in state_annotations:
        if a["type"] == "dontcare":
            continue
        v = verdicts.get(a["id"])
        if only_rejected and not (v and v["verdict"] == "rejected"):
            continue
        kind = {"cuboid": "▭", "polyline": "⌇"}.get(a["type"], "▨")  # ▨: a 2D redact region
        status = a.get("status", "")
        pts = (points_inside.get(a["id"], "") if a["type"] == "cuboid" else
               f"{len(a['vertices'])} v" if a["type"] == "polyline" else a.get("camera", ""))
        cls = "row" + (" selected" if a["id"] == selected_id else "") + f" status-{status}" + \
            (f" verdict-{v['verdict']}" if v else "")
        body.append(html.Tr(id=ids.object_row(a["id"]), n_clicks=0, className=cls, children=[
            html.Td(kind), html.Td(a.get("label", "")),
            html.Td("" if a.get("track_id") is None else str(a["track_id"])),
            html.Td(str(pts)), html.Td(status), review_cell(v)]))
    out.append(html.Tbody(body))
    return out
