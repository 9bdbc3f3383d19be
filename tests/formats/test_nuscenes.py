"""nuScenes export of the sample sequence, loaded and rendered by nuscenes-devkit (a tool we
did not write), its boxes checked against ours through the devkit's own transforms; import
back (with our sidecar: exact; without: through the class/attribute map); bad input."""
import json
import math
import shutil

import matplotlib
import numpy as np
import pytest
from PIL import Image

matplotlib.use("Agg")
from nuscenes.nuscenes import NuScenes  # noqa: E402
from nuscenes.utils.data_classes import LidarPointCloud  # noqa: E402
from nuscenes.utils.geometry_utils import BoxVisibility  # noqa: E402

from calibration.transforms import invert, transform_points  # noqa: E402
from calibration.undistort import pinhole_of  # noqa: E402
from pointlabel.cli import main  # noqa: E402
from pointlabel.datasets.detect import open_dataset  # noqa: E402
from pointlabel.errors import PointlabelError  # noqa: E402
from pointlabel.formats.nuscenes import SIDECAR, export_nuscenes  # noqa: E402
from pointlabel.formats.nuscenes_import import import_nuscenes  # noqa: E402
from pointlabel.geometry.boxes import points_in_cuboid_mask  # noqa: E402
from pointlabel.formats.nuscenes_map import attributes_of, category_of, from_nuscenes  # noqa: E402
from pointlabel.labelsets import ReferenceSet  # noqa: E402
from pointlabel.model import Cuboid, FrameAnnotations  # noqa: E402
from pointlabel.store import AnnotationStore  # noqa: E402

VERSION = "v1.0-mini"


@pytest.fixture(scope="module")
def sample():
    import sample_data
    return open_dataset(sample_data.default_sequence(progress=False))


@pytest.fixture(scope="module")
def exported(sample, tmp_path_factory):
    out = tmp_path_factory.mktemp("nuscenes")
    summary = export_nuscenes(sample, ReferenceSet(sample), out)
    return out, summary


@pytest.fixture(scope="module")
def nusc(exported):
    return NuScenes(version=VERSION, dataroot=str(exported[0]), verbose=False)


def our_cuboids(sample):
    ref = ReferenceSet(sample)
    return {c.id: (fid, c) for fid in sample.frame_ids for c in ref.frame(fid).cuboids}


def test_devkit_loads_the_export(sample, exported, nusc):
    out, summary = exported
    ours = our_cuboids(sample)
    assert len(nusc.sample) == len(sample.frame_ids) == summary["samples"] == 10
    assert len(nusc.sample_annotation) == len(ours) == summary["annotations"]
    assert len(nusc.instance) == len({c.track_id for _, c in ours.values()})
    scene = nusc.scene[0]
    assert scene["nbr_samples"] == 10
    # Walk the scene the devkit's way: first sample, then next links.
    token, seen = scene["first_sample_token"], []
    while token:
        s = nusc.get("sample", token)
        seen.append(s["timestamp"])
        token = s["next"]
    assert seen == sorted(round(sample.timestamps[f] * 1e6) for f in sample.frame_ids)
    # Sweep 2 has no front_right image within tolerance: its sample has no CAM_FRONT_RIGHT.
    assert "CAM_FRONT_RIGHT" not in nusc.sample[2]["data"] and "CAM_FRONT_RIGHT" in nusc.sample[3]["data"]
    assert {r["name"] for r in nusc.category} >= {"vehicle.car", "vehicle.truck", "human.pedestrian.adult"}
    for table in ("scene", "sample", "sample_data", "sample_annotation", "instance", "category", "attribute",
                  "calibrated_sensor", "ego_pose", "sensor", "log", "map", "visibility"):
        assert (out / VERSION / f"{table}.json").is_file()


def test_lidar_boxes_match_ours(sample, exported, nusc):
    """The devkit's boxes in the LiDAR frame (its own global -> ego -> sensor chain) are ours."""
    sidecar = json.loads((exported[0] / VERSION / SIDECAR).read_text())
    ours = our_cuboids(sample)
    n = 0
    for s in nusc.sample:
        path, boxes, _ = nusc.get_sample_data(s["data"]["LIDAR_TOP"])
        for box in boxes:
            fid, c = ours[sidecar["annotations"][box.token]["id"]]
            assert sidecar["frames"][s["token"]] == fid
            np.testing.assert_allclose(box.center, c.center, atol=1e-6)
            np.testing.assert_allclose(box.wlh, [c.size_lwh[1], c.size_lwh[0], c.size_lwh[2]], atol=1e-9)
            theirs = box.corners().T  # (8, 3), their corner order
            d = np.linalg.norm(c.corners()[:, None] - theirs[None], axis=2)
            assert d.min(axis=1).max() < 1e-6
            n += 1
    assert n == len(ours)
    # num_lidar_pts is the exact count of returns in the oriented box.
    cloud = sample.load_cloud("000004")
    for token in nusc.sample[4]["anns"]:
        _, c = ours[sidecar["annotations"][token]["id"]]
        assert nusc.get("sample_annotation", token)["num_lidar_pts"] == points_in_cuboid_mask(cloud.xyz, c).sum()
    # The sweep file: float32 x5, LiDAR frame, what the dataset holds.
    pc = LidarPointCloud.from_file(nusc.get_sample_data_path(nusc.sample[4]["data"]["LIDAR_TOP"]))
    np.testing.assert_allclose(pc.points[:3].T, cloud.xyz, atol=1e-6)
    np.testing.assert_allclose(pc.points[3], cloud.intensity, atol=1e-6)


def test_camera_boxes_match_ours(sample, nusc):
    """In a camera the devkit uses that frame's own ego pose: box_cam = T_cam_from_lidar
    T_lidar(t_cam)_from_world T_world_from_lidar(t_sweep) box."""
    ours = our_cuboids(sample)
    sidecar_ids = {}
    fid = "000005"
    s = nusc.sample[5]
    rig = sample.rig(fid)
    for cam in rig.camera_names:
        channel = f"CAM_{cam.upper()}"
        _, boxes, K = nusc.get_sample_data(s["data"][channel], box_vis_level=BoxVisibility.NONE)
        np.testing.assert_allclose(K, pinhole_of(rig[cam].camera).K_matrix)
        m = sample.sync(fid)[cam]
        T = rig[cam].T @ invert(sample.pose_at(sample.timestamps[fid] + m.dt)) @ sample.poses[fid]
        assert boxes
        for box in boxes:
            sidecar_ids.setdefault(box.token, box)
            c = next(c for f, c in ours.values() if f == fid and np.allclose(
                transform_points(T, [c.center])[0], box.center, atol=1e-6))
            assert c is not None


def test_devkit_renders_our_boxes(exported, nusc, tmp_path):
    """render_sample_data draws our boxes: the car colour of the devkit's palette appears in the
    camera rendering with annotations and not without (the sample scene has no orange)."""
    s = nusc.sample[5]
    with_boxes, without = tmp_path / "cam.png", tmp_path / "cam_plain.png"
    nusc.render_sample_data(s["data"]["CAM_FRONT"], out_path=str(with_boxes), verbose=False)
    nusc.render_sample_data(s["data"]["CAM_FRONT"], with_anns=False, out_path=str(without), verbose=False)
    car = np.array(nusc.colormap["vehicle.car"])

    def car_pixels(path):
        rgb = np.asarray(Image.open(path).convert("RGB")).astype(int)
        return int((np.abs(rgb - car).sum(axis=2) < 30).sum())
    assert car_pixels(with_boxes) > 2000 and car_pixels(without) < 50
    bev = tmp_path / "lidar.png"
    nusc.render_sample_data(s["data"]["LIDAR_TOP"], out_path=str(bev), verbose=False, underlay_map=False,
                            axes_limit=20)
    assert car_pixels(bev) > 500


def test_import_restores_our_labels(sample, exported, tmp_path):
    store = AnnotationStore(tmp_path / "s.sqlite")
    result = import_nuscenes(sample, store, exported[0], "nu")
    ref = ReferenceSet(sample)
    assert result["frames"] == 10 and result["polylines"] > 0
    for fid in sample.frame_ids:
        want = {a.id: a for a in ref.frame(fid)}
        got = {a.id: a for a in store.frame(fid, "nu")}
        assert set(got) == set(want)
        for aid, w in want.items():
            g = got[aid]
            assert (g.label, g.track_id, dict(g.attributes)) == (w.label, w.track_id, dict(w.attributes))
            if hasattr(w, "corners"):
                np.testing.assert_allclose(g.corners(), w.corners(), atol=1e-6)


def test_import_without_sidecar_maps_classes(sample, exported, tmp_path):
    """Another tool's nuScenes: classes and attributes through the map (Van becomes Car:
    nuScenes' car includes vans), instances as tracks, frames matched by LiDAR timestamps."""
    other = tmp_path / "other"
    shutil.copytree(exported[0] / VERSION, other / VERSION)
    (other / VERSION / SIDECAR).unlink()
    store = AnnotationStore(tmp_path / "s.sqlite")
    import_nuscenes(sample, store, other, "other")
    ref = ReferenceSet(sample)
    for fid in ("000000", "000009"):
        want = sorted(ref.frame(fid).cuboids, key=lambda c: c.center)
        got = sorted(store.frame(fid, "other").cuboids, key=lambda c: c.center)
        assert len(got) == len(want)
        for w, g in zip(want, got):
            np.testing.assert_allclose(g.corners(), w.corners(), atol=1e-6)
            assert g.label == {"Van": "Car"}.get(w.label, w.label)
            assert g.attributes["occluded"] == 0
            if w.label != "Cyclist":  # nuScenes' cycle attributes say rider or not, not moving
                assert g.attributes["moving"] == w.attributes["moving"]
        # One track id per nuScenes instance: the same grouping as ours.
        pairs = {(w.track_id, g.track_id) for w, g in zip(want, got)}
        assert len({a for a, _ in pairs}) == len({b for _, b in pairs}) == len(pairs)


@pytest.mark.parametrize("label, attrs, category, names", [
    ("Car", {"moving": True}, "vehicle.car", ["vehicle.moving"]),
    ("Van", {"moving": False, "parked": True}, "vehicle.car", ["vehicle.parked"]),
    ("Truck", {"moving": False}, "vehicle.truck", ["vehicle.stopped"]),
    ("Pedestrian", {"moving": False}, "human.pedestrian.adult", ["pedestrian.standing"]),
    ("Person_sitting", {}, "human.pedestrian.adult", ["pedestrian.sitting_lying_down"]),
    ("Cyclist", {}, "vehicle.bicycle", ["cycle.with_rider"]),  # nuScenes cycles: rider or not, no motion
    ("vehicle.trailer", {}, "vehicle.trailer", []),
])
def test_class_and_attribute_map_both_ways(label, attrs, category, names):
    assert category_of(label) == category
    assert attributes_of(label, category, attrs) == names
    back, back_attrs = from_nuscenes(category, names, "4")
    assert back == {"Van": "Car"}.get(label, label)
    for k in ("moving", "parked"):
        if k in attrs:
            assert back_attrs[k] == attrs[k]
    assert back_attrs["occluded"] == 0
    assert category_of("Rover") is None  # exported as movable_object.pushable_pullable and reported


def test_bad_input(sample, exported, tmp_path):
    store = AnnotationStore(tmp_path / "s.sqlite")
    with pytest.raises(PointlabelError, match="not a nuScenes dataroot"):
        import_nuscenes(sample, store, tmp_path)
    broken = tmp_path / "broken"
    shutil.copytree(exported[0] / VERSION, broken / VERSION)
    (broken / VERSION / "ego_pose.json").unlink()
    with pytest.raises(PointlabelError, match="ego_pose.json is missing"):
        import_nuscenes(sample, store, broken)
    (broken / VERSION / "ego_pose.json").write_text("[{oops")
    with pytest.raises(PointlabelError, match="not JSON"):
        import_nuscenes(sample, store, broken)
    # Samples that match no sweep (shifted clock, no sidecar, other frame count) are refused.
    shutil.copyfile(exported[0] / VERSION / "ego_pose.json", broken / VERSION / "ego_pose.json")
    (broken / VERSION / SIDECAR).unlink()
    for table in ("sample", "sample_data"):
        rows = json.loads((broken / VERSION / f"{table}.json").read_text())
        for r in rows:
            r["timestamp"] += 5_000_000
        (broken / VERSION / f"{table}.json").write_text(json.dumps(rows))
    rows = json.loads((broken / VERSION / "sample.json").read_text())
    (broken / VERSION / "sample.json").write_text(json.dumps(rows[:-1]))
    with pytest.raises(PointlabelError, match="cannot match the 9 nuScenes samples"):
        import_nuscenes(sample, store, broken)
    assert store.label_sets() == []
    with pytest.raises(PointlabelError, match="exists and is not empty"):
        export_nuscenes(sample, ReferenceSet(sample), exported[0])


def test_cli(sample, tmp_path, capsys):
    out, db = tmp_path / "nu", tmp_path / "cli.sqlite"
    assert main(["export", str(sample.root), "--format", "nuscenes", "--set", "reference", "--out", str(out),
                 "--db", str(db)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["samples"] == 10 and (out / VERSION / "sample.json").is_file()
    assert main(["import-labels", str(sample.root), "--format", "nuscenes", "--from", str(out), "--db", str(db),
                 "--set", "back"]) == 0
    assert json.loads(capsys.readouterr().out)["cuboids"] == summary["annotations"]


def test_kitti_frames_export_and_import(kitti_root, tmp_path):
    """A dataset without timestamps or poses, with a calibration per frame: 10 Hz times from 0,
    identity ego poses, a calibrated_sensor per distinct camera; the devkit's LiDAR boxes are
    ours and the import (no sidecar, matched by order) gives them back."""
    ds = open_dataset(kitti_root)
    ref = ReferenceSet(ds)
    export_nuscenes(ds, ref, tmp_path / "nu")
    nu = NuScenes(version=VERSION, dataroot=str(tmp_path / "nu"), verbose=False)
    assert [s["timestamp"] for s in sorted(nu.sample, key=lambda s: s["timestamp"])] == \
        [k * 100_000 for k in range(len(ds.frame_ids))]
    cams = [c for c in nu.calibrated_sensor if c["camera_intrinsic"]]
    assert len(cams) == len({ds.rig(f)["image_2"].T.tobytes() for f in ds.frame_ids})
    for s in nu.sample:
        fid = ds.frame_ids[nu.sample.index(s)]
        _, boxes, _ = nu.get_sample_data(s["data"]["LIDAR_TOP"])
        want = sorted((c.center for c in ref.frame(fid).cuboids))
        np.testing.assert_allclose(sorted(b.center.tolist() for b in boxes), want, atol=1e-6)
        _, _, K = nu.get_sample_data(s["data"]["CAM_IMAGE_2"])
        np.testing.assert_allclose(K, ds.rig(fid)["image_2"].camera.K_matrix)
    (tmp_path / "nu" / VERSION / SIDECAR).unlink()
    store = AnnotationStore(tmp_path / "s.sqlite")
    import_nuscenes(ds, store, tmp_path / "nu", "k")
    for fid in ds.frame_ids:
        got = sorted(store.frame(fid, "k").cuboids, key=lambda c: c.center)
        want = sorted(ref.frame(fid).cuboids, key=lambda c: c.center)
        lossy = {"Van": "Car", "Misc": "movable_object.pushable_pullable"}  # nuScenes has no van, no misc
        assert [g.label for g in got] == [lossy.get(w.label, w.label) for w in want]
        for g, w in zip(got, want):
            np.testing.assert_allclose(g.corners(), w.corners(), atol=1e-6)


def test_golden_export(tiny, tmp_path):
    """Values worked out by hand for the tiny dataset of conftest.py."""
    root, labels = tiny
    ds = open_dataset(root)
    rejected = Cuboid((8, -3, -1), (4, 2, 1.5), 0.0, status="rejected", id="no")
    labels.frames["000001"] = FrameAnnotations.from_annotations("000001", [*labels.frame("000001"), rejected])
    export_nuscenes(ds, labels, tmp_path / "nu")
    store = AnnotationStore(tmp_path / "s.sqlite")
    import_nuscenes(ds, store, tmp_path / "nu", "back")  # a rejected box is no nuScenes object, yet kept
    assert store.frame("000001", "back").get("no") == rejected and store.frame("000000", "back").get("lane0")
    table = lambda name: json.loads((tmp_path / "nu" / VERSION / f"{name}.json").read_text())  # noqa: E731
    anns = sorted(table("sample_annotation"), key=lambda a: a["translation"][0])
    # Sweep 1: the car at (5.5, 1, -1) in the LiDAR frame, the LiDAR at world x = 11.
    assert anns[1]["translation"] == pytest.approx([16.5, 1.0, -1.0])
    assert anns[1]["size"] == [2.0, 4.0, 1.5]  # w l h
    assert anns[1]["rotation"] == pytest.approx([math.sqrt(0.5), 0, 0, math.sqrt(0.5)])  # w x y z
    assert anns[1]["num_lidar_pts"] == 3 and anns[1]["visibility_token"] == "4"
    moving = next(a for a in table("attribute") if a["name"] == "vehicle.moving")["token"]
    assert anns[0]["attribute_tokens"] == [moving] and anns[0]["next"] == anns[1]["token"]
    (inst,) = table("instance")
    assert inst["nbr_annotations"] == 2 and inst["first_annotation_token"] == anns[0]["token"]
    car = next(c for c in table("category") if c["token"] == inst["category_token"])
    assert car["name"] == "vehicle.car"
    # Ego poses: the sweep's at its own time, the camera's at 100.11 s (interpolated: x = 11.1).
    poses = {p["timestamp"]: p for p in table("ego_pose")}
    assert poses[100_100_000]["translation"] == pytest.approx([11.0, 0, 0])
    assert poses[100_110_000]["translation"] == pytest.approx([11.1, 0, 0])
    cam = next(c for c in table("calibrated_sensor") if c["camera_intrinsic"])
    assert cam["translation"] == pytest.approx([0.5, 0.0, -0.2]) and cam["camera_intrinsic"] == [
        [100.0, 0.0, 50.0], [0.0, 100.0, 40.0], [0.0, 0.0, 1.0]]
    q = np.array(cam["rotation"])  # R_lidar_from_cam = [[0, 0, 1], [-1, 0, 0], [0, -1, 0]]
    assert q * np.sign(q[0]) == pytest.approx([0.5, -0.5, 0.5, -0.5])
    lidar_files = sorted(r["filename"] for r in table("sample_data") if r["fileformat"] == "pcd")
    assert lidar_files == ["samples/LIDAR_TOP/tiny__LIDAR_TOP__100000000.pcd.bin",
                           "samples/LIDAR_TOP/tiny__LIDAR_TOP__100100000.pcd.bin"]
    pts = np.fromfile(tmp_path / "nu" / lidar_files[1], dtype="<f4").reshape(-1, 5)
    assert pts[0].tolist() == [5.5, 1.0, -1.0, 0.0, 0.0]
