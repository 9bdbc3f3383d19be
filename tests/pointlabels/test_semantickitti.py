"""SemanticKITTI `.label` import/export on real KITTI sweeps: byte-identical round trip, dropped
points kept, class maps, clear errors that import nothing."""
import json
import shutil

import numpy as np
import pytest

from pointlabel.cli import main
from pointlabel.datasets.kitti import KittiDataset
from pointlabel.fitting.context import FrameContext
from pointlabel.formats.semantickitti import decode_label, encode_label
from pointlabel.geometry.boxes import points_in_cuboid_mask
from pointlabel.pointlabels.classmap import ClassMap
from pointlabel.pointlabels.storage import PointLabelStore

FRAME = "000002"


def labels_from_boxes_and_ground(ds, fid):
    """A plausible SemanticKITTI labelling of a real sweep: the ground model's band is road,
    label_2 boxes are their classes with one instance each, tall points vegetation."""
    pts = ds.load_cloud(fid).xyz
    ctx = FrameContext.build(pts)
    cm = ClassMap.semantic_kitti()
    sem = np.where(ctx.height < 0.25, cm.id_of("road"), 0).astype(np.uint16)
    sem[ctx.height > 2.5] = cm.id_of("vegetation")
    inst = np.zeros(len(pts), np.uint16)
    for i, c in enumerate(ds.reference(fid).cuboids, start=1):
        m = points_in_cuboid_mask(pts, c)
        sem[m], inst[m] = cm.box_class_id(c.label), i
    return sem, inst


def test_label_file_of_a_kitti_sweep_imports_and_exports_byte_identical(kitti_root, tmp_path, capsys):
    ds = KittiDataset(kitti_root)
    sem, inst = labels_from_boxes_and_ground(ds, FRAME)
    assert (inst > 0).sum() > 500 and len(np.unique(sem)) >= 4
    (tmp_path / "sk" / "labels").mkdir(parents=True)
    src = tmp_path / "sk" / "labels" / f"{FRAME}.label"
    src.write_bytes(encode_label(sem, inst))
    db = str(tmp_path / "s.sqlite")
    assert main(["import-labels", str(kitti_root), "--format", "semantickitti", "--from", str(tmp_path / "sk"),
                 "--db", db]) == 0
    imported = json.loads(capsys.readouterr().out)
    assert imported["frames"] == 1 and imported["points"] == len(sem)
    assert imported["changed"] == int(((sem > 0) | (inst > 0)).sum())  # every labelled point, from unlabelled
    out = tmp_path / "out"
    assert main(["export", str(kitti_root), "--format", "semantickitti", "--out", str(out), "--db", db]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert exported["from_painted"] == 1 and exported["without_labels"] == len(ds.frame_ids) - 1
    assert (out / "labels" / f"{FRAME}.label").read_bytes() == src.read_bytes()
    assert "10: \"car\"" in (out / "classes.yaml").read_text()
    # the store holds them per point: the counts come back by class
    assert main(["pointlabels", "stats", str(kitti_root), "--db", db, "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    by_id = {c["id"]: c["points"] for c in stats["classes"]}
    assert by_id == {int(k): int(v) for k, v in zip(*np.unique(sem, return_counts=True))}


def _kitti_copy(kitti_root, dst, fid=FRAME):
    for sub in ("velodyne", "calib"):
        (dst / sub).mkdir(parents=True)
    shutil.copyfile(kitti_root / "calib" / f"{fid}.txt", dst / "calib" / f"{fid}.txt")
    return dst


def test_labels_of_points_the_reader_drops_survive_the_round_trip(kitti_root, tmp_path, capsys):
    root = _kitti_copy(kitti_root, tmp_path / "k")
    raw = np.fromfile(kitti_root / "velodyne" / f"{FRAME}.bin", "<f4").reshape(-1, 4)[:5000].copy()
    raw[[10, 20, 30], :3] = 0.0     # "no return" points: dropped by the reader
    raw[40, 0] = np.nan              # a NaN point: dropped too
    raw.tofile(root / "velodyne" / f"{FRAME}.bin")
    rng = np.random.default_rng(1)
    sem = rng.choice(np.array([0, 40, 10, 70], np.uint16), len(raw))
    inst = rng.integers(0, 5, len(raw)).astype(np.uint16)
    (tmp_path / "sk").mkdir()
    (tmp_path / "sk" / f"{FRAME}.label").write_bytes(encode_label(sem, inst))
    (tmp_path / "sk" / "classes.json").write_text(json.dumps({"labels": {"0": "unlabelled", "10": "car",
                                                                          "40": "road", "70": "tree"}}))
    db = str(tmp_path / "s.sqlite")
    assert main(["import-labels", str(root), "--format", "semantickitti", "--from", str(tmp_path / "sk"), "--db", db]) == 0
    capsys.readouterr()
    ds = KittiDataset(root)
    store = PointLabelStore.open(db)
    got = store.get(FRAME)
    assert got.n_points == len(ds.load_cloud(FRAME).xyz) == len(raw) - 4
    assert store.class_map().names[70] == "tree"
    assert main(["export", str(root), "--format", "semantickitti", "--out", str(tmp_path / "o"), "--db", db]) == 0
    assert (tmp_path / "o" / "labels" / f"{FRAME}.label").read_bytes() == (tmp_path / "sk" / f"{FRAME}.label").read_bytes()
    back = decode_label((tmp_path / "o" / "labels" / f"{FRAME}.label").read_bytes())
    assert back[0][10] == sem[10] and back[1][40] == inst[40]


def test_a_wrong_size_label_file_is_one_clear_error_and_imports_nothing(kitti_root, tmp_path, capsys):
    (tmp_path / "sk").mkdir()
    n = (kitti_root / "velodyne" / "000000.bin").stat().st_size // 16
    (tmp_path / "sk" / "000000.label").write_bytes(np.zeros(n, "<u4").tobytes())   # good
    (tmp_path / "sk" / "000001.label").write_bytes(np.zeros(7, "<u4").tobytes())   # bad
    db = str(tmp_path / "s.sqlite")
    code = main(["import-labels", str(kitti_root), "--format", "semantickitti", "--from", str(tmp_path / "sk"), "--db", db])
    err = capsys.readouterr().err
    assert code == 2 and "000001.label" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert PointLabelStore.open(db).frames() == []
    (tmp_path / "sk" / "000001.label").unlink()
    (tmp_path / "sk" / "999999.label").write_bytes(b"")
    assert main(["import-labels", str(kitti_root), "--format", "semantickitti", "--from", str(tmp_path / "sk"), "--db", db]) == 2
    assert "999999" in capsys.readouterr().err


def test_codec_packs_class_low_and_instance_high():
    data = encode_label(np.array([10, 40], np.uint16), np.array([3, 0], np.uint16))
    assert np.frombuffer(data, "<u4").tolist() == [3 << 16 | 10, 40]
    assert [a.tolist() for a in decode_label(data)] == [[10, 40], [3, 0]]
    with pytest.raises(Exception, match="multiple of 4"):
        decode_label(b"\0" * 6)


def test_export_derives_labels_from_boxes_where_nothing_was_painted(kitti_root, tmp_path, capsys):
    db = str(tmp_path / "s.sqlite")
    assert main(["import-labels", str(kitti_root), "--format", "kitti", "--from", str(kitti_root), "--db", db]) == 0
    capsys.readouterr()
    assert main(["export", str(kitti_root), "--format", "semantickitti", "--out", str(tmp_path / "o"), "--db", db]) == 0
    s = json.loads(capsys.readouterr().out)
    assert s["from_boxes"] >= 8 and s["from_painted"] == 0
    ds = KittiDataset(kitti_root)
    sem, inst = decode_label((tmp_path / "o" / "labels" / f"{FRAME}.label").read_bytes())
    cars = [c for c in ds.reference(FRAME).cuboids if c.label == "Car"]
    m = points_in_cuboid_mask(ds.load_cloud(FRAME).xyz, cars[0])
    assert m.sum() > 20 and set(np.unique(sem[m])) == {10} and len(np.unique(inst[m])) == 1


def test_pcd_and_ply_export_prefer_painted_labels(scans_root, tmp_path, capsys):
    """A scan with a painted brush stroke and a cuboid elsewhere: the painted frame's fields are
    the painted ones; class ids are the class map's (car = 10)."""
    from pointlabel.datasets.clouds import read_cloud
    from pointlabel.datasets.folder import FolderDataset
    from pointlabel.model import Cuboid
    from pointlabel.pointlabels.ops import FramePoints, apply_request
    from pointlabel.store import AnnotationStore
    src = scans_root / "fast_gicp_251370668.pcd"
    ds = FolderDataset(src)
    fid = ds.frame_ids[0]
    db = tmp_path / "s.sqlite"
    ann = AnnotationStore(db)
    f = FramePoints(ds, fid)
    centre = f.pts_lidar[np.argmin(np.linalg.norm(f.pts_lidar - np.median(f.pts_lidar, axis=0), axis=1))].astype(float)
    ann.put(fid, Cuboid(center=centre, size_lwh=(4, 3, 2), yaw=0.4, label="Car", track_id=42))
    r = apply_request(PointLabelStore.for_store(ann), f, {"tool": "brush", "class": "vegetation", "instance": 5,
                                                          "params": {"centre": centre.tolist(), "radius": 1.0}})
    assert r.changed > 10
    for fmt in ("pcd", "ply"):
        out = tmp_path / fmt
        assert main(["export", str(src), "--format", fmt, "--out", str(out), "--db", str(db)]) == 0
        assert json.loads(capsys.readouterr().out)["painted_frames"] == 1
        back = read_cloud(out / f"{fid}.{fmt}")
        painted = np.linalg.norm(f.pts_lidar.astype(float) - centre, axis=1) <= 1.0
        assert np.array_equal(back.extra["label"] == 70, painted) and (back.extra["label"][~painted] == 0).all()
        assert set(np.unique(back.extra["instance"][painted])) == {5}
        assert json.loads((out / "classes.json").read_text()) == {"0": "unlabelled", "70": "vegetation"}
