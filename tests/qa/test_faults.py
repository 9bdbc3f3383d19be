"""Each kind of labelling fault injected into a correct label set is found, by id, and a
correct label set has no error-level finding (synthetic sequence, the sample_data ground
truth, KITTI's own label_2 imported into a store)."""
from __future__ import annotations

import numpy as np
import pytest

from pointlabel.qa.checks import check_dataset
from pointlabel.labelsets import ReferenceSet, StoreSet


def _by(findings, check, frame=None, annotation=None):
    return [f for f in findings if f.check == check and (frame is None or f.frame == frame)
            and (annotation is None or f.annotation == annotation)]


def assert_faults_found(findings, faults):
    e = faults.expect
    for fault, check in (("shift", "position_jump"), ("swap", "size_implausible"), ("lift", "floating"),
                         ("shrink", "size_change"), ("duplicate", "duplicate_track_id")):
        hits = _by(findings, check, e[fault]["frame"], e[fault]["annotation"])
        assert hits and hits[0].severity == "error", f"{fault}: no {check} error on {e[fault]}"
    assert _by(findings, "floating", e["lift"]["frame"], e["lift"]["annotation"])[0].value == pytest.approx(1.0, abs=0.15)
    assert "swapped" in _by(findings, "size_implausible", annotation=e["swap"]["annotation"])[0].message
    # the duplicate is reported on both boxes that share the id
    assert _by(findings, "duplicate_track_id", e["duplicate"]["frame"], e["duplicate"]["partner"])
    # a deleted box: its track has a gap there, and its returns are a cluster no box covers
    gone = e["delete"]
    gaps = [f for f in _by(findings, "track_gap", gone["frame"]) if f.track_id == gone["track"]]
    assert gaps and gaps[0].value == 1
    missed = _by(findings, "missed_object", gone["frame"])  # seen from one side: centre within 2.5 m
    assert any(np.hypot(*np.subtract(f.location[:2], gone["location"][:2])) < 2.5 for f in missed), missed
    # and nothing that was left alone is called an error (the duplicate's partner excepted)
    innocent = faults.changed | {e["duplicate"]["partner"]}
    wrong = [f for f in findings if f.severity == "error" and f.annotation not in innocent]
    assert not wrong, wrong[:5]


def test_clean_synthetic_sequence_has_no_error(synthetic):
    findings = check_dataset(synthetic, ReferenceSet(synthetic))
    assert [f for f in findings if f.severity == "error"] == []
    assert not [f for f in findings if f.severity == "warning"]  # boxes fit their points exactly


def test_each_injected_fault_is_found_in_the_synthetic_sequence(synthetic, injector):
    faults = injector(synthetic)
    findings = check_dataset(synthetic, faults.label_set)
    assert_faults_found(findings, faults)
    shrunk = faults.expect["shrink"]
    outside = _by(findings, "points_outside", shrunk["frame"], shrunk["annotation"])
    assert outside and outside[0].value > 0.4  # the shrunk box left its object's points outside


def test_sample_ground_truth_has_no_error(sample):
    findings = check_dataset(sample, ReferenceSet(sample))
    errors = [f for f in findings if f.severity == "error"]
    assert errors == []
    assert any(f.check == "outside_cameras" for f in findings)  # the checks did look


def test_each_injected_fault_is_found_in_the_sample_ground_truth(sample, injector):
    faults = injector(sample)
    findings = check_dataset(sample, faults.label_set)
    assert_faults_found(findings, faults)


def test_kitti_labels_imported_into_a_store_have_no_error(kitti_root, tmp_path):
    from pointlabel.datasets.kitti import KittiDataset
    from pointlabel.formats.kitti_io import import_kitti_labels
    from pointlabel.store import AnnotationStore
    ds = KittiDataset(kitti_root)
    store = AnnotationStore(tmp_path / "s.sqlite")
    import_kitti_labels(ds, store, kitti_root / "label_2", "default")
    findings = check_dataset(ds, StoreSet(store, "default"))
    assert [f for f in findings if f.severity == "error"] == []
    # every finding about an imported box names the file line it came from
    about_boxes = [f for f in findings if f.annotation is not None]
    assert about_boxes and all(f.source and f.source.split(":")[0].endswith(".txt") for f in about_boxes)
