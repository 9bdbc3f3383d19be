"""The QA commands end to end: check, compare, audit, review, rank."""
from __future__ import annotations

import json

import pytest

from pointlabel.cli import main
from pointlabel.qa.synthetic import SyntheticSequence, write_native
from pointlabel.store import AnnotationStore


@pytest.fixture(scope="module")
def native(tmp_path_factory, injector):
    """A synthetic sequence on disk (native layout, ground truth in reference/) and a store
    whose `default` set holds the ground truth with the six faults."""
    seq = SyntheticSequence(frames=8, objects=15, seed=3)
    root = write_native(seq, tmp_path_factory.mktemp("qa") / "seq")
    from pointlabel.datasets.native import NativeDataset
    faults = injector(NativeDataset(root))
    db = root.parent / "store.sqlite"
    store = AnnotationStore(db)
    for fid in seq.frame_ids:
        store.put_many(fid, faults.label_set.frame(fid))
    return root, db, faults


def run(capsys, *argv):
    rc = main([str(a) for a in argv])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_check_reference_is_clean_and_prints_json(native, capsys):
    root, db, _ = native
    rc, out, _ = run(capsys, "check", root, "--set", "reference", "--json", "--db", db)
    findings = json.loads(out)
    assert rc == 0 and findings and not [f for f in findings if f["severity"] == "error"]
    assert set(findings[0]) >= {"frame", "annotation", "check", "severity", "value"}


def test_check_finds_the_faults_exits_1_and_writes_a_report(native, capsys, tmp_path):
    root, db, faults = native
    rc, out, _ = run(capsys, "check", root, "--db", db, "--json", "--html", tmp_path / "r.html",
                     "--min-severity", "warning")
    findings = json.loads(out)
    assert rc == 1
    assert not [f for f in findings if f["severity"] == "info"]
    got = {(f["check"], f["annotation"]) for f in findings if f["severity"] == "error"}
    e = faults.expect
    assert {("position_jump", e["shift"]["annotation"]), ("size_implausible", e["swap"]["annotation"]),
            ("floating", e["lift"]["annotation"]), ("size_change", e["shrink"]["annotation"]),
            ("duplicate_track_id", e["duplicate"]["annotation"])} <= got
    assert "Findings per frame" in (tmp_path / "r.html").read_text()
    rc, out, _ = run(capsys, "check", root, "--db", db)
    assert rc == 1 and "floating" in out and out.strip().splitlines()[-1].startswith(f"{len(out.strip().splitlines()) - 1} findings")


def test_unknown_set_and_frames_are_user_errors(native, capsys, tmp_path):
    root, db, _ = native
    rc, _, err = run(capsys, "check", root, "--db", db, "--set", "annotator_7")
    assert rc == 2 and "no label set 'annotator_7'" in err and "default" in err and "reference" in err
    rc, _, err = run(capsys, "check", root, "--db", db, "--frames", "999999")
    assert rc == 2 and "999999" in err
    (tmp_path / "g.json").write_text(json.dumps({"checks": {"bogus": 1}}))
    rc, _, err = run(capsys, "check", root, "--db", db, "--guidelines", tmp_path / "g.json")
    assert rc == 2 and "bogus" in err


def test_compare_the_faulty_set_with_the_reference(native, capsys):
    root, db, faults = native
    rc, out, _ = run(capsys, "compare", root, "--a", "default", "--b", "reference", "--db", db, "--json")
    r = json.loads(out)
    assert rc == 0 and r["min_iou"] == 0.5
    # what the reference has and A lacks, at IoU 0.5: the deleted box, and the boxes shifted by
    # 1.5 m (IoU 0.47), lifted by 1 m, shrunk to 70 % and turned by 90 degrees; not the one
    # that only got another track id
    e = faults.expect
    gone = f"syn-{e['delete']['frame']}-{e['delete']['track']}"
    assert {u[1] for u in r["unmatched_b"]} == {gone} | {e[k]["annotation"] for k in ("shift", "swap", "lift", "shrink")}
    assert {u[1] for u in r["unmatched_a"]} == {e[k]["annotation"] for k in ("shift", "swap", "lift", "shrink")}
    assert all(0 < s["recall"] < 1 for s in r["classes"].values() if s["n_b"] and s["matched"] < s["n_b"])
    rc, out, _ = run(capsys, "compare", root, "--a", "reference", "--b", "reference", "--no-clouds")
    assert rc == 0 and "Car" in out and "1.000" in out


def test_audit_then_review_gives_error_rates(native, capsys):
    root, db, faults = native
    rc, out, _ = run(capsys, "audit", root, "--db", db, "--share", "0.2", "--seed", "4", "--json")
    first = json.loads(out)
    items = first["sample"]["items"]
    assert rc == 0 and items and all(v is None for v in [r["rate"] for r in first["error_rates"].values()])
    bad, good = items[0], items[1]
    assert run(capsys, "review", root, "--db", db, "--reject", bad["annotation"], "--comment", "too long")[0] == 0
    assert run(capsys, "review", root, "--db", db, "--accept", good["annotation"])[0] == 0
    rc, out, _ = run(capsys, "audit", root, "--db", db, "--share", "0.2", "--seed", "4", "--json")
    again = json.loads(out)
    assert again["sample"] == first["sample"]  # the stored draw is kept
    judged = {k: v for k, v in again["error_rates"].items() if v["reviewed"]}
    assert sum(v["rejected"] for v in judged.values()) == 1 and sum(v["reviewed"] for v in judged.values()) == 2
    rc, _, err = run(capsys, "review", root, "--db", db, "--reject", good["annotation"])
    assert rc == 2 and "comment" in err
    rc, out, _ = run(capsys, "review", root, "--db", db, "--json")
    assert {v["annotation"]: v["verdict"] for v in json.loads(out)["verdicts"]} == {
        bad["annotation"]: "rejected", good["annotation"]: "accepted"}


def test_check_and_rank_on_the_real_kitti_frames(kitti_root, capsys, tmp_path):
    rc, out, _ = run(capsys, "check", kitti_root, "--set", kitti_root / "label_2", "--json")
    findings = json.loads(out)
    assert rc == 0 and not [f for f in findings if f["severity"] == "error"]
    assert all(f["source"].startswith(f["frame"] + ".txt:") for f in findings if f["annotation"])
    rc, out, _ = run(capsys, "rank", kitti_root, "--frames", "000001", "000008", "--db", tmp_path / "s.sqlite", "--json")
    ranks = json.loads(out)
    assert rc == 0 and [r["source"] for r in ranks] == ["prelabel", "prelabel"]
    assert ranks[0]["score"] >= ranks[1]["score"]


def test_the_default_guidelines_file_is_a_starting_point(native, capsys, tmp_path):
    root, db, _ = native
    assert run(capsys, "guidelines", "--out", tmp_path / "g.json")[0] == 0
    g = json.loads((tmp_path / "g.json").read_text())
    g["classes"]["Car"]["size"]["max"][0] = 4.0  # a project of small cars only
    (tmp_path / "g.json").write_text(json.dumps(g))
    rc, out, _ = run(capsys, "check", root, "--set", "reference", "--db", db, "--json", "--frames", "000001",
                     "--guidelines", tmp_path / "g.json")
    too_long = [f for f in json.loads(out) if f["check"] == "size_implausible"]
    assert rc == 1 and too_long and all(f["label"] == "Car" for f in too_long)


def test_guidelines_fit_estimates_class_sizes_that_fitting_and_checks_read(native, capsys, tmp_path):
    root, db, _ = native
    rc, _, err = run(capsys, "guidelines", "fit", root, "--set", "reference", "--out", tmp_path / "fitted.json")
    assert rc == 0
    g = json.loads((tmp_path / "fitted.json").read_text())
    car = g["classes"]["Car"]
    # the synthetic sequence's cars are 4.2 and 4.5 m long, 1.8 wide, 1.5 high
    assert 4.2 <= car["size"]["typical"][0] <= 4.5 and car["fit"]["typical"][1] == pytest.approx(1.8)
    assert car["size"]["min"][0] <= 4.2 and car["size"]["max"][0] >= 4.5  # every label inside
    assert g["classes"]["Tram"] == json.loads(run(capsys, "guidelines")[1])["classes"]["Tram"]  # no labels: kept
    # the checks read it: a 3.4 m car is now too short for this project's cars
    from pointlabel.qa.guidelines import default_guidelines, load_guidelines
    fitted = load_guidelines(tmp_path / "fitted.json")
    assert fitted.size_priors()["Car"].min[0] > 3.4 > default_guidelines().size_priors()["Car"].min[0]
    assert fitted.fit_priors()["Car"].typical == tuple(car["fit"]["typical"])
    # and the fitting CLI takes it
    rc, out, _ = run(capsys, "fit", root, "--frame", "000004", "--seed=0,0,0", "--guidelines", tmp_path / "fitted.json",
                     "--label", "Car", "--json")
    assert rc in (0, 1)
    assert run(capsys, "guidelines", "fit")[0] == 2  # no dataset: a clear error
    assert run(capsys, "guidelines", "fit", root, "--set", "nosuchset", "--db", db)[0] == 2


def test_the_check_report_gives_the_point_labels_per_class(native, capsys, tmp_path):
    root, db, _ = native
    from pointlabel.datasets.native import NativeDataset
    frame = NativeDataset(root).frame_ids[0]
    rc, out, _ = run(capsys, "pointlabels", "paint", root, "--db", db, "--frame", frame,
                     "--request", json.dumps({"tool": "ground", "class": "road"}))
    assert rc == 0 and json.loads(out)["changed"] > 1000
    rc, out, _ = run(capsys, "pointlabels", "stats", root, "--db", db, "--json")
    road = next(c for c in json.loads(out)["classes"] if c["name"] == "road")
    run(capsys, "check", root, "--db", db, "--html", tmp_path / "r.html")
    text = (tmp_path / "r.html").read_text()
    assert "Point-wise labels per class" in text
    assert f"<td>road</td><td>{road['points']}</td>" in text
    # a set read from the dataset's folder opens no store: no point-label section
    run(capsys, "check", root, "--set", "reference", "--html", tmp_path / "ref.html")
    assert "Point-wise labels per class" not in (tmp_path / "ref.html").read_text()
