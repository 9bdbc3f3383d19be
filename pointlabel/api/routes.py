"""The HTTP JSON API under /api/v1: a Flask blueprint over a session (dataset + store), no Dash.

  GET    /api/v1/frames                          {"frames": [...]}
  GET    /api/v1/frames/<frame>/annotations      {"annotations": [...]}  (404 unknown frame)
  POST   /api/v1/frames/<frame>/annotations      new cuboid / polyline -> 201 {"id", "version"}
  PUT    /api/v1/annotations/<id>                {"version": N, ...} -> 200 {"id", "version"}; stale 409
  DELETE /api/v1/annotations/<id>?version=N      204; stale 409
  POST   /api/v1/frames/<frame>/fit              {"seed": [x, y, z]} -> 200 a proposed cuboid (not stored)
  GET    /api/v1/openapi.json                    the OpenAPI document

Bodies are checked by pointlabel.api.schema; bad JSON or fields 400 {"error"}, unknown id 404,
a body above `max_body` bytes 413. A 201 / 200 is sent only after the change is committed.
Every change is recorded with its author (the authenticated user, else "api") and the client
named by the X-Client-Id header. With `authenticate` (accounts configured), every request but
the OpenAPI document needs `Authorization: Bearer <token>`: none or an unknown token 401.
"""
from __future__ import annotations

import json

import numpy as np
from flask import Blueprint, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound, RequestEntityTooLarge

from pointlabel.api import openapi
from pointlabel.api.schema import (ApiInputError, annotation_json, apply_fields, new_annotation,
                                   parse_annotation_body, parse_client_id, parse_fit_body, parse_update_body,
                                   parse_version_arg)
from pointlabel.errors import PointlabelError
from pointlabel.model import annotation_from_dict, new_id
from pointlabel.store import VersionConflict

PREFIX = "/api/v1"
MAX_BODY = 2 * 1024 * 1024  # bytes
AUTHOR = "api"


class _Refusal(Exception):
    def __init__(self, status: int, body: dict):
        super().__init__(body.get("error"))
        self.status, self.body = status, body


def _error(status: int, message: str) -> Response:
    r = jsonify({"error": message})
    r.status_code = status
    return r


def api_blueprint(session, max_body: int = MAX_BODY, authenticate=None) -> Blueprint:
    """The API of one dataset and label set. `session`: anything with `frame_ids`, `store`
    (an AnnotationStore), `label_set` and `frame(frame_id)` (for fitting): the app's
    AppSession is one. `authenticate(token) -> user name or None`: None (no accounts) lets
    everyone in; given, a request without a known bearer token gets 401."""
    bp = Blueprint("api_v1", __name__, url_prefix=PREFIX)
    known = set(session.frame_ids)
    doc = openapi.document(max_body, bearer=authenticate is not None)

    def store():
        return session.store

    def frame_arg(frame: str) -> str:
        if frame not in known:
            raise _Refusal(404, {"error": f"no frame {frame!r} in the dataset"})
        return frame

    def body() -> bytes:
        n = request.content_length
        if n is not None and n > max_body:
            raise _Refusal(413, {"error": f"the body is larger than {max_body} bytes"})
        raw = request.stream.read(max_body + 1)
        if len(raw) > max_body:
            raise _Refusal(413, {"error": f"the body is larger than {max_body} bytes"})
        return raw

    def who() -> dict:
        user = g.get("api_user")
        return {"author": user or AUTHOR,
                "client": parse_client_id(request.headers.get("X-Client-Id")) or user or AUTHOR}

    @bp.before_request
    def authenticated():
        g.api_user = getattr(g.get("pointlabel_user"), "name", None)  # team mode's guard (team/auth.py)
        if authenticate is None or request.endpoint == f"{bp.name}.openapi_json" or request.method == "OPTIONS":
            return None
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header[:7].lower() == "bearer " else ""
        user = authenticate(token) if token else None
        if not user:
            r = _error(401, "this API needs Authorization: Bearer <token>" if not token else "unknown token")
            r.headers["WWW-Authenticate"] = "Bearer"
            return r
        g.api_user = user
        return None

    def stored(annotation_id: str):
        found = store().get(annotation_id, session.label_set)
        if found is None:
            raise _Refusal(404, {"error": f"no annotation {annotation_id!r}"})
        return found

    def conflict(e: VersionConflict) -> _Refusal:
        current = None
        if e.current is not None:
            current = annotation_json(annotation_from_dict(e.current), e.version)
        return _Refusal(409, {"error": e.message, "current": current})

    @bp.errorhandler(_Refusal)
    def refused(e: _Refusal):
        r = jsonify(e.body)
        r.status_code = e.status
        return r

    @bp.errorhandler(ApiInputError)
    def bad_input(e: ApiInputError):
        return _error(400, e.message)

    @bp.errorhandler(PointlabelError)
    def refused_by_library(e: PointlabelError):
        return _error(400, e.message)

    @bp.get("/openapi.json")
    def openapi_json():
        return jsonify(doc)

    @bp.get("/frames")
    def frames():
        return jsonify({"frames": list(session.frame_ids)})

    @bp.get("/frames/<frame>/annotations")
    def annotations(frame: str):
        rows = store().frame_versions(frame_arg(frame), session.label_set)
        return jsonify({"annotations": [annotation_json(annotation_from_dict(json.loads(d)), v) for d, v in rows]})

    @bp.post("/frames/<frame>/annotations")
    def create(frame: str):
        frame = frame_arg(frame)
        fields = parse_annotation_body(body())
        a = new_annotation(fields, new_id())
        try:
            version = store().apply(frame, upserts=[a], label_set=session.label_set, expected={a.id: 0},
                                    **who())[a.id]
        except VersionConflict as e:
            raise conflict(e) from None
        r = jsonify({"id": a.id, "version": version})
        r.status_code = 201
        r.headers["Location"] = f"{PREFIX}/annotations/{a.id}"
        return r

    @bp.put("/annotations/<annotation_id>")
    def update(annotation_id: str):
        version, fields = parse_update_body(body())
        a, frame, v0 = stored(annotation_id)
        try:
            new = apply_fields(a, fields)
        except ApiInputError as e:  # fields of another type: the client's idea of the object is wrong
            raise _Refusal(409, {"error": e.message, "current": annotation_json(a, v0)}) from None
        try:
            v = store().apply(frame, upserts=[new], label_set=session.label_set, expected={a.id: version},
                              **who())[a.id]
        except VersionConflict as e:
            raise conflict(e) from None
        return jsonify({"id": a.id, "version": v})

    @bp.delete("/annotations/<annotation_id>")
    def delete(annotation_id: str):
        version = parse_version_arg(request.args.get("version"))
        a, frame, _ = stored(annotation_id)
        try:
            store().apply(frame, deletes=[a.id], label_set=session.label_set, expected={a.id: version}, **who())
        except VersionConflict as e:
            raise conflict(e) from None
        return Response(status=204)

    @bp.post("/frames/<frame>/fit")
    def fit(frame: str):
        from pointlabel.fitting.fit import fit_cuboid
        frame = frame_arg(frame)
        seed, label = parse_fit_body(body())
        from pointlabel.fitting.classes import CLASS_PRIORS
        if label is not None and label not in CLASS_PRIORS:
            raise ApiInputError(f"no size prior for class {label!r} (known: {', '.join(CLASS_PRIORS)})")
        result = fit_cuboid(session.frame(frame).fit_context(), np.asarray(seed, dtype=float), label=label)
        if result.cuboid is None:
            return _error(422, f"no object at the seed: {result.reason or 'nothing there'}")
        c = result.cuboid
        return jsonify({"type": "cuboid", "label": c.label, "center": list(c.center), "size": list(c.size_lwh),
                        "yaw": c.yaw, "confidence": result.confidence, "n_points": int(result.n_points)})

    def allowed(path: str) -> list[str]:
        """The methods the API's routes take at `path` (any blueprint's under PREFIX; not the
        catch-alls')."""
        from flask import current_app
        adapter = current_app.url_map.bind_to_environ(request.environ)
        out = []
        for m in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            try:
                rule, _ = adapter.match(path, method=m, return_rule=True)
            except HTTPException:
                continue
            if rule.rule.startswith(PREFIX + "/") and rule.endpoint != f"{bp.name}.unknown":
                out.append(m)
        return out + (["HEAD"] if "GET" in out else []) + (["OPTIONS"] if out else [])

    def not_allowed(methods: list[str]) -> Response:
        r = _error(405, f"{request.method} is not allowed here; this route takes {', '.join(methods)}")
        r.headers["Allow"] = ", ".join(methods)
        return r

    @bp.before_app_request
    def options():
        if request.method == "OPTIONS" and request.path.startswith(PREFIX + "/"):
            methods = allowed(request.path)
            if not methods:
                return _error(404, f"no such API route: {request.path}")
            r = Response(status=204)
            r.headers["Allow"] = ", ".join(methods)
            return r
        return None

    @bp.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def unknown(rest: str):
        # the app's own catch-all would serve the page: under the API, a route that takes other
        # methods answers 405 with them, anything else 404
        methods = allowed(request.path)
        return not_allowed(methods) if methods else _error(404, f"no such API route: {PREFIX}/{rest}")

    @bp.app_errorhandler(NotFound)
    def not_found(e: NotFound):
        if not request.path.startswith(PREFIX + "/"):
            return e
        return _error(404, f"no such API route: {request.path}")

    @bp.app_errorhandler(RequestEntityTooLarge)
    def too_large(e: RequestEntityTooLarge):
        if not request.path.startswith(PREFIX + "/"):
            return e
        return _error(413, "the body is too large")

    @bp.app_errorhandler(MethodNotAllowed)
    def method_not_allowed(e: MethodNotAllowed):
        if not request.path.startswith(PREFIX + "/"):
            return e
        return not_allowed(allowed(request.path))

    return bp


def register_api(server, session, max_body: int = MAX_BODY, authenticate=None) -> None:
    """Add the API to a Flask server (the Dash app's `app.server`)."""
    server.register_blueprint(api_blueprint(session, max_body, authenticate))


