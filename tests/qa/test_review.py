"""Review state in the store's SQLite file: verdicts, comments, the labeller's list, export."""
from __future__ import annotations

import json

import pytest

from pointlabel.errors import PointlabelError
from pointlabel.model import Cuboid
from pointlabel.qa.review import ReviewBook
from pointlabel.store import AnnotationStore


@pytest.fixture
def store(tmp_path):
    s = AnnotationStore(tmp_path / "a.sqlite")
    s.put("000001", Cuboid(center=(5, 0, 0), size_lwh=(4, 2, 1.5), yaw=0.0, id="car1"))
    s.put("000002", Cuboid(center=(9, 1, 0), size_lwh=(4, 2, 1.5), yaw=0.0, id="car2"))
    return s


def test_verdicts_are_stored_with_frame_and_version(store):
    book = ReviewBook(store)
    book.set_verdict("car1", "accepted", reviewer="ana")
    v = book.set_verdict("car2", "rejected", "box 30 cm too short at the rear", reviewer="ana")
    assert (v.frame, v.version) == ("000002", 1)
    again = ReviewBook(store.path)  # another process: the file holds it
    assert {k: x.verdict for k, x in again.verdicts().items()} == {"car1": "accepted", "car2": "rejected"}
    assert again.verdict("car2").comment == "box 30 cm too short at the rear"
    assert list(book.verdicts(frame="000001")) == ["car1"]


def test_rejection_needs_a_reason_and_the_annotation_must_exist(store):
    book = ReviewBook(store)
    with pytest.raises(PointlabelError, match="comment"):
        book.set_verdict("car1", "rejected", "  ")
    with pytest.raises(PointlabelError, match="no annotation"):
        book.set_verdict("nope", "accepted")
    with pytest.raises(PointlabelError, match="verdict must be"):
        book.set_verdict("car1", "maybe")


def test_the_labeller_sees_rejections_and_which_were_fixed_since(store):
    book = ReviewBook(store)
    book.set_verdict("car1", "rejected", "heading flipped")
    book.set_verdict("car2", "rejected", "too wide")
    car2, _, _ = store.get("car2")
    store.put("000002", car2.replace(size_lwh=(4, 1.8, 1.5)))  # the labeller fixes car2
    rejected = book.rejected()
    assert [(v.annotation, v.changed_since) for v in rejected] == [("car1", False), ("car2", True)]


def test_log_clear_and_export(store, tmp_path):
    book = ReviewBook(store)
    book.set_verdict("car1", "rejected", "too low")
    book.set_verdict("car1", "accepted", "fixed")
    book.clear("car2")  # nothing to clear: no-op
    assert [v.verdict for v in book.log("car1")] == ["rejected", "accepted"]
    book.export_json(tmp_path / "review.json")
    data = json.loads((tmp_path / "review.json").read_text())
    assert data["format"] == "pointlabel-review" and data["counts"] == {"accepted": 1, "rejected": 0}
    assert data["verdicts"][0]["annotation"] == "car1" and data["verdicts"][0]["comment"] == "fixed"
    book.clear("car1")
    assert book.verdicts() == {} and book.log("car1")[-1].verdict == "cleared"


def test_label_sets_are_reviewed_separately(store):
    store.put("000001", Cuboid(center=(5, 0, 0), size_lwh=(4, 2, 1.5), yaw=0.0, id="car1"), label_set="ann_b")
    ReviewBook(store, "ann_b").set_verdict("car1", "rejected", "misses the mirror")
    assert ReviewBook(store).verdicts() == {}
    assert ReviewBook(store, "ann_b").verdict("car1").verdict == "rejected"


def test_a_set_outside_the_store_is_judged_by_id(store):
    book = ReviewBook(store, "reference")  # e.g. a dataset's own ground truth
    v = book.set_verdict("gt-000003-7", "rejected", "wrong class", frame="000003")
    assert (v.frame, v.version, v.changed_since) == ("000003", None, False)
    assert list(book.verdicts(frame="000003")) == ["gt-000003-7"]
