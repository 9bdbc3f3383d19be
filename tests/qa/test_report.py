"""The HTML report: self-contained, with the plots a reviewer needs."""
from __future__ import annotations

import re

from pointlabel.qa.audit import draw_sample, error_rates, population
from pointlabel.qa.checks import check_dataset
from pointlabel.qa.compare import compare_sets
from pointlabel.qa.report import build_report, write_report
from pointlabel.labelsets import ReferenceSet


def test_report_is_one_self_contained_file_with_every_plot(synthetic, injector, tmp_path):
    faults = injector(synthetic)
    findings = check_dataset(synthetic, faults.label_set)
    comparison = compare_sets(faults.label_set, ReferenceSet(synthetic), synthetic.frame_ids, use_clouds=False)
    sample = draw_sample(population(faults.label_set, synthetic.frame_ids), 0.5, seed=1)
    rates = error_rates(sample, {i.annotation: "rejected" if i.annotation in faults.changed else "accepted"
                                 for i in sample.items})
    path = write_report(tmp_path / "qa.html", findings, compare_result=comparison, audit_rates=rates)
    text = path.read_text()
    assert text.count("<script>/**\n* plotly.js v") == 1  # plotly.js inlined, once
    assert not re.search(r"<script[^>]+src=", text)  # nothing fetched from elsewhere
    for title in ("Findings per frame", "Errors and warnings per check, by class",
                  "What each check measured, per class", "by class and KITTI difficulty",
                  "Agreement (3D IoU", "Audit: error rate per class"):
        assert title in text, title
    for fault in ("position_jump", "size_implausible", "floating", "duplicate_track_id", "size_change"):
        assert fault in text
    assert text.count("<tr style=") == len(findings)


def test_an_empty_report_still_renders():
    text = build_report([])
    assert "0 findings" in text and "</html>" in text
