"""The 2D redact annotation: a frozen model type stored, versioned and reviewed like any other."""
from __future__ import annotations

import pytest

from pointlabel.model import FrameAnnotations, Redaction2D, annotation_from_dict
from pointlabel.qa.review import ReviewBook
from pointlabel.store import AnnotationStore


def test_box_and_polygon_round_trip_through_dict():
    box = Redaction2D("front", box_xyxy=(10, 20, 50, 60), label="face", source="drawn")
    poly = Redaction2D("image_2", polygon=[(0, 0), (30, 0), (15, 25)], label="plate")
    for r in (box, poly):
        assert annotation_from_dict(r.to_dict()) == r
    assert box.bounds == (10.0, 20.0, 50.0, 60.0)
    assert poly.bounds == (0.0, 0.0, 30.0, 25.0)
    fa = FrameAnnotations.from_annotations("000001", [box, poly])
    assert fa.redactions == (box, poly) and len(fa) == 2
    assert FrameAnnotations.from_dict(fa.to_dict()) == fa


@pytest.mark.parametrize("kwargs", [
    {}, {"box_xyxy": (0, 0, 5, 5), "polygon": [(0, 0), (1, 0), (0, 1)]},
    {"box_xyxy": (5, 0, 1, 5)}, {"polygon": [(0, 0), (1, 1)]}, {"box_xyxy": (0, 0, float("nan"), 3)},
])
def test_bad_regions_are_refused(kwargs):
    with pytest.raises(ValueError):
        Redaction2D("front", **kwargs)


def test_stored_versioned_undone_and_reviewed(tmp_path):
    store = AnnotationStore(tmp_path / "s.sqlite")
    r = Redaction2D("front", box_xyxy=(1, 2, 30, 40), label="face", source="drawn")
    assert store.put("000000", r) == 1
    moved = r.replace(box_xyxy=(5, 2, 35, 40))
    assert store.put("000000", moved, expected_version=1) == 2
    assert store.frame("000000").redactions == (moved,)
    assert [c.op for c in store.history(frame="000000")] == ["update", "create"]
    store.undo()
    assert store.frame("000000").redactions == (r,)
    book = ReviewBook(store)
    v = book.set_verdict(r.id, "rejected", "misses the chin")
    assert v.frame == "000000" and v.version == 3
    assert book.rejected()[0].annotation == r.id


def test_a_gesture_on_a_shown_image_becomes_a_region_of_the_recorded_image():
    from pointlabel.privacy.regions import drawn_region
    box = drawn_region("front", [(120, 80), (60, 20)], (1920, 1080), shown_size=(960, 540), label="face")
    assert box.box_xyxy == (120.0, 40.0, 240.0, 160.0) and box.label == "face" and box.source == "drawn"
    poly = drawn_region("front", [(0, 0), (2000, 10), (50, 600)], (960, 540))
    assert poly.polygon == ((0.0, 0.0), (959.0, 10.0), (50.0, 539.0))
    with pytest.raises(ValueError):
        drawn_region("front", [(5, 5), (5, 9)], (960, 540))  # a zero-width box is no region


def test_the_app_object_list_shows_a_redaction_row():
    """A frame holding a redaction must not break the app's object list (it lists it, with
    its camera, so it can be reviewed)."""
    from pointlabel.app.layout.objects import row_values, rows
    from pointlabel.model import Cuboid
    anns = [Cuboid((5, 0, 0), (4, 2, 1.5), 0.0).to_dict(),
            Redaction2D("front", box_xyxy=(1, 2, 30, 40), label="face").to_dict()]
    body = rows(row_values(anns, {}, None))[1].children
    assert len(body) == 2
    cells = [c.children for c in body[1].children]
    assert cells[0] == "▨" and cells[1] == "face" and cells[3] == "front"
