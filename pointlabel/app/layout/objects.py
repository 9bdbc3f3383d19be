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
        html.Table(id=ids.OBJECT_LIST, className="object-table"),
        dcc.Store(id=ids.OBJECT_LIST_SHOWN)])  # the row values on the page (objects.row_values)


def review_cell(verdict: dict | None) -> html.Td:
    """✓ / ✗ and the reviewer's comment (the whole comment on hover)."""
    if not verdict:
        return html.Td("", className="review")
    mark = MARKS.get(verdict["verdict"], "?")
    text = f"{mark} {verdict.get('comment', '')}".strip()
    fixed = " (edited since)" if verdict.get("changed_since") else ""
    return html.Td(text + fixed, title=f"{verdict['verdict']}{fixed}: {verdict.get('comment', '')}",
                   className=f"review verdict-{verdict['verdict']}")


def row_values(state_annotations: list[dict], points_inside: dict, selected_id: str | None,
               verdicts: dict | None = None, only_rejected: bool = False) -> list[list]:
    """What each row shows, as plain values: [id, kind, label, track, pts, status, class name,
    verdict]. Equal values mean an equal table (the page keeps the last ones and skips a
    re-render that would change nothing, e.g. after a key nudge)."""
    verdicts = verdicts or {}
    out = []
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
        out.append([a["id"], kind, a.get("label", ""), "" if a.get("track_id") is None else str(a["track_id"]),
                    str(pts), status, cls, v])
    return out


def rows(values: list[list]) -> list:
    """Table rows for `row_values` (pure: values in, components out)."""
    head = html.Tr([html.Th(h) for h in ("", "class", "track", "pts", "status", "review")])
    body = [html.Tr(id=ids.object_row(aid), n_clicks=0, className=cls, children=[
        html.Td(kind), html.Td(label), html.Td(track), html.Td(pts, id=ids.object_pts(aid)), html.Td(status),
        review_cell(v)])
        for aid, kind, label, track, pts, status, cls, v in values]
    return [html.Thead(head), html.Tbody(body)]


PTS = 4  # the column of row_values that holds the point count


def counts_only(shown: list[list] | None, values: list[list]) -> dict | None:
    """{annotation id: point count} when the point counts are all that differs between the
    rows `shown` and `values` (a key nudge moves points in or out of a box), else None."""
    if not shown or len(shown) != len(values):
        return None
    for old, new in zip(shown, values):
        if old[:PTS] + old[PTS + 1:] != new[:PTS] + new[PTS + 1:]:
            return None
    return {v[0]: v[PTS] for v in values}
