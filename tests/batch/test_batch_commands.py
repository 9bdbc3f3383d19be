"""`pointlabel batch ...` on a real Dask scheduler with two workers (loopback): every command's
results equal the single-process command's."""
from __future__ import annotations

import filecmp
import json
from pathlib import Path

import pytest

from pointlabel.batch.jobs import JobTable
from pointlabel.cli import main
from pointlabel.datasets.detect import open_dataset
from pointlabel.model import STATUS_PROPOSAL
from pointlabel.store import AnnotationStore

FRAMES = [f"{i:06d}" for i in range(6)]
SPAN = f"{FRAMES[0]}:{FRAMES[-1]}"


def run(capsys, *argv) -> tuple[int, str]:
    capsys.readouterr()
    code = main([str(a) for a in argv])
    return code, capsys.readouterr().out


def batch(capsys, cluster, *argv) -> tuple[int, str]:
    return run(capsys, "batch", *argv, "--scheduler", cluster.address, "--no-progress")


def without_ids(frame) -> list[str]:
    docs = []
    for a in frame:
        d = a.to_dict()
        d.pop("id")
        docs.append(json.dumps(d, sort_keys=True))
    return sorted(docs)


def canonical(findings) -> list[str]:
    return sorted(json.dumps(f, sort_keys=True) for f in findings)


def same_tree(a: Path, b: Path) -> None:
    """Every file of the two export folders is byte-equal (the marker names the batch job)."""
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert files_a == files_b
    for rel in files_a:
        if rel.name != ".pointlabel-export.json":
            assert filecmp.cmp(a / rel, b / rel, shallow=False), rel
    assert json.loads((b / ".pointlabel-export.json").read_text())["complete"] is True


@pytest.fixture(scope="module")
def labelled(sequence, tmp_path_factory) -> Path:
    """A store whose `default` set holds the sequence's ground truth for FRAMES."""
    db = tmp_path_factory.mktemp("labelled") / "s.sqlite"
    ds = open_dataset(sequence)
    store = AnnotationStore(db)
    for fid in FRAMES:
        store.put_many(fid, list(ds.reference(fid)))
    store.close()
    return db


def test_prelabel_equals_serial_and_a_rerun_writes_nothing(dask_cluster, sequence, tmp_path, capsys):
    serial_db, batch_db = tmp_path / "serial.sqlite", tmp_path / "batch.sqlite"
    assert run(capsys, "prelabel", sequence, "--frames", SPAN, "--db", serial_db)[0] == 0
    code, out = batch(capsys, dask_cluster, "prelabel", sequence, "--frames", SPAN, "--db", batch_db)
    assert code == 0, out
    assert f"{len(FRAMES)} frames done, 0 failed" in out
    serial, batched = AnnotationStore(serial_db), AnnotationStore(batch_db)
    total = 0
    for fid in FRAMES:
        assert without_ids(batched.frame(fid)) == without_ids(serial.frame(fid)), fid
        total += len(batched.frame(fid))
        assert len({c.txn for c in batched.history("default", fid)}) == (1 if len(batched.frame(fid)) else 0)
    assert total > 0 and f"{total} proposals in {len(FRAMES)} frames" in out
    rows = len(batched.history())
    code, out = batch(capsys, dask_cluster, "prelabel", sequence, "--frames", SPAN, "--db", batch_db)
    assert code == 0 and "0 frames done" in out and f"{len(FRAMES)} done before, skipped" in out
    assert len(batched.history()) == rows  # nothing written twice


def test_check_of_a_store_set_equals_serial(dask_cluster, sequence, labelled, tmp_path, capsys):
    code, out = run(capsys, "check", sequence, "--set", "default", "--db", labelled, "--frames", *FRAMES, "--json")
    serial = json.loads(out)
    found = tmp_path / "findings.json"
    code, out = batch(capsys, dask_cluster, "check", sequence, "--set", "default", "--db", labelled,
                      "--frames", SPAN, "--out", found)
    assert f"{len(FRAMES)} frames done, 0 failed" in out
    batched = json.loads(found.read_text())
    assert len(batched) == len(serial) > 0
    assert canonical(batched) == canonical(serial)
    assert f"{len(serial)} findings" in out


def test_check_of_a_kitti_label_folder_equals_serial(dask_cluster, kitti_root, tmp_path, capsys):
    """The workers read the label_2 folder themselves (a set that is not in the store)."""
    labels = kitti_root / "label_2"
    code, out = run(capsys, "check", kitti_root, "--set", labels, "--json")
    serial = json.loads(out)
    found = tmp_path / "findings.json"
    capsys.readouterr()
    main(["batch", "check", str(kitti_root), "--set", str(labels), "--db", str(tmp_path / "j.sqlite"),
          "--out", str(found), "--scheduler", dask_cluster.address])  # with its progress bar
    out, err = capsys.readouterr()
    assert "10 frames done, 0 failed" in out and "frames/s" in out
    assert "10/10" in err  # the progress bar's count
    assert canonical(json.loads(found.read_text())) == canonical(serial) and serial


def test_rank_equals_serial(dask_cluster, sequence, tmp_path, capsys):
    """Three frames with stored proposals (refitted on the workers), one pre-labelled there."""
    ds = open_dataset(sequence)
    db = tmp_path / "r.sqlite"
    store = AnnotationStore(db)
    for k, fid in enumerate(FRAMES[:3]):
        store.put_many(fid, [c.replace(status=STATUS_PROPOSAL, confidence=0.3 + 0.2 * k, source="prelabel")
                             for c in ds.reference(fid).cuboids[:6]])
    frames = FRAMES[:4]
    code, out = run(capsys, "rank", sequence, "--db", db, "--frames", *frames, "--json")
    assert code == 0
    serial = json.loads(out)
    ranks = tmp_path / "ranks.json"
    code, out = batch(capsys, dask_cluster, "rank", sequence, "--db", db, "--frames", f"{frames[0]}:{frames[-1]}",
                      "--out", ranks)
    assert code == 0 and "4 frames done, 0 failed" in out
    batched = json.loads(ranks.read_text())
    assert batched == serial  # same scores, same order
    assert sorted(r["source"] for r in batched) == ["prelabel", "store", "store", "store"]
    assert batched[0]["frame"] in out


def test_export_of_a_store_set_equals_serial(dask_cluster, sequence, labelled, tmp_path, capsys):
    serial_out, batch_out = tmp_path / "serial", tmp_path / "batch"
    assert run(capsys, "export", sequence, "--format", "kitti", "--set", "default", "--db", labelled,
               "--out", serial_out)[0] == 0
    code, out = batch(capsys, dask_cluster, "export", sequence, "--set", "default", "--db", labelled,
                      "--out", batch_out)
    assert code == 0, out
    # the serial export writes every frame of the dataset; compare those the store labels
    for sub in ("label_2", "calib", "json"):
        for p in (serial_out / sub).iterdir():
            assert filecmp.cmp(p, batch_out / sub / p.name, shallow=False), p
    assert any((batch_out / "label_2" / f"{f}.txt").read_text() for f in FRAMES)
    assert not list(tmp_path.glob(".batch.pointlabel-*"))  # the job's folder was renamed into place


def test_export_of_kitti_with_data_equals_serial(dask_cluster, kitti_root, tmp_path, capsys):
    labels = kitti_root / "label_2"
    serial_out, batch_out = tmp_path / "serial", tmp_path / "batch"
    assert run(capsys, "export", kitti_root, "--format", "kitti", "--set", labels, "--out", serial_out,
               "--copy-data", "--db", tmp_path / "s.sqlite")[0] == 0
    code, out = batch(capsys, dask_cluster, "export", kitti_root, "--set", labels, "--db", tmp_path / "j.sqlite",
                      "--out", batch_out, "--copy-data")
    assert code == 0, out
    same_tree(serial_out, batch_out)
    table = JobTable.of(AnnotationStore(tmp_path / "j.sqlite"))
    job = table.job(json.loads((batch_out / ".pointlabel-export.json").read_text())["job"])
    assert job.state == "installed" and table.counts(job.id) == {"done": 10}
    code, out = batch(capsys, dask_cluster, "export", kitti_root, "--set", labels, "--db", tmp_path / "j.sqlite",
                      "--out", batch_out, "--copy-data")
    assert code == 0 and "0 frames done" in out and "10 done before, skipped" in out


def test_a_job_in_a_postgresql_store(dask_cluster, kitti_root, postgres, tmp_path, capsys):
    """Team mode: the store (annotations and job table) is PostgreSQL; a rerun skips."""
    url = postgres.create_database()
    labels = kitti_root / "label_2"
    args = ("check", kitti_root, "--set", labels, "--db", url, "--frames", "000000:000006")
    code, out = batch(capsys, dask_cluster, *args)
    assert "4 frames done, 0 failed" in out
    code, out = batch(capsys, dask_cluster, *args)
    assert "0 frames done" in out and "4 done before, skipped" in out
    table = JobTable.of(AnnotationStore(url))
    assert table.counts(table.jobs()[0].id) == {"done": 4}


def test_labels_changed_since_make_a_new_job_never_stale_results(dask_cluster, sequence, tmp_path, capsys):
    ds = open_dataset(sequence)
    db = tmp_path / "s.sqlite"
    store = AnnotationStore(db)
    for fid in FRAMES[:3]:
        store.put_many(fid, list(ds.reference(fid).cuboids))
    out_dir = tmp_path / "out"
    args = ("export", sequence, "--db", db, "--out", out_dir, "--frames", f"{FRAMES[0]}:{FRAMES[2]}")
    assert "3 frames done" in batch(capsys, dask_cluster, *args)[1]
    assert "3 done before, skipped" in batch(capsys, dask_cluster, *args)[1]
    box = store.frame(FRAMES[1]).cuboids[0]
    store.put(FRAMES[1], box.replace(label="Tram"))
    code, out = batch(capsys, dask_cluster, *args)
    assert code == 0 and "3 frames done" in out  # a new job: the labels changed
    assert '"Tram"' in (out_dir / "json" / f"{FRAMES[1]}.json").read_text()
