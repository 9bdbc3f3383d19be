"""QA benchmarks: rows for the `pointlabel bench` table.

Run alone: `python benchmarks/bench_qa.py`. The main row is `pointlabel check` (the CLI, with
--json) on a 100-sweep sequence with 20 labelled objects per sweep: a synthetic sequence
(pointlabel.qa.synthetic, ~120k points per sweep like a 64-beam sweep) written in the native
layout beforehand, so the time covers reading the sweeps from disk, every check and printing
the findings. Generating 100 sweeps with sample_data would take minutes; the synthetic one
takes seconds and is not timed.
"""
from __future__ import annotations

import contextlib
import io
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere
sys.path.insert(0, str(Path(__file__).resolve().parent))  # fault_study

from pointlabel.cli import main  # noqa: E402
from pointlabel.qa.synthetic import SyntheticSequence, write_native  # noqa: E402

KITTI = Path(__file__).resolve().parents[2] / "shared" / "kitti" / "training"
SWEEPS, OBJECTS = 100, 20


def _timed_cli(argv) -> tuple[float, str]:
    out = io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(out):
        main([str(a) for a in argv])
    return time.perf_counter() - t0, out.getvalue()


def bench_rows() -> list[tuple[str, float, str]]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        seq = SyntheticSequence(frames=SWEEPS, objects=OBJECTS, seed=0)
        root = write_native(seq, Path(tmp) / "seq")
        points = len(seq.load_cloud(seq.frame_ids[0]).xyz)
        seconds, out = _timed_cli(["check", root, "--set", "reference", "--json", "--db", Path(tmp) / "s.sqlite"])
        rows.append((f"check {SWEEPS} sweeps x {OBJECTS} objects ({points // 1000}k pts/sweep), CLI --json "
                     f"[target < 10 s]", seconds, "s"))
        rows.append(("check, per sweep", seconds / SWEEPS * 1e3, "ms"))
        seconds, _ = _timed_cli(["compare", root, "--a", "reference", "--b", "reference", "--json",
                                 "--db", Path(tmp) / "s.sqlite"])
        rows.append((f"compare {SWEEPS} sweeps x {OBJECTS} objects with itself (incl. box fill)", seconds, "s"))
    if KITTI.is_dir():
        seconds, out = _timed_cli(["check", KITTI, "--set", KITTI / "label_2", "--json"])
        rows.append(("check the 10 real KITTI frames (label_2)", seconds, "s"))
        rows += fault_rows()
    return rows


def fault_rows() -> list[tuple[str, float, str]]:
    """The fault-injection study on KITTI (benchmarks/fault_study.py prints the whole tables):
    per fault kind the share of labels found as errors, and the false alarms, for the labels
    with >= 25 returns in the box (ground included) and with >= 25 of the object's own."""
    from fault_study import trials

    from pointlabel.qa.faults import FAULTS, summarise
    t0 = time.perf_counter()
    done = trials()
    seconds = time.perf_counter() - t0
    rows = []
    for count in ("box", "object"):
        result = summarise(done, list(FAULTS), 25, count)
        rows += [(f"KITTI faults found as errors: {r.kind} ({r.n} labels, >= 25 {count} returns; "
                  f"label-vs-points alone {r.rate_points:.0%}) [target >= 90 %]", 100 * r.rate, "%")
                 for r in result.rows]
        rows.append((f"KITTI clean labels with an error ({result.clean_n} labels, >= 25 {count} returns) "
                     f"[target <= 5 %]", 100 * result.clean_errors / max(result.clean_n, 1), "%"))
    rows.append(("fault-injection study, 13 kinds x every KITTI label", seconds, "s"))
    from fault_study import left_out
    lo = left_out()
    rows.append((f"KITTI labels left out ({lo.n}, >= 25 object returns): found as missed_object", 100 * lo.found_any / max(lo.n, 1), "%"))
    rows.append(("... of them as a warning (not an info)", 100 * lo.found_warning / max(lo.n, 1), "%"))
    for sev in ("warning", "info"):
        rows.append((f"missed_object {sev}s on the labelled KITTI frames", lo.clean_findings.get(sev, 0), ""))
    return rows

if __name__ == "__main__":
    for name, value, unit in bench_rows():
        print(f"{name:<80} {value:10.3f} {unit}")
