"""The fault-injection study on the real KITTI frames (../shared/kitti/training, read in
place): every label broken in each of 13 ways, one at a time, and checked in its frame
(pointlabel.qa.faults). Prints two tables, one per way of saying which labels take part
(their clean box holds >= N returns, counting every return in it, ground included, or only
the object's, as the point checks count them): per fault kind the labels that took part,
how many the checks call errors (all per-frame checks, and the label-vs-points checks
alone), the same over every label; and the clean labels that get an error (false alarms).
Then the eligible labels each fault kind missed; and each well-seen label left out of its
frame in turn, looked for among the missed_object findings.

    python benchmarks/fault_study.py [--min-returns N]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

from pointlabel.labelsets import ReferenceSet  # noqa: E402
from pointlabel.qa.faults import COUNTS, FAULTS, left_out_study, run_trials, summarise  # noqa: E402

KITTI = Path(__file__).resolve().parents[2] / "shared" / "kitti" / "training"


def trials():
    from pointlabel.datasets.kitti import KittiDataset
    ds = KittiDataset(KITTI)
    return run_trials(ds, ReferenceSet(ds))


def left_out(min_returns: int = 25):
    from pointlabel.datasets.kitti import KittiDataset
    ds = KittiDataset(KITTI)
    return left_out_study(ds, ReferenceSet(ds), min_returns=min_returns)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--min-returns", type=int, default=25)
    args = ap.parse_args()
    t0 = time.perf_counter()
    done = trials()
    elapsed = time.perf_counter() - t0
    for count in COUNTS:
        result = summarise(done, list(FAULTS), args.min_returns, count)
        print(f"\nlabels whose clean box holds {result.eligibility}")
        print(result.table())
        for row in result.rows:
            if row.missed:
                print(f"missed, {row.kind}: " + ", ".join(f"{src} {label} ({n})" for _, label, src, n in row.missed))
        for fid, label, check, message in result.clean_flagged:
            print(f"false alarm: {fid} {label} {check}: {message}")
    lo = left_out(args.min_returns)
    print(f"\nlabels left out (>= {args.min_returns} object returns): {lo.n}; found as missed_object "
          f"{lo.found_any} ({lo.found_warning} as warnings); missed_object findings on the labelled frames: "
          + ", ".join(f"{n} {sev}" for sev, n in sorted(lo.clean_findings.items())))
    for fid, label, src, n in lo.missed:
        print(f"not found when left out: {src} {label} ({n})")
    print(f"({elapsed:.0f} s)")
