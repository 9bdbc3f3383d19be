"""Atomic export: a failed or killed export leaves the target absent or the previous complete
export, never a partial or mixed folder; `info` never opens an export's temporary folder."""
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pointlabel.cli import main
from pointlabel.datasets.detect import open_dataset
from pointlabel.errors import PointlabelError
from pointlabel.formats.atomic import MARKER, atomic_folder, is_temporary
from pointlabel.formats.kitti_io import export_kitti
from pointlabel.store import open_store

FRAMES = ("000008", "000010", "000019")


def make_kitti(tmp_path: Path, kitti_root: Path, frames=FRAMES) -> Path:
    root = tmp_path / "kitti"
    for sub, ext in (("velodyne", "bin"), ("image_2", "png"), ("calib", "txt"), ("label_2", "txt")):
        (root / sub).mkdir(parents=True)
        for f in frames:
            shutil.copyfile(kitti_root / sub / f"{f}.{ext}", root / sub / f"{f}.{ext}")
    return root


def tree(root: Path) -> dict[str, bytes]:
    """Every file under root (relative path -> bytes)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def leftovers(parent: Path) -> list[str]:
    return [p.name for p in parent.iterdir() if is_temporary(p.name)]


def cli(*argv) -> int:
    return main([str(a) for a in argv])


@pytest.fixture
def kitti_with_labels(tmp_path, kitti_root):
    root = make_kitti(tmp_path, kitti_root)
    db = tmp_path / "k.sqlite"
    assert cli("import-labels", root, "--format", "kitti", "--from", root, "--db", db) == 0
    return root, db


def test_export_is_complete_and_marked(kitti_with_labels, tmp_path):
    root, db = kitti_with_labels
    out = tmp_path / "out"
    assert cli("export", root, "--format", "kitti", "--out", out, "--db", db) == 0
    assert sorted(p.name for p in (out / "label_2").iterdir()) == [f"{f}.txt" for f in FRAMES]
    assert json.loads((out / MARKER).read_text())["complete"] is True
    assert leftovers(tmp_path) == []


def test_failed_export_leaves_nothing(kitti_with_labels, tmp_path):
    root, db = kitti_with_labels
    (root / "calib" / "000019.txt").unlink()  # the last frame's calibration is missing
    out = tmp_path / "out"
    assert cli("export", root, "--format", "kitti", "--out", out, "--db", db) == 2
    assert not out.exists() and leftovers(tmp_path) == []


def test_failed_reexport_keeps_the_previous_export(kitti_with_labels, tmp_path):
    root, db = kitti_with_labels
    out = tmp_path / "out"
    assert cli("export", root, "--format", "kitti", "--out", out, "--db", db) == 0
    before = tree(out)
    (root / "calib" / "000019.txt").unlink()
    assert cli("export", root, "--format", "kitti", "--out", out, "--db", db, "--copy-data") == 2
    assert tree(out) == before and leftovers(tmp_path) == []


def test_reexport_replaces_the_whole_folder(kitti_with_labels, tmp_path):
    root, db = kitti_with_labels
    out = tmp_path / "out"
    assert cli("export", root, "--format", "kitti", "--out", out, "--db", db, "--copy-data") == 0
    assert (out / "velodyne").is_dir()
    (out / "review_default.json").write_text("{}")  # the app's review file is carried over
    assert cli("export", root, "--format", "kitti", "--out", out, "--db", db) == 0
    assert not (out / "velodyne").exists()  # no file of the old export is left mixed in
    assert (out / "review_default.json").read_text() == "{}"


def test_a_folder_that_is_not_an_export_is_never_replaced(kitti_with_labels, tmp_path, capsys):
    root, db = kitti_with_labels
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    assert cli("export", root, "--format", "kitti", "--out", out, "--db", db) == 2
    assert "not a pointlabel export" in capsys.readouterr().err
    assert (out / "thesis.tex").read_text() == "precious" and len(list(out.iterdir())) == 1


def test_exception_inside_removes_the_temporary(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(RuntimeError):
        with atomic_folder(out, {"a.txt"}) as tmp:
            (tmp / "a.txt").write_text("half")
            raise RuntimeError("killed")
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_stale_temporaries_of_dead_processes_are_removed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    stale = tmp_path / f".out.pointlabel-tmp-{dead}-abcd1234"
    (stale / "label_2").mkdir(parents=True)
    with atomic_folder(tmp_path / "out", {"x"}) as tmp:
        (tmp / "x").write_text("1")
    assert not stale.exists() and (tmp_path / "out" / "x").read_text() == "1"


def test_info_refuses_a_temporary_folder(kitti_root, tmp_path, capsys):
    tmp = make_kitti(tmp_path / ".out.pointlabel-tmp-1234-deadbeef", kitti_root, FRAMES[:1])
    with pytest.raises(PointlabelError, match="unfinished export"):
        open_dataset(tmp)
    assert cli("info", tmp) == 2
    assert "unfinished export" in capsys.readouterr().err


def test_pointwise_export_is_atomic(scans_root, tmp_path):
    scans = tmp_path / "scans"
    scans.mkdir()
    shutil.copyfile(scans_root / "bunny.pcd", scans / "bunny.pcd")
    db = tmp_path / "s.sqlite"
    out = tmp_path / "pw"
    assert cli("export", scans, "--format", "pcd", "--out", out, "--db", db) == 0
    before = tree(out)
    assert "bunny.pcd" in before and "classes.json" in before
    (scans / "zz.pcd").write_bytes(b"not a pcd")  # the second frame fails to read
    assert cli("export", scans, "--format", "pcd", "--out", out, "--db", db) == 2
    assert tree(out) == before and leftovers(tmp_path) == []


# -- SIGKILL at random moments ----------------------------------------------------------------
def _export_cmd(dataset: Path, db: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "pointlabel.cli", "export", str(dataset), "--format", "kitti",
            "--out", str(out), "--db", str(db), "--copy-data"]


def _timed_export(cmd, out: Path) -> tuple[float, float]:
    """Run a complete export; seconds until its temporary folder appeared and until the
    finished export was renamed into place."""
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    first = done = None
    while proc.poll() is None:
        if first is None and leftovers(out.parent):
            first = time.monotonic() - t0
        if done is None and out.exists():
            done = time.monotonic() - t0
        time.sleep(0.002)
    assert proc.returncode == 0, proc.stderr.read().decode()
    end = time.monotonic() - t0
    return (first if first is not None else 0.0), (done if done is not None else end)


def test_export_killed_at_random_moments_is_never_partial(kitti_root, tmp_path):
    """10 SIGKILLs of `pointlabel export --copy-data` (all 10 real KITTI frames) at random
    moments while it writes: 5 into an absent target, 5 over a previous complete export. The
    target is always absent, the previous export, or the complete new one, byte for byte."""
    db_new, db_old = tmp_path / "labels.sqlite", tmp_path / "empty.sqlite"
    assert cli("import-labels", kitti_root, "--format", "kitti", "--from", kitti_root, "--db", db_new) == 0
    open_store(open_dataset(kitti_root), db_old)  # an empty store: the "previous" export differs
    refs = tmp_path / "refs"
    refs.mkdir()
    start, total = _timed_export(_export_cmd(kitti_root, db_new, refs / "new"), refs / "new")
    _timed_export(_export_cmd(kitti_root, db_old, refs / "old"), refs / "old")
    new, old = tree(refs / "new"), tree(refs / "old")
    assert new != old and leftovers(refs) == []

    rng = random.Random(13)
    outcomes = []
    for k in range(10):
        work = tmp_path / f"kill{k}"
        work.mkdir()
        out = work / "out"
        over_previous = k % 2 == 1
        if over_previous:
            shutil.copytree(refs / "old", out)
        delay = rng.uniform(start, total)
        proc = subprocess.Popen(_export_cmd(kitti_root, db_new, out),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        was_writing = bool(leftovers(work))
        got = tree(out) if out.exists() else None
        state = ("absent" if got is None else "new" if got == new else "previous" if got == old
                 else "PARTIAL")
        outcomes.append((round(delay, 2), over_previous, was_writing, state))
        assert state != "PARTIAL", outcomes
        assert state in (("previous", "new") if over_previous else ("absent", "new")), outcomes
        if k < 2:  # the next export removes what the killed one left behind and completes
            subprocess.run(_export_cmd(kitti_root, db_new, out), check=True, capture_output=True)
            assert tree(out) == new and leftovers(work) == []
    killed_mid_write = sum(1 for *_, w, s in outcomes if w)
    print(f"\nexport writes from {start:.2f} s to {total:.2f} s; kills: {outcomes}; "
          f"{killed_mid_write} left a temporary folder")
    assert killed_mid_write >= 5  # most kills really landed while files were being written


# -- the other exporters, through the registry's wrappers -------------------------------------
def test_export_folder_wrapper_is_atomic_and_names_final_paths(tmp_path):
    from argparse import Namespace

    from pointlabel.formats.atomic import export_folder

    def good(a):
        (Path(a.out) / "labels").mkdir()
        (Path(a.out) / "labels" / "000000.label").write_bytes(b"\0" * 8)
        return {"labels": str(Path(a.out) / "labels")}

    def bad(a):
        (Path(a.out) / "labels").mkdir()
        (Path(a.out) / "labels" / "000000.label").write_bytes(b"half")
        raise PointlabelError("frame 000001 has no cloud")

    out = tmp_path / "sk"
    result = export_folder(good, Namespace(out=str(out)), {"labels", "classes.yaml"}, "semantickitti")
    assert result == {"labels": str(out.absolute() / "labels")}
    before = tree(out)
    with pytest.raises(PointlabelError):
        export_folder(bad, Namespace(out=str(out)), {"labels", "classes.yaml"}, "semantickitti")
    assert tree(out) == before and leftovers(tmp_path) == []


def test_export_file_wrapper_replaces_in_one_rename(tmp_path):
    from argparse import Namespace

    from pointlabel.formats.atomic import export_file

    def write(text):
        def run(a):
            Path(a.out).write_text(text)
            if text == "boom":
                raise PointlabelError("invalid document")
            return {"file": a.out}
        return run

    folder = tmp_path / "ol"
    folder.mkdir()
    assert export_file(write("one"), Namespace(out=str(folder)), "openlabel.json")["file"] == str(folder / "openlabel.json")
    with pytest.raises(PointlabelError):
        export_file(write("boom"), Namespace(out=str(folder)), "openlabel.json")
    assert (folder / "openlabel.json").read_text() == "one" and sorted(p.name for p in folder.iterdir()) == ["openlabel.json"]


def test_openlabel_cli_export_is_atomic(kitti_with_labels, tmp_path):
    root, db = kitti_with_labels
    out = tmp_path / "doc.json"
    assert cli("export", root, "--format", "openlabel", "--out", out, "--db", db) == 0
    first = out.read_bytes()
    (root / "calib" / "000019.txt").unlink()
    assert cli("export", root, "--format", "openlabel", "--out", out, "--db", db) == 2
    assert out.read_bytes() == first and leftovers(tmp_path) == []
