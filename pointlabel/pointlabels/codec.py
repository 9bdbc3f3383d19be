"""Compact bytes for per-point label arrays and for the sparse diffs of the op history.

A frame's labels are long runs (ground, a car, unlabelled sky), so an array is stored as
run-length pairs (values uint16, lengths uint32) compressed with zlib: a KITTI sweep labelled
ground / objects / rest takes ~0.01-0.05 byte a point. A diff is the sorted indices it touches
(delta-coded uint32, mostly 1s along scan lines) and their values, also zlib-compressed.
Every blob starts with a one-byte tag so the format can change without guessing.
"""
from __future__ import annotations

import struct
import zlib

import numpy as np

from pointlabel.errors import PointlabelError

_RLE = b"R"
_DIFF = b"D"
LEVEL = 6


def encode_labels(values: np.ndarray) -> bytes:
    """values: (N,) uint16 -> bytes (run-length + zlib)."""
    a = np.ascontiguousarray(values, dtype="<u2")
    if len(a) == 0:
        return _RLE + struct.pack("<II", 0, 0)
    starts = np.concatenate([[0], np.flatnonzero(a[1:] != a[:-1]) + 1])
    lengths = np.diff(np.append(starts, len(a))).astype("<u4")
    body = a[starts].tobytes() + lengths.tobytes()
    return _RLE + struct.pack("<II", len(a), len(starts)) + zlib.compress(body, LEVEL)


def decode_labels(blob: bytes) -> np.ndarray:
    """bytes from `encode_labels` -> (N,) uint16 (a new, writable array)."""
    if not blob or blob[:1] != _RLE:
        raise PointlabelError("point labels: not a run-length blob (damaged store?)")
    n, runs = struct.unpack_from("<II", blob, 1)
    if n == 0:
        return np.zeros(0, np.uint16)
    body = zlib.decompress(blob[9:])
    if len(body) != runs * 6:
        raise PointlabelError("point labels: damaged run-length blob")
    values = np.frombuffer(body[:runs * 2], "<u2")
    lengths = np.frombuffer(body[runs * 2:], "<u4")
    if int(lengths.sum()) != n:
        raise PointlabelError("point labels: run lengths do not add up to the point count")
    return np.repeat(values, lengths).astype(np.uint16)


def encode_diff(idx: np.ndarray, *columns: np.ndarray) -> bytes:
    """idx: (K,) sorted unique point indices; columns: (K,) uint16 each -> bytes."""
    idx = np.asarray(idx, dtype=np.int64)
    deltas = np.diff(idx, prepend=0).astype("<u4") if len(idx) else np.zeros(0, "<u4")
    body = deltas.tobytes() + b"".join(np.ascontiguousarray(c, dtype="<u2").tobytes() for c in columns)
    return _DIFF + struct.pack("<IB", len(idx), len(columns)) + zlib.compress(body, LEVEL)


def decode_diff(blob: bytes) -> tuple[np.ndarray, list[np.ndarray]]:
    """bytes from `encode_diff` -> (idx (K,) int64, [column (K,) uint16, ...])."""
    if not blob or blob[:1] != _DIFF:
        raise PointlabelError("point labels: not a diff blob (damaged history?)")
    k, ncol = struct.unpack_from("<IB", blob, 1)
    body = zlib.decompress(blob[6:])
    if len(body) != k * (4 + 2 * ncol):
        raise PointlabelError("point labels: damaged diff blob")
    idx = np.cumsum(np.frombuffer(body[:4 * k], "<u4").astype(np.int64))
    cols = [np.frombuffer(body[4 * k + 2 * k * j: 4 * k + 2 * k * (j + 1)], "<u2").astype(np.uint16)
            for j in range(ncol)]
    return idx, cols
