"""Parsers refuse at parse time what cannot be used (issue 13), with our one-line errors:
singular or non-rigid calibration, hostile label numbers, PCD/LAS counts the file cannot hold,
rig / timestamps / poses JSON of the wrong types; links out of a dataset and stray files are
skipped and reported while the rest opens. Inputs found by benchmarks/fuzz_parsers.py are
kept here as literals."""
import json
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from calibration.errors import CalibrationError
from calibration.kitti_calib import parse_kitti_calib, read_kitti_calib
from calibration.rig import Rig
from calibration.transforms import check_rigid, check_rotation
from pointlabel.cli import main
from pointlabel.datasets.clouds import read_cloud
from pointlabel.datasets.detect import open_dataset
from pointlabel.datasets.kitti import KittiDataset
from pointlabel.datasets.native import NativeDataset
from pointlabel.errors import PointlabelError
from pointlabel.formats import frame_json
from pointlabel.formats.kitti_label import parse_label_line
from pointlabel.formats.openpcdet import decode

CALIB = Path(__file__).resolve().parents[2].parent / "shared" / "kitti" / "training" / "calib" / "000008.txt"
GOOD_LINE = "Car 0.00 0 -1.57 587.01 173.33 614.12 200.12 1.50 1.60 3.90 1.00 2.00 10.00 -1.57"


def calib_with(key: str, values: str) -> str:
    lines = [ln for ln in CALIB.read_text().splitlines() if ln.strip()]
    return "\n".join(f"{key}: {values}" if ln.split(":")[0] == key else ln for ln in lines) + "\n"


# -- calibration -------------------------------------------------------------------------------
def test_real_kitti_calibration_passes(kitti_root):
    for f in sorted((kitti_root / "calib").glob("*.txt")):
        read_kitti_calib(f)


@pytest.mark.parametrize("key, values, words", [
    ("R0_rect", " ".join(["0"] * 9), "singular"),
    ("Tr_velo_to_cam", " ".join(["0"] * 12), "singular"),
    ("R0_rect", "1 0 0 0 1 0 0 0 -1", "reflection"),
    ("R0_rect", "2 0 0 0 2 0 0 0 2", "not orthonormal"),
    ("R0_rect", "1 0.1 0 0 1 0 0 0 1", "not orthonormal"),
    ("Tr_velo_to_cam", "0 -1 0 0 0 0 -1 0 1 0 0 20000", "beyond"),
    ("P2", "0 0 609.6 44.9 0 721.5 172.9 0.2 0 0 1 0.003", "pinhole"),
    ("P2", "721.5 0 609.6 44.9 0 721.5 172.9 0.2 0 0 0 0", "pinhole"),
    ("R0_rect", "1 0 0 0 1 0 0 0 nan", "non-finite"),
])
def test_unusable_calibration_is_refused_at_parse_time(key, values, words):
    with pytest.raises(CalibrationError, match=words):
        parse_kitti_calib(calib_with(key, values), "c.txt")


def test_all_zero_r0_rect_in_a_dataset_is_our_error_not_a_linalg_traceback(kitti_root, tmp_path, capsys):
    root = tmp_path / "k"
    for sub, ext in (("velodyne", "bin"), ("image_2", "png"), ("calib", "txt")):
        (root / sub).mkdir(parents=True)
        shutil.copyfile(kitti_root / sub / f"000008.{ext}", root / sub / f"000008.{ext}")
    (root / "calib" / "000008.txt").write_text(calib_with("R0_rect", " ".join(["0"] * 9)))
    with pytest.raises(PointlabelError, match="R0_rect is not a rotation"):
        KittiDataset(root).rig("000008")
    assert main(["export", str(root), "--format", "kitti", "--out", str(tmp_path / "o"),
                 "--db", str(tmp_path / "d.sqlite")]) == 2
    err = capsys.readouterr().err
    assert "R0_rect" in err and "Traceback" not in err and not (tmp_path / "o").exists()


def test_rotation_checks():
    assert np.allclose(check_rigid(np.eye(4)), np.eye(4))
    R6 = np.round(np.array([[0.9999239, 0.0098378, -0.0074450], [-0.0098698, 0.9999421, -0.0042785],
                            [0.0074025, 0.0043516, 0.9999631]]), 6)  # KITTI's 6-decimal R0_rect
    check_rotation(R6)
    with pytest.raises(CalibrationError, match="last row"):
        check_rigid(np.diag([1, 1, 1, 2.0]))


RIG_CAM = {"K": [[800, 0, 480], [0, 800, 270], [0, 0, 1]], "width": 960, "height": 540, "dist": None,
           "T_cam_from_lidar": [[0, -1, 0, 0], [0, 0, -1, 0], [1, 0, 0, 0], [0, 0, 0, 1]]}


@pytest.mark.parametrize("change, words", [
    ({"T_cam_from_lidar": [[0] * 4] * 3 + [[0, 0, 0, 1]]}, "singular"),
    ({"T_cam_from_lidar": [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, -1, 0], [0, 0, 0, 1]]}, "reflection"),
    ({"K": [[800, 0, 480], [0, 800, 270], [0, 0, 0]]}, "pinhole"),
    ({"K": [[0, 0, 0], [0, 0, 0], [0, 0, 0]]}, "pinhole"),
    ({"K": "eye"}, "3x3"),
    ({"width": True}, "width"), ({"width": 960.5}, "width"), ({"height": -1}, "height"),
    ({"dist": ["a"]}, "dist"), ({"dist": [float("nan")]}, "dist"),
    ({"time_offset": float("inf")}, "time_offset"), ({"time_offset": "0.1"}, "time_offset"),
])
def test_bad_rig_is_refused(change, words):
    with pytest.raises(CalibrationError, match=words):
        Rig.from_dict({"cameras": {"front": {**RIG_CAM, **change}}})


@pytest.mark.parametrize("data", [[], "rig", None, {"cameras": []}, {"cameras": {"a": 3}}, {"lidar": 5}])
def test_rig_of_the_wrong_shape_is_refused(data):
    with pytest.raises(CalibrationError):
        Rig.from_dict(data)


# -- native JSON ----------------------------------------------------------------------------------
@pytest.fixture
def native(tmp_path) -> Path:
    root = tmp_path / "seq"
    (root / "lidar").mkdir(parents=True)
    for stem in ("000000", "000001"):
        np.ones((3, 4), "<f4").tofile(root / "lidar" / f"{stem}.bin")
    (root / "cameras" / "front").mkdir(parents=True)
    (root / "cameras" / "front" / "000000.png").write_bytes(b"")
    (root / "rig.json").write_text(json.dumps({"lidar": "l", "cameras": {"front": RIG_CAM}}))
    (root / "dataset.json").write_text(json.dumps({"format": "pointlabel-native", "version": 1}))
    return root


@pytest.mark.parametrize("text", [
    '{"lidar": {"000000": true}}', '{"lidar": {"000000": NaN}}', '{"lidar": {"000000": Infinity}}',
    '{"lidar": {"000000": "1.5"}}', '{"lidar": {"000000": [1]}}', '{"lidar": {"000000": 1e300}}',
    '{"lidar": []}', '{"cameras": {"front": 3}}', '{"cameras": [1]}', '[]', '3',
])
def test_bad_timestamps_are_refused(native, text):
    (native / "timestamps.json").write_text(text)
    with pytest.raises(PointlabelError, match="timestamps.json"):
        NativeDataset(native).sync("000000")


@pytest.mark.parametrize("tolerance", ["0.05", -1, float("nan"), True, [0.1]])
def test_bad_sync_tolerance_is_refused(native, tolerance):
    (native / "dataset.json").write_text(json.dumps({"format": "pointlabel-native", "version": 1,
                                                     "sync_tolerance": tolerance}))
    with pytest.raises(PointlabelError, match="sync_tolerance"):
        NativeDataset(native)


def test_bad_poses_are_refused(native):
    (native / "poses.json").write_text(json.dumps({"lidar": {"000000": [[0] * 4] * 4}}))
    with pytest.raises(PointlabelError, match="poses.json.*(rotation|last row)"):
        NativeDataset(native).poses
    (native / "poses.json").write_text(json.dumps({"lidar": {"000000": "eye"}}))
    with pytest.raises(PointlabelError, match="4x4"):
        NativeDataset(native).poses


def test_bad_rig_json_is_one_error(native):
    (native / "rig.json").write_text(json.dumps({"cameras": {"front": {**RIG_CAM, "K": [[0] * 3] * 3}}}))
    with pytest.raises(PointlabelError, match="bad rig: camera 'front': K is not a pinhole"):
        NativeDataset(native).rig("000000")


# -- labels --------------------------------------------------------------------------------------
@pytest.mark.parametrize("field, value, words", [
    (12, "1e300", "position"), (11, "10001", "position"), (8, "1e4", "size"), (3, "8_4", "not a number"),
    (11, "\u0663", "non-ASCII"), (11, "\uff18", "non-ASCII"), (11, "nan", "not a number"),
    (11, "inf", "not a number"), (11, "0x10", "not a number"), (14, "12.6", "angle"),
    (1, "1.5", "truncated"), (2, "7", "occluded"), (5, "1e6", "2D box"),
])
def test_hostile_label_values_are_refused(field, value, words):
    fields = GOOD_LINE.split()
    fields[field] = value
    with pytest.raises(PointlabelError, match=words):
        parse_label_line(" ".join(fields), "f.txt:1")


def test_kitti_label_placeholders_and_real_files_pass(kitti_root):
    parse_label_line("DontCare -1 -1 -10 503.89 169.71 590.61 190.13 -1 -1 -1 -1000 -1000 -1000 -10")
    n = 0
    for f in sorted((kitti_root / "label_2").glob("*.txt")):
        for line in f.read_text().splitlines():
            parse_label_line(line)
            n += 1
    assert n > 50


@pytest.mark.parametrize("text", [
    "1e300",  # fuzz crasher: a top level that is not an object (AttributeError)
    '{"frame": 8.6e-145, "annotations": [0.5], "format": "pointlabel-frame"}',  # fuzz: non-object annotation
    '{"frame": "0", "annotations": {"a": 1}}',
    '{"frame": "0", "annotations": [{"type": "cuboid", "center": [1e300, 0, 0], "size_lwh": [1, 1, 1], "yaw": 0}]}',
    '{"frame": "0", "annotations": [{"type": "cuboid", "center": [0, 0, 0], "size_lwh": [5000, 1, 1], "yaw": 0}]}',
    '{"frame": "0", "annotations": [{"type": "cuboid", "center": [0, 0, 0], "size_lwh": [1, 1, 1], "yaw": 0, "track_id": 1.5}]}',
    '{"frame": "0", "annotations": [{"type": "cuboid", "center": [0, 0, 0], "size_lwh": [1, 1, 1], "yaw": 0, "label": 7}]}',
    '{"frame": "0", "annotations": [{"type": "cuboid", "center": [0, 0, 0], "size_lwh": [1, 1, 1], "yaw": 0, "status": "x"}]}',
    '{"frame": "0", "annotations": [{"type": "cuboid", "center": [0, 0, 0], "size_lwh": [1, 1, 1], "yaw": 0, "confidence": 7}]}',
    '{"frame": "0", "annotations": [{"type": "polyline", "vertices": [[0, 0, 0], [2e4, 0, 0]]}]}',
])
def test_bad_frame_json_is_refused(text):
    with pytest.raises(PointlabelError):
        frame_json.from_text(text, "f.json")


def test_dontcare_regions_survive_the_json_round_trip(kitti_root):
    """Fuzz crasher: the plausibility check asked a DontCare region for a label it has not."""
    from calibration.kitti_calib import read_kitti_calib as read
    from pointlabel.formats.kitti_label import annotations_from_text
    text = ("DontCare -1 -1 -10 503.89 169.71 590.61 190.13 -1 -1 -1 -1000 -1000 -1000 -10\n" + GOOD_LINE)
    frame = annotations_from_text(text, read(kitti_root / "calib" / "000008.txt"), "000008", "f.txt")
    again = frame_json.from_text(frame_json.to_text(frame))
    assert len(again.dontcares) == 1 and len(again.cuboids) == 1


def test_openpcdet_box_beyond_10_km_is_refused():
    data = json.dumps({"format": "openpcdet", "frames": {"000008": {
        "boxes_lidar": [[1e300, 0, 0, 4, 2, 1.5, 0]], "score": [0.9], "name": ["Car"]}}}).encode()
    with pytest.raises(PointlabelError, match="beyond"):
        decode(data, "r.json")


# -- point clouds -----------------------------------------------------------------------------------
PCD_HEAD = "VERSION .7\nFIELDS x y z\nSIZE 4 4 4\nTYPE F F F\n"


@pytest.mark.parametrize("name, data, words", [
    ("count", PCD_HEAD + "COUNT 1 1 1000000000\nWIDTH 1\nPOINTS 1\nDATA binary\n" + "\0" * 12, r"bytes \(COUNT x SIZE\)"),
    ("count-ascii", PCD_HEAD + "COUNT 1 1 1000000000\nWIDTH 1\nPOINTS 1\nDATA ascii\n1 2 3\n", "COUNT x SIZE"),
    ("count-20", PCD_HEAD + "COUNT 1 1 99999999999999999999\nWIDTH 1\nPOINTS 1\nDATA ascii\n1 2 3\n", "whole numbers"),
    ("points-ascii", PCD_HEAD + "WIDTH 1000000000\nPOINTS 1000000000\nDATA ascii\n1 2 3\n", "cannot hold"),
    ("points-lzf", PCD_HEAD + "WIDTH 100000000\nPOINTS 100000000\nDATA binary_compressed\n"
     "\x10\0\0\0\0\x2c\x4c\x47" + "\0" * 16, "cannot hold"),
    ("underscore", PCD_HEAD + "WIDTH 1_0\nPOINTS 10\nDATA ascii\n1 2 3\n", "whole numbers"),
    ("unicode", PCD_HEAD + "WIDTH \u0663\nPOINTS 3\nDATA ascii\n1 2 3\n", "whole numbers"),
])
def test_pcd_counts_that_cannot_fit_are_our_error(tmp_path, name, data, words):
    path = tmp_path / f"{name}.pcd"
    path.write_bytes(data.encode("utf-8") if name == "unicode" else data.encode("latin-1"))
    with pytest.raises(PointlabelError, match=words):
        read_cloud(path)


def test_las_with_billions_of_vlrs_is_refused_at_once(tmp_path):
    """Fuzz crasher: a flipped number_of_vlrs made laspy loop for minutes (2.8 GB)."""
    import laspy
    las = laspy.create(point_format=3, file_version="1.2")
    las.x, las.y, las.z = np.array([1.0, 2.0]), np.array([3.0, 4.0]), np.array([5.0, 6.0])
    path = tmp_path / "v.las"
    las.write(str(path))
    data = bytearray(path.read_bytes())
    data[100:104] = (1140850688).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    t0 = time.perf_counter()
    with pytest.raises(PointlabelError, match="VLRs"):
        read_cloud(path)
    assert time.perf_counter() - t0 < 1.0


# -- links and stray files -----------------------------------------------------------------------------
@pytest.fixture
def kitti(tmp_path, kitti_root) -> Path:
    root = tmp_path / "k"
    for sub, ext in (("velodyne", "bin"), ("image_2", "png"), ("calib", "txt"), ("label_2", "txt")):
        (root / sub).mkdir(parents=True)
        for f in ("000008", "000010"):
            shutil.copyfile(kitti_root / sub / f"{f}.{ext}", root / sub / f"{f}.{ext}")
    return root


def test_links_out_of_the_dataset_are_skipped_and_links_inside_kept(kitti, tmp_path):
    outside = tmp_path / "secret.bin"
    np.ones((2, 4), "<f4").tofile(outside)
    os.symlink(outside, kitti / "velodyne" / "000011.bin")
    os.symlink(kitti / "velodyne" / "000008.bin", kitti / "velodyne" / "000012.bin")  # inside: fine
    shutil.copyfile(kitti / "calib" / "000008.txt", kitti / "calib" / "000012.txt")
    ds = KittiDataset(kitti)
    assert ds.frame_ids == ["000008", "000010", "000012"]
    assert [(f.path.name, "outside the dataset" in f.reason) for f in ds.skipped] == [("000011.bin", True)]


def test_a_calibration_link_out_of_the_dataset_is_refused(kitti, tmp_path):
    outside = tmp_path / "c.txt"
    shutil.copyfile(kitti / "calib" / "000010.txt", outside)
    (kitti / "calib" / "000010.txt").unlink()
    os.symlink(outside, kitti / "calib" / "000010.txt")
    with pytest.raises(PointlabelError, match="outside the dataset"):
        KittiDataset(kitti).calib("000010")


def test_native_json_link_out_of_the_dataset_is_refused(native, tmp_path):
    outside = tmp_path / "rig.json"
    shutil.move(native / "rig.json", outside)
    os.symlink(outside, native / "rig.json")
    with pytest.raises(PointlabelError, match="outside the dataset"):
        NativeDataset(native).rig("000000")


def test_one_stray_file_is_reported_and_the_rest_opens(kitti, tmp_path, capsys):
    (kitti / "velodyne" / "--help.bin").write_bytes(b"hello\n")
    (kitti / "velodyne" / "000099.bin").write_bytes(b"\0" * 15)  # not a whole point
    ds = open_dataset(kitti)
    assert ds.frame_ids == ["000008", "000010"]
    assert sorted(f.path.name for f in ds.skipped) == ["--help.bin", "000099.bin"]
    assert main(["info", str(kitti), "--json"]) == 1  # info says so (exit 1) ...
    out, err = capsys.readouterr()
    summary = json.loads(out)
    assert len(summary["frames"]) == 2 and len(summary["skipped"]) == 2
    assert "--help.bin: skipped (not a frame name" in err and "Traceback" not in err
    db = tmp_path / "d.sqlite"  # ... and every other command works on the rest
    assert main(["export", str(kitti), "--format", "kitti", "--out", str(tmp_path / "o"), "--db", str(db)]) == 0
    assert sorted(p.name for p in (tmp_path / "o" / "label_2").iterdir()) == ["000008.txt", "000010.txt"]


def test_folder_of_scans_skips_links_out(tmp_path, scans_root):
    scans = tmp_path / "scans"
    scans.mkdir()
    shutil.copyfile(scans_root / "bunny.pcd", scans / "bunny.pcd")
    os.symlink(scans_root / "samp11-utm.pcd", scans / "utm.pcd")
    ds = open_dataset(scans)
    assert ds.frame_ids == ["bunny"] and ds.skipped[0].path.name == "utm.pcd"


def _small_las(tmp_path) -> bytearray:
    import laspy
    las = laspy.create(point_format=3, file_version="1.2")
    las.x, las.y, las.z = np.array([1.0, 2.0]), np.array([3.0, 4.0]), np.array([5.0, 6.0])
    path = tmp_path / "seed.las"
    las.write(str(path))
    return bytearray(path.read_bytes())


def test_las_point_offset_beyond_the_file_is_refused_before_laspy_allocates(tmp_path):
    """Fuzz crasher: a flipped offset_to_point_data made laspy read 4 GB up front (MemoryError)."""
    data = _small_las(tmp_path)
    data[96:100] = (0xF0000000).to_bytes(4, "little")
    (tmp_path / "o.las").write_bytes(bytes(data))
    with pytest.raises(PointlabelError, match="beyond the end of the file"):
        read_cloud(tmp_path / "o.las")


def test_las_header_cut_inside_laspy_is_our_error(tmp_path):
    """Fuzz crasher: a header whose version byte says 1.94 made laspy fail with struct.error."""
    data = _small_las(tmp_path)
    data[25] = 94  # minor version: laspy reads a 1.4 header from a 1.2 file (struct.error)
    (tmp_path / "v.las").write_bytes(bytes(data))
    with pytest.raises(PointlabelError, match="bad LAS/LAZ: unpack requires"):
        read_cloud(tmp_path / "v.las")


def test_las_with_a_broken_scale_drops_far_points_never_non_finite(tmp_path):
    """Fuzz crasher: a scale of -1e37 gave float32 coordinates of -inf."""
    data = _small_las(tmp_path)
    data[131:139] = np.array([-1e37], "<f8").tobytes()  # x scale factor
    (tmp_path / "s.las").write_bytes(bytes(data))
    cloud = read_cloud(tmp_path / "s.las")
    assert np.isfinite(cloud.xyz).all() and cloud.dropped.get("far") == 2 and len(cloud.xyz) == 0


def test_pcd_double_coordinates_beyond_the_earth_are_dropped(tmp_path):
    from pointlabel.datasets import pcd
    xyz = np.array([[1e300, 0, 0], [-1e300, 0, 0], [1.0, 2.0, 3.0]])
    pcd.write_pcd_columns(tmp_path / "f.pcd", {"x": xyz[:, 0], "y": xyz[:, 1], "z": xyz[:, 2]}, "binary")
    cloud = read_cloud(tmp_path / "f.pcd")
    assert np.isfinite(cloud.xyz).all() and cloud.dropped == {"far": 2} and len(cloud.xyz) == 1


@pytest.mark.parametrize("scale", ["1e", "1e400", "0", "-1", "1e9"])
def test_bad_units_comment_is_our_error(tmp_path, scale):
    (tmp_path / "u.pcd").write_text(f"# pointlabel units=mm scale_to_m={scale}\n" + PCD_HEAD
                                    + "WIDTH 1\nPOINTS 1\nDATA ascii\n1 2 3\n")
    with pytest.raises(PointlabelError, match="metres per unit"):
        read_cloud(tmp_path / "u.pcd")


def test_kitti_export_refuses_a_class_that_is_not_one_ascii_word(kitti_root):
    """Fuzz crasher: the API accepts the label '\u0663'; KITTI export wrote a line it refuses."""
    from calibration.kitti_calib import read_kitti_calib as read
    from pointlabel.formats.kitti_label import frame_to_lines
    from pointlabel.model import Cuboid, FrameAnnotations
    calib = read(kitti_root / "calib" / "000008.txt")
    cam2 = calib.to_rig({2: (1242, 375)})["image_2"]
    for label in ("\u0663", "Traffic cone"):
        frame = FrameAnnotations.from_annotations("000008", [Cuboid((10, 0, -0.8), (4, 1.6, 1.5), 0.0, label=label)])
        with pytest.raises(PointlabelError, match="cannot be a KITTI type"):
            frame_to_lines(frame, calib.T_rect_from_lidar, cam2)
    odd = Cuboid((10, 0, -0.8), (4, 1.6, 1.5), 0.0, attributes={"occluded": "x"})
    line = frame_to_lines(FrameAnnotations.from_annotations("000008", [odd]), calib.T_rect_from_lidar, cam2)[0]
    assert parse_label_line(line).occluded == 3  # unknown


PLY_HEAD = ("ply\nformat ascii 1.0\nelement vertex 2\nproperty float x\nproperty float y\nproperty double z\n"
            "property uchar red\nproperty uchar green\nproperty uchar blue\nelement face 1\n"
            "property list uchar int vertex_indices\nend_header\n")


def test_ply_list_length_beyond_its_type_is_our_error(tmp_path):
    """Fuzz crasher: plyfile raised OverflowError for a list of 330 items counted in a uchar."""
    (tmp_path / "l.ply").write_text(PLY_HEAD + "1 2 3 10 20 30\n4 5 6 1 2 3\n330 1 1\n")
    with pytest.raises(PointlabelError, match="bad PLY"):
        read_cloud(tmp_path / "l.ply")


def test_ply_double_coordinates_beyond_the_earth_are_dropped(tmp_path):
    """Fuzz crasher: a double z of -1.4e306 became -inf in float32."""
    (tmp_path / "d.ply").write_text(PLY_HEAD + "1 2 -1.4e306 10 20 30\n4 5 6 1 2 3\n3 0 1 1\n")
    cloud = read_cloud(tmp_path / "d.ply")
    assert np.isfinite(cloud.xyz).all() and cloud.dropped == {"far": 1} and len(cloud.xyz) == 1


# a pickled result.pkl whose float64 dtype state claims object references (flags 0x8b)
CRAFTED_DTYPE_PICKLE = (
    b'\x80\x04\x95`\x01\x00\x00\x00\x00\x00\x00]\x94}\x94(\x8c\x08frame_id\x94K\x08\x8c\x0bboxes_lidar\x94\x8c\x16'
    b'numpy._core.multiarray\x94\x8c\x0c_reconstruct\x94\x93\x94\x8c\x05numpy\x94\x8c\x07ndarray\x94\x93\x94K\x00'
    b'\x85\x94C\x01b\x94\x87\x94R\x94(K\x01K\x01K\xea\x86\x94h\x07\x8c\x05dtype\x94\x93\x94\x8c\x02f8\x94\x89\x88'
    b'\x87\x94R\x94(K\x03\x8c\x01<\x94NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x8bt\x94b\x89C8' + b'\x00' * 56
    + b'\x94t\x94b\x8c\x05score\x94h\x06h\tK\x00\x85\x94h\x0b\x87\x94R\x94(K\x01K\x01\x85\x94h\x13\x89C\x08\x00\x00'
    b'\x00\x00\x00\x00\xf0?\x94t\x94b\x8c\x04name\x94h\x06h\tK\x00\x85\x94h\x0b\x87\x94R\x94(K\x01K\x01\x85\x94h'
    b'\x10\x8c\x02U3\x94\x89\x88\x87\x94R\x94(K\x03h\x14NNNK\x0cK\x04K\x08t\x94b\x89C\x0cC\x00\x00\x00a\x00\x00'
    b'\x00r\x00\x00\x00\x94t\x94bua.')


def test_pickle_with_a_crafted_dtype_state_is_refused_before_numpy_sees_it():
    """Fuzz crasher: numpy failed inside its memory handling ('get_clear_loop not set'),
    printed as 'Exception ignored' from a destructor."""
    import gc
    import sys
    seen = []
    previous, sys.unraisablehook = sys.unraisablehook, seen.append
    try:
        with pytest.raises(PointlabelError, match="state numpy never writes"):
            decode(CRAFTED_DTYPE_PICKLE, "result.pkl")
        gc.collect()
    finally:
        sys.unraisablehook = previous
    assert seen == []


def test_real_pickles_still_load():
    import pickle
    for proto in (2, 4, 5):
        data = pickle.dumps([{"frame_id": 8, "boxes_lidar": np.array([[10, 1, -0.8, 4, 1.6, 1.5, 0.3]], np.float32),
                              "score": np.array([0.9], np.float32), "name": np.array(["Car"])}], protocol=proto)
        assert len(decode(data, "r.pkl")["000008"]) == 1
