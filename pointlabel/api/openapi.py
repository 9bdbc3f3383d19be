"""The OpenAPI 3.1 document of the HTTP API (served at /api/v1/openapi.json). It states the
same limits as pointlabel.api.schema, so a body valid by the document is accepted and one
that is not is refused (schemathesis checks both ways)."""
from __future__ import annotations

from pointlabel.api import schema as s
from pointlabel.fitting.classes import CLASS_PRIORS

_N = {"type": "number"}


def _num(lo: float, hi: float, lo_open: bool = False) -> dict:
    return ({"type": "number", "exclusiveMinimum": lo, "maximum": hi} if lo_open
            else {"type": "number", "minimum": lo, "maximum": hi})


def _vec3(item: dict) -> dict:
    return {"type": "array", "items": item, "minItems": 3, "maxItems": 3}


_TEXT = {"type": "string", "minLength": 1, "maxLength": s.MAX_TEXT, "pattern": "^[^\\u0000-\\u001f\\u007f]*$"}
_COORD = _num(-s.MAX_COORD_M, s.MAX_COORD_M)
_ATTRIBUTES = {
    "type": "object", "maxProperties": s.MAX_ATTRIBUTES,
    "propertyNames": _TEXT,
    "additionalProperties": {"anyOf": [
        {"type": "string", "maxLength": s.MAX_ATTRIBUTE_TEXT, "pattern": "^[^\\u0000]*$"},
        {"type": "number", "minimum": -s.MAX_ATTRIBUTE_NUMBER, "maximum": s.MAX_ATTRIBUTE_NUMBER},
        {"type": "boolean"}, {"type": "null"}]},
}
FIELDS = {
    "label": _TEXT,
    "center": _vec3(_COORD),
    "size": _vec3(_num(0, s.MAX_SIZE_M, lo_open=True)),
    "yaw": _num(-s.MAX_YAW_RAD, s.MAX_YAW_RAD),
    "track": {"type": ["integer", "null"], "minimum": 0, "maximum": s.MAX_TRACK},
    "status": {"type": "string", "enum": list(s.STATUSES)},
    "attributes": _ATTRIBUTES,
    "points": {"type": "array", "items": _vec3(_COORD), "minItems": 1, "maxItems": s.MAX_POINTS},
    "closed": {"type": "boolean"},
}


def _body(kind: str, required: bool) -> dict:
    names = s.CUBOID_FIELDS if kind == "cuboid" else s.POLYLINE_FIELDS
    props = {"type": {"type": "string", "enum": [kind]}, **{k: FIELDS[k] for k in names}}
    return {"type": "object", "additionalProperties": False, "properties": props,
            "required": (["type", *s.REQUIRED[kind]] if required else [])}


def _update(kind: str) -> dict:
    """A change of one annotation type: the version it was based on and any of its fields."""
    body = _body(kind, required=False)
    body["properties"] = {"version": {"type": "integer", "minimum": 0, "maximum": s.MAX_VERSION},
                          **body["properties"]}
    body["required"] = ["version"]
    return body


def _stored(kind: str) -> dict:
    names = s.CUBOID_FIELDS if kind == "cuboid" else s.POLYLINE_FIELDS
    props = {"id": {"type": "string"}, "version": {"type": "integer", "minimum": 1},
             "type": {"type": "string", "enum": [kind]},
             **{k: FIELDS[k] for k in names}}
    props["label"] = {"type": "string"}
    props["attributes"] = {"type": "object"}
    props["track"] = {"type": ["integer", "null"]}
    if kind == "cuboid":
        props["yaw"] = _N
        props["center"] = _vec3(_N)
        props["size"] = _vec3(_N)
    else:
        props["points"] = {"type": "array", "items": _vec3(_N)}
    return {"type": "object", "properties": props, "required": ["id", "version", "type", *names]}


_DONTCARE = {"type": "object", "required": ["id", "version", "type", "box2d"], "properties": {
    "id": {"type": "string"}, "version": {"type": "integer"}, "type": {"type": "string", "enum": ["dontcare"]},
    "box2d": {"type": "array", "items": _N, "minItems": 4, "maxItems": 4}}}
_ERROR = {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}


def _json(schema_ref: str, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": schema_ref}}}}


def _err(description: str) -> dict:
    return _json("#/components/schemas/Error", description)


FRAME = {"name": "frame", "in": "path", "required": True, "schema": {"type": "string"},
         "description": "a frame id of the dataset (GET /frames)"}
ANN_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
BODY_ERRORS = {"400": _err("bad JSON or fields"), "413": _err("body too large")}


def document(max_body: int, bearer: bool = False) -> dict:
    """The OpenAPI document; `max_body`: the largest body accepted (bytes); `bearer`: accounts
    are configured (every operation needs `Authorization: Bearer <token>`, 401 without)."""
    doc = _document(max_body)
    from pointlabel.team.api import openapi_paths, openapi_schemas  # the team routes (issue 14)
    doc["paths"].update(openapi_paths())
    doc["components"]["schemas"].update(openapi_schemas())
    if bearer:
        doc["components"]["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
        doc["security"] = [{"bearer": []}]
        for ops in doc["paths"].values():
            for name, op in ops.items():
                if name != "parameters":
                    op["responses"]["401"] = _err("no or unknown bearer token")
    return doc


def _document(max_body: int) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "pointlabel", "version": "1",
                 "description": "Annotations of one dataset's label set. Cuboids in the LiDAR frame (x forward, "
                                "y left, z up, metres): centre, size [l, w, h], yaw about +z. Every change names "
                                "the version it was based on; a stale one gets 409 with the stored annotation. "
                                f"Bodies above {max_body} bytes get 413. Optional header X-Client-Id names the "
                                "client (its changes are recorded under it)."},
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/frames": {"get": {
                "operationId": "listFrames", "summary": "the dataset's frame ids",
                "responses": {"200": _json("#/components/schemas/Frames", "frame ids in order")}}},
            "/frames/{frame}/annotations": {
                "parameters": [FRAME],
                "get": {"operationId": "listAnnotations", "summary": "the frame's annotations with their versions",
                        "responses": {"200": _json("#/components/schemas/Annotations", "the frame's annotations"),
                                      "404": _err("unknown frame")}},
                "post": {"operationId": "createAnnotation", "summary": "a new cuboid or polyline (201 once committed)",
                         "requestBody": {"required": True, "content": {"application/json": {
                             "schema": {"$ref": "#/components/schemas/NewAnnotation"}}}},
                         "responses": {"201": _json("#/components/schemas/Saved", "committed"),
                                       "404": _err("unknown frame"), **BODY_ERRORS}}},
            "/annotations/{id}": {
                "parameters": [ANN_ID],
                "put": {"operationId": "updateAnnotation", "summary": "change fields of an annotation",
                        "requestBody": {"required": True, "content": {"application/json": {
                            "schema": {"$ref": "#/components/schemas/Update"}}}},
                        "responses": {"200": _json("#/components/schemas/Saved", "committed"),
                                      "404": _err("unknown annotation"),
                                      "409": _json("#/components/schemas/Conflict",
                                                   "stale, or fields of another annotation type: the stored "
                                                   "annotation"),
                                      **BODY_ERRORS}},
                "delete": {"operationId": "deleteAnnotation", "summary": "delete an annotation",
                           "parameters": [{"name": "version", "in": "query", "required": True,
                                           "schema": {"type": "integer", "minimum": 0, "maximum": s.MAX_VERSION}}],
                           "responses": {"204": {"description": "deleted"}, "400": _err("no or bad version"),
                                         "404": _err("unknown annotation"),
                                         "409": _json("#/components/schemas/Conflict", "stale")}}},
            "/frames/{frame}/fit": {
                "parameters": [FRAME],
                "post": {"operationId": "fitCuboid", "summary": "a cuboid fitted around a seed point (not stored)",
                         "requestBody": {"required": True, "content": {"application/json": {
                             "schema": {"$ref": "#/components/schemas/FitRequest"}}}},
                         "responses": {"200": _json("#/components/schemas/Fit", "the proposed cuboid"),
                                       "404": _err("unknown frame"),
                                       "422": _err("no object at the seed"), **BODY_ERRORS}}},
        },
        "components": {"schemas": {
            "Error": _ERROR,
            "Frames": {"type": "object", "required": ["frames"],
                       "properties": {"frames": {"type": "array", "items": {"type": "string"}}}},
            "Cuboid": _stored("cuboid"),
            "Polyline": _stored("polyline"),
            "DontCare": _DONTCARE,
            "Annotation": {"oneOf": [{"$ref": "#/components/schemas/Cuboid"},
                                     {"$ref": "#/components/schemas/Polyline"},
                                     {"$ref": "#/components/schemas/DontCare"}]},
            "Annotations": {"type": "object", "required": ["annotations"], "properties": {
                "annotations": {"type": "array", "items": {"$ref": "#/components/schemas/Annotation"}}}},
            "NewAnnotation": {"oneOf": [_body("cuboid", True), _body("polyline", True)]},
            "Update": {"anyOf": [_update("cuboid"), _update("polyline")]},
            "Saved": {"type": "object", "required": ["id", "version"],
                      "properties": {"id": {"type": "string"}, "version": {"type": "integer"}}},
            "Conflict": {"type": "object", "required": ["error", "current"], "properties": {
                "error": {"type": "string"},
                "current": {"anyOf": [{"$ref": "#/components/schemas/Annotation"}, {"type": "null"}]}}},
            "FitRequest": {"type": "object", "additionalProperties": False, "required": ["seed"], "properties": {
                "seed": _vec3(_COORD), "label": {"type": "string", "enum": list(CLASS_PRIORS)}}},
            "Fit": {"type": "object", "required": ["type", "label", "center", "size", "yaw"], "properties": {
                "type": {"type": "string", "enum": ["cuboid"]}, "label": {"type": "string"},
                "center": _vec3(_N), "size": _vec3(_N), "yaw": _N,
                "confidence": {"type": ["number", "null"]}, "n_points": {"type": "integer"}}},
        }},
    }
