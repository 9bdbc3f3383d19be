"""The request guard of team mode (a Flask `before_request` on the app's server) and the web login.

Once any account exists, every request needs credentials: `Authorization: Bearer <token>`
(API, scripts) or the login cookie (pages, Dash callbacks, the canvas' /_pointlabel routes).
None or unknown: 401 JSON for the API and every non-page request, a redirect to /login for a
page. A known user who may not do what they ask: 403 JSON.

The login cookie is signed (itsdangerous) with a secret kept in the database (`meta`
`team.cookie_secret`, made once), so every worker process accepts it and it survives
restarts; it carries the user's id and token generation, so `users reset-token` and
`users remove` end the user's sessions.

Edits are checked here before any route runs: API writes (create / change / delete an
annotation), the canvas' /_pointlabel/edit and the point-wise labels' POST
/pointlabels/<frame>/... by the frames they touch, with
TaskBook.can_edit; the Dash callbacks' edits through the AppSession's `edit_gate`
(`edit_gate(frame) -> author`, raising EditRefused), which `install` sets."""
from __future__ import annotations

import html
import json
import secrets
import time
from urllib.parse import quote, urlparse

from flask import Response, g, redirect, request
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from pointlabel.store import VersionConflict
from pointlabel.store.schema import meta as M
from pointlabel.team.tasks import TaskBook, dataset_key
from pointlabel.team.users import User, UserBook

COOKIE = "pointlabel_session"
SECRET_KEY = "team.cookie_secret"
MAX_AGE_S = 14 * 24 * 3600
PUBLIC = ("/login", "/logout", "/api/v1/openapi.json")
NON_PAGE = ("/api/", "/_dash-", "/_pointlabel", "/pointlabels", "/_reload-hash")


class EditRefused(VersionConflict):
    """An edit of a frame the user may not edit. A VersionConflict, so the app's edit actions
    show it as 'not saved: ...' and keep the stored state, as for a stale change."""


def cookie_secret(store) -> str:
    """The database's cookie secret, made by the first process that needs it."""
    with store.engine.connect() as c:
        r = c.execute(select(M.c.value).where(M.c.key == SECRET_KEY)).first()
    if r:
        return r[0]
    try:
        with store.write() as c:
            c.execute(insert(M).values(key=SECRET_KEY, value=secrets.token_hex(32)))
    except IntegrityError:
        pass  # another worker made it first
    return cookie_secret(store)


def _serializer(store):
    from itsdangerous import URLSafeTimedSerializer
    return URLSafeTimedSerializer(cookie_secret(store), salt="pointlabel-login")


def _json(status: int, message: str) -> Response:
    r = Response(json.dumps({"error": message}), status=status, mimetype="application/json")
    if status == 401:
        r.headers["WWW-Authenticate"] = "Bearer"
    return r


def _safe_next(target: str | None) -> str:
    """Only a path of this server (no scheme, no host: no open redirect)."""
    if not target:
        return "/"
    u = urlparse(target)
    if u.scheme or u.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


LOGIN_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>pointlabel · sign in</title>
<style>body{{font-family:system-ui,sans-serif;background:#1e1f24;color:#ddd;display:flex;justify-content:center;
margin-top:12vh}}form{{background:#2a2c33;padding:2em 2.5em;border-radius:8px;min-width:18em}}
input{{display:block;width:100%;margin:.3em 0 1em;padding:.5em;box-sizing:border-box}}
button{{padding:.5em 1.5em}}.err{{color:#f77}}</style></head><body>
<form method="post" action="/login" id="login-form"><h2>pointlabel</h2>{error}
<label>Name<input name="name" id="login-name" autocomplete="username" value="{name}"></label>
<label>Password or API token<input name="secret" id="login-secret" type="password"
 autocomplete="current-password"></label>
<input type="hidden" name="next" value="{next}"><button type="submit" id="login-submit">Sign in</button></form>
</body></html>"""


def install(server, session) -> None:
    """The guard, /login and /logout on the app's Flask `server`, and the session's edit gate."""
    users = UserBook(session.store)
    tasks = TaskBook(session.store)
    dataset = dataset_key(session.dataset.root)
    state = {"accounts": False, "ser": None}

    def serializer():
        if state["ser"] is None:
            state["ser"] = _serializer(session.store)
        return state["ser"]

    def accounts() -> bool:
        if not state["accounts"]:
            state["accounts"] = users.any()  # once there are accounts, stay locked (a removal of all: restart)
        return state["accounts"]

    def from_cookie() -> User | None:
        raw = request.cookies.get(COOKIE)
        if not raw:
            return None
        from itsdangerous import BadSignature
        try:
            d = serializer().loads(raw, max_age=MAX_AGE_S)
            u = users.by_id(int(d["u"]))
        except (BadSignature, KeyError, TypeError, ValueError):
            return None
        return u if u is not None and u.token_gen == d.get("g") else None

    def current() -> User | None:
        header = request.headers.get("Authorization", "")
        if header[:7].lower() == "bearer ":
            return users.by_token(header[7:].strip())
        return from_cookie()

    def is_page() -> bool:
        return request.method == "GET" and not request.path.startswith(NON_PAGE)

    def edit_frames() -> list[str] | None:
        """The frames a write request touches (None: not an annotation write)."""
        p, m = request.path, request.method
        if p.startswith("/api/v1/frames/") and p.endswith("/annotations") and m == "POST":
            return [p[len("/api/v1/frames/"):-len("/annotations")]]
        if p.startswith("/api/v1/annotations/") and p.count("/") == 4 and m in ("PUT", "DELETE", "PATCH"):
            found = session.store.get(p.rsplit("/", 1)[1], session.label_set)
            return [found[1]] if found else []
        if p.startswith("/pointlabels/") and p.count("/") == 3 and m == "POST":  # point-wise labels: op, propagate
            return [p.split("/")[2]]
        if p == "/_pointlabel/edit" and m == "POST":
            body = request.get_json(silent=True, cache=True)
            ops = body.get("ops") if isinstance(body, dict) else None
            return [o.get("frame") for o in ops if isinstance(o, dict) and isinstance(o.get("frame"), str)] \
                if isinstance(ops, list) else []
        return None

    def guard():
        g.pointlabel_user = None
        if request.path in PUBLIC or request.method == "OPTIONS":
            return None
        if not accounts():
            return None
        user = current()
        if user is None:
            if is_page():
                return redirect("/login?next=" + quote(request.full_path.rstrip("?"), safe="/?=&"))
            return _json(401, "sign in first: send 'Authorization: Bearer <token>' (API) or use /login (app)")
        g.pointlabel_user = user
        g.api_user = user.name
        if request.path.startswith("/team/admin") and not user.is_admin:
            return _json(403, "the team page is for admins")
        frames = edit_frames()
        for f in frames or ():
            if not tasks.can_edit(user, dataset, f):
                return _json(403, f"{user.name} may edit only the frames of their tasks; frame {f} is not one")
        return None

    server.before_request_funcs.setdefault(None, []).append(guard)

    def edit_gate(frame_id: str) -> str | None:
        user = g.get("pointlabel_user") if _in_request() else None
        if user is None:
            return session.config.author
        if not tasks.can_edit(user, dataset, str(frame_id)):
            raise EditRefused(f"{user.name} may edit only the frames of their tasks; frame {frame_id} is not one")
        return user.name

    session.edit_gate = edit_gate
    session.review = GuardedReviews(session.review)

    @server.route("/login", methods=["GET", "POST"])
    def login():
        nxt = _safe_next(request.values.get("next"))
        if request.method == "GET":
            return LOGIN_PAGE.format(error="", name="", next=html.escape(nxt))
        name = (request.form.get("name") or "").strip()
        user = users.login(name, request.form.get("secret") or "")
        if user is None:
            time.sleep(0.2)  # a little friction for guessing
            page = LOGIN_PAGE.format(error='<p class="err" id="login-error">unknown name or wrong password</p>',
                                     name=html.escape(name), next=html.escape(nxt))
            return Response(page, status=401, mimetype="text/html")
        r = redirect(nxt)
        r.set_cookie(COOKIE, serializer().dumps({"u": user.id, "g": user.token_gen}), max_age=MAX_AGE_S,
                     httponly=True, samesite="Lax")
        return r

    @server.route("/logout")
    def logout():
        r = redirect("/login")
        r.delete_cookie(COOKIE)
        return r


class GuardedReviews:
    """The session's ReviewBook as the signed-in user uses it: verdicts only from a reviewer or
    an admin (Forbidden otherwise: the app's Review tab says 'not saved: ...'), recorded under
    their name."""

    def __init__(self, book):
        self._book = book

    def __getattr__(self, name):
        return getattr(self._book, name)

    def set_verdict(self, annotation_id: str, verdict: str, comment: str = "", reviewer: str | None = None,
                    frame: str | None = None):
        from pointlabel.team.tasks import Forbidden
        user = g.get("pointlabel_user") if _in_request() else None
        if user is not None:
            if not user.reviews:
                raise Forbidden(f"{user.name} is a {user.role}: only a reviewer or an admin gives verdicts")
            reviewer = user.name
        return self._book.set_verdict(annotation_id, verdict, comment, reviewer=reviewer, frame=frame)

    def clear(self, annotation_id: str, reviewer: str | None = None):
        from pointlabel.team.tasks import Forbidden
        user = g.get("pointlabel_user") if _in_request() else None
        if user is not None and not user.reviews:
            raise Forbidden(f"{user.name} is a {user.role}: only a reviewer or an admin gives verdicts")
        return self._book.clear(annotation_id, reviewer=user.name if user else reviewer)


def _in_request() -> bool:
    from flask import has_request_context
    return has_request_context()
