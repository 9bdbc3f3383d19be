"""Who edits, and the trail: this page load's client id (a uuid: its edits are its own undo
steps) and the history panel (the changes of the selected annotation, or of the frame)."""
from __future__ import annotations

import uuid

from dash import dcc, html

from pointlabel.app import ids

LIMIT = 30  # rows the panel shows


def client_store() -> dcc.Store:
    """A new id per page load (kept in memory: two tabs are two clients, a reload a new one)."""
    return dcc.Store(id=ids.CLIENT, data=uuid.uuid4().hex)


def build() -> html.Div:
    return html.Div(id=ids.HISTORY_PANEL, className="history", children=[
        html.Div("History", className="history-title"),
        html.Ul(id=ids.HISTORY_LIST, className="history-list",
                style={"fontSize": "12px", "maxHeight": "200px", "overflowY": "auto", "paddingLeft": "16px"})])


def rows(changes: list[dict], me: str | None, subject: str) -> list:
    """The panel's items from pointlabel.store.trail.to_json rows, newest first (pure)."""
    head = html.Li(subject, className="history-subject")
    if not changes:
        return [head, html.Li("no changes yet", className="history-empty")]
    out = [head]
    for c in changes:
        who = (c["author"] or "?") + (" (you)" if me and c["client"] == me else
                                      f" ({c['client'][:6]})" if c["client"] else "")
        kind = "" if c["kind"] == "edit" else f"{c['kind']}: "
        out.append(html.Li(className="history-row" + (" mine" if me and c["client"] == me else ""), children=[
            html.Span(c["time"], className="history-time"), " ", html.Span(who, className="history-who"), " ",
            html.Span(f"v{c['version']} {kind}{c['what']}", className="history-what")],
            title=f"frame {c['frame']} · {c['annotation']}"))
    return out
