"""The API contract over HTTP against the real server (a subprocess on 127.0.0.1): frames,
annotations with versions, create / update / delete with the version they were based on,
stale changes 409 with the stored annotation, fit, and the error answers."""
from __future__ import annotations

import http.client
import json

import pytest

from pointlabel.api.client import ApiClient, ApiError

CAR = {"type": "cuboid", "label": "Car", "center": [10.0, 2.0, -0.8], "size": [4.0, 1.8, 1.5], "yaw": 0.1}


@pytest.fixture
def api(api_server):
    c = ApiClient(api_server.url, client="contract")
    yield c
    c.close()


def test_frames_and_unknown_frame(api):
    frames = api.frames()
    assert frames[:2] == ["000000", "000001"] and len(frames) >= 10
    r = api.request("GET", "/frames/999999/annotations")
    assert r.status == 404 and "no frame" in r.body["error"]


def test_create_update_delete_with_versions_and_a_stale_change(api, api_server):
    saved = api.create("000001", {**CAR, "track": 4, "attributes": {"occluded": 1}})
    assert saved["version"] == 1
    (shown,) = [a for a in api.annotations("000001") if a["id"] == saved["id"]]
    assert shown == {"id": saved["id"], "version": 1, "type": "cuboid", "label": "Car", "center": [10.0, 2.0, -0.8],
                     "size": [4.0, 1.8, 1.5], "yaw": pytest.approx(0.1), "track": 4, "status": "confirmed",
                     "attributes": {"occluded": 1}}
    # B moves it; A, still at version 1, changes the yaw: refused, and A gets the stored one
    b = ApiClient(api_server.url, client="other")
    assert b.update(saved["id"], 1, center=[10.5, 2.0, -0.8]) == {"id": saved["id"], "version": 2}
    with pytest.raises(ApiError) as e:
        api.update(saved["id"], 1, yaw=0.7)
    assert e.value.status == 409 and e.value.body["current"]["center"] == [10.5, 2.0, -0.8]
    assert e.value.body["current"]["version"] == 2 and "changed by someone else" in e.value.body["error"]
    assert api.update(saved["id"], 2, yaw=0.7)["version"] == 3
    # a stale delete is refused too; a current one is 204, and the id is gone
    assert api.request("DELETE", f"/annotations/{saved['id']}?version=2").status == 409
    api.delete(saved["id"], 3)
    assert api.request("PUT", f"/annotations/{saved['id']}", {"version": 4, "yaw": 0}).status == 404
    assert api.request("DELETE", f"/annotations/{saved['id']}?version=4").status == 404
    b.close()


def test_polyline_and_type_mismatch(api):
    saved = api.create("000002", {"type": "polyline", "label": "lane", "points": [[0, 0, 0], [5, 0, 0]]})
    r = api.request("PUT", f"/annotations/{saved['id']}", {"version": 1, "size": [1, 1, 1]})
    assert r.status == 409 and r.body["current"]["type"] == "polyline"
    assert api.update(saved["id"], 1, points=[[0, 0, 0], [5, 1, 0], [9, 1, 0]], closed=True)["version"] == 2


@pytest.mark.parametrize("raw, status", [
    (b"{", 400), (b"[]", 400), (json.dumps({**CAR, "size": [4, -1, 1]}).encode(), 400),
    (json.dumps({**CAR, "center": [20000, 0, 0]}).encode(), 400), (b'{"type": "cuboid", "yaw": NaN}', 400),
    (b" " * (3 * 1024 * 1024), 413),
])
def test_bad_bodies(api, raw, status):
    r = api.request("POST", "/frames/000000/annotations", raw)
    assert r.status == status and r.body["error"]


def test_missing_version_and_methods(api):
    assert api.request("DELETE", "/annotations/x").status == 400
    assert api.request("PUT", "/annotations/x", {"yaw": 1}).status == 400
    r = api.request("GET", "/annotations/x")
    assert r.status == 405 and "PUT" in r.body["error"]
    assert api.request("GET", "/nothing/here").status == 404


def test_fit_proposes_a_cuboid_without_storing_it(api):
    before = api.annotations("000008")
    r = api.request("POST", "/frames/000008/fit", {"seed": [0.0, 0.0, 50.0]})
    assert r.status == 422 and "no object" in r.body["error"]
    import numpy as np

    from pointlabel.datasets.kitti import KittiDataset
    from pointlabel.geometry.boxes import count_points_in_boxes, cuboids_to_array
    from tests.conftest import KITTI
    ds = KittiDataset(KITTI)
    xyz = ds.load_cloud("000008").xyz
    cars = [c for c in ds.reference("000008").cuboids if c.label == "Car"]
    car = cars[int(np.argmax(count_points_in_boxes(xyz, cuboids_to_array(cars))))]
    seed = xyz[np.argmin(np.linalg.norm(xyz - np.asarray(car.center, np.float32), axis=1))]
    fit = api.fit("000008", seed)
    assert fit["type"] == "cuboid" and fit["n_points"] > 10
    assert np.hypot(fit["center"][0] - car.center[0], fit["center"][1] - car.center[1]) < 1.5
    assert api.annotations("000008") == before


def test_a_raw_http_request_with_a_bad_host_still_gets_json(api_server):
    conn = http.client.HTTPConnection("127.0.0.1", api_server.port, timeout=10)
    conn.request("POST", "/api/v1/frames/000000/annotations", body=b"not json", headers={"Content-Type": "text/plain"})
    r = conn.getresponse()
    assert r.status == 400 and json.loads(r.read())["error"]
