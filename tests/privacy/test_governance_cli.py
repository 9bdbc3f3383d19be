"""The governance commands end to end: `erase` (with --data on a native dataset, refused on
KITTI), `retention`, `access-log`, and the log lines export, info, redact and erase leave."""
from __future__ import annotations

import getpass
import json
import time

import numpy as np
import pytest

from calibration.camera import PinholeCamera
from calibration.rig import CameraSensor, Rig
from pointlabel.cli import main
from pointlabel.datasets.native import NativeDataset, NativeWriter
from pointlabel.model import Cuboid, FrameAnnotations
from pointlabel.privacy import access_log
from pointlabel.privacy.retention import Policy, expired, frame_times, parse_period
from pointlabel.store import AnnotationStore

T0 = 1_700_000_000.0  # 2023-11-14


def _native(root, frames=4):
    """A tiny native dataset: sweeps 0.1 s apart, one camera, ground truth."""
    K = [[300, 0, 160], [0, 300, 120], [0, 0, 1]]
    T = np.array([[0, -1, 0, 0], [0, 0, -1, 0], [1, 0, 0, 0], [0, 0, 0, 1]], float)
    rig = Rig({"front": CameraSensor("front", PinholeCamera(K, 320, 240), T)}, lidar="lidar_top")
    rng = np.random.default_rng(0)
    with NativeWriter(root, rig) as w:
        for k in range(frames):
            stem = f"{k:06d}"
            ref = FrameAnnotations(stem, (Cuboid((10 + k, 0, -0.8), (4, 1.8, 1.5), 0.0, "Car", track_id=1),))
            w.write_sweep(stem, T0 + 0.1 * k, rng.normal(size=(500, 3)), reference=ref)
            w.write_image("front", stem, T0 + 0.1 * k + 0.01, rng.integers(0, 255, (240, 320, 3), dtype=np.uint8))
    return NativeDataset(root)


@pytest.fixture
def native(tmp_path):
    ds = _native(tmp_path / "seq")
    store = AnnotationStore(ds.root / "pointlabel.sqlite")
    for fid in ds.frame_ids:
        store.put_many(fid, ds.reference(fid).cuboids)
    return ds, store


def test_erase_frames_with_data_on_a_native_dataset(native, capsys):
    ds, store = native
    files = [ds.root / "lidar" / "000001.bin", ds.root / "cameras" / "front" / "000001.png",
             ds.root / "reference" / "000001.json", ds.root / "lidar" / "000002.bin"]
    assert all(f.is_file() for f in files)
    assert main(["erase", str(ds.root), "--frames", "000001:000002", "--data", "--why", "request 7"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["annotations"] == 2 and report["files_deleted"] == 6
    assert not any(f.exists() for f in files)
    after = NativeDataset(ds.root)
    assert after.frame_ids == ["000000", "000003"] and set(after.timestamps) == {"000000", "000003"}
    assert after.sync("000003")["front"].ok  # what is left still opens and syncs
    assert store.frames() == ["000000", "000003"]
    (entry,) = access_log.read_log(ds.root / "pointlabel.sqlite", action="erase")
    assert entry.who == getpass.getuser() and entry.why == "request 7"
    assert entry.detail["request"] == {"frames": ["000001", "000002"]} and entry.detail["data"] is True


def test_erase_data_is_refused_for_kitti_and_read_only_data(kitti_root, native, tmp_path, capsys):
    db = tmp_path / "k.sqlite"
    AnnotationStore(db).put("000008", Cuboid((10, 0, -0.8), (4, 1.8, 1.5), 0.0))
    assert main(["erase", str(kitti_root), "--frames", "000008", "--data", "--why", "x", "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "native dataset" in err and len(err.strip().splitlines()) == 1
    assert AnnotationStore(db).frames() == ["000008"]  # refused before anything was erased
    ds, store = native
    lidar = ds.root / "lidar"
    lidar.chmod(0o555)
    try:
        assert main(["erase", str(ds.root), "--frames", "000000", "--data", "--why", "x"]) == 2
        assert "read-only" in capsys.readouterr().err
        assert (lidar / "000000.bin").is_file() and store.frames()[0] == "000000"
    finally:
        lidar.chmod(0o755)


def test_erase_needs_a_reason_and_an_existing_store(native, tmp_path, capsys):
    ds, _ = native
    with pytest.raises(SystemExit):
        main(["erase", str(ds.root), "--track", "1"])  # --why is required
    assert main(["erase", str(ds.root), "--track", "1", "--why", "x", "--db", str(tmp_path / "none.sqlite")]) == 2
    assert "no annotation store" in capsys.readouterr().err
    assert not (tmp_path / "none.sqlite").exists()


def test_retention_period_and_date(native, capsys):
    ds, store = native
    assert main(["retention", str(ds.root)]) == 0
    assert "no retention policy" in capsys.readouterr().out
    assert main(["retention", str(ds.root), "--set-date", "2999-01-01", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["past"] == []
    assert main(["retention", str(ds.root), "--set-period", "90d", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)  # the sweeps are from November 2023
    assert out["policy"] == {"period_days": 90.0}
    assert [f["frame"] for f in out["past"]] == ds.frame_ids and {f["basis"] for f in out["past"]} == {"timestamp"}
    assert main(["retention", str(ds.root), "--apply"]) == 0
    assert "erased 4 annotation(s)" in capsys.readouterr().out
    assert store.frames() == [] and len(ds.frame_ids) == 4  # files kept without --data
    (entry,) = access_log.read_log(ds.root / "pointlabel.sqlite", action="erase")
    assert entry.why == "retention: 90 days"
    assert [e.detail["policy"] for e in access_log.read_log(ds.root / "pointlabel.sqlite", action="retention")] == \
        [{"until": "2999-01-01"}, {"period_days": 90.0}]


def test_retention_counts_from_import_time_without_timestamps(kitti_root, tmp_path):
    from pointlabel.datasets.kitti import KittiDataset
    ds = KittiDataset(kitti_root)
    store = AnnotationStore(tmp_path / "k.sqlite")
    store.put("000008", Cuboid((10, 0, -0.8), (4, 1.8, 1.5), 0.0))
    ages = {f.frame: f for f in frame_times(ds, store)}
    assert ages["000008"].basis == "imported" and abs(ages["000008"].t - time.time()) < 60
    assert ages["000010"].basis == "file"
    now = time.time()
    assert [f.frame for f in expired(Policy(period_days=1), [ages["000008"]], now + 2 * 86400)] == ["000008"]
    assert expired(Policy(period_days=1), [ages["000008"]], now) == []
    assert parse_period("12w") == 84 and parse_period("2y") == 730


def test_access_log_records_export_info_redact_and_erase(native, tmp_path, capsys):
    ds, _ = native
    root = str(ds.root)
    assert main(["info", root]) == 0
    assert main(["export", root, "--format", "kitti", "--out", str(tmp_path / "o"), "--copy-data", "--redact",
                 "--camera", "front"]) == 0
    assert main(["redact", root, "--out", str(tmp_path / "r"), "--frames", "000000"]) == 0
    assert main(["erase", root, "--track", "1", "--set", "default", "--why", "test"]) == 0
    capsys.readouterr()
    assert main(["access-log", root, "--json"]) == 0
    entries = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [e["action"] for e in entries] == ["open", "export", "redact", "erase"]
    assert {e["who"] for e in entries} == {getpass.getuser()}
    assert entries[0]["detail"] == {"command": "info"} and entries[1]["detail"]["redacted"] is True
    assert main(["access-log", root, "--action", "erase"]) == 0
    text = capsys.readouterr().out
    assert "erase" in text and "why='test'" in text and len(text.strip().splitlines()) == 1
