import threading

import pytest

from pointlabel.errors import PointlabelError
from pointlabel.model import Cuboid, Polyline3D
from pointlabel.store import AnnotationStore, UndoConflict, VersionConflict


@pytest.fixture
def store(db_url):
    """An empty store on SQLite and on PostgreSQL (tests/conftest.py: db_url)."""
    s = AnnotationStore(db_url)
    yield s
    s.close()


def reopen(store):
    return AnnotationStore(store.path or store.url_string())


def car(x=0.0, **kw):
    return Cuboid(center=(x, 0, 0), size_lwh=(4, 2, 1.5), yaw=0.0, **kw)


def test_versions_grow_and_history_is_append_only(store):
    c = car(track_id=1)
    assert store.put("f0", c) == 1
    assert store.put("f0", c.replace(center=(1, 0, 0))) == 2
    assert store.put("f0", c.replace(center=(1, 0, 0))) == 2  # no change, no new version
    assert store.delete("f0", c.id) == 3
    ops = [(h.op, h.version) for h in reversed(store.history())]
    assert ops == [("create", 1), ("update", 2), ("delete", 3)]
    assert len(store.frame("f0")) == 0
    # the history survives reopening the file
    again = reopen(store)
    assert len(again.history()) == 3


def test_one_transaction_per_change_and_rollback(store):
    a, b = car(1), car(2)
    store.put_many("f0", [a, b])
    txns = {h.txn for h in store.history()}
    assert len(txns) == 1
    with pytest.raises(PointlabelError, match="no annotation no-such-id"):
        store.apply("f0", upserts=[car(3)], deletes=["no-such-id"])
    assert len(store.frame("f0")) == 2  # the failed transaction wrote nothing
    assert len(store.history()) == 2


def test_version_conflict(store):
    c = car()
    store.put("f0", c)
    store.put("f0", c.replace(yaw=0.5), expected_version=1)
    with pytest.raises(VersionConflict):
        store.put("f0", c.replace(yaw=0.7), expected_version=1)


def test_undo_redo(store):
    c = car()
    p = Polyline3D(vertices=[(0, 0, 0), (1, 0, 0), (2, 1, 0)])
    store.put("f0", c)
    store.put("f0", c.replace(center=(5, 0, 0)))
    store.put("f1", p)
    assert store.undo() == "f1" and len(store.frame("f1")) == 0
    assert store.undo() == "f0" and store.frame("f0").cuboids[0].center == (0, 0, 0)
    assert store.redo() == "f0" and store.frame("f0").cuboids[0].center == (5, 0, 0)
    assert store.redo() == "f1" and store.frame("f1").polylines[0].vertices[2] == (2, 1, 0)
    assert store.redo() is None
    store.undo()
    store.put("f0", c.replace(center=(9, 0, 0)))  # a new edit clears the redo stack
    assert store.redo() is None
    assert store.undo() == "f0" and store.frame("f0").cuboids[0].center == (5, 0, 0)


def test_order_kept_on_update(store):
    cs = [car(i) for i in range(3)]
    store.put_many("f0", cs)
    store.put("f0", cs[0].replace(yaw=1.0))
    assert [c.id for c in store.frame("f0").cuboids] == [c.id for c in cs]


def test_label_sets_are_separate(store):
    store.put("f0", car(), label_set="reference")
    assert len(store.frame("f0")) == 0 and len(store.frame("f0", "reference")) == 1
    assert store.label_sets() == ["reference"]


def test_bad_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "x.sqlite"
    bad.write_bytes(b"not a database" * 100)
    with pytest.raises(PointlabelError, match="cannot open annotation store"):
        AnnotationStore(bad)


def test_track_collects_one_track_across_frames(store):
    a0, a1, b0 = car(0, track_id=7), car(1, track_id=7), car(5, track_id=8)
    store.put_many("f0", [a0, b0])
    store.put("f1", a1)
    store.put("f2", Polyline3D(vertices=[(0, 0, 0), (1, 0, 0)], track_id=7))  # not a cuboid
    store.delete("f0", b0.id)
    assert store.track(7) == {"f0": a0, "f1": a1}
    assert store.track(8) == {}


def test_stale_change_is_refused_with_the_stored_state_and_writes_nothing(store):
    c = car(track_id=4)
    store.put("f0", c)
    store.put("f0", c.replace(center=(0.5, 0, 0)), expected_version=1, client="tab-b")  # B moves it
    with pytest.raises(VersionConflict) as e:  # A, still at version 1, changes the yaw
        store.apply("f0", upserts=[c.replace(yaw=0.3), car(9)], expected={c.id: 1}, client="tab-a")
    assert e.value.version == 2 and e.value.current["center"] == [0.5, 0, 0] and e.value.frame == "f0"
    assert "Car (track 4)" in str(e.value)
    assert [x.center for x in store.frame("f0").cuboids] == [(0.5, 0, 0)]  # nothing of A's change written
    assert len(store.history()) == 2
    with pytest.raises(VersionConflict):
        store.delete("f0", c.id, expected_version=1)
    with pytest.raises(VersionConflict):  # 0: "new", but it exists
        store.put("f0", c.replace(yaw=1.0), expected_version=0)
    assert store.put("f0", c.replace(yaw=0.3), expected_version=2) == 3


def test_undo_is_per_client_and_refused_when_someone_changed_the_object(store):
    a, b = car(0), car(10)
    store.put("f0", a, client="tab-a")
    store.put("f6", b, client="tab-b")
    # A's undo reverts A's edit, never B's (B's was later)
    assert store.undo(client="tab-a") == "f0" and len(store.frame("f0")) == 0
    assert len(store.frame("f6")) == 1
    assert store.redo(client="tab-a") == "f0" and len(store.frame("f0")) == 1
    # B changes A's box: A's undo of its own creation is refused, with a message, nothing changes
    store.put("f0", a.replace(center=(2, 0, 0)), client="tab-b", author="bob")
    with pytest.raises(UndoConflict, match="changed by someone else since.*bob"):
        store.undo(client="tab-a")
    assert store.frame("f0").cuboids[0].center == (2, 0, 0)
    assert store.undo(client="tab-a") is None  # the refused step left A's stack
    assert store.undo(client="tab-b") == "f0" and store.frame("f0").cuboids[0].center == (0, 0, 0)
    assert store.can_undo(client="tab-b") == (True, True)


def test_undo_after_own_undone_edits_of_the_same_object(store):
    c = car()
    store.put("f0", c, client="a")
    store.put("f0", c.replace(yaw=1.0), client="a")
    store.put("f0", c.replace(yaw=2.0), client="a")
    assert store.undo(client="a") == "f0" and store.frame("f0").cuboids[0].yaw == 1.0
    assert store.undo(client="a") == "f0" and store.frame("f0").cuboids[0].yaw == 0.0
    assert store.undo(client="a") == "f0" and len(store.frame("f0")) == 0
    assert store.undo(client="a") is None


def test_history_records_who_when_and_filters(store):
    c, p = car(), Polyline3D(vertices=[(0, 0, 0), (1, 0, 0)])
    store.put("f0", c, author="ann", client="s1")
    store.put("f1", p, author="bob", client="s2")
    store.put("f0", c.replace(yaw=0.5), author="bob", client="s2")
    h = store.history(annotation_id=c.id)
    assert [(x.op, x.author, x.client, x.version) for x in h] == [("update", "bob", "s2", 2), ("create", "ann", "s1", 1)]
    assert h[0].ts >= h[1].ts > 0 and h[0].before["yaw"] == 0.0 and h[0].after["yaw"] == 0.5
    assert [x.annotation_id for x in store.history(frame="f1")] == [p.id]


def test_update_applies_to_the_stored_state_and_concurrent_updates_are_never_lost(store):
    c = car()
    store.put("f0", c)
    n_threads, n_each = 4, 15
    errors = []

    def nudge():
        try:
            for _ in range(n_each):
                store.update(c.id, lambda a: a.replace(center=(a.center[0] + 1.0, 0, 0)), client="k")
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)
    threads = [threading.Thread(target=nudge) for _ in range(n_threads)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert not errors
    assert store.get(c.id)[0].center[0] == n_threads * n_each
    assert store.version(c.id) == 1 + n_threads * n_each
    with pytest.raises(PointlabelError, match="no annotation"):
        store.update("nope", lambda a: a)


def test_meta_round_trips(store):
    store.set_meta("up", "-y")
    store.set_meta("up", "z")
    assert store.get_meta("up") == "z" and store.get_meta("nope", 3) == 3


def test_a_url_that_is_not_a_database_is_a_clear_error():
    with pytest.raises(PointlabelError, match="unsupported database"):
        AnnotationStore("mysql://x@localhost/db")
    with pytest.raises(PointlabelError, match="cannot open annotation store"):
        AnnotationStore("postgresql://nobody@127.0.0.1:1/none")


LEGACY_SCHEMA = """
CREATE TABLE annotations (id TEXT NOT NULL, label_set TEXT NOT NULL, frame TEXT NOT NULL, kind TEXT NOT NULL,
    version INTEGER NOT NULL, deleted INTEGER NOT NULL DEFAULT 0, data TEXT NOT NULL, PRIMARY KEY (label_set, id));
CREATE INDEX ann_frame ON annotations(label_set, frame);
CREATE TABLE history (seq INTEGER PRIMARY KEY AUTOINCREMENT, txn INTEGER NOT NULL, ts REAL NOT NULL, author TEXT,
    label_set TEXT NOT NULL, frame TEXT NOT NULL, annotation_id TEXT NOT NULL, op TEXT NOT NULL,
    version INTEGER NOT NULL, before TEXT, after TEXT, kind TEXT NOT NULL DEFAULT 'edit');
CREATE INDEX hist_txn ON history(txn);
CREATE TABLE undo_state (label_set TEXT NOT NULL, txn INTEGER NOT NULL, undone INTEGER NOT NULL,
    PRIMARY KEY (label_set, txn));
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def test_a_file_written_before_the_port_is_converted_with_order_history_and_undo(tmp_path):
    import json
    import sqlite3
    c0, c1 = car(0), car(1)
    db = sqlite3.connect(tmp_path / "old.sqlite")
    db.executescript(LEGACY_SCHEMA)
    for i, c in enumerate((c1, c0)):  # rowid order c1, c0 (not id order)
        db.execute("INSERT INTO annotations VALUES (?,?,?,?,?,?,?)",
                   (c.id, "default", "f0", "cuboid", 1, 0, json.dumps(c.to_dict())))
        db.execute("INSERT INTO history(txn, ts, author, label_set, frame, annotation_id, op, version, before, after, kind)"
                   " VALUES (?,?,?,?,?,?,?,?,?,?,?)", (i + 1, 1.0, "app", "default", "f0", c.id, "create", 1, None,
                                                       json.dumps(c.to_dict()), "edit"))
    db.execute("INSERT INTO meta VALUES ('up', '\"z\"')")
    db.commit()
    db.close()
    s = AnnotationStore(tmp_path / "old.sqlite")
    assert [c.id for c in s.frame("f0").cuboids] == [c1.id, c0.id] and s.get_meta("up") == "z"
    assert len(s.history()) == 2 and s.version(c0.id) == 1
    assert s.undo() == "f0" and [c.id for c in s.frame("f0").cuboids] == [c1.id]  # the legacy undo stack


def test_a_forked_child_uses_its_own_connections(store):
    """After os.fork the child opens fresh connections (the parent's pool is left alone)."""
    import os
    store.put("f0", car())
    pid = os.fork()
    if pid == 0:  # the child: read and write through the inherited store object
        try:
            ok = len(store.frame("f0")) == 1 and store.put("f1", car(3)) == 1
        except BaseException:  # noqa: BLE001
            ok = False
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert len(store.frame("f1")) == 1 and len(store.frame("f0")) == 1  # the parent's connections still work
