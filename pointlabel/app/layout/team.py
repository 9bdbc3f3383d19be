"""Team mode's panel (issue 14): a labeller's "my tasks" (start, submit; the reviewer's comments
and rejected objects), a reviewer's queue of submitted tasks (open one at its first frame;
accept, or send to rework with a comment); who is signed in. Filled by callbacks.team."""
from __future__ import annotations

from dash import dcc, html

TEAM_PANEL = "team-panel"
TEAM_USER = "team-user"
TEAM_TASKS = "team-tasks"
TEAM_QUEUE = "team-queue"
TEAM_COMMENT = "team-comment"
TEAM_STATUS = "team-status"
TEAM_REFRESH = "team-refresh"
TEAM_TICK = "team-tick"
ACT = "team-act"  # pattern-matching buttons {"type": ACT, "task": id, "to": state}


def build(session=None) -> html.Div:
    """The panel; its 5 s refresh runs only when the store has accounts (team mode)."""
    from pointlabel.team.users import UserBook
    team = session is not None and UserBook(session.store).any()
    return html.Div(id=TEAM_PANEL, className="team-panel", children=[
        html.Div(className="row", children=[
            html.Span(id=TEAM_USER, className="team-user"),
            html.Button("↻", id=TEAM_REFRESH, className="btn small", title="refresh the tasks")]),
        html.Div(id=TEAM_TASKS, className="team-tasks"),
        html.Div(id=TEAM_QUEUE, className="team-queue"),
        dcc.Input(id=TEAM_COMMENT, type="text", placeholder="comment for rework", className="team-comment",
                  debounce=False, style={"display": "none"}),
        html.Div(id=TEAM_STATUS, className="team-status"),
        dcc.Interval(id=TEAM_TICK, interval=5000, disabled=not team),
    ])
