"""Batch jobs under faults: a worker SIGKILLed mid-job, a frame that fails, reruns."""
from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

from pointlabel.batch.jobs import JobTable
from pointlabel.cli import main
from pointlabel.store import AnnotationStore

POINTLABEL = Path(sys.executable).with_name("pointlabel")


def test_a_worker_killed_mid_job_and_no_frame_is_written_twice(own_cluster, sequence, tmp_path):
    from distributed import Client
    db = tmp_path / "k.sqlite"
    frames = [f"{i:06d}" for i in range(8)]
    job = subprocess.Popen([str(POINTLABEL), "batch", "prelabel", str(sequence), "--scheduler", own_cluster.address,
                            "--frames", f"{frames[0]}:{frames[-1]}", "--db", str(db), "--no-progress",
                            "--batch-size", "1"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    victim = sorted(own_cluster.workers)[1]
    try:
        with Client(own_cluster.address, timeout="30s") as client:
            deadline = time.monotonic() + 300
            while not any(str(k).startswith("prelabel-") for k in client.processing().get(victim, ())):
                assert job.poll() is None, job.communicate()
                assert time.monotonic() < deadline, "the victim never got a frame"
                time.sleep(0.05)
            own_cluster.kill_worker(victim)  # while it computes a frame
            out, err = job.communicate(timeout=600)
            assert len(client.scheduler_info()["workers"]) == 1
    finally:
        if job.poll() is None:
            job.kill()
    assert job.returncode == 0, err
    assert "8 frames done, 0 failed" in out
    table = JobTable.of(AnnotationStore(db))
    jid = table.jobs()[0].id
    assert table.statuses(jid) == {f: "done" for f in frames}
    assert set(table.attempts(jid).values()) == {1}
    store = AnnotationStore(db)
    written = 0
    for fid in frames:
        txns = {c.txn for c in store.history("default", fid)}
        assert len(txns) == (1 if len(store.frame(fid)) else 0), fid  # one write per frame, never two
        written += len(store.frame(fid))
    assert written > 0


def _run(capsys, *argv) -> tuple[int, str]:
    capsys.readouterr()
    code = main([str(a) for a in argv])
    return code, capsys.readouterr().out


def test_a_failing_frame_is_reported_the_job_goes_on_reruns_skip_and_retry(dask_cluster, sequence, tmp_path, capsys):
    seq = tmp_path / "seq"
    shutil.copytree(sequence, seq)
    sweep = next((seq / "lidar").glob("000002.*"))
    good = sweep.read_bytes()
    sweep.write_bytes(good[:5])  # not a whole number of points: this frame cannot be read
    db = tmp_path / "j.sqlite"
    args = ["batch", "check", seq, "--set", "reference", "--frames", "000000:000004", "--db", db, "--no-progress"]
    code, out = _run(capsys, *args, "--scheduler", dask_cluster.address)
    assert code == 1
    assert "4 frames done, 1 failed" in out
    failed_line = next(line for line in out.splitlines() if "failed 000002:" in line)
    assert "PointlabelError" in failed_line and sweep.name in failed_line
    table = JobTable.of(AnnotationStore(db))
    jid = table.jobs()[0].id
    assert table.statuses(jid) == {"000000": "done", "000001": "done", "000002": "failed", "000003": "done",
                                   "000004": "done"}
    assert table.failures(jid)[0][0] == "000002"
    code, out = _run(capsys, "batch", "jobs", seq, "--db", db, "--failed")
    assert code == 0 and f"{jid}  check" in out and "done 4  failed 1" in out and failed_line.strip() in out

    code, out = _run(capsys, *args, "--scheduler", dask_cluster.address)  # a rerun skips, and retries nothing
    assert code == 1
    assert "0 frames done, 0 failed" in out and "4 done before, skipped" in out
    assert "1 frames failed in an earlier run and were not retried" in out
    assert set(table.attempts(jid).values()) == {1}

    sweep.write_bytes(good)
    code, out = _run(capsys, *args, "--retry-failed", "--workers", "1")  # on a local cluster this time
    assert "1 frames done, 0 failed" in out and "4 done before, skipped" in out
    assert set(table.statuses(jid).values()) == {"done"}
    assert table.attempts(jid)["000002"] == 2 and table.attempts(jid)["000000"] == 1


def test_an_export_with_a_failed_frame_leaves_the_target_alone_until_retried(dask_cluster, kitti_root, tmp_path,
                                                                                capsys):
    root = tmp_path / "kitti"
    for sub in ("calib", "label_2", "velodyne"):
        shutil.copytree(kitti_root / sub, root / sub)
    calib = root / "calib" / "000006.txt"
    good = calib.read_text()
    calib.write_text("P2: 1 2 3\n")
    out_dir = tmp_path / "out"
    args = ["batch", "export", root, "--set", root / "label_2", "--db", tmp_path / "j.sqlite", "--out", out_dir,
            "--no-progress", "--scheduler", dask_cluster.address]
    code, out = _run(capsys, *args)
    assert code == 1 and "9 frames done, 1 failed" in out and "failed 000006:" in out
    assert not out_dir.exists()  # nothing appears while a frame is missing
    calib.write_text(good)
    code, out = _run(capsys, *args, "--retry-failed")
    assert code == 0 and "1 frames done, 0 failed" in out
    assert sorted(p.stem for p in (out_dir / "label_2").iterdir()) == sorted(p.stem for p in (root / "label_2").iterdir())
    assert not list(tmp_path.glob(".out.pointlabel-*"))
