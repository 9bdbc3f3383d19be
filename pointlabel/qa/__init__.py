"""Quality assurance of labels: checks, review state, agreement, difficulty, audits, reports.

The API the app and the CLI use (LiDAR frame throughout):

    from pointlabel import qa
    findings = qa.check_dataset(dataset, qa.open_label_set("default", dataset, lambda: store))
    book = qa.ReviewBook(store, "default")
    book.set_verdict(annotation_id, "rejected", "box 30 cm short at the rear")
    book.verdicts(), book.rejected()
    result = qa.compare_sets(set_a, set_b, dataset.frame_ids, dataset=dataset)

Modules: findings (the Finding record), guidelines (the project file), checks (runs them all:
consistency, geometry_checks, temporal, completeness), compare, difficulty, audit, review,
rank, report (HTML with plotly, imported on demand), sets (label sets by name), synthetic
(a labelled synthetic sequence for tests and benchmarks).
"""
from pointlabel.qa.audit import AuditSample, decide, draw_sample, error_rates, population, wilson_interval
from pointlabel.qa.checks import check_dataset, check_frame, run_checks
from pointlabel.qa.compare import CompareResult, compare_sets
from pointlabel.qa.config import CheckConfig
from pointlabel.qa.difficulty import difficulty_of, kitti_difficulty
from pointlabel.qa.findings import CHECKS, SEVERITIES, Finding, for_annotation
from pointlabel.qa.frames import FrameInput
from pointlabel.qa.guidelines import ClassGuide, Guidelines, default_guidelines, load_guidelines
from pointlabel.qa.review import ReviewBook, Verdict
from pointlabel.labelsets import open_label_set

__all__ = ["AuditSample", "CHECKS", "CheckConfig", "ClassGuide", "CompareResult", "Finding", "FrameInput",
           "Guidelines", "ReviewBook", "SEVERITIES", "Verdict", "check_dataset", "check_frame",
           "compare_sets", "decide", "default_guidelines", "difficulty_of", "draw_sample", "error_rates",
           "for_annotation", "kitti_difficulty", "load_guidelines", "open_label_set", "population",
           "run_checks", "wilson_interval"]
