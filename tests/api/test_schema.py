"""The API's body validation (pointlabel.api.schema): what it accepts, what it refuses, and
that nothing but ApiInputError ever escapes it (hypothesis: arbitrary bytes and JSON values)."""
from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pointlabel.api.schema import (ApiInputError, annotation_json, apply_fields, new_annotation,
                                   parse_annotation_body, parse_fit_body, parse_json, parse_update_body,
                                   parse_version_arg)

CAR = {"type": "cuboid", "label": "Car", "center": [10, 2, -0.8], "size": [4, 1.8, 1.5], "yaw": 0.1}


def test_a_cuboid_body_round_trips_through_the_model():
    f = parse_annotation_body(json.dumps({**CAR, "track": 3, "attributes": {"occluded": 1, "note": "x"}}))
    a = new_annotation(f, "abc")
    out = annotation_json(a, 1)
    assert math.isclose(out.pop("yaw"), 0.1)
    assert out == {"id": "abc", "version": 1, "type": "cuboid", "label": "Car", "center": [10.0, 2.0, -0.8],
                   "size": [4.0, 1.8, 1.5], "track": 3, "status": "confirmed",
                   "attributes": {"occluded": 1, "note": "x"}}
    version, fields = parse_update_body({"version": 1, "yaw": 7.0, "label": "Van"})
    moved = apply_fields(a, fields)
    assert version == 1 and moved.label == "Van" and math.isclose(moved.yaw, 7.0 - 2 * math.pi)


def test_a_polyline_body():
    f = parse_annotation_body({"type": "polyline", "label": "lane", "points": [[0, 0, 0], [1, 2, 0]], "closed": True})
    p = new_annotation(f, "p1")
    assert annotation_json(p, 2)["points"] == [[0.0, 0.0, 0.0], [1.0, 2.0, 0.0]]
    with pytest.raises(ApiInputError, match="does not apply to a polyline"):
        apply_fields(p, parse_update_body({"version": 2, "size": [1, 1, 1]})[1])


@pytest.mark.parametrize("body, message", [
    (b"", "needs a JSON body"),
    (b"{", "not valid JSON"),
    (b"\xff\xfe", "not UTF-8"),
    (b'{"a": NaN}', "numbers must be finite"),
    (b'{"type": "cuboid", "type": "cuboid"}', "repeats a key"),
    (b"[1, 2]", "must be a JSON object"),
    (b"[" * 100 + b"]" * 100, "nested deeper"),
    (b'{"x": ' + b"9" * 5000 + b"}", "not valid JSON"),
    ({**CAR, "size": [4, 0, 1.5]}, "size"),
    ({**CAR, "center": [1e5, 0, 0]}, "center"),
    ({**CAR, "center": [1e400, 0, 0]}, "center"),
    ({**CAR, "center": [True, 0, 0]}, "must be a number"),
    ({**CAR, "yaw": 1e300}, "yaw"),
    ({**CAR, "label": ""}, "label"),
    ({**CAR, "label": "a\x00b"}, "control character"),
    ({**CAR, "label": "\ud800"}, "not valid Unicode"),
    ({**CAR, "track": -1}, "track"),
    ({**CAR, "track": 1.5}, "whole number"),
    ({**CAR, "attributes": {"k": [1]}}, "attribute"),
    ({**CAR, "bogus": 1}, "unknown field"),
    ({**CAR, "type": "sphere"}, "type must be"),
    ({"type": "cuboid", "label": "Car"}, "needs center, size, yaw"),
])
def test_bad_bodies_are_refused_with_a_message(body, message):
    with pytest.raises(ApiInputError, match=message):
        parse_annotation_body(body)


def test_update_version_and_delete_version():
    with pytest.raises(ApiInputError, match="version it was based on"):
        parse_update_body({"yaw": 1})
    assert parse_update_body({"version": 3.0})[0] == 3
    assert parse_version_arg("12") == 12
    for bad in (None, "", "-1", "1.5", "١٢", "9" * 40):
        with pytest.raises(ApiInputError):
            parse_version_arg(bad)
    assert parse_fit_body({"seed": [1, 2, 3]}) == ((1.0, 2.0, 3.0), None)


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=6), kids, max_size=4),
                    max_leaves=20)
FIELDS = st.fixed_dictionaries({}, optional={
    "type": st.sampled_from(["cuboid", "polyline", "x"]), "label": st.text(max_size=70),
    "center": st.lists(st.floats() | st.integers(), max_size=4), "size": st.lists(st.floats(), max_size=4),
    "yaw": st.floats() | st.integers(), "track": st.integers() | st.none() | st.floats(), "attributes": JSON,
    "points": st.lists(st.lists(st.floats(), max_size=4), max_size=5), "closed": JSON, "version": JSON})


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200) | JSON.map(lambda v: json.dumps(v).encode()) | FIELDS | JSON)
def test_nothing_but_api_input_error_escapes(body):
    for parse in (parse_annotation_body, parse_update_body, parse_fit_body, parse_json):
        try:
            parse(body)
        except ApiInputError:
            pass


def test_with_accounts_the_api_needs_a_bearer_token(kitti_root, tmp_path):
    """The authentication seam for accounts: no token or an unknown one 401, a known one
    records its user as the author (Flask test client on the blueprint)."""
    from flask import Flask

    from pointlabel.api import register_api
    from pointlabel.datasets.detect import open_dataset
    from pointlabel.store import open_store

    class Session:  # what the API needs of a session
        def __init__(self):
            self.dataset = open_dataset(kitti_root)
            self.frame_ids = self.dataset.frame_ids
            self.store = open_store(self.dataset, tmp_path / "s.sqlite")
            self.label_set = "default"

    server = Flask("t")
    session = Session()
    register_api(server, session, authenticate={"tok-ann": "ann"}.get)
    c = server.test_client()
    assert c.get("/api/v1/frames").status_code == 401
    assert c.get("/api/v1/frames", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert c.get("/api/v1/openapi.json").json["security"] == [{"bearer": []}]
    r = c.post("/api/v1/frames/000000/annotations", json=CAR, headers={"Authorization": "Bearer tok-ann"})
    assert r.status_code == 201
    assert session.store.history()[0].author == "ann"
