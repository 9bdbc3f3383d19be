"""Detections of an OpenPCDet-style detector -> unconfirmed proposals, and back.

A box is `[x, y, z, dx, dy, dz, heading]` in the LiDAR frame: (x, y, z) the geometric centre,
dx the length along the heading, dy the width, dz the height, heading about +z (0 along +x).
That is our Cuboid's convention, so a box maps to `Cuboid(center, size_lwh=(dx, dy, dz),
yaw=heading)` with status 'proposal' and confidence = score.

Accepted inputs (`decode` tells them apart):

- our JSON (what `encode` writes)::

      {"format": "openpcdet", "frames": {
          "000008": {"boxes_lidar": [[x, y, z, dx, dy, dz, heading], ...],
                     "score": [0.93, ...], "name": ["Car", ...]}}}

- OpenPCDet's own `result.pkl` (a pickled list of per-frame dicts with `frame_id`,
  `boxes_lidar` (N, 7), `score` (N,), `name` (N,) numpy arrays; other keys are ignored),
  or the same list as JSON. Pickles are read with an unpickler that builds numpy arrays
  and plain containers only, so a crafted file cannot run code.

An integer frame id becomes six digits ("8" -> "000008"), KITTI's naming.
"""
from __future__ import annotations

import io
import json
import pickle
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np

from pointlabel.errors import PointlabelError
from pointlabel.formats.plausible import check_annotation
from pointlabel.model import STATUS_PROPOSAL, Cuboid

FORMAT = "openpcdet"
SOURCE = "openpcdet"


def decode(data: bytes, source: str = "<openpcdet>") -> dict[str, list[Cuboid]]:
    """A file's bytes (JSON or pickle) -> {frame id: [Cuboid proposals]}."""
    if data[:1] == b"\x80":  # pickle protocol 2+
        records = _safe_unpickle(data, source)
    else:
        try:
            records = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise PointlabelError(f"neither JSON nor a pickle ({e})", source) from None
    if isinstance(records, dict):
        if "frames" not in records or not isinstance(records["frames"], dict):
            raise PointlabelError('a JSON object needs "frames": {frame id: {...}}', source)
        items = list(records["frames"].items())
    elif isinstance(records, list):
        items = []
        for i, r in enumerate(records):
            if not isinstance(r, dict) or "frame_id" not in r:
                raise PointlabelError(f"record {i} has no frame_id", source)
            items.append((r["frame_id"], r))
    else:
        raise PointlabelError("expected a list of per-frame records or {\"frames\": ...}", source)
    out: dict[str, list[Cuboid]] = {}
    for frame_id, rec in items:
        fid = _frame_id(frame_id)
        out.setdefault(fid, []).extend(_frame_cuboids(rec, f"{source}: frame {fid}"))
    return out


def encode(frames: Mapping[str, Iterable[Cuboid]]) -> str:
    """{frame id: cuboids} -> our JSON text (score = confidence, 1.0 when unset)."""
    lines = []
    for fid, cuboids in frames.items():
        cuboids = list(cuboids)
        rec = {"boxes_lidar": [c.as_array().tolist() for c in cuboids],
               "score": [1.0 if c.confidence is None else float(c.confidence) for c in cuboids],
               "name": [c.label for c in cuboids]}
        lines.append(f" {json.dumps(str(fid))}: {json.dumps(rec)}")
    if not lines:
        return f'{{"format": "{FORMAT}", "frames": {{}}}}\n'
    return f'{{"format": "{FORMAT}", "frames": {{\n' + ",\n".join(lines) + "\n}}\n"


def read(path: str | Path) -> dict[str, list[Cuboid]]:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise PointlabelError(f"cannot read ({e.__class__.__name__})", path) from None
    return decode(data, str(path))


def import_openpcdet(dataset, store, src: str | Path, label_set: str = "default") -> dict:
    """Store a detector's boxes as proposals. Earlier openpcdet proposals of the same frames
    are replaced; frames the dataset does not have are skipped (and listed)."""
    frames = read(src)
    known = set(dataset.frame_ids)
    skipped = sorted(f for f in frames if f not in known)
    n = 0
    for fid in sorted(f for f in frames if f in known):
        frame, seen = store.frame_state(fid, label_set)
        old = [c.id for c in frame.cuboids if c.source == SOURCE and c.status == STATUS_PROPOSAL]
        store.apply(fid, upserts=frames[fid], deletes=old, label_set=label_set, author="import-openpcdet",
                    expected={i: seen[i] for i in old})  # refused if someone changed one meanwhile
        n += len(frames[fid])
    return {"frames": len(frames) - len(skipped), "proposals": n, "skipped": skipped}


def _frame_id(frame_id) -> str:
    if isinstance(frame_id, (int, np.integer)):
        return f"{int(frame_id):06d}"
    return str(frame_id)


def _frame_cuboids(rec, where: str) -> list[Cuboid]:
    if not isinstance(rec, dict):
        raise PointlabelError(f"{where}: expected an object with boxes_lidar, score, name")
    try:
        boxes = np.asarray(rec.get("boxes_lidar", []), dtype=float).reshape(-1, 7)
        scores = np.asarray(rec.get("score", np.ones(len(boxes))), dtype=float).reshape(-1)
    except (TypeError, ValueError) as e:
        raise PointlabelError(f"{where}: boxes_lidar must be N x 7 numbers ({e})") from None
    names = [str(v) for v in np.asarray(rec.get("name", []), dtype=object).reshape(-1)]
    if not (len(boxes) == len(scores) == len(names)):
        raise PointlabelError(f"{where}: {len(boxes)} boxes, {len(scores)} scores, {len(names)} names")
    out = []
    for i, (b, s, name) in enumerate(zip(boxes, scores, names)):
        try:
            cub = Cuboid(center=b[:3], size_lwh=b[3:6], yaw=b[6], label=name,
                         status=STATUS_PROPOSAL, confidence=float(s), source=SOURCE)
        except ValueError as e:
            raise PointlabelError(f"{where}: box {i}: {e}") from None
        out.append(check_annotation(cub, f"{where}: box {i}"))
    return out


_ALLOWED = {
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),  # protocol 5
    ("collections", "OrderedDict"), ("_codecs", "encode"),  # protocol 2 stores bytes this way
    *((mod, name) for mod in ("builtins", "__builtin__")
      for name in ("bytes", "bytearray", "set", "frozenset", "complex")),
}


class _NumpyOnlyUnpickler(pickle._Unpickler):
    """numpy arrays and plain containers only. The pure-Python unpickler, so that BUILD can be
    checked: a dtype's pickled state carries its internal flags, and a crafted one (a float64
    "holding object references") makes numpy fail inside its own memory handling (fuzz
    crasher: `get_clear_loop not set`, printed from a destructor); only the flags numpy itself
    gives that dtype are accepted, and no structured dtypes."""

    dispatch = dict(pickle._Unpickler.dispatch)

    def find_class(self, module, name):
        if (module, name) in _ALLOWED or (module == "numpy.dtypes" and name.endswith("DType")):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a detections file")

    def load_build(self):
        state, inst = self.stack[-1], self.stack[-2]
        if isinstance(inst, np.dtype):
            _check_dtype_state(inst, state)
        super().load_build()

    dispatch[pickle.BUILD[0]] = load_build


def _check_dtype_state(dtype: np.dtype, state) -> None:
    """state: (version, byteorder, subarray, names, fields, elsize, alignment, flags[, meta])."""
    if not (isinstance(state, tuple) and len(state) in (8, 9) and state[2] is None and state[3] is None
            and state[4] is None and isinstance(state[7], int) and state[7] == dtype.flags):
        raise pickle.UnpicklingError(f"a pickled numpy dtype ({dtype}) has a state numpy never writes")


def _safe_unpickle(data: bytes, source: str):
    try:
        return _NumpyOnlyUnpickler(io.BytesIO(data)).load()
    except Exception as e:  # a damaged or hostile pickle fails in many ways; all are the user's file
        raise PointlabelError(f"cannot read the pickle ({e})", source) from None
