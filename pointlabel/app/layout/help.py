"""The keyboard and mouse help panel (shown by '?' or the header's ? button).

The tables are one Markdown component, not a Dash component per cell: every Dash component
of the page is re-checked on every store update (a key nudge's), so a static panel of ~200
components cost every edit of the session."""
from __future__ import annotations

from itertools import groupby

from dash import dcc, html

from pointlabel.app import ids
from pointlabel.app.keys import help_rows


def help_markdown() -> str:
    """The shortcut tables, one per group, as HTML inside Markdown."""
    out = []
    for group, rows in groupby(help_rows(), key=lambda r: r[0]):
        cells = "".join(f"<tr><td><kbd>{k}</kbd></td><td>{d}</td></tr>" for _, k, d in rows)
        out.append(f'<div class="help-group"><h4>{group}</h4><table>{cells}</table></div>')
    return f'<div class="help-grid">{"".join(out)}</div>'


def build() -> html.Div:
    return html.Div(id=ids.HELP_PANEL, className="help-panel", style={"display": "none"}, children=[
        html.Div(className="help-box", children=[
            html.Button("×", id=ids.HELP_CLOSE, className="btn help-close"),
            html.H3("Keyboard and mouse"),
            dcc.Markdown(help_markdown(), dangerously_allow_html=True)])])
