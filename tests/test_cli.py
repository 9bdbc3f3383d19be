"""The CLI contract and its error handling: one clear line, non-zero exit, never a traceback."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pointlabel.cli import main


def make_kitti(tmp_path: Path, kitti_root: Path, frames=("000008", "000010")) -> Path:
    root = tmp_path / "kitti"
    for sub, ext in (("velodyne", "bin"), ("image_2", "png"), ("calib", "txt"), ("label_2", "txt")):
        (root / sub).mkdir(parents=True)
        for f in frames:
            shutil.copyfile(kitti_root / sub / f"{f}.{ext}", root / sub / f"{f}.{ext}")
    return root


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_help_runs_as_a_console_script():
    exe = Path(sys.executable).with_name("pointlabel")
    out = subprocess.run([str(exe), "--help"], capture_output=True, text=True, check=True).stdout
    for cmd in ("info", "import-labels", "export", "demo"):
        assert cmd in out


def test_info_on_kitti(kitti_root, capsys):
    code, out, _ = run(["info", kitti_root, "--json"], capsys)
    s = json.loads(out)
    assert code == 0 and s["kind"] == "kitti" and len(s["frames"]) == 10
    f0 = next(f for f in s["frames"] if f["id"] == "000000")
    assert f0["points"] == 115384 and f0["fields"] == ["intensity"] and f0["sync"]["image_2"]["ok"]
    assert s["cameras"][0]["name"] == "image_2"
    code, out, _ = run(["info", kitti_root], capsys)
    assert "000000" in out and "115384" in out


def test_import_export_round_trip_cli(kitti_root, tmp_path, capsys):
    db = tmp_path / "s.sqlite"
    code, out, _ = run(["import-labels", kitti_root, "--format", "kitti", "--from", kitti_root, "--db", db], capsys)
    assert code == 0 and json.loads(out)["frames"] == 10
    code, out, _ = run(["export", kitti_root, "--format", "kitti", "--out", tmp_path / "o", "--db", db,
                        "--copy-data"], capsys)
    assert code == 0 and json.loads(out)["frames"] == 10
    assert (tmp_path / "o" / "velodyne" / "000000.bin").read_bytes() == (kitti_root / "velodyne" / "000000.bin").read_bytes()
    assert (tmp_path / "o" / "image_2" / "000000.png").is_file()
    assert json.loads((tmp_path / "o" / "json" / "000008.json").read_text())["frame_of_reference"] == "lidar"


def _expect_error(argv, capsys, *needles):
    code, out, err = run(argv, capsys)
    assert code != 0
    assert "Traceback" not in err and err.count("\n") == 1, err
    for n in needles:
        assert n in err, err
    return err


def test_truncated_bin(kitti_root, tmp_path, capsys):
    root = make_kitti(tmp_path, kitti_root)
    b = root / "velodyne" / "000008.bin"
    b.write_bytes(b.read_bytes()[:-6])
    code, out, err = run(["info", root, "--json"], capsys)
    assert code != 0 and "000008.bin" in err and "16" in err and "Traceback" not in err
    s = json.loads(out)  # the good frame is still listed
    assert [f["id"] for f in s["frames"]] == ["000010"]  # the bad file is reported and skipped
    assert s["skipped"][0]["file"].endswith("000008.bin") and "multiple of 16" in s["skipped"][0]["reason"]


def test_nan_points_dropped_and_counted(kitti_root, tmp_path, capsys):
    root = make_kitti(tmp_path, kitti_root)
    b = root / "velodyne" / "000008.bin"
    pts = np.fromfile(b, dtype=np.float32).reshape(-1, 4)
    pts[:7, 1] = np.nan
    pts.tofile(b)
    code, out, _ = run(["info", root, "--json"], capsys)
    f = next(f for f in json.loads(out)["frames"] if f["id"] == "000008")
    assert code == 0 and f["dropped"].get("nan") == 7 and f["points"] == len(pts) - 7


def test_calib_missing_key(kitti_root, tmp_path, capsys):
    root = make_kitti(tmp_path, kitti_root)
    c = root / "calib" / "000008.txt"
    c.write_text("\n".join(l for l in c.read_text().splitlines() if not l.startswith("Tr_velo_to_cam")))
    _expect_error(["export", root, "--format", "kitti", "--out", tmp_path / "o", "--db", tmp_path / "d.sqlite"],
                  capsys, "000008.txt", "missing Tr_velo_to_cam")


def test_label_line_with_14_fields(kitti_root, tmp_path, capsys):
    root = make_kitti(tmp_path, kitti_root)
    lab = root / "label_2" / "000010.txt"
    lines = lab.read_text().splitlines()
    lines[2] = " ".join(lines[2].split()[:14])
    lab.write_text("\n".join(lines) + "\n")
    _expect_error(["import-labels", root, "--format", "kitti", "--from", root / "label_2",
                   "--db", tmp_path / "d.sqlite"], capsys, "000010.txt:3", "14 fields")


def test_image_size_disagrees_with_calibration(kitti_root, tmp_path, capsys):
    from PIL import Image
    root = make_kitti(tmp_path, kitti_root)
    Image.new("RGB", (320, 100)).save(root / "image_2" / "000008.png")
    _expect_error(["export", root, "--format", "kitti", "--out", tmp_path / "o", "--db", tmp_path / "d.sqlite"],
                  capsys, "000008.png", "does not match the calibration")


def test_unknown_frame_and_missing_path(kitti_root, tmp_path, capsys):
    _expect_error(["info", tmp_path / "nothing-here"], capsys, "no such file or folder")


def test_read_only_dataset_needs_db(kitti_root, tmp_path, capsys):
    _expect_error(["import-labels", kitti_root, "--format", "kitti", "--from", kitti_root], capsys,
                  "read-only", "--db")


def test_demo_no_serve_writes_a_native_sequence(tmp_path, capsys):
    code, out, _ = run(["demo", "--no-serve", "--out", tmp_path / "seq", "--frames", "2", "--seed", "3"], capsys)
    assert code == 0 and str(tmp_path / "seq") in out
    code, out, _ = run(["info", tmp_path / "seq", "--json"], capsys)
    s = json.loads(out)
    assert s["kind"] == "native" and [f["id"] for f in s["frames"]] == ["000000", "000001"]
    assert len(s["cameras"]) >= 3 and sum(c["distorted"] for c in s["cameras"]) >= 1
    assert all(f["points"] > 90000 for f in s["frames"])
    code, out, _ = run(["contact-sheet", tmp_path / "seq", "--out", tmp_path / "sheet.png"], capsys)
    from PIL import Image
    assert code == 0 and Image.open(tmp_path / "sheet.png").size[0] > 800


def test_export_reference_set_of_a_native_sequence(tmp_path, capsys):
    seq = tmp_path / "seq"
    run(["demo", "--no-serve", "--out", seq, "--frames", "1", "--seed", "5"], capsys)
    code, out, _ = run(["export", seq, "--format", "kitti", "--set", "reference", "--out", tmp_path / "o",
                        "--camera", "front"], capsys)
    summary = json.loads(out)
    assert code == 0 and summary["label_lines"] > 5 and summary["left_out"] > 0  # boxes behind the camera
    lines = (tmp_path / "o" / "label_2" / "000000.txt").read_text().splitlines()
    assert all(len(l.split()) == 15 for l in lines)
    assert {l.split()[0] for l in lines} & {"Car", "Pedestrian", "Cyclist", "Van"}
    n_json = len(json.loads((tmp_path / "o" / "json" / "000000.json").read_text())["annotations"])
    assert n_json == summary["label_lines"] + summary["left_out"] + sum(
        1 for a in json.loads((tmp_path / "o" / "json" / "000000.json").read_text())["annotations"]
        if a["type"] == "polyline")


def test_frame_outside_the_dataset_is_refused(kitti_root, capsys):
    _expect_error(["fit", kitti_root, "--frame", "../../etc/passwd", "--seed=10,0,0", "--json"], capsys,
                  "no frame '../../etc/passwd'")


def test_distorted_camera_exports_as_its_pinhole_with_an_undistorted_image(tmp_path, capsys):
    from PIL import Image
    seq = tmp_path / "seq"
    run(["demo", "--no-serve", "--out", seq, "--frames", "1", "--seed", "5"], capsys)
    code, out, _ = run(["export", seq, "--format", "kitti", "--set", "reference", "--out", tmp_path / "o",
                        "--camera", "front_left", "--copy-data"], capsys)
    assert code == 0 and json.loads(out)["label_lines"] > 0
    exported = np.asarray(Image.open(tmp_path / "o" / "image_2" / "000000.png"))
    original = np.asarray(Image.open(next((seq / "cameras" / "front_left").glob("*.png"))).convert("RGB"))
    assert exported.shape == original.shape and not np.array_equal(exported, original)
    calib = (tmp_path / "o" / "calib" / "000000.txt").read_text()
    assert "P2:" in calib and "dist" not in calib
