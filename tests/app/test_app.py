"""The app as wired: factory, layout, callbacks through Dash's own HTTP endpoint (what the
browser receives), the serve command."""
from __future__ import annotations

import gzip
import json

import numpy as np
import pytest

from pointlabel.app import create_app, ids
from pointlabel.app.callbacks.page import editor_view
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
    for name in app.pointlabel_session.camera_names:
        assert json.dumps(ids.camera_graph(name), sort_keys=True) in page


def _update(client, output, inputs, state=(), changed=None):
    out_id, out_prop = output.split(".")
    body = {"output": output, "outputs": {"id": out_id, "property": out_prop},
            "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
            "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
            "changedPropIds": [changed or f"{inputs[0][0]}.{inputs[0][1]}"]}
    return client.post("/_dash-update-component", json=body, headers={"Accept-Encoding": "gzip"})


def test_a_sweep_reaches_the_browser_as_typed_arrays_within_budget(app):
    """The 3D figure of a 122k-point KITTI sweep, as Dash sends it: binary typed arrays,
    voxel-downsampled to the default 3D budget, and on the wire (gzip) no more than 1.5x the
    raw float32 xyz bytes of the points sent."""
    client = app.server.test_client()
    index = app.pointlabel_session.index_of(FRAME)
    r = _update(client, "graph-3d.figure",
                [(ids.FRAME_SLIDER, "value", index), (ids.RANGE, "value", [0, 120])],
                [(ids.COLOR_MODE, "value", "intensity"), (ids.POINT_SIZE, "value", 1.5),
                 (ids.SELECTION, "data", {"id": None, "vertex": None})])
    assert r.status_code == 200 and r.headers["Content-Encoding"] == "gzip"
    wire = len(r.data)
    fig = json.loads(gzip.decompress(r.data))["response"]["graph-3d"]["figure"]
    cloud = fig["data"][0]
    assert cloud["x"]["dtype"] == "f4" and cloud["marker"]["color"]["dtype"] == "u1"
    budget = app.pointlabel_session.config.budget.view3d
    assert budget == DEFAULT_BUDGET_3D < len(app.pointlabel_session.frame(FRAME).xyz)
    n = len(np.frombuffer(__import__("base64").b64decode(cloud["x"]["bdata"]), np.float32))
    assert 0.85 * budget <= n <= budget  # the voxel grid holds 85-100 % of the budget
    assert wire <= 1.5 * n * 12, (wire, n * 12)


def test_an_edit_resends_only_the_overlays(app):
    """After an edit the views get Patches of the overlay slots: no cloud in the response."""
    s = app.pointlabel_session
    s.commit(FRAME, upserts=[Cuboid(center=(10, 0, -0.8), size_lwh=(4, 1.8, 1.5), yaw=0.1)])
    state = s.page_state(FRAME)
    client = app.server.test_client()
    cb = next(k for k, v in app.callback_map.items() if "graph-3d.figure@" in k and ids.ANNOTATIONS in
              str(v.get("inputs")))
    outputs = [{"id": ids.GRAPH_3D, "property": "figure"}, {"id": ids.GRAPH_BEV, "property": "figure"},
               [{"id": ids.camera_graph(n), "property": "figure"} for n in s.camera_names]]
    body = {"output": cb, "outputs": outputs,
            "inputs": [{"id": ids.ANNOTATIONS, "property": "data", "value": state},
                       {"id": ids.SELECTION, "property": "data", "value": {"id": None, "vertex": None}}],
            "state": [{"id": ids.FRAME_SLIDER, "property": "value", "value": s.index_of(FRAME)},
                      {"id": ids.COLOR_MODE, "property": "value", "value": "height"},
                      {"id": ids.POINT_SIZE, "property": "value", "value": 1.5},
                      {"id": ids.RANGE, "property": "value", "value": [0, 120]}],
            "changedPropIds": [f"{ids.ANNOTATIONS}.data"]}
    r = client.post("/_dash-update-component", json=body)
    assert r.status_code == 200
    assert len(r.data) < 20_000  # a few kB of box lines, not a 1.5 MB cloud
    resp = json.loads(r.data)["response"]
    scene = resp[ids.GRAPH_3D]["figure"]
    assert scene["__dash_patch_update"] == "__dash_patch_update"
    touched = {op["location"][1] for op in scene["operations"]}
    assert 0 not in touched  # the cloud trace is never re-sent


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
    rows = objects.rows([a.to_dict() for a in anns], {box.id: 812}, box.id)
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


def test_full_resolution_around_the_selected_box_when_downsampled(kitti_root, tmp_path):
    from pointlabel.app import views
    from pointlabel.app.config import PointBudget
    from pointlabel.datasets.detect import open_dataset
    from pointlabel.geometry.boxes import points_in_cuboid_mask
    from pointlabel.store import open_store
    ds = open_dataset(kitti_root)
    s = create_app(ds, open_store(ds, tmp_path / "l.sqlite"), budget=PointBudget(view3d=10_000)).pointlabel_session
    box = Cuboid(center=(8.0, 2.0, -0.9), size_lwh=(4, 2, 1.6), yaw=0.0)
    state = s.commit(FRAME, upserts=[box])
    anns = s.annotations(FRAME)
    scene = views.scene(s, FRAME, "height", 1.5, [0, 120], {"id": box.id})
    assert len(scene.data[0].x) <= 10_000  # the sweep, downsampled to the budget
    focus = views.focus_trace(s, FRAME, anns, {"id": box.id}, "height", 1.5, [0, 120])
    xyz = s.frame(FRAME).xyz
    expected = points_in_cuboid_mask(xyz, box, margin=s.config.focus_margin).sum()
    assert len(focus.x) == expected > 100  # every point around the box, at full resolution
    assert len(scene.data[1].x) == expected
    assert state["points_inside"][box.id] == points_in_cuboid_mask(xyz, box).sum()
    none = views.focus_trace(s, FRAME, anns, {"id": None}, "height", 1.5, [0, 120])
    assert len(none.x) == 0
