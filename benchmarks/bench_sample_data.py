"""Sample-data generator benchmark: rows for the `pointlabel bench` table.

Run alone: `python benchmarks/bench_sample_data.py [--frames N]`. Generates the demo sequence
(seed 0, 10 sweeps: LiDAR, 3 cameras at 960x540, ground truth) into a temporary folder and
times it. The 100-sweep row is extrapolated from the per-sweep time, which does not grow with
the sequence length (the same per sweep for a 1 s and a 10 s scene). Measured on the 2-core
development machine: 10 sweeps 7.2 s (0.72 s/sweep) when quiet; real 100-sweep runs
(`--frames 100`) took 111 s and 151 s while other jobs loaded the machine (load 4-5).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

from sample_data.generate import generate_sequence, sequence_summary  # noqa: E402


def _run(frames: int) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        root = generate_sequence(Path(folder) / "seq", frames=frames, seed=0, progress=False)
        seconds = time.perf_counter() - start
        return seconds, sequence_summary(root)


def bench_rows(frames: int = 10) -> list[tuple[str, float, str]]:
    """(name, value, unit) rows of one generation of `frames` sweeps."""
    seconds, summary = _run(frames)
    per_sweep = seconds / frames
    rows = [(f"sample data: generate {frames} sweeps", seconds, "s"),
            ("sample data: per sweep (LiDAR + 3 cameras + GT)", per_sweep, "s"),
            ("sample data: points per sweep", summary["points_per_sweep"], "points"),
            (f"sample data: {frames}-sweep sequence on disk", summary["bytes"] / 2**20, "MB")]
    if frames < 100:
        rows.append(("sample data: 100 sweeps (extrapolated)", per_sweep * 100, "s"))
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=10)
    for row_name, value, unit in bench_rows(parser.parse_args().frames):
        digits = 0 if unit == "points" else 3
        print(f"{row_name:<50} {value:>14,.{digits}f} {unit}")
