"""Erasure: after `erase`, the bytes of the store file (and its -wal) hold none of the erased
annotations' ids or values, the audit entry is there, and everything else is untouched.

The store is the real AnnotationStore with real review rows, so a change of the store's
schema that puts annotation content somewhere new fails these tests."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from pointlabel.errors import PointlabelError
from pointlabel.privacy import access_log
from pointlabel.privacy.erase import REQUIRED, Selection, digest, erase
from pointlabel.qa.review import ReviewBook
from pointlabel.store import AnnotationStore

SECRET = "Erika Mustermann, seen at 4 Elm Road"  # what fill_store (conftest.py) writes


def _file_bytes(db: Path) -> bytes:
    return b"".join(p.read_bytes() for p in (db, Path(f"{db}-wal")) if p.is_file())


def test_erased_track_is_gone_from_the_file_bytes_and_audited(tmp_path, fill):
    db = tmp_path / "pointlabel.sqlite"
    store, erased, kept, lane = fill(db)
    before = _file_bytes(db)
    assert SECRET.encode() in before and erased[0].encode() in before
    # the store stays open (as an idle app would) while erasing
    report = erase(db, Selection(track=3, label_sets=("default",)), why="GDPR art. 17 request #12",
                   who="dpo", target="seq")
    assert report.annotations == 4 and report.review_rows == 2 and report.history_rows >= 8
    assert report.frames == ["000000", "000001", "000002", "000003"]
    after = _file_bytes(db)
    for aid in erased:
        assert aid.encode() not in after
    for value in (SECRET, "8.5", "8.123457", "2.718281"):
        assert value.encode() not in after, value
    for aid in kept:
        assert aid.encode() in after
    assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0
    # the rest is intact and still works
    for k in range(4):
        frame = store.frame(f"{k:06d}")
        assert [c.track_id for c in frame.cuboids] == [7] and len(frame.redactions) == 1
    assert store.frame("000002", "reference").polylines == (lane,)
    assert ReviewBook(store).verdict(kept[0]).verdict == "accepted"
    assert ReviewBook(store).verdict(erased[0]) is None
    assert all(c.annotation_id not in erased for c in store.history())
    store.undo()  # undo still works on what is left
    # the audit: who, when, what (counts, digests), why; no content
    (entry,) = access_log.read_log(db, action="erase")
    assert entry.who == "dpo" and entry.why == "GDPR art. 17 request #12" and entry.target == "seq"
    assert entry.detail["annotations"] == 4 and entry.detail["request"] == {"track": 3, "label_sets": ["default"]}
    assert sorted(entry.detail["id_sha256"]) == sorted(digest(a) for a in erased)


def test_plain_delete_leaves_content_in_the_file(tmp_path, fill):
    """The control: the store's own delete (soft, history kept) leaves everything readable,
    so the test above can fail."""
    db = tmp_path / "s.sqlite"
    store, erased, _, _ = fill(db)
    for k in range(4):
        store.delete(f"{k:06d}", erased[k])
    sqlite3.connect(db).execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert SECRET.encode() in _file_bytes(db) and erased[0].encode() in _file_bytes(db)


def test_erase_frames_and_one_annotation_across_label_sets(tmp_path, fill):
    db = tmp_path / "s.sqlite"
    store, erased, kept, lane = fill(db)
    report = erase(db, Selection(frames=("000002", "000003")), why="retention")
    assert report.by_label_set == {"default": 6, "reference": 1}
    assert store.frames() == ["000000", "000001"] and store.frames("reference") == []
    report = erase(db, Selection(annotation=kept[0]), why="mistake", who="ann")
    assert report.annotations == 1 and store.get(kept[0]) is None
    assert kept[0].encode() not in _file_bytes(db)
    last = access_log.read_log(db, action="erase")[-1]
    assert last.detail["request"] == {"annotation_sha256": digest(kept[0])}
    report = erase(db, Selection(annotation="no-such-id"), why="typo")  # nothing: still audited
    assert report.annotations == 0 and len(access_log.read_log(db, action="erase")) == 3


def test_an_unknown_table_holding_erased_content_stops_the_erasure(tmp_path, fill):
    db = tmp_path / "s.sqlite"
    store, erased, _, _ = fill(db)
    with sqlite3.connect(db) as raw:
        raw.execute("CREATE TABLE session_undo (session TEXT, payload TEXT)")
        raw.execute("INSERT INTO session_undo VALUES ('s1', ?)", (f'{{"id": "{erased[0]}"}}',))
    with pytest.raises(PointlabelError, match="session_undo"):
        erase(db, Selection(track=3), why="request")
    assert len(store.track(3)) == 4  # rolled back: nothing lost
    assert access_log.read_log(db, action="erase") == []


def test_the_store_schema_has_what_erasure_relies_on(tmp_path, fill):
    """Fails when pointlabel.store renames or drops a column erasure deletes by."""
    store = AnnotationStore(tmp_path / "s.sqlite")
    ReviewBook(store)
    db = sqlite3.connect(store.path)
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"txns", "undo_state"} & tables  # transaction bookkeeping erasure cleans up
    for table, cols in {**REQUIRED, "qa_review": ("label_set", "annotation_id"),
                        "qa_review_log": ("label_set", "annotation_id")}.items():
        have = {r[1] for r in db.execute(f"PRAGMA table_info({table})")}
        assert set(cols) <= have, (table, set(cols) - have)


def test_refusals_change_nothing(tmp_path, fill):
    db = tmp_path / "s.sqlite"
    fill(db)
    size = _file_bytes(db)
    with pytest.raises(PointlabelError, match="why"):
        erase(db, Selection(track=3), why="  ")
    with pytest.raises(PointlabelError, match="exactly one"):
        Selection(track=3, annotation="x")
    with pytest.raises(PointlabelError, match="with --frames"):
        erase(db, Selection(track=3), why="x", data=True)
    with pytest.raises(PointlabelError, match="no annotation store"):
        erase(tmp_path / "none.sqlite", Selection(track=3), why="x")
    assert _file_bytes(db) == size


def test_point_labels_go_with_their_frames_and_box_ids_are_scrubbed(tmp_path, fill):
    import numpy as np
    from pointlabel.pointlabels.storage import PointLabelStore
    db = tmp_path / "s.sqlite"
    store, erased, _, _ = fill(db)
    points = PointLabelStore.for_store(store)
    for fid in ("000000", "000001"):
        points.paint(fid, 200, np.arange(20), 1, 3, tool="box", params={"box_id": erased[int(fid)]})
    erase(db, Selection(track=3, label_sets=("default",)), why="request")
    assert erased[0].encode() not in _file_bytes(db)
    assert points.get("000000") is not None  # point labels are erased with frames, not tracks
    report = erase(db, Selection(frames=("000000",)), why="request")
    assert report.point_label_rows == 2 and points.get("000000") is None and points.get("000001") is not None
