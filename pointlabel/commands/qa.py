"""`check`, `compare`, `audit`, `rank`, `review` and `guidelines`: the QA commands (library:
pointlabel.qa).

A SET is a label_2 folder, a folder of per-frame JSON (an export), `reference` (the dataset's
own ground truth) or a label set of the annotation store.
"""
from __future__ import annotations

import json
import math
import os
import sys
from collections import Counter
from functools import lru_cache

from pointlabel.commands.common import add_dataset_args, dataset_of, store_of
from pointlabel.errors import PointlabelError


def register(sub) -> None:
    p = sub.add_parser("check", help="QA checks of a label set: 2D/3D consistency, geometry, tracks, completeness",
                       description="Exit status: 0 without error-level findings, 1 with some, 2 on a user error.")
    add_dataset_args(p)
    p.add_argument("--set", default="default", help="label set: store name, 'reference', label_2 or JSON folder")
    p.add_argument("--json", action="store_true", help="print the findings as one JSON list")
    p.add_argument("--html", metavar="FILE", help="also write an HTML report with plots")
    p.add_argument("--guidelines", metavar="FILE", help="project guidelines (classes, size limits, thresholds)")
    p.add_argument("--frames", nargs="+", metavar="ID", help="check these frames only")
    p.add_argument("--min-severity", choices=["info", "warning", "error"], default="info",
                   help="leave out findings below this severity")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("compare", help="agreement of two label sets (B is the reference)")
    add_dataset_args(p)
    p.add_argument("--a", required=True, metavar="SET", help="label set A")
    p.add_argument("--b", required=True, metavar="SET", help="label set B, the reference")
    p.add_argument("--iou", type=float, default=0.5, help="3D IoU a match needs (default 0.5)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--html", metavar="FILE", help="also write an HTML report with plots")
    p.add_argument("--no-clouds", action="store_true", help="skip the point-based tightness (faster)")
    p.add_argument("--points", action="store_true",
                   help="compare point-wise labels (store sets or .label folders): per-class IoU and mIoU")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("audit", help="draw a stratified audit sample; error rates from the verdicts given")
    add_dataset_args(p)
    p.add_argument("--set", default="default", help="label set to audit (a store label set)")
    p.add_argument("--share", type=float, default=0.1, help="share of each class x difficulty stratum")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-error", type=float, default=0.05, help="error rate a class may have to be accepted")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("rank", help="order frames by how uncertain their pre-labels are")
    add_dataset_args(p)
    p.add_argument("--set", default="default", help="store label set whose proposals to use, if any")
    p.add_argument("--frames", nargs="+", metavar="ID", help="rank these frames only")
    p.add_argument("--top", type=int, help="print the first N only")
    p.add_argument("--json", action="store_true", help="print one JSON list")
    p.set_defaults(func=cmd_rank)

    p = sub.add_parser("guidelines", help="write the default guidelines file (classes, size limits, "
                                          "thresholds) to start a project's own from; "
                                          "'guidelines fit DATASET --set S' fits its sizes to a label set")
    p.add_argument("action", nargs="?", choices=["fit"], help="fit: estimate the class sizes from a label set")
    p.add_argument("dataset", nargs="?", help="(fit) the dataset whose labels to measure")
    p.add_argument("--set", default="reference", help="(fit) label set: 'reference', a store set, or a folder")
    p.add_argument("--db", help="(fit) annotation store, for a store label set")
    p.add_argument("--guidelines", metavar="FILE", help="(fit) start from this file, not the class table")
    p.add_argument("--min-labels", type=int, default=10, help="(fit) fewer labels of a class: it keeps its sizes")
    p.add_argument("--out", metavar="FILE", help="write here (default: print)")
    p.set_defaults(func=cmd_guidelines)

    p = sub.add_parser("review", help="accept or reject annotations; list or export the verdicts")
    add_dataset_args(p)
    p.add_argument("--set", default="default", help="store label set under review")
    p.add_argument("--accept", metavar="ID", help="accept annotation ID")
    p.add_argument("--reject", metavar="ID", help="reject annotation ID (needs --comment)")
    p.add_argument("--comment", default="", help="the reason, shown to the labeller")
    p.add_argument("--reviewer", help="who judged")
    p.add_argument("--export", metavar="FILE", help="write the review state as JSON")
    p.add_argument("--json", action="store_true", help="print the verdicts as JSON")
    p.set_defaults(func=cmd_review)


def _opener(args, dataset):
    """Opens the annotation store on first use only: sets that are folders or the dataset's
    reference need none (a read-only KITTI folder can be checked without --db)."""
    @lru_cache(maxsize=1)
    def opener():
        try:
            return store_of(args, dataset)
        except PointlabelError as e:
            from pointlabel.labelsets import has_reference
            if not has_reference(dataset):
                raise
            raise PointlabelError(f"{e} (or check the dataset's own labels with --set reference)") from None
    return opener


def _point_counts(opener, label_set: str) -> dict | None:
    """The point-wise label counts of a label set kept in the store (None when the set was
    read from elsewhere: the store is not opened, or created, for them)."""
    if not opener.cache_info().currsize:
        return None
    from pointlabel.pointlabels.stats import label_set_counts
    from pointlabel.pointlabels.storage import PointLabelStore
    return label_set_counts(PointLabelStore.for_store(opener()), label_set)


def _frames(dataset, wanted):
    if not wanted:
        return dataset.frame_ids
    unknown = [f for f in wanted if f not in set(dataset.frame_ids)]
    if unknown:
        raise PointlabelError(f"no frame(s) {', '.join(unknown)} in the dataset", dataset.root)
    return list(wanted)


def cmd_check(args) -> int:
    from pointlabel.qa.checks import check_dataset
    from pointlabel.qa.findings import SEVERITIES
    from pointlabel.qa.guidelines import load_guidelines
    from pointlabel.labelsets import open_label_set
    dataset = dataset_of(args)
    guidelines = load_guidelines(args.guidelines)
    opener = _opener(args, dataset)
    label_set = open_label_set(args.set, dataset, opener)
    try:
        findings = check_dataset(dataset, label_set, guidelines, frame_ids=_frames(dataset, args.frames),
                                 processes=min(os.cpu_count() or 1, 8))
    except ValueError as e:  # a bad threshold name in the guidelines
        raise PointlabelError(str(e), args.guidelines) from None
    keep = SEVERITIES[:SEVERITIES.index(args.min_severity) + 1]
    findings = [f for f in findings if f.severity in keep]
    if args.html:
        from pointlabel.qa.report import write_report
        write_report(args.html, findings, title=f"QA of {label_set.name} in {dataset.root}",
                     colours={n: g.colour for n, g in guidelines.classes.items()},
                     point_counts=_point_counts(opener, label_set.name))
    if args.json:
        print(json.dumps([f.to_dict() for f in findings]))
    else:
        for f in findings:
            where = f.source or (f.annotation[:12] if f.annotation else f"at {list(f.location or ())}")
            print(f"{f.severity:<8} {f.frame:<10} {f.check:<22} {f.label or '-':<11} {where:<16} {f.message}")
        sev = Counter(f.severity for f in findings)
        print(f"{len(findings)} findings: " + ", ".join(f"{sev.get(s, 0)} {s}" for s in SEVERITIES))
    return 1 if any(f.severity == "error" for f in findings) else 0


def cmd_compare(args) -> int:
    from pointlabel.qa.compare import compare_sets
    from pointlabel.labelsets import open_label_set
    dataset = dataset_of(args)
    opener = _opener(args, dataset)
    if args.points:
        from pointlabel.commands.pointlabels import cmd_compare_points
        return cmd_compare_points(args, dataset, opener())
    set_a = open_label_set(args.a, dataset, opener)
    set_b = open_label_set(args.b, dataset, opener)
    result = compare_sets(set_a, set_b, dataset.frame_ids, args.iou, dataset, use_clouds=not args.no_clouds)
    if args.html:
        from pointlabel.qa.report import write_report
        write_report(args.html, [], title=f"{set_a.name} against {set_b.name}", compare_result=result)
    if args.json:
        print(json.dumps(result.to_dict()))
        return 0
    print(f"A = {set_a.name}, B = {set_b.name} (reference); match: 3D IoU >= {args.iou}")
    print(f"{'class':<22} {'A':>5} {'B':>5} {'match':>5} {'prec':>6} {'recall':>6} {'IoU':>6} "
          f"{'centre m':>8} {'head deg':>8} {'vol A/B':>7} {'fill A':>6} {'fill B':>6}")
    rows = [(c, s) for c, s in result.classes.items()] + \
           [(f"  {c}/{d}", s) for (c, d), s in result.by_difficulty.items()]
    for name, s in rows:
        head = s.heading_error * 180 / math.pi if not math.isnan(s.heading_error) else math.nan
        print(f"{name:<22} {s.n_a:>5} {s.n_b:>5} {s.matched:>5} {_f(s.precision, 6)} {_f(s.recall, 6)} "
              f"{_f(s.mean_iou, 6)} {_f(s.centre_error, 8)} {_f(head, 8, 1)} {_f(s.size_ratio, 7)} "
              f"{_f(s.fill_a, 6)} {_f(s.fill_b, 6)}")
    return 0


def cmd_audit(args) -> int:
    from pointlabel.qa.audit import AuditSample, decide, draw_sample, error_rates, population
    from pointlabel.qa.review import ReviewBook
    from pointlabel.labelsets import open_label_set
    dataset = dataset_of(args)
    opener = _opener(args, dataset)
    label_set = open_label_set(args.set, dataset, opener)
    store = opener()
    key = f"qa.audit/{args.set}"
    stored = store.get_meta(key)
    if stored and stored.get("share") == args.share and stored.get("seed") == args.seed:
        sample = AuditSample.from_dict(stored)  # the same draw: keep it, verdicts refer to it
    else:
        levels = _difficulties(dataset, label_set)
        sample = draw_sample(population(label_set, dataset.frame_ids, levels), args.share, args.seed)
        store.set_meta(key, sample.to_dict())
    book = ReviewBook(store, args.set)
    verdicts = {k: v.verdict for k, v in book.verdicts().items()}
    rates = error_rates(sample, verdicts)
    decisions = decide(rates, args.max_error)
    if args.json:
        print(json.dumps({"sample": sample.to_dict(), "error_rates": {k: r.to_dict() for k, r in rates.items()},
                          "decisions": decisions}))
        return 0
    print(f"audit sample of {args.set!r}: {len(sample.items)} annotations (share {args.share}, seed {args.seed})")
    for it in sample.items:
        v = verdicts.get(it.annotation, "-")
        print(f"  {it.frame:<10} {it.label:<14} {it.difficulty:<9} {it.source or it.annotation:<36} {v}")
    print(f"{'class':<14} {'N':>6} {'sampled':>7} {'judged':>6} {'rejected':>8} {'rate':>6} {'95% CI':>15}  decision")
    for label, r in rates.items():
        ci = f"[{r.low:.3f}, {r.high:.3f}]" if r.reviewed else "-"
        print(f"{label:<14} {r.population:>6} {r.sampled:>7} {r.reviewed:>6} {r.rejected:>8} "
              f"{_f(r.rate, 6)} {ci:>15}  {decisions[label]}")
    return 0


def _difficulties(dataset, label_set) -> dict[str, str]:
    """annotation id -> KITTI difficulty, from the cameras of the dataset."""
    from pointlabel.qa.difficulty import frame_difficulties
    out = {}
    for fid in dataset.frame_ids:
        out.update(frame_difficulties(dataset, fid, label_set.frame(fid).cuboids))
    return out


def cmd_rank(args) -> int:
    from pointlabel.qa.rank import rank_frames
    dataset = dataset_of(args)
    store = None
    try:
        store = store_of(args, dataset)
    except PointlabelError:
        if args.db:
            raise  # an explicit store that cannot be opened is an error; a missing default is not
    ranks = rank_frames(dataset, _frames(dataset, args.frames), store, args.set)
    ranks = ranks[:args.top] if args.top else ranks
    if args.json:
        print(json.dumps([r.to_dict() for r in ranks]))
        return 0
    print(f"{'frame':<12} {'score':>7} {'proposals':>9} {'1-conf':>7} {'few pts':>7} {'disagree':>8}  source")
    for r in ranks:
        print(f"{r.frame:<12} {r.score:>7.2f} {r.proposals:>9} {r.low_confidence:>7.2f} {r.few_points:>7} "
              f"{r.disagreement:>8.2f}  {r.source}")
    return 0


def cmd_guidelines(args) -> int:
    from pointlabel.qa.guidelines import default_guidelines, fit_sizes, load_guidelines
    if args.action is None and args.dataset is not None:
        raise PointlabelError(f"unknown guidelines action {args.dataset!r} (did you mean 'guidelines fit DATASET'?)")
    g = load_guidelines(args.guidelines) if args.guidelines else default_guidelines()
    if args.action == "fit":
        from pointlabel.labelsets import open_label_set
        if args.dataset is None:
            raise PointlabelError("guidelines fit needs a DATASET")
        args.up = args.units = args.level = None
        dataset = dataset_of(args)
        label_set = open_label_set(args.set, dataset, _opener(args, dataset))
        g, report = fit_sizes(label_set, dataset.frame_ids, g, args.min_labels)
        for r in report:
            if r.after is None:
                note = f"kept ({r.n} labels < {args.min_labels})" if r.n else "kept (no labels)"
            else:
                before = " x ".join(f"{v:.2f}" for v in r.before) if r.before else "-"
                note = f"typical {before} -> {' x '.join(f'{v:.2f}' for v in r.after)} m"
            print(f"{r.name:<16} {r.n:>6} labels  {note}", file=sys.stderr if not args.out else sys.stdout)
    if args.out:
        g.write(args.out)
    else:
        print(json.dumps(g.to_dict(), indent=1))
    return 0


def cmd_review(args) -> int:
    from pointlabel.qa.review import ReviewBook
    dataset = dataset_of(args)
    book = ReviewBook(store_of(args, dataset), args.set)
    if args.accept:
        book.set_verdict(args.accept, "accepted", args.comment, args.reviewer)
    if args.reject:
        book.set_verdict(args.reject, "rejected", args.comment, args.reviewer)
    if args.export:
        book.export_json(args.export)
    if args.json:
        print(json.dumps(book.to_dict()))
        return 0
    for v in book.verdicts().values():
        changed = " (changed since)" if v.changed_since else ""
        print(f"{v.verdict:<9} {v.frame or '-':<10} {v.annotation:<34} {v.comment}{changed}")
    return 0


def _f(v, width: int, digits: int = 3) -> str:
    return f"{'-':>{width}}" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:>{width}.{digits}f}"
