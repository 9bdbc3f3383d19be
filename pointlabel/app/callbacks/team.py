"""Team panel (layout.team): render the signed-in user's tasks / the review queue, and move
tasks (start, submit, accept, rework) through pointlabel.team.tasks as that user."""
from __future__ import annotations

import time

from dash import ALL, Input, Output, State, ctx, html, no_update

from pointlabel.app.layout.team import (ACT, TEAM_COMMENT, TEAM_QUEUE, TEAM_REFRESH, TEAM_STATUS, TEAM_TASKS,
                                        TEAM_TICK, TEAM_USER)
from pointlabel.errors import PointlabelError

_NEXT = {"todo": ("in_progress", "start"), "in_progress": ("submitted", "submit"),
         "rework": ("submitted", "submit again")}


def _user():
    from flask import g, has_request_context
    return g.get("pointlabel_user") if has_request_context() else None


def _button(label: str, task: int, to: str):
    return html.Button(label, id={"type": ACT, "task": task, "to": to}, className="btn small")


def _open(t, review: bool = False) -> html.A:
    """A link to the task's first frame (a reviewer's: in the Review tab, assets/team.js)."""
    href = f"/?frame={t.first_frame}" + ("&tab=review" if review else "")
    return html.A(f"{t.first_frame}:{t.last_frame}", href=href,
                  className="team-open", id=f"team-{'review' if review else 'open'}-{t.id}")


def my_tasks(session, user, book, key) -> list:
    tasks = book.list(key, assignee=user.name)
    if not tasks:
        return [html.Div("no tasks assigned to you", className="muted")]
    frames = {f for t in tasks for f in t.frames}
    rejected = [v for v in session.review.rejected() if v.frame in frames]
    rows = [html.H4("My tasks")]
    for t in tasks:
        nxt = _NEXT.get(t.state)
        comment = t.comments[-1]["text"] if t.comments else ""
        rows.append(html.Div(id=f"team-task-{t.id}", className=f"team-task state-{t.state}", children=[
            html.Span(f"#{t.id} "), _open(t), html.Span(f" {t.state.replace('_', ' ')}", className="team-state"),
            *([_button(nxt[1], t.id, nxt[0])] if nxt else []),
            *([html.Div(f"“{comment}” — {t.comments[-1].get('author') or '?'}", className="team-comment-text")]
              if comment else [])]))
    if rejected:
        rows.append(html.H4("Rejected objects"))
        rows += [html.Div(f"frame {v.frame} · {v.annotation[:8]}: {v.comment} ({v.reviewer})"
                          + (" · changed since" if v.changed_since else ""), className="team-rejected")
                 for v in rejected]
    return rows


def queue(book, key) -> list:
    tasks = book.list(key, state="submitted")
    rows = [html.H4(f"Review queue ({len(tasks)})")]
    if not tasks:
        rows.append(html.Div("nothing submitted", className="muted"))
    for t in tasks:
        rows.append(html.Div(id=f"team-queue-{t.id}", className="team-task", children=[
            html.Span(f"#{t.id} {t.assignee or '-'} "), _open(t, review=True),
            _button("accept", t.id, "accepted"), _button("rework", t.id, "rework")]))
    return rows


def register(app, session) -> None:
    from pointlabel.team.tasks import TaskBook, dataset_key
    key = dataset_key(session.dataset.root)

    @app.callback(Output(TEAM_USER, "children"), Output(TEAM_TASKS, "children"), Output(TEAM_QUEUE, "children"),
                  Output(TEAM_COMMENT, "style"),
                  Input(TEAM_TICK, "n_intervals"), Input(TEAM_REFRESH, "n_clicks"), Input(TEAM_STATUS, "children"))
    def render(*_):
        user = _user()
        if user is None:
            return "", [], [], {"display": "none"}
        book = TaskBook(session.store)
        who = [html.B(user.name), f" · {user.role} · ", html.A("sign out", href="/logout")]
        has_tasks = user.role == "labeller" or book.list(key, assignee=user.name)
        mine = my_tasks(session, user, book, key) if has_tasks else []
        q = queue(book, key) if user.reviews else []
        return who, mine, q, ({"display": "block"} if user.reviews else {"display": "none"})

    @app.callback(Output(TEAM_STATUS, "children"), Input({"type": ACT, "task": ALL, "to": ALL}, "n_clicks"),
                  State(TEAM_COMMENT, "value"), prevent_initial_call=True)
    def act(clicks, comment):
        trig = ctx.triggered_id
        if not isinstance(trig, dict) or not any(clicks or ()):
            return no_update
        if not (ctx.triggered and ctx.triggered[0].get("value")):
            return no_update  # a re-rendered button, not a click
        try:
            t = TaskBook(session.store).move(int(trig["task"]), str(trig["to"]), _user(), comment or "")
        except PointlabelError as e:
            return f"not done: {e.message}"
        return f"task {t.id}: {t.state.replace('_', ' ')} ({time.strftime('%H:%M:%S')})"
