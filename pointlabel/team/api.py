"""The team routes of the HTTP API (under /api/v1, beside pointlabel.api.routes):

  GET    /api/v1/me                          {"name", "role"} (null name: no accounts)
  GET    /api/v1/tasks[?assignee=&state=]    {"tasks": [...]} of this dataset
  POST   /api/v1/tasks                       {"frames": "A:B", "assignee", "split"?} -> 201 {"tasks": [...]} (admin)
  PATCH  /api/v1/tasks/<id>                  {"state"?, "assignee"?, "comment"?} -> 200 the task
  POST   /api/v1/annotations/<id>/review     {"verdict": "accepted"|"rejected", "comment"} -> 200 (reviewer, admin)

Who may do what is decided in pointlabel.team.tasks (Forbidden -> 403); the caller is the user
the request guard (pointlabel.team.auth) found, None when there are no accounts (everyone
may do everything, as before accounts)."""
from __future__ import annotations

import json

from flask import Blueprint, g, jsonify, request

from pointlabel.errors import PointlabelError
from pointlabel.team.tasks import STATES, Forbidden, TaskBook, dataset_key, frame_range, split

PREFIX = "/api/v1"
MAX_BODY = 64 * 1024
MAX_COMMENT = 2000
MAX_TASK_ID = 2**31 - 1


class _Bad(PointlabelError):
    pass


def _body() -> dict:
    raw = request.get_data(cache=True)
    if len(raw) > MAX_BODY:
        raise _Bad(f"the body is larger than {MAX_BODY} bytes")
    try:
        d = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError):
        raise _Bad("the body is not JSON") from None
    if not isinstance(d, dict):
        raise _Bad("the body must be a JSON object")
    return d


def _text(d: dict, key: str, required: bool = False, nullable: bool = False) -> str | None:
    v = d.get(key)
    if v is None:
        if required or (key in d and not nullable):
            raise _Bad(f"{key!r} is required" if key not in d else f"{key!r} must be a string")
        return None
    if not isinstance(v, str) or len(v) > MAX_COMMENT or "\x00" in v:
        raise _Bad(f"{key!r} must be a string of at most {MAX_COMMENT} characters")
    return v


def _only(d: dict, allowed: set) -> None:
    extra = set(d) - allowed
    if extra:
        raise _Bad(f"unknown fields: {', '.join(sorted(extra))}")


def team_blueprint(session) -> Blueprint:
    bp = Blueprint("api_v1_team", __name__, url_prefix=PREFIX)
    dataset = dataset_key(session.dataset.root)
    known = list(session.frame_ids)

    def book() -> TaskBook:
        return TaskBook(session.store)

    def user():
        return g.get("pointlabel_user")

    @bp.errorhandler(Forbidden)
    def forbidden(e):
        return jsonify({"error": e.message}), 403

    @bp.errorhandler(_Bad)
    def bad(e):  # the body does not follow the document
        return jsonify({"error": e.message}), 400

    @bp.errorhandler(PointlabelError)
    def refused(e):  # a well-formed request that cannot be done (unknown frame or user, a missing comment)
        status = 404 if e.message.startswith(("no task ", "no annotation ")) else 422
        return jsonify({"error": e.message}), status

    @bp.get("/me")
    def me():
        u = user()
        return jsonify({"name": u.name if u else None, "role": u.role if u else "admin"})

    @bp.get("/tasks")
    def list_tasks():
        state = request.args.get("state")
        if state is not None and state not in STATES:
            raise _Bad(f"state must be one of {', '.join(STATES)}")
        tasks = book().list(dataset, assignee=request.args.get("assignee"), state=state)
        return jsonify({"tasks": [t.to_dict() for t in tasks]})

    @bp.post("/tasks")
    def create_tasks():
        u = user()
        if u is not None and not u.is_admin:
            raise Forbidden("only an admin may create tasks")
        d = _body()
        _only(d, {"frames", "assignee", "split"})
        frames = frame_range(_text(d, "frames", required=True), known)
        per = d.get("split")
        if per is not None and (not isinstance(per, int) or isinstance(per, bool) or not 1 <= per <= 100000):
            raise _Bad("'split' must be an integer from 1 to 100000")
        assignee = _text(d, "assignee", nullable=True)
        made = [book().create(dataset, chunk, assignee, actor=u.name if u else None, label_set=session.label_set)
                for chunk in split(frames, per)]
        return jsonify({"tasks": [t.to_dict() for t in made]}), 201

    @bp.patch("/tasks/<int:task_id>")
    def patch_task(task_id: int):
        d = _body()
        _only(d, {"state", "assignee", "comment"})
        if "state" not in d and "assignee" not in d:
            raise PointlabelError("give 'state' or 'assignee'")
        b = book()
        t = b.get(task_id)
        if t.dataset != dataset:
            raise PointlabelError(f"no task {task_id} in this dataset")
        if "assignee" in d:
            t = b.assign(task_id, _text(d, "assignee", nullable=True), user())
        if "state" in d:
            state = _text(d, "state", required=True)
            if state not in STATES:
                raise _Bad(f"state must be one of {', '.join(STATES)}")
            t = b.move(task_id, state, user(), _text(d, "comment") or "")
        return jsonify(t.to_dict())

    @bp.post("/annotations/<annotation_id>/review")
    def review(annotation_id: str):
        u = user()
        if u is not None and not u.reviews:
            raise Forbidden("only a reviewer or an admin may give verdicts")
        d = _body()
        _only(d, {"verdict", "comment"})
        verdict = _text(d, "verdict", required=True)
        if verdict not in ("accepted", "rejected"):
            raise _Bad("verdict must be 'accepted' or 'rejected'")
        if session.store.get(annotation_id, session.label_set) is None:
            raise PointlabelError(f"no annotation {annotation_id!r}")
        v = session.review.set_verdict(annotation_id, verdict, _text(d, "comment") or "",
                                       reviewer=u.name if u else "api")
        return jsonify(v.to_dict())

    return bp


def register(server, session) -> None:
    server.register_blueprint(team_blueprint(session))


# -- the routes in the OpenAPI document (pointlabel.api.openapi merges them) -----------------
def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _resp(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ERR = _resp(_ref("Error"), "refused")
_422 = _resp(_ref("Error"), "well-formed but cannot be done (unknown frame or user, a rejection without a comment)")
_STR = {"type": "string", "maxLength": MAX_COMMENT, "pattern": "^[^\\u0000]*$"}


def openapi_paths() -> dict:
    task_id = {"name": "task_id", "in": "path", "required": True,
               "schema": {"type": "integer", "minimum": 0, "maximum": MAX_TASK_ID}}
    return {
        "/me": {"get": {"operationId": "me", "summary": "who the credentials belong to",
                        "responses": {"200": _resp(_ref("Me"), "the user")}}},
        "/tasks": {
            "get": {"operationId": "listTasks", "summary": "tasks of this dataset",
                    "parameters": [{"name": "assignee", "in": "query", "schema": {"type": "string"}},
                                   {"name": "state", "in": "query",
                                    "schema": {"type": "string", "enum": list(STATES)}}],
                    "responses": {"200": _resp(_ref("Tasks"), "the tasks"), "400": _ERR}},
            "post": {"operationId": "createTasks", "summary": "split a frame range into tasks (admin)",
                     "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("NewTasks")}}},
                     "responses": {"201": _resp(_ref("Tasks"), "created"), "400": _ERR, "403": _ERR, "422": _422}}},
        "/tasks/{task_id}": {
            "parameters": [task_id],
            "patch": {"operationId": "patchTask", "summary": "move a task to a state, or assign it",
                      "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("TaskPatch")}}},
                      "responses": {"200": _resp(_ref("Task"), "the task"), "400": _ERR, "403": _ERR, "404": _ERR,
                                    "422": _422}}},
        "/annotations/{id}/review": {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "post": {"operationId": "reviewAnnotation", "summary": "a verdict on an annotation (reviewer, admin)",
                     "requestBody": {"required": True,
                                     "content": {"application/json": {"schema": _ref("ReviewRequest")}}},
                     "responses": {"200": _resp(_ref("Verdict"), "recorded"), "400": _ERR, "403": _ERR, "404": _ERR,
                                   "422": _422}}},
    }


def openapi_schemas() -> dict:
    task = {"type": "object", "required": ["id", "dataset", "frames", "assignee", "state"], "properties": {
        "id": {"type": "integer"}, "dataset": {"type": "string"}, "frames": {"type": "string"},
        "assignee": {"type": ["string", "null"]}, "state": {"type": "string", "enum": list(STATES)},
        "comments": {"type": "array"}}}
    return {
        "Me": {"type": "object", "required": ["name", "role"],
               "properties": {"name": {"type": ["string", "null"]}, "role": {"type": "string"}}},
        "Task": task,
        "Tasks": {"type": "object", "required": ["tasks"], "properties": {"tasks": {"type": "array", "items": task}}},
        "NewTasks": {"type": "object", "additionalProperties": False, "required": ["frames"], "properties": {
            "frames": {**_STR, "description": "FIRST:LAST frame ids (inclusive)"},
            "assignee": {"type": ["string", "null"], "maxLength": MAX_COMMENT},
            "split": {"type": "integer", "minimum": 1, "maximum": 100000}}},
        "TaskPatch": {"type": "object", "additionalProperties": False, "minProperties": 1, "properties": {
            "state": {"type": "string", "enum": list(STATES)}, "assignee": {"type": ["string", "null"]},
            "comment": _STR}},
        "ReviewRequest": {"type": "object", "additionalProperties": False, "required": ["verdict"], "properties": {
            "verdict": {"type": "string", "enum": ["accepted", "rejected"]}, "comment": _STR}},
        "Verdict": {"type": "object", "required": ["annotation", "verdict"], "properties": {
            "annotation": {"type": "string"}, "verdict": {"type": "string"}, "comment": {"type": "string"},
            "reviewer": {"type": ["string", "null"]}}},
    }
