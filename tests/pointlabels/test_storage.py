"""The point-label store: versions, per-client undo/redo as diffs, conflicts kept, errors."""
import numpy as np
import pytest

from pointlabel.errors import PointlabelError
from pointlabel.pointlabels.storage import PointLabelStore

N = 1000


@pytest.fixture
def store(db_url):
    """On SQLite and on a real PostgreSQL (the store's `db_url` fixture)."""
    s = PointLabelStore.open(db_url)
    yield s
    s.close()


def test_paint_versions_and_per_client_undo_redo(store):
    r1 = store.paint("f", N, np.arange(0, 500), 40, 0, client="ann1", tool="ground")
    r2 = store.paint("f", N, np.arange(400, 600), 10, 7, client="ann2", tool="brush")
    assert (r1.version, r1.changed, r2.version, r2.changed) == (1, 500, 2, 200)
    got = store.get("f")
    assert got.version == 2 and (got.semantic == 40).sum() == 400 and (got.semantic == 10).sum() == 200
    assert set(np.unique(got.instance[400:600])) == {7}
    # ann1 undoes: only the points ann2 did not repaint since go back to 0
    u = store.undo(client="ann1")
    assert (u.frame, u.changed, u.kept, u.version) == ("f", 400, 100, 3)
    got = store.get("f")
    assert (got.semantic == 40).sum() == 0 and (got.semantic == 10).sum() == 200
    assert store.undo(client="ann1") is None  # nothing more of ann1
    r = store.redo(client="ann1")
    assert r.changed == 400 and (store.get("f").semantic == 40).sum() == 400
    assert store.redo(client="ann1") is None
    # ann2's own undo brings back what ann1's op had written under it
    store.undo(client="ann2")
    got = store.get("f")
    assert (got.semantic == 40).sum() == 500 and (got.semantic == 10).sum() == 0 and not got.instance.any()
    kinds = [h["kind"] for h in store.history()]
    assert kinds == ["undo", "redo", "undo", "edit", "edit"]


def test_a_new_edit_ends_the_redo_chain(store):
    store.paint("f", N, [1, 2, 3], 10, client="a")
    store.undo(client="a")
    store.paint("f", N, [5], 11, client="a")
    assert store.redo(client="a") is None


def test_no_change_records_nothing(store):
    store.paint("f", N, [1, 2], 10, client="a")
    r = store.paint("f", N, [1, 2], 10, client="a")
    assert r.changed == 0 and r.seq is None and r.version == 1 and len(store.history()) == 1


def test_only_unlabelled_and_instance_kept(store):
    store.paint("f", N, np.arange(10), 40, 3)
    store.paint("f", N, np.arange(20), 10, None, only_unlabelled=True)
    got = store.get("f")
    assert (got.semantic[:10] == 40).all() and (got.semantic[10:20] == 10).all()
    assert (got.instance[:10] == 3).all() and not got.instance[10:].any()


def test_bad_input_is_a_clear_error_and_loses_nothing(store):
    store.paint("f", N, [0], 10)
    with pytest.raises(PointlabelError, match="cloud has 999"):
        store.paint("f", 999, [0], 10)
    with pytest.raises(PointlabelError, match="0..999"):
        store.paint("f", N, [1000], 10)
    with pytest.raises(PointlabelError, match="65535"):
        store.paint("f", N, [1], 70000)
    assert store.get("f").version == 1 and store.get("f").semantic[0] == 10


def test_labels_survive_reopening_and_are_compact(tmp_path):
    s = PointLabelStore.open(tmp_path / "s.sqlite")
    s.paint("f", 100_000, np.arange(20_000, 60_000), 40)
    s.close()
    s = PointLabelStore.open(tmp_path / "s.sqlite")
    got = s.get("f")
    assert (got.semantic == 40).sum() == 40_000
    b = s.stored_bytes()
    assert b["points"] == 100_000 and b["labels"] < 200 and b["history"] < 2000


def test_two_store_objects_on_one_database_see_each_others_ops(db_url):
    a, b = PointLabelStore.open(db_url), PointLabelStore.open(db_url)
    a.paint("f", N, [1], 10, client="x")
    b.paint("f", N, [2], 11, client="y")
    assert a.get("f").version == 2 and a.get("f").semantic[[1, 2]].tolist() == [10, 11]


def test_concurrent_first_ops_on_a_frame_all_land(db_url):
    """Threads painting disjoint points of a new frame at once: every op is kept, versions 1..n."""
    import threading
    stores = [PointLabelStore.open(db_url) for _ in range(4)]
    errors = []

    def paint(k):
        try:
            stores[k].paint("f", N, np.arange(k * 10, k * 10 + 10), 10 + k, client=f"c{k}")
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)
    threads = [threading.Thread(target=paint, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    got = stores[0].get("f")
    assert got.version == 4 and [int(got.semantic[k * 10]) for k in range(4)] == [10, 11, 12, 13]
