"""The app as wired: factory, layout, callbacks through Dash's own HTTP endpoint, the
canvas' endpoints (what the browser receives), the serve command."""
from __future__ import annotations

import gzip
import json

import numpy as np
import pytest

from pointlabel.app import create_app, ids
from pointlabel.app.callbacks.page import editor_view
from pointlabel.app.canvas_config import canvas_config
from pointlabel.app.config import DEFAULT_BUDGET_3D
from pointlabel.app.keys import keymap
from pointlabel.app.layout import objects
from pointlabel.model import Cuboid, FrameAnnotations, Polyline3D

FRAME = "000008"


@pytest.fixture
def app(kitti_root, tmp_path):
    from pointlabel.datasets.detect import open_dataset
    from pointlabel.store import open_store
    ds = open_dataset(kitti_root)
    return create_app(ds, open_store(ds, tmp_path / "labels.sqlite"))


def _ids_in(component) -> set:
    found = set()

    def walk(c):
        cid = getattr(c, "id", None)
        if cid is not None:
            found.add(json.dumps(cid, sort_keys=True) if isinstance(cid, dict) else cid)
        children = getattr(c, "children", None)
        for ch in children if isinstance(children, (list, tuple)) else [children]:
            if ch is not None and hasattr(ch, "to_plotly_json"):
                walk(ch)
    walk(component)
    return found


def test_every_key_target_is_in_the_page(app):
    page = _ids_in(app.layout())
    for target in keymap().values():
        if "click" in target:
            assert target["click"] in page, target
        if "set" in target:
            assert target["set"][0] in page, target
    for key in ("view3d", "bev", "boxViews", "annotations", "selection", "slider", "hideGround"):
        assert app.pointlabel_session and canvas_config(app.pointlabel_session)["ids"][key] in page, key
    html = app.server.test_client().get("/_dash-layout").get_data(as_text=True)
    for name in app.pointlabel_session.camera_names:  # a container the canvas draws each camera into
        assert f'"data-camera":"{name}"' in html

def _update(client, output, inputs, state=(), changed=None):
    out_id, out_prop = output.split(".")
    body = {"output": output, "outputs": {"id": out_id, "property": out_prop},
            "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
            "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
            "changedPropIds": [changed or f"{inputs[0][0]}.{inputs[0][1]}"]}
    return client.post("/_dash-update-component", json=body, headers={"Accept-Encoding": "gzip"})


def test_a_sweep_reaches_the_browser_whole_and_binary(app):
    """The canvas' cloud request for a 122k-point KITTI sweep: every point (the default budget
    holds a whole sweep), raw float32 xyz + one intensity byte a point, gzip-compressed."""
    client = app.server.test_client()
    s = app.pointlabel_session
    r = client.get(f"/_pointlabel/cloud/{s.index_of(FRAME)}", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.mimetype == "application/octet-stream"
    n = len(s.frame(FRAME).xyz)
    assert DEFAULT_BUDGET_3D >= 150_000 > n
    assert r.headers.get("Content-Encoding") == "gzip" and len(r.data) < n * 13
    assert client.get(f"/_pointlabel/cloud/{len(s.frame_ids)}").status_code == 404
    assert client.get("/_pointlabel/camera/0/no-such-camera").status_code == 404


def test_an_edit_resends_only_the_camera_projections(app):
    """After an edit the page gets the annotations projected into each camera: a few kB, no
    cloud (the canvas keeps the sweep it has)."""
    s = app.pointlabel_session
    s.commit(FRAME, upserts=[Cuboid(center=(10, 0, -0.8), size_lwh=(4, 1.8, 1.5), yaw=0.1)])
    state = s.page_state(FRAME)
    r = _update(app.server.test_client(), f"{ids.CAMERA_OVERLAYS}.data", [(ids.ANNOTATIONS, "data", state)])
    assert r.status_code == 200
    data = json.loads(gzip.decompress(r.data) if r.headers.get("Content-Encoding") == "gzip" else r.data)
    overlays = data["response"][ids.CAMERA_OVERLAYS]["data"]
    assert overlays["frame"] == FRAME and len(overlays["cameras"]["image_2"]) == 1
    assert len(r.data) < 5_000


def test_editor_view_and_object_rows_are_pure():
    box = Cuboid(center=(1, 2, 3), size_lwh=(4, 2, 1.5), yaw=0.0, label="Car", track_id=3,
                 attributes={"occluded": 2, "note": "x"})
    line = Polyline3D(vertices=[(0, 0, 0), (1, 1, 0)], label="lane")
    anns = FrameAnnotations.from_annotations("f", [box, line])
    v = editor_view(anns, {"id": box.id}, {box.id: 812})
    assert v["title"].startswith("Car · track 3 · confirmed · 812 pts")
    assert v["fields"]["l"] == 4 and v["occluded"] == 2 and v["note"] == "x"
    v = editor_view(anns, {"id": line.id, "vertex": 1}, {})
    assert v["polyline"]["display"] == "block" and v["vertex"] == {"vx": 1, "vy": 1, "vz": 0}
    rows = objects.rows(objects.row_values([a.to_dict() for a in anns], {box.id: 812}, box.id))
    body = rows[1].children
    assert len(body) == 2 and "selected" in body[0].className
    assert [c.children for c in body[0].children][1:4] == ["Car", "3", "812"]


def test_serve_command_parses_and_calls_serve(kitti_root, tmp_path, monkeypatch):
    from pointlabel.cli import build_parser
    import pointlabel.app.server as server
    seen = {}
    monkeypatch.setattr(server, "serve", lambda dataset, store, **kw: seen.update(kw, dataset=dataset, store=store))
    args = build_parser().parse_args(["serve", str(kitti_root), "--port", "8123", "--db", str(tmp_path / "s.sqlite"),
                                      "--classes", "Car,Bus", "--point-budget", "50000"])
    assert args.func(args) == 0
    assert seen["port"] == 8123 and seen["host"] == "127.0.0.1" and seen["classes"] == ["Car", "Bus"]
    assert seen["budget"].view3d == 50_000
    assert seen["dataset"].kind == "kitti" and str(seen["store"].path) == str(tmp_path / "s.sqlite")
