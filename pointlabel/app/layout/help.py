"""The keyboard shortcut help panel (shown by '?' or the header's ? button)."""
from __future__ import annotations

from itertools import groupby

from dash import html

from pointlabel.app import ids
from pointlabel.app.keys import help_rows


def build() -> html.Div:
    sections = []
    for group, rows in groupby(help_rows(), key=lambda r: r[0]):
        sections.append(html.Div(className="help-group", children=[
            html.H4(group),
            html.Table([html.Tr([html.Td(html.Kbd(k)), html.Td(d)]) for _, k, d in rows])]))
    mouse = html.Div(className="help-group", children=[html.H4("Mouse"), html.Table([
        html.Tr([html.Td("click a point"), html.Td("select mode: select the box holding it · fit mode: fit a box · "
                                                   "polyline mode: add a vertex")]),
        html.Tr([html.Td("click a box or vertex"), html.Td("select it (in any view)")]),
        html.Tr([html.Td("drag / wheel"), html.Td("orbit / zoom (3D), pan / zoom (BEV, cameras)")]),
        html.Tr([html.Td("object list row"), html.Td("select in every view")])])])
    return html.Div(id=ids.HELP_PANEL, className="help-panel", style={"display": "none"}, children=[
        html.Div(className="help-box", children=[
            html.Button("×", id=ids.HELP_CLOSE, className="btn help-close"),
            html.H3("Keyboard shortcuts"),
            html.Div(className="help-grid", children=[*sections, mouse])])])
