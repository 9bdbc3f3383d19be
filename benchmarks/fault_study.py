"""The fault-injection study on the real KITTI frames (../shared/kitti/training, read in
place): every label broken in each of 13 ways, one at a time, and checked in its frame
(pointlabel.qa.faults). Prints two tables, one per way of saying which labels take part
(their clean box holds >= N returns, counting every return in it, ground included, or only
the object's, as the point checks count them): per fault kind the labels that took part,
how many the checks call errors (all per-frame checks, and the label-vs-points checks
alone), the same over every label; and the clean labels that get an error (false alarms).
Then the eligible labels each fault kind missed.

    python benchmarks/fault_study.py [--min-returns N]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

from pointlabel.labelsets import ReferenceSet  # noqa: E402
from pointlabel.qa.faults import COUNTS, FAULTS, run_trials, summarise  # noqa: E402

KITTI = Path(__file__).resolve().parents[2] / "shared" / "kitti" / "training"


def trials():
    from pointlabel.datasets.kitti import KittiDataset
    ds = KittiDataset(KITTI)
    return run_trials(ds, ReferenceSet(ds))


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
    print(f"({elapsed:.0f} s)")
