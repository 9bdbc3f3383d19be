import sqlite3

import pytest

from pointlabel.model import Cuboid, Polyline3D
from pointlabel.store import AnnotationStore, VersionConflict


@pytest.fixture
def store(tmp_path):
    return AnnotationStore(tmp_path / "a.sqlite")


def car(x=0.0, **kw):
    return Cuboid(center=(x, 0, 0), size_lwh=(4, 2, 1.5), yaw=0.0, **kw)


def test_versions_grow_and_history_is_append_only(store, tmp_path):
    c = car(track_id=1)
    assert store.put("f0", c) == 1
    assert store.put("f0", c.replace(center=(1, 0, 0))) == 2
    assert store.put("f0", c.replace(center=(1, 0, 0))) == 2  # no change, no new version
    assert store.delete("f0", c.id) == 3
    ops = [(h.op, h.version) for h in reversed(store.history())]
    assert ops == [("create", 1), ("update", 2), ("delete", 3)]
    assert len(store.frame("f0")) == 0
    # the history survives reopening the file
    again = AnnotationStore(tmp_path / "a.sqlite")
    assert len(again.history()) == 3


def test_one_transaction_per_change_and_rollback(store):
    a, b = car(1), car(2)
    store.put_many("f0", [a, b])
    txns = {h.txn for h in store.history()}
    assert len(txns) == 1
    with pytest.raises(Exception):
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
    from pointlabel.errors import PointlabelError
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
