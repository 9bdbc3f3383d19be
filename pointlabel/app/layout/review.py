"""The review panel: run the QA checks, the list of findings (or of rejected items), the
selected annotation's verdict with accept / reject-with-comment, the guidelines' text for its
class, and the review export."""
from __future__ import annotations

from dash import dcc, html

from pointlabel.app import ids
from pointlabel.app.review import ALL_SEVERITIES, FINDINGS, REJECTED
from pointlabel.qa.findings import SEVERITIES

SEVERITY_SHORT = {"error": "err", "warning": "warn", "info": "info", "rejected": "✗"}


def build() -> html.Div:
    return html.Div(id=ids.REVIEW_PANEL, className="review-panel", style={"display": "none"}, children=[
        html.Div(className="row", children=[
            html.Button("check sequence", id=ids.CHECK_SEQUENCE_BTN, className="btn small",
                        title="run every QA check over all frames"),
            html.Button("check this frame", id=ids.CHECK_FRAME_BTN, className="btn small",
                        title="re-check this frame (with its neighbours, for the track checks)"),
            html.Span(id=ids.REVIEW_SUMMARY, className="review-summary", children="no checks run yet")]),
        html.Div(className="row", children=[
            dcc.RadioItems(id=ids.REVIEW_VIEW, inline=True, value=FINDINGS, className="review-view", options=[
                {"label": "findings", "value": FINDINGS}, {"label": "rejected items", "value": REJECTED}]),
            dcc.Dropdown(id=ids.SEVERITY_FILTER, value=ALL_SEVERITIES, clearable=False, searchable=False,
                         className="severity-filter", options=[ALL_SEVERITIES, *SEVERITIES])]),
        html.Div(className="review-list-box", children=html.Table(id=ids.REVIEW_LIST, className="review-table")),
        html.Div(className="review-selected", children=[
            html.Div(id=ids.REVIEW_VERDICT, className="review-verdict"),
            html.Div(id=ids.REVIEW_GUIDE, className="guide-text"),
            html.Div(className="row", children=[
                dcc.Input(id=ids.REVIEW_COMMENT, type="text", debounce=False, placeholder="comment (needed to reject)",
                          className="review-comment"),
                html.Button("accept", id=ids.REVIEW_ACCEPT_BTN, className="btn small ok"),
                html.Button("reject", id=ids.REVIEW_REJECT_BTN, className="btn small danger")]),
            html.Div(className="row", children=[
                html.Button("make box from finding", id=ids.BOX_FROM_FINDING_BTN, className="btn small ok",
                            title="fit a box at the missed object the picked finding points at"),
                dcc.Store(id=ids.REVIEW_PICKED)]),
            html.Div(className="row", children=[
                html.Button("export review", id=ids.REVIEW_EXPORT_BTN, className="btn small",
                            title="download the verdicts and findings as JSON (also written beside the export)"),
                dcc.Download(id=ids.REVIEW_DOWNLOAD)])]),
    ])


def _class(item: dict) -> str:
    label = item.get("label") or ""
    return f"{label} #{item['track_id']}" if item.get("track_id") is not None else label


def _verdict(item: dict) -> str:
    mark = {"accepted": "✓", "rejected": "✗"}.get(item.get("verdict") or "", "")
    return mark + (" edited" if mark and item.get("changed_since") else "")


def rows(items: list[dict], view: str, selected_id: str | None) -> list:
    """Table rows of the review items (app.review.review_items; pure: dicts in, components out)."""
    if view == REJECTED:
        head = ("", "status", "frame", "class", "comment", "")
        cells = lambda it: (it["check"], it["frame"], _class(it), it.get("comment", ""), "")
    else:
        head = ("", "check", "frame", "class", "value", "source", "review")
        cells = lambda it: (it["check"], it["frame"], _class(it), it["value"], it.get("source") or "",
                            _verdict(it))
    body = []
    for k, it in enumerate(items):
        sel = " selected" if selected_id and it.get("annotation") == selected_id else ""
        title = it.get("message") or it.get("comment") or ""
        body.append(html.Tr(id=ids.review_row(k), n_clicks=0, className=f"row sev-{it['severity']}{sel}", title=title,
                            children=[html.Td(SEVERITY_SHORT.get(it["severity"], it["severity"]), className="sev"),
                                      *[html.Td(str(c)) for c in cells(it)]]))
    if not body:
        body = [html.Tr(html.Td("nothing to show", colSpan=len(head), className="empty"))]
    return [html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(body)]
