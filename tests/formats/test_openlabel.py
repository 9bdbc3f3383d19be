"""ASAM OpenLABEL 1.0: every export validated against the official schema, round trips
(OpenLABEL -> import -> export, KITTI -> OpenLABEL -> KITTI), a hand-written foreign file,
attribute coding, bad input."""
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from calibration.transforms import invert
from pointlabel.cli import main
from pointlabel.datasets.detect import open_dataset
from pointlabel.errors import PointlabelError
from pointlabel.formats import EXPORTERS, IMPORTERS, openlabel_attributes
from pointlabel.formats.kitti_io import export_kitti, import_kitti_labels
from pointlabel.formats.kitti_label import parse_label_text
from pointlabel.formats.openlabel import SCHEMA_PATH, decode, encode, export_openlabel, import_openlabel, validate
from pointlabel.labelsets import ReferenceSet, StoreSet
from pointlabel.store import AnnotationStore


@pytest.fixture(scope="module")
def sample():
    import sample_data
    return open_dataset(sample_data.default_sequence(progress=False))


def assert_same(a, b, path="$"):
    """Equal JSON structures; floats within 1e-9 (a quaternion -> yaw -> quaternion trip moves
    the last bit)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b), f"{path}: keys {sorted(set(a) ^ set(b))}"
        for k in a:
            assert_same(a[k], b[k], f"{path}/{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), f"{path}: lengths {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and not isinstance(b, bool):
        assert b == pytest.approx(a, abs=1e-9), path
    else:
        assert a == b and type(a) is type(b), f"{path}: {a!r} != {b!r}"


def test_schema_is_the_official_one():
    schema = json.loads(SCHEMA_PATH.read_text())
    assert schema["$id"] == "https://openlabel.asam.net/V1-0-0/schema#"
    assert schema["definitions"]["metadata"]["properties"]["schema_version"]["enum"] == ["1.0.0"]
    assert (SCHEMA_PATH.parent / "NOTICE.md").read_text().count("ASAM") >= 3


def test_sample_export_valid_and_faithful(sample, tmp_path):
    ref = ReferenceSet(sample)
    summary = export_openlabel(sample, ref, tmp_path / "sample.json")
    doc = json.loads((tmp_path / "sample.json").read_text())
    validate(doc)  # export validates too; checked again from the file
    ol = doc["openlabel"]
    assert ol["metadata"]["schema_version"] == "1.0.0" and summary["frames"] == 10
    # Coordinate systems: cameras hang below the LiDAR with pose = T_lidar_from_cam.
    rig = sample.rig(sample.frame_ids[0])
    assert ol["coordinate_systems"]["lidar_top"]["parent"] == ""
    for name in rig.camera_names:
        cs = ol["coordinate_systems"][name]
        assert cs["parent"] == "lidar_top"
        np.testing.assert_allclose(np.reshape(cs["pose_wrt_parent"]["matrix4x4"], (4, 4)), invert(rig[name].T))
        pin = ol["streams"][name]["stream_properties"]["intrinsics_pinhole"]
        np.testing.assert_allclose(np.reshape(pin["camera_matrix"], (3, 4))[:, :3], rig[name].camera.K_matrix)
        assert (pin["width_px"], pin["height_px"]) == rig[name].camera.size
    assert ol["streams"]["lidar_top"]["type"] == "lidar"
    assert ol["streams"]["front_left"]["stream_properties"]["intrinsics_pinhole"]["distortion_coeffs"] == \
        list(rig["front_left"].camera.dist)
    # Frames: timestamps, files, camera sync times, odometry.
    for index, fid in enumerate(sample.frame_ids):
        props = ol["frames"][str(index)]["frame_properties"]
        assert props["frame_id"] == fid and props["timestamp"] == sample.timestamps[fid]
        assert props["streams"]["lidar_top"]["uri"] == f"lidar/{fid}.bin"
        for cam, m in sample.sync(fid).items():
            if m.ok:
                assert props["streams"][cam]["stream_properties"]["sync"]["timestamp"] == \
                    pytest.approx(sample.timestamps[fid] + m.dt)
        T = props["transforms"]["lidar_top_to_world"]["transform_src_to_dst"]["matrix4x4"]
        np.testing.assert_allclose(np.reshape(T, (4, 4)), sample.poses[fid])
    # Frame 2 has no front_right image within tolerance: no stream entry for it.
    assert "front_right" not in ol["frames"]["2"]["frame_properties"]["streams"]
    # Objects are tracks: one object per track id, over the frames it appears in.
    tracks = {}
    for fid in sample.frame_ids:
        for c in ref.frame(fid).cuboids:
            tracks.setdefault(c.track_id, []).append(sample.frame_ids.index(fid))
    for tid, idx in tracks.items():
        obj = ol["objects"][str(tid)]
        assert obj["object_data"]["num"] == [{"name": "track_id", "val": tid}]
        covered = {i for iv in obj["frame_intervals"] for i in range(iv["frame_start"], iv["frame_end"] + 1)}
        assert covered == set(idx)
    # A cuboid's 10 values give back the same corners; attributes and status travel.
    c = ref.frame("000004").cuboids[0]
    data = ol["frames"]["4"]["objects"][str(c.track_id)]["object_data"]["cuboid"][0]
    x, y, z, qx, qy, qz, qw, sx, sy, sz = data["val"]
    from scipy.spatial.transform import Rotation
    R = Rotation.from_quat([qx, qy, qz, qw]).as_matrix()  # SciPy order, as the standard says
    local = (c.corners() - [x, y, z]) @ R
    np.testing.assert_allclose(np.abs(local), np.tile([sx / 2, sy / 2, sz / 2], (8, 1)), atol=1e-9)
    texts = {a["name"]: a["val"] for a in data["attributes"]["text"]}
    assert texts["status"] == "confirmed" and texts["annotation_id"] == c.id
    assert {a["name"]: a["val"] for a in data["attributes"]["boolean"]}["moving"] == c.attributes["moving"]
    # Polylines are poly3d in the LiDAR frame.
    p = ref.frame("000004").polylines[0]
    pdata = ol["frames"]["4"]["objects"][str(p.track_id)]["object_data"]["poly3d"][0]
    np.testing.assert_allclose(np.reshape(pdata["val"], (-1, 3)), p.points)
    assert pdata["closed"] is False and ol["objects"][str(p.track_id)]["type"] == p.label


def test_openlabel_import_export_equal(sample, tmp_path):
    first = export_openlabel(sample, ReferenceSet(sample), tmp_path / "a.json")
    store = AnnotationStore(tmp_path / "s.sqlite")
    result = import_openlabel(sample, store, tmp_path / "a.json", "ol")
    assert result["cuboids"] == first["cuboids"] and result["polylines"] == first["polylines"]
    assert result["skipped"] == {}
    export_openlabel(sample, StoreSet(store, "ol"), tmp_path / "b.json")
    a = json.loads((tmp_path / "a.json").read_text())
    b = json.loads((tmp_path / "b.json").read_text())
    assert_same(a, b)
    # And the annotations themselves came back whole.
    ref = ReferenceSet(sample)
    for fid in sample.frame_ids:
        want = {x.id: x for x in ref.frame(fid)}
        got = {x.id: x for x in store.frame(fid, "ol")}
        assert set(want) == set(got)
        for aid, w in want.items():
            g = got[aid]
            assert (g.label, g.track_id, g.status, dict(g.attributes)) == (w.label, w.track_id, w.status,
                                                                           dict(w.attributes))
            if hasattr(w, "corners"):
                np.testing.assert_allclose(g.corners(), w.corners(), atol=1e-9)
            else:
                np.testing.assert_allclose(g.points, w.points, atol=1e-12)


def test_kitti_openlabel_kitti(kitti_root, tmp_path):
    ds = open_dataset(kitti_root)
    store = AnnotationStore(tmp_path / "k.sqlite")
    import_kitti_labels(ds, store, kitti_root)
    export_openlabel(ds, StoreSet(store, "default"), tmp_path / "kitti.json")
    imported = import_openlabel(ds, store, tmp_path / "kitti.json", "via_openlabel")
    assert imported["dontcare"] > 0
    export_kitti(ds, StoreSet(store, "default"), tmp_path / "direct")
    export_kitti(ds, StoreSet(store, "via_openlabel"), tmp_path / "via")
    export_kitti(ds, StoreSet(store, "via_openlabel"), tmp_path / "kept", keep_imported_2d=True)
    n_lines = 0
    for fid in ds.frame_ids:
        direct = (tmp_path / "direct" / "label_2" / f"{fid}.txt").read_text()
        assert (tmp_path / "via" / "label_2" / f"{fid}.txt").read_text() == direct
        # The KITTI line and its geometry travelled as attributes: byte for byte with --keep-imported-2d.
        original = (kitti_root / "label_2" / f"{fid}.txt").read_text()
        kept = (tmp_path / "kept" / "label_2" / f"{fid}.txt").read_text()
        assert sorted(kept.splitlines()) == sorted(line.strip() for line in original.splitlines() if line.strip())
        # Type, h w l, x y z and rotation_y of the hand-made file, to two decimals.
        orig = [o for _, _, o in parse_label_text(original, fid)]
        back = [o for _, _, o in parse_label_text(direct, fid)]
        key = lambda o: (o.type, *np.round(o.location, 2))  # noqa: E731
        for o in orig:
            if o.type == "DontCare":
                assert any(b.type == "DontCare" and np.allclose(b.bbox, o.bbox, atol=0.005) for b in back)
                continue
            match = [b for b in back if key(b) == key(o)]
            if not match:  # outside image_2: kept in json/, not in label_2 (as the direct export)
                continue
            b = match[0]
            assert np.allclose(b.hwl, o.hwl, atol=0.005) and np.allclose(b.location, o.location, atol=0.005)
            assert math.isclose(b.rotation_y, o.rotation_y, abs_tol=0.005)
            n_lines += 1
    assert n_lines >= 40  # the 10 frames' objects in view


GOLDEN = {"openlabel": {
    "metadata": {"schema_version": "1.0.0", "annotator": "another tool"},
    "coordinate_systems": {
        "base": {"type": "local_cs", "parent": "", "children": ["LIDAR", "CAM"]},
        # LiDAR 1.5 m above the base, no rotation: base = lidar + (0, 0, 1.5).
        "LIDAR": {"type": "sensor_cs", "parent": "base",
                  "pose_wrt_parent": {"quaternion": [0, 0, 0, 1], "translation": [0, 0, 1.5]}},
        "CAM": {"type": "sensor_cs", "parent": "base", "children": []}},
    "streams": {"LIDAR": {"type": "lidar"}, "CAM": {"type": "camera"}},
    "objects": {"7": {"name": "car seven", "type": "Car"},
                "8": {"name": "lane", "type": "lane"},
                "9": {"name": "a 2D box", "type": "Car"}},
    "frames": {
        "0": {"objects": {
            # 9 values, Euler ZYX (rx, ry, rz) = (0, 0, pi/2), expressed in `base`.
            "7": {"object_data": {"cuboid": [{"name": "shape", "coordinate_system": "base",
                                              "val": [10, 2, 1.0, 0, 0, math.pi / 2, 4, 2, 1.5],
                                              "attributes": {"num": [{"name": "score", "val": 0.5}],
                                                             "text": [{"name": "status", "val": "proposal"}]}}]}},
            "8": {"object_data": {"poly3d": [{"name": "l", "closed": True, "coordinate_system": "base",
                                              "val": [0, 0, 0, 1, 0, 0, 1, 1, 0]}]}},
            "9": {"object_data": {"bbox": [{"name": "b", "val": [10, 10, 4, 4]}]}}}},
        "8": {"objects": {"7": {"object_data": {"cuboid": [{"name": "shape", "val": [
            5, 0, -1, 0, 0, 0.7071067811865476, 0.7071067811865476, 4, 2, 1.5]}]}}}}}}}


def test_golden_foreign_file(kitti_root, tmp_path):
    """Frames matched by number (0 -> 000000, 8 -> 000008); geometry in `base` moved into the
    LiDAR frame (z - 1.5); Euler and quaternion cuboids; the uid is the track id."""
    validate(GOLDEN)  # the hand-written file is valid OpenLABEL itself
    ds = open_dataset(kitti_root)
    frames, skipped = decode(GOLDEN, ds)
    assert skipped == {"bbox (Car)": 1}  # a 2D box that is not a DontCare region is not ours to keep
    car = frames["000000"].cuboids[0]
    assert car.center == pytest.approx((10, 2, -0.5)) and car.yaw == pytest.approx(math.pi / 2)
    assert (car.size_lwh, car.track_id, car.status, car.confidence) == ((4, 2, 1.5), 7, "proposal", 0.5)
    lane = frames["000000"].polylines[0]
    assert lane.closed and lane.points[:, 2] == pytest.approx([-1.5] * 3) and lane.track_id == 8
    # No coordinate_system: the LiDAR frame. Quaternion (0, 0, sin 45, cos 45): yaw 90 degrees.
    c8 = frames["000008"].cuboids[0]
    assert c8.center == pytest.approx((5, 0, -1)) and c8.yaw == pytest.approx(math.pi / 2)
    again, _ = decode(GOLDEN, ds)  # ids are derived, so a second import updates
    assert again["000008"].cuboids[0].id == c8.id


def _broken(**change):
    doc = json.loads(json.dumps(GOLDEN))
    for path, value in change.items():
        target = doc["openlabel"]
        *parents, last = path.split("__")
        for p in parents:
            target = target[p]
        if value is None:
            del target[last]
        else:
            target[last] = value
    return doc


@pytest.mark.parametrize("doc, message", [
    (_broken(metadata=None), "at openlabel: 'metadata' is a required property"),
    (_broken(metadata__schema_version="2.0"), "at openlabel/metadata/schema_version"),
    (_broken(frames__8__objects__7__object_data__cuboid=[{"name": "s", "val": [1, 2, 3]}]),
     "openlabel/frames/8/objects/7/object_data/cuboid/0/val"),
    (_broken(objects__7__type=None), "'type' is a required property"),
    (_broken(frames__0__objects__7__object_data__cuboid=[{"name": "s", "val": [0, 0, 0, 0, 0, 0, 0, 1, 1, 1]}]),
     "cuboid quaternion is zero"),
    (_broken(frames__0__objects__7__object_data__cuboid=[{"name": "s", "coordinate_system": "nowhere",
                                                          "val": [0] * 6 + [1, 1, 1]}]),
     "no chain of transforms from coordinate system 'nowhere'"),
    (_broken(frames__12345={"objects": {}}), "OpenLABEL frames 12345 match no frame"),
    (_broken(frames__0__objects__99={"object_data": {}}), "object 99 is not declared"),
])
def test_bad_input_is_refused_and_writes_nothing(kitti_root, tmp_path, doc, message):
    ds = open_dataset(kitti_root)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    store = AnnotationStore(tmp_path / "s.sqlite")
    with pytest.raises(PointlabelError, match=message.replace("(", r"\(").replace(")", r"\)")):
        import_openlabel(ds, store, path, "x")
    assert "x" not in store.label_sets()


def test_not_json(kitti_root, tmp_path):
    (tmp_path / "x.json").write_text("{ not json")
    with pytest.raises(PointlabelError, match="not JSON"):
        import_openlabel(open_dataset(kitti_root), AnnotationStore(tmp_path / "s.sqlite"), tmp_path / "x.json")


json_scalars = st.one_of(st.booleans(), st.integers(-10**9, 10**9), st.floats(allow_nan=False, allow_infinity=False),
                         st.text(max_size=8))
json_values = st.recursive(json_scalars | st.none(), lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)), max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=10), json_values, max_size=6))
def test_attribute_coding_round_trip(attributes):
    meta = {"annotation_id": "abc", "status": "confirmed", "score": 0.5, "source": None}
    encoded = openlabel_attributes.encode(attributes, meta)
    validate({"openlabel": {"metadata": {"schema_version": "1.0.0"}, "objects": {"0": {
        "name": "o", "type": "t", "object_data": {"num": [{"name": "n", "val": 1, "attributes": encoded}]}}}}})
    got_meta, got = openlabel_attributes.decode(encoded)
    assert got_meta == {"annotation_id": "abc", "status": "confirmed", "score": 0.5}
    assert json.loads(json.dumps(got)) == json.loads(json.dumps(attributes))


def test_attribute_names_readable():
    enc = openlabel_attributes.encode({"occluded": 1, "kitti": {"alpha": -0.2, "bbox": [1, 2, 3, 4], "line": "Car"},
                                       "status": "mine"}, {"status": "confirmed"})
    assert enc == {"num": [{"name": "occluded", "val": 1}, {"name": "kitti/alpha", "val": -0.2}],
                   "text": [{"name": "status", "val": "confirmed"}, {"name": "kitti/line", "val": "Car"},
                            {"name": "attr:status", "val": "mine"}],
                   "vec": [{"name": "kitti/bbox", "val": [1, 2, 3, 4]}]}


def test_cli_export_and_import(sample, tmp_path, capsys):
    assert "openlabel" in EXPORTERS and "openlabel" in IMPORTERS
    out = tmp_path / "o.json"
    db = tmp_path / "cli.sqlite"
    assert main(["export", str(sample.root), "--format", "openlabel", "--set", "reference", "--out", str(out),
                 "--db", str(db)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["file"] == str(out) and summary["cuboids"] > 0
    assert main(["import-labels", str(sample.root), "--format", "openlabel", "--from", str(out),
                 "--db", str(db), "--set", "mine"]) == 0
    assert json.loads(capsys.readouterr().out)["cuboids"] == summary["cuboids"]
    (tmp_path / "bad.json").write_text('{"openlabel": {}}')
    assert main(["import-labels", str(sample.root), "--format", "openlabel", "--from", str(tmp_path / "bad.json"),
                 "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pointlabel: error: ") and "'metadata' is a required property" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_per_frame_calibration_and_camera_coordinates(kitti_root):
    """KITTI has a calibration per frame: frames whose camera differs from the first carry it
    as frame transforms and intrinsics; a cuboid written in that camera's coordinate system
    comes back into the LiDAR frame through the frame's own transform."""
    ds = open_dataset(kitti_root)
    doc = encode(ds, ReferenceSet(ds))
    validate(doc)
    ol = doc["openlabel"]
    T0 = ds.rig(ds.frame_ids[0])["image_2"].T
    differing = 0
    for index, fid in enumerate(ds.frame_ids):
        cam = ds.rig(fid)["image_2"]
        props = ol["frames"][str(index)]["frame_properties"]
        if np.allclose(cam.T, T0, atol=1e-12):
            assert "transforms" not in props
            continue
        differing += 1
        t = props["transforms"]["image_2_to_velodyne"]
        assert (t["src"], t["dst"]) == ("image_2", "velodyne")
        np.testing.assert_allclose(np.reshape(t["transform_src_to_dst"]["matrix4x4"], (4, 4)), invert(cam.T))
        K = np.reshape(props["streams"]["image_2"]["stream_properties"]["intrinsics_pinhole"]["camera_matrix"], (3, 4))
        np.testing.assert_allclose(K[:, :3], cam.camera.K_matrix)
        # Rewrite this frame's first cuboid in image_2 coordinates.
        uid, entry = next((u, e) for u, e in ol["frames"][str(index)]["objects"].items()
                          if "cuboid" in e["object_data"])
        data = entry["object_data"]["cuboid"][0]
        c = next(a for a in ReferenceSet(ds).frame(fid).cuboids
                 if a.id == {x["name"]: x["val"] for x in data["attributes"]["text"]}["annotation_id"])
        from scipy.spatial.transform import Rotation  # matrices, not Euler angles: in a camera frame
        R_cam = cam.T[:3, :3] @ c.rotation  # an upright box sits at the pitch = 90 degree gimbal lock
        centre_cam = cam.T[:3, :3] @ c.center + cam.T[:3, 3]
        data["val"] = [*centre_cam, *Rotation.from_matrix(R_cam).as_quat(), *c.size_lwh]
        data["coordinate_system"] = "image_2"
        frames, _ = decode(doc, ds)
        back = next(a for a in frames[fid].cuboids if a.id == c.id)
        # KITTI's Tr_velo_to_cam is orthonormal to ~1e-7 only: 75 m away that is a few um.
        np.testing.assert_allclose(back.corners(), c.corners(), atol=1e-5)
    assert differing >= 3  # the sample frames come from several drives


def test_import_again_updates_and_undoes_as_one_step(kitti_root, tmp_path):
    ds = open_dataset(kitti_root)
    path = tmp_path / "k.json"
    export_openlabel(ds, ReferenceSet(ds), path)
    store = AnnotationStore(tmp_path / "s.sqlite")
    first = import_openlabel(ds, store, path, "x")
    second = import_openlabel(ds, store, path, "x")
    assert first == second
    total = sum(len(store.frame(f, "x")) for f in ds.frame_ids)
    assert total == first["cuboids"] + first["dontcare"]
    store.undo("x")  # the second import changed nothing; undoing the first removes it whole
    store.undo("x")
    assert sum(len(store.frame(f, "x")) for f in ds.frame_ids) == 0


finite = st.floats(-80, 80, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(centre=st.tuples(finite, finite, st.floats(-3, 3)), size=st.tuples(*[st.floats(0.05, 20)] * 3),
       yaw=st.floats(-math.pi, math.pi), pitch=st.floats(-1.2, 1.2), roll=st.floats(-1.2, 1.2))
def test_cuboid_values_round_trip(centre, size, yaw, pitch, roll):
    """Any orientation: 10 values out, the same box (corners) back."""
    from pointlabel.formats.openlabel import _cuboid_data, _cuboid_from
    from pointlabel.model import Cuboid
    c = Cuboid(centre, size, yaw, pitch=pitch, roll=roll, track_id=3, attributes={"a": [1, "b"]})
    data = _cuboid_data(c, "lidar")
    back = _cuboid_from(data, c.label, 3, np.eye(4), "unused", "test")
    np.testing.assert_allclose(back.corners(), c.corners(), atol=1e-9)
    assert (back.id, dict(back.attributes), back.track_id) == (c.id, {"a": [1, "b"]}, 3)


def test_golden_export(tiny):
    """Values worked out by hand for the tiny dataset of conftest.py."""
    root, labels = tiny
    ds = open_dataset(root)
    doc = encode(ds, labels)
    validate(doc)
    ol = doc["openlabel"]
    assert ol["coordinate_systems"] == {
        "lidar_top": {"type": "sensor_cs", "parent": "", "children": ["front"]},
        "front": {"type": "sensor_cs", "parent": "lidar_top", "children": [], "pose_wrt_parent": {
            "matrix4x4": [0.0, 0.0, 1.0, 0.5, -1.0, 0.0, 0.0, 0.0, 0.0, -1.0, 0.0, -0.2, 0.0, 0.0, 0.0, 1.0]}},
        "world": {"type": "scene_cs", "parent": "", "children": []}}
    assert ol["streams"]["front"] == {"type": "camera", "uri": "", "stream_properties": {
        "intrinsics_pinhole": {"camera_matrix": [100.0, 0.0, 50.0, 0.0, 0.0, 100.0, 40.0, 0.0, 0.0, 0.0, 1.0, 0.0],
                               "distortion_coeffs": [0.0] * 5, "width_px": 100, "height_px": 80},
        "time_offset": 0.01}}
    props = ol["frames"]["1"]["frame_properties"]
    assert props["frame_id"] == "000001" and props["timestamp"] == 100.1
    assert props["streams"]["lidar_top"] == {"uri": "lidar/000001.bin"}
    assert props["streams"]["front"]["uri"] == "cameras/front/000001.png"
    assert props["streams"]["front"]["stream_properties"]["sync"] == {"frame_stream": 1,
                                                                      "timestamp": pytest.approx(100.11)}
    assert props["transforms"]["lidar_top_to_world"]["transform_src_to_dst"]["matrix4x4"] == \
        [1.0, 0.0, 0.0, 11.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0]
    car = ol["objects"]["7"]
    assert (car["name"], car["type"], car["frame_intervals"], car["object_data"]) == (
        "Car-7", "Car", [{"frame_start": 0, "frame_end": 1}], {"num": [{"name": "track_id", "val": 7}]})
    box = ol["frames"]["1"]["objects"]["7"]["object_data"]["cuboid"][0]
    # Heading +y: a 90 degree turn about z, quaternion (0, 0, sin 45, cos 45) in SciPy order.
    assert box["val"] == pytest.approx([5.5, 1.0, -1.0, 0.0, 0.0, math.sqrt(0.5), math.sqrt(0.5), 4.0, 2.0, 1.5])
    assert box["coordinate_system"] == "lidar_top" and box["attributes"] == {
        "boolean": [{"name": "moving", "val": True}],
        "text": [{"name": "annotation_id", "val": "car1"}, {"name": "status", "val": "confirmed"}]}
    lanes = [o for o in ol["objects"].values() if o["type"] == "lane"]
    assert len(lanes) == 1 and "object_data" not in lanes[0]  # untracked: a UUID object without track id
    (uid,) = [u for u, o in ol["objects"].items() if o["type"] == "lane"]
    assert ol["frames"]["0"]["objects"][uid]["object_data"]["poly3d"][0]["val"] == [0.0, 0, 0, 1, 0, 0]
