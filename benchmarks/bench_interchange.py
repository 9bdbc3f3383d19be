"""Interchange benchmarks: rows for the `pointlabel bench` table.

On the generated sample sequence (seed 0, 10 sweeps, its ground truth: ~780 cuboids and ~80
polylines): OpenLABEL encode, schema validation and decode; nuScenes export (tables, sweep
files, undistorted JPEGs) and import. Run alone: `python benchmarks/bench_interchange.py`.
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

from pointlabel.datasets.detect import open_dataset  # noqa: E402
from pointlabel.formats import nuscenes_import, openlabel  # noqa: E402
from pointlabel.formats.nuscenes import export_nuscenes  # noqa: E402
from pointlabel.labelsets import ReferenceSet  # noqa: E402


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def bench_rows() -> list[tuple[str, float, str]]:
    import sample_data
    ds = open_dataset(sample_data.default_sequence(progress=False))
    ref = ReferenceSet(ds)
    n = sum(len(ref.frame(f)) for f in ds.frame_ids)
    doc, t_encode = _timed(lambda: openlabel.encode(ds, ref))
    _, t_validate = _timed(lambda: openlabel.validate(doc))
    _, t_decode = _timed(lambda: openlabel.decode(doc, ds))
    with tempfile.TemporaryDirectory() as tmp:
        summary, t_nu = _timed(lambda: export_nuscenes(ds, ref, Path(tmp) / "nu"))
        _, t_nu_in = _timed(lambda: nuscenes_import.decode(Path(tmp) / "nu", ds))
    return [
        (f"OpenLABEL: encode {len(ds.frame_ids)} sweeps, {n} annotations", t_encode, "s"),
        ("OpenLABEL: validate against the official schema", t_validate, "s"),
        ("OpenLABEL: decode into the LiDAR frame", t_decode, "s"),
        (f"nuScenes: export {summary['samples']} samples, {summary['sample_data']} files", t_nu, "s"),
        (f"nuScenes: import {summary['annotations']} boxes", t_nu_in, "s"),
    ]


if __name__ == "__main__":
    for name, value, unit in bench_rows():
        print(f"{name:<60} {value:10.3f} {unit}")
