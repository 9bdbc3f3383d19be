"""The job table, frame selection, the track checks in pieces, and the CLI's errors (no Dask)."""
from __future__ import annotations

import socket

import pytest
from hypothesis import given, settings, strategies as st

from pointlabel.batch.api import select_frames
from pointlabel.batch.jobs import DONE, FAILED, PENDING, JobTable, Outcome, error_text, job_id
from pointlabel.batch.tracks import pieces, track_findings
from pointlabel.cli import main
from pointlabel.errors import PointlabelError
from pointlabel.store import AnnotationStore


def test_a_job_is_what_decides_its_results(tmp_path):
    assert job_id("prelabel", "/d", {"set": "default", "min_confidence": 0.4}) == \
        job_id("prelabel", "/d", {"min_confidence": 0.4, "set": "default"})
    assert job_id("prelabel", "/d", {"set": "default", "min_confidence": 0.5}) != \
        job_id("prelabel", "/d", {"set": "default", "min_confidence": 0.4})
    table = JobTable.of(AnnotationStore(tmp_path / "s.sqlite"))
    a = table.open_job("check", "/d", {"set": "x"})
    assert table.open_job("check", "/d", {"set": "x"}) == a and a.state == "open"
    assert table.open_job("check", "/e", {"set": "x"}).id != a.id


def test_outcomes_attempts_and_streamed_results(db_url):
    """On SQLite and on a real PostgreSQL: the job table is on the store's engine."""
    table = JobTable.of(AnnotationStore(db_url))
    jid = table.open_job("rank", "/d", {}).id
    table.record(jid, [Outcome("a", DONE, {"score": 1.0}, score=1.0), Outcome("b", FAILED, error="E: x"),
                       Outcome("c", PENDING, {"ids": ["1"]})])
    assert table.statuses(jid) == {"a": DONE, "b": FAILED, "c": PENDING}
    assert table.failures(jid) == [("b", "E: x")] and table.pending(jid) == {"c": {"ids": ["1"]}}
    table.record(jid, [Outcome("c", DONE, {"score": 3.0}, score=3.0),  # its write finished: the same attempt
                       Outcome("b", DONE, {"score": 2.0}, score=2.0)])  # retried: a second attempt
    assert table.attempts(jid) == {"a": 1, "b": 2, "c": 1}
    assert [f for f, _ in table.results(jid, by_score=True)] == ["c", "b", "a"]
    assert [f for f, _ in table.results(jid, ["a", "c"])] == ["a", "c"]
    assert table.counts(jid) == {DONE: 3}
    table.forget(jid, ["a"])
    assert "a" not in table.statuses(jid)
    table.reset(jid)
    assert table.statuses(jid) == {}


def test_the_job_table_lives_beside_the_annotations_and_leaves_them_alone(tmp_path):
    from pointlabel.model import Cuboid
    db = tmp_path / "s.sqlite"
    store = AnnotationStore(db)
    store.put("000000", Cuboid(center=(5, 0, 0), size_lwh=(4, 2, 1.5), yaw=0.0))
    table = JobTable.of(store)
    table.record(table.open_job("check", "/d", {}).id, [Outcome("000000", DONE, [])])
    assert len(store.frame("000000")) == 1 and len(store.history()) == 1


def test_a_client_killed_between_the_store_write_and_done_resumes_without_a_second_write(tmp_path):
    """Frame a was written to the store before the kill, frame b was not: on resume a is done
    (no second write), b is run again."""
    from pointlabel.batch.tasks import DatasetRef
    from pointlabel.batch.work import PrelabelWork
    from pointlabel.model import Cuboid
    store = AnnotationStore(tmp_path / "s.sqlite")
    table = JobTable.of(store)
    job = table.open_job("prelabel", "/d", {"set": "default", "min_confidence": 0.4})
    boxes = {f: [Cuboid(center=(5 + i, 3 * k, 0), size_lwh=(4, 2, 1.5), yaw=0.0, label="Car", status="proposal",
                        confidence=0.8, source="prelabel") for i in range(2)] for k, f in enumerate("ab")}
    table.record(job.id, [Outcome(f, PENDING, {"ids": [c.id for c in boxes[f]]}) for f in "ab"])
    store.put_many("a", boxes["a"], author="prelabel")  # the kill came after a's write
    rows = len(store.history())
    work = PrelabelWork(DatasetRef("/d"), store)
    work.resolve_pending(table, job)
    assert table.statuses(job.id) == {"a": DONE, "b": PENDING}
    assert table.results(job.id).__next__() == ("a", {"proposals": 2, "labels": {"Car": 2}})
    assert len(store.history()) == rows and table.attempts(job.id)["a"] == 1
    work.commit(table, job, [("b", [c.to_dict() for c in boxes["b"]])])  # b's rerun
    assert table.statuses(job.id) == {"a": DONE, "b": DONE}
    assert len({c.txn for c in store.history("default", "b")}) == 1


def test_frame_selection():
    ids = [f"{i:06d}" for i in range(10)]
    assert select_frames(ids, None) == ids
    assert select_frames(ids, "000003:000005") == ids[3:6]
    assert select_frames(ids, ":000001") == ids[:2] and select_frames(ids, "000008:") == ids[8:]
    for bad in ("000005", "000005:000003", "000003:000077"):
        with pytest.raises(PointlabelError):
            select_frames(ids, bad)


def test_error_text_is_one_line():
    assert error_text(ValueError("bad\n  thing")) == "ValueError: bad thing"


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 60).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=12),
    st.integers(1, 20))))
def test_pieces_never_cut_a_track(case):
    n, raw, segment = case
    spans = {k: (min(a, b), max(a, b)) for k, (a, b) in enumerate(raw)}
    out = pieces(spans, n, segment)
    assert out[0][0] == 0 and out[-1][1] == n
    assert all(a[1] == b[0] for a, b in zip(out, out[1:]))  # contiguous, covering every frame
    assert all(stop - start >= segment for start, stop in out[:-1])
    for first, last in spans.values():
        assert any(start <= first and last < stop for start, stop in out)


def test_track_checks_in_pieces_equal_one_pass_over_all_frames():
    """Faulty tracks of a synthetic sequence: pieces as short as the tracks allow (segment=1)
    give the findings (and difficulties) of qa.checks over the whole sequence."""
    from pointlabel.labelsets import ReferenceSet
    from pointlabel.qa.checks import check_dataset
    from pointlabel.qa.guidelines import default_guidelines
    from pointlabel.qa.synthetic import SyntheticSequence
    from pointlabel.qa.temporal import __doc__ as temporal_doc
    seq = SyntheticSequence(frames=14, objects=12, seed=5)
    labels = _with_track_faults(seq, ReferenceSet(seq))
    names = {line.split(":")[0].strip("- ") for line in temporal_doc.splitlines() if line.startswith("- ")}
    whole = [f.to_dict() for f in check_dataset(seq, labels, default_guidelines(), use_clouds=False)
             if f.check in names]
    parts = [f.to_dict() for f in track_findings(seq, labels, seq.frame_ids, default_guidelines(), segment=1)]
    assert whole and sorted(map(str, parts)) == sorted(map(str, whole))
    assert {f["check"] for f in whole} >= {"size_change", "position_jump"}


def _with_track_faults(seq, ref):
    """A box of one track grown by half in one sweep, another's shifted 3 m in another."""
    import numpy as np
    from pointlabel.labelsets import MemorySet
    frames = {f: ref.frame(f) for f in seq.frame_ids}
    for fid, change in (("000004", "grow"), ("000008", "shift")):
        fa = frames[fid]
        c = fa.cuboids[0]
        new = (c.replace(size_lwh=tuple(1.5 * np.asarray(c.size_lwh))) if change == "grow"
               else c.replace(center=np.add(c.center, [3.0, 0.0, 0.0])))
        frames[fid] = type(fa).from_annotations(fid, [new if a.id == c.id else a for a in fa])
    return MemorySet(frames, "faulty")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_cli_errors_are_one_line(sequence, tmp_path, capsys):
    db = tmp_path / "s.sqlite"
    assert main(["batch", "prelabel", str(sequence), "--frames", "000005:000001", "--db", str(db)]) == 2
    assert main(["batch", "check", str(sequence), "--workers", "0", "--db", str(db)]) == 2
    assert main(["batch", "rank", str(sequence), "--db", str(db), "--frames", "000000:000000",
                 "--scheduler", f"tcp://127.0.0.1:{_closed_port()}"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3 and all(line.startswith("pointlabel: error: ") for line in err)
    assert "comes before" in err[0] and "--workers" in err[1] and "cannot reach the Dask scheduler" in err[2]
    assert main(["batch", "export", str(sequence), "--db", str(db), "--out", str(sequence)]) == 2  # not an export
    assert "not a pointlabel export" in capsys.readouterr().err
