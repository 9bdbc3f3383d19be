"""PCD files (Point Cloud Library): header parser, reader for every DATA kind, writer.

Why a module of our own: no library here reads every valid PCD. pypcd4 1.5 rejects
`VERSION .5`/`.6` and ASCII columns separated by runs of spaces, reads the binary_compressed
layout of `COUNT > 1` fields in the wrong order, and accepts a truncated binary body without
a word; Open3D 0.20 refuses float64 upper-case `X Y Z`, its legacy reader keeps only
positions and colours (and reads binary float64 coordinates as zeros), and neither of its
readers keeps the grid of an organised cloud. A PCD is a text header plus records of a numpy
structured dtype, so this module is just that: the LZF codec comes from `lzf`
(python-neo-lzf, the one pypcd4 itself uses) and ASCII parsing from `numpy.loadtxt`. Files
written here follow PCL's writer; pypcd4 and Open3D read them (tested).

Layouts (PCL's `pcd_io.cpp`): `binary` is packed little-endian records, padding fields `_`
included; `binary_compressed` is `uint32 compressed_size, uint32 raw_size`, then LZF data
that decompresses to one block per field (all points' values of field 0, then field 1, ...;
a `COUNT k` field keeps each point's k values together). Writers disagree on whether
padding fields have a block, so both sizes are accepted.

Columns come back keyed by lower-cased field name, `(N,)` or `(N, COUNT)`, padding dropped.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import lzf
import numpy as np

from pointlabel.errors import PointlabelError

DATA_KINDS = ("ascii", "binary", "binary_compressed")
PADDING = "_"
_NUMPY_FROM_PCD = {
    ("F", 2): "<f2", ("F", 4): "<f4", ("F", 8): "<f8",
    ("U", 1): "u1", ("U", 2): "<u2", ("U", 4): "<u4", ("U", 8): "<u8",
    ("I", 1): "i1", ("I", 2): "<i2", ("I", 4): "<i4", ("I", 8): "<i8",
}
_PCD_KIND = {"f": "F", "u": "U", "i": "I", "b": "U"}
_KEYS = {"VERSION", "FIELDS", "COLUMNS", "SIZE", "TYPE", "COUNT", "WIDTH", "HEIGHT",
         "VIEWPOINT", "POINTS", "DATA"}
_MAX_HEADER_LINES = 100
_DEFAULT_VIEWPOINT = (0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0)
_PACKED_COLOUR = ("rgb", "rgba")
_FLOAT_FORMATS = {2: "%.5g", 4: "%.9g", 8: "%.17g"}  # enough digits to read back every bit
_INT = re.compile(r"[+-]?[0-9]{1,19}")
_FLOAT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
MAX_RECORD_BYTES = 1 << 20  # one point's fields; the largest PCL descriptors take a few KB
LZF_MAX_RATIO = 100  # LZF writes at most 264 bytes for a 3-byte back reference (~88:1)


@dataclass(frozen=True)
class PcdHeader:
    """A parsed PCD header; `fields` as written (padding `_` included, case kept)."""

    version: str
    fields: tuple[str, ...]
    sizes: tuple[int, ...]
    types: tuple[str, ...]
    counts: tuple[int, ...]
    width: int
    height: int
    points: int
    data: str
    viewpoint: tuple[float, ...]
    comments: tuple[str, ...]

    def record_dtype(self, padding: bool = True) -> np.dtype:
        """Structured dtype of one point; padding fields leave gaps (or are left out)."""
        names, formats, offsets, offset = [], [], [], 0
        for name, size, kind, count in zip(self.fields, self.sizes, self.types, self.counts):
            if name != PADDING:
                names.append(name.lower())
                formats.append((_NUMPY_FROM_PCD[kind, size], (count,)) if count > 1
                               else _NUMPY_FROM_PCD[kind, size])
                offsets.append(offset)
            if name != PADDING or padding:
                offset += size * count
        return np.dtype({"names": names, "formats": formats, "offsets": offsets,
                         "itemsize": offset})


def read_pcd_columns(path: str | Path) -> tuple[PcdHeader, dict[str, np.ndarray]]:
    """Read a PCD file: its header and `{lower-case field: (N,) or (N, COUNT) array}`."""
    path = Path(path)
    try:
        buf = path.read_bytes()
    except OSError as e:
        raise PointlabelError(f"cannot read PCD file: {e.strerror}", path) from None
    header, start = parse_header(buf, path)
    body = memoryview(buf)[start:]
    _check_fits(header, len(body), path)
    if header.points == 0:
        dtype = header.record_dtype()
        return header, {n: np.zeros((0, *dtype[n].shape), dtype[n].base) for n in dtype.names}
    read = {"ascii": _read_ascii, "binary": _read_binary,
            "binary_compressed": _read_compressed}[header.data]
    return header, read(body, header, path)


def parse_header(buf: bytes, path: str | Path | None = None) -> tuple[PcdHeader, int]:
    """Parse the header at the start of `buf`; returns it and the offset where data begins."""
    values: dict[str, list[str]] = {}
    comments: list[str] = []
    pos = 0
    for _ in range(_MAX_HEADER_LINES):
        if pos >= len(buf):
            break
        end = buf.find(b"\n", pos)
        end = len(buf) if end < 0 else end
        line = buf[pos:end].decode("latin-1").strip()
        pos = end + 1
        if not line:
            continue
        if line.startswith("#"):
            comments.append(line[1:].strip())
            continue
        key, *rest = line.split()
        if key.upper() not in _KEYS:
            raise PointlabelError(f"not a PCD header: unexpected line {line[:40]!r}", path)
        values[key.upper()] = rest
        if key.upper() == "DATA":
            return _build_header(values, comments, path), min(pos, len(buf))
    raise PointlabelError("not a PCD file: no DATA line in the header", path)


def _build_header(values: dict[str, list[str]], comments: list[str], path) -> PcdHeader:
    fields = values.get("FIELDS") or values.get("COLUMNS")
    if not fields:
        raise PointlabelError("PCD header has no FIELDS line", path)
    n = len(fields)
    if "SIZE" not in values:
        raise PointlabelError("PCD header has no SIZE line", path)
    sizes = _ints(values, "SIZE", path)
    types = [t.upper() for t in values.get("TYPE", ["F"] * n)]
    counts = _ints(values, "COUNT", path) if "COUNT" in values else [1] * n
    for key, got in (("SIZE", sizes), ("TYPE", types), ("COUNT", counts)):
        if len(got) != n:
            raise PointlabelError(f"PCD header: {key} has {len(got)} entries but FIELDS has {n}",
                                  path)
    for name, size, kind, count in zip(fields, sizes, types, counts):
        if (kind, size) not in _NUMPY_FROM_PCD:
            raise PointlabelError(f"PCD field {name!r}: unsupported TYPE {kind} SIZE {size}", path)
        if count < 1:
            raise PointlabelError(f"PCD field {name!r}: COUNT {count} < 1", path)
    names = [f.lower() for f in fields if f != PADDING]
    if len(set(names)) != len(names):
        raise PointlabelError(f"PCD header repeats a field name: {' '.join(fields)}", path)
    width, height, points = _grid(values, path)
    kind = values["DATA"][0].lower() if values["DATA"] else ""
    if kind not in DATA_KINDS:
        raise PointlabelError(f"unknown PCD DATA kind {kind!r} "
                              "(expected ascii, binary or binary_compressed)", path)
    return PcdHeader(
        version=(values.get("VERSION") or [""])[0], fields=tuple(fields), sizes=tuple(sizes),
        types=tuple(types), counts=tuple(counts), width=width, height=height, points=points,
        data=kind, viewpoint=_viewpoint(values, path), comments=tuple(comments))


def _ints(values: dict[str, list[str]], key: str, path) -> list[int]:
    """Plain ASCII integers only (int() would also take '1_000' and Unicode digits)."""
    if not all(_INT.fullmatch(v) for v in values[key]):
        raise PointlabelError(f"PCD header: {key} {' '.join(values[key])[:60]!r} is not whole "
                              "numbers (ASCII digits, at most 19)", path)
    return [int(v) for v in values[key]]


def _check_fits(header: PcdHeader, body_bytes: int, path) -> None:
    """Refuse a header whose records cannot exist (or would not fit in memory) before any
    array is made: a point record over MAX_RECORD_BYTES, or more points than the body can hold
    (ASCII: at least one character and a separator a value; binary_compressed: LZF expands
    at most ~88:1; binary sizes are compared exactly by _read_binary)."""
    record = sum(size * count for size, count in zip(header.sizes, header.counts))
    if record > MAX_RECORD_BYTES:
        raise PointlabelError(f"PCD header: one point takes {record} bytes (COUNT x SIZE); "
                              f"more than {MAX_RECORD_BYTES} is not a point cloud", path)
    if header.data == "binary":
        return  # _read_binary compares the exact sizes before any array is made
    if header.data == "ascii":
        values = sum(c for f, c in zip(header.fields, header.counts) if f != PADDING)
        held = (body_bytes + 1) // (2 * max(values, 1))
    else:
        held = (body_bytes * LZF_MAX_RATIO) // max(record, 1)
    if header.points > held:
        raise PointlabelError(f"PCD POINTS is {header.points} but the file's {body_bytes} bytes of "
                              f"{header.data} data cannot hold more than {held} points", path)


def _grid(values: dict[str, list[str]], path) -> tuple[int, int, int]:
    """WIDTH, HEIGHT, POINTS with PCL's defaults; they must agree."""
    got = {k: _ints(values, k, path)[:1] for k in ("WIDTH", "HEIGHT", "POINTS") if values.get(k)}
    height = got.get("HEIGHT", [1])[0]
    points = got["POINTS"][0] if "POINTS" in got else None
    width = got["WIDTH"][0] if "WIDTH" in got else None
    if width is None and points is not None and height > 0:
        width = points // height
    if width is None:
        raise PointlabelError("PCD header has neither WIDTH nor POINTS", path)
    points = width * height if points is None else points
    if min(width, height, points) < 0 or width * height != points:
        raise PointlabelError(f"PCD header: WIDTH {width} x HEIGHT {height} "
                              f"does not match POINTS {points}", path)
    return width, height, points


def _viewpoint(values: dict[str, list[str]], path) -> tuple[float, ...]:
    if "VIEWPOINT" not in values:
        return _DEFAULT_VIEWPOINT
    if all(_FLOAT.fullmatch(v) for v in values["VIEWPOINT"]):
        viewpoint = tuple(float(v) for v in values["VIEWPOINT"])
    else:
        viewpoint = ()
    if len(viewpoint) != 7:
        raise PointlabelError(f"PCD VIEWPOINT needs 7 numbers: {values['VIEWPOINT']}", path)
    return viewpoint


def _read_binary(body: memoryview, header: PcdHeader, path) -> dict[str, np.ndarray]:
    dtype = header.record_dtype()
    need, have = header.points * dtype.itemsize, len(body)
    if have < need:
        raise PointlabelError(f"truncated PCD: POINTS {header.points} needs {need} bytes "
                              f"of binary data, the file has {have}", path)
    if have - need >= dtype.itemsize:
        raise PointlabelError(f"PCD POINTS is {header.points} but the binary data holds "
                              f"{have // dtype.itemsize} points", path)
    records = np.frombuffer(body, dtype, count=header.points)
    return {name: records[name] for name in dtype.names}


def _read_compressed(body: memoryview, header: PcdHeader, path) -> dict[str, np.ndarray]:
    if len(body) < 8:
        raise PointlabelError("truncated PCD: binary_compressed data has no size header", path)
    packed, raw = (int(v) for v in np.frombuffer(body[:8], "<u4"))
    if raw > packed * LZF_MAX_RATIO + 64:
        raise PointlabelError(f"corrupt PCD: a compressed block of {packed} bytes cannot "
                              f"decompress to {raw} bytes", path)
    if 8 + packed > len(body):
        raise PointlabelError(f"truncated PCD: compressed block of {packed} bytes, "
                              f"only {len(body) - 8} present", path)
    with_padding = header.record_dtype(padding=True).itemsize * header.points
    without = header.record_dtype(padding=False).itemsize * header.points
    if raw not in (with_padding, without):
        raise PointlabelError(f"PCD POINTS is {header.points} ({with_padding} bytes of fields) "
                              f"but the compressed block holds {raw} bytes", path)
    try:
        data = lzf.decompress(bytes(body[8:8 + packed]), raw)
    except ValueError:
        data = None
    if data is None or len(data) != raw:
        raise PointlabelError("corrupt PCD: LZF data does not decompress", path)
    return _columns_from_blocks(data, header, padded=raw == with_padding != without)


def _columns_from_blocks(data: bytes, header: PcdHeader, padded: bool) -> dict[str, np.ndarray]:
    columns, offset, n = {}, 0, header.points
    for name, size, kind, count in zip(header.fields, header.sizes, header.types, header.counts):
        if name == PADDING and not padded:
            continue
        if name != PADDING:
            values = np.frombuffer(data, _NUMPY_FROM_PCD[kind, size], n * count, offset)
            columns[name.lower()] = values.reshape(n, count) if count > 1 else values
        offset += n * count * size
    return columns


def _read_ascii(body: memoryview, header: PcdHeader, path) -> dict[str, np.ndarray]:
    text = bytes(body).decode("latin-1")
    first = next((line.split() for line in io.StringIO(text) if line.strip()), [])
    padded = _ascii_dtype(header, padding=True)
    dtype = padded if len(first) == _n_values(padded) else _ascii_dtype(header, padding=False)
    if len(first) != _n_values(dtype):
        raise PointlabelError(f"PCD ASCII row 1 has {len(first)} values, "
                              f"the header declares {_n_values(dtype)}", path)
    try:
        rows = np.loadtxt(io.StringIO(text), dtype=dtype, ndmin=1, comments=None)
    except ValueError as e:
        raise PointlabelError(f"bad PCD ASCII data: {str(e).split(';')[0]}", path) from None
    if len(rows) != header.points:
        raise PointlabelError(f"PCD POINTS is {header.points} but the ASCII data has "
                              f"{len(rows)} rows", path)
    return {name: _packed_from_text(rows[name]) if dtype[name] == np.float64
            and name in _PACKED_COLOUR else rows[name]
            for name in dtype.names if not name.startswith(" ")}


def _ascii_dtype(header: PcdHeader, padding: bool) -> np.dtype:
    """Parse dtype for loadtxt; packed colours as float64 (see `_packed_from_text`)."""
    items = []
    for i, (name, size, kind, count) in enumerate(
            zip(header.fields, header.sizes, header.types, header.counts)):
        if name == PADDING and not padding:
            continue
        packed = name.lower() in _PACKED_COLOUR and (kind, size) == ("F", 4)
        fmt = "<f8" if packed else _NUMPY_FROM_PCD[kind, size]
        label = f" pad{i}" if name == PADDING else name.lower()  # no field name has a space
        items.append((label, fmt, (count,)) if count > 1 else (label, fmt))
    return np.dtype(items)


def _n_values(dtype: np.dtype) -> int:
    return sum(int(np.prod(dtype[name].shape)) for name in dtype.names)


def _packed_from_text(values: np.ndarray) -> np.ndarray:
    """A packed float colour written as text -> its float32 bits.

    PCL (1.8+) writes the `rgb` float field of ASCII files as the uint32 integer of its
    bits; older writers printed the float itself (a denormal, or NaN). A packed colour is
    never a whole number as a float (except 0), so whole numbers are read as the integer.
    """
    whole = np.isfinite(values) & (values == np.floor(values)) & (values >= 0) & (values < 2**32)
    out = values.astype(np.float32)
    out.view(np.uint32)[whole] = values[whole].astype(np.uint32)
    return out


def write_pcd_columns(path: str | Path, columns: dict[str, np.ndarray],
                      data: str = "binary_compressed", comments: tuple[str, ...] = ()) -> None:
    """Write `{field: (N,) or (N, k) array}` as an unorganised PCD v0.7 file.

    `data` is ascii, binary or binary_compressed; bool columns are written as U1; `rgb`/`rgba`
    float32 columns (packed colour) are written in ASCII as the uint32 of their bits, as PCL does.
    """
    if data not in DATA_KINDS:
        raise ValueError(f"unknown PCD DATA kind {data!r}")
    columns = {name: _little_endian(np.asarray(col)) for name, col in columns.items()}
    n = len(next(iter(columns.values()))) if columns else 0
    for name, col in columns.items():
        if len(col) != n or col.ndim not in (1, 2) or " " in name or not name:
            raise ValueError(f"PCD column {name!r}: shape {col.shape}, "
                             f"expected ({n},) or ({n}, k)")
    lines = ["# .PCD v0.7 - Point Cloud Data file format", *(f"# {c}" for c in comments),
             "VERSION 0.7", _header_row("FIELDS", columns, lambda c, name: name)]
    for key, value in (("SIZE", lambda c, _: c.dtype.itemsize),
                       ("TYPE", lambda c, _: _PCD_KIND[c.dtype.kind]),
                       ("COUNT", lambda c, _: 1 if c.ndim == 1 else c.shape[1])):
        lines.append(_header_row(key, columns, value))
    lines += [f"WIDTH {n}", "HEIGHT 1", "VIEWPOINT 0 0 0 1 0 0 0", f"POINTS {n}", f"DATA {data}"]
    body = {"ascii": _ascii_body, "binary": _binary_body,
            "binary_compressed": _compressed_body}[data](columns, n)
    Path(path).write_bytes(("\n".join(lines) + "\n").encode("ascii") + body)


def _little_endian(col: np.ndarray) -> np.ndarray:
    if col.dtype.kind == "b":
        return col.astype(np.uint8)
    if col.dtype.kind not in _PCD_KIND:
        raise ValueError(f"PCD cannot hold dtype {col.dtype}")
    return col.astype(col.dtype.newbyteorder("<"), copy=False)


def _header_row(key: str, columns: dict[str, np.ndarray], value) -> str:
    return " ".join([key, *(str(value(col, name)) for name, col in columns.items())])


def _binary_body(columns: dict[str, np.ndarray], n: int) -> bytes:
    dtype = np.dtype([(name, col.dtype, col.shape[1:]) for name, col in columns.items()])
    records = np.empty(n, dtype)
    for name, col in columns.items():
        records[name] = col
    return records.tobytes()


def _compressed_body(columns: dict[str, np.ndarray], n: int) -> bytes:
    raw = b"".join(np.ascontiguousarray(col).tobytes() for col in columns.values())
    # lzf returns None when output would exceed max_length; LZF grows data by < 1/32 at worst
    packed = lzf.compress(raw, len(raw) + len(raw) // 16 + 64) if raw else b""
    return np.array([len(packed), len(raw)], "<u4").tobytes() + packed


def _ascii_body(columns: dict[str, np.ndarray], n: int) -> bytes:
    flat, formats = [], []
    for name, col in columns.items():
        if name in _PACKED_COLOUR and col.dtype == np.float32:
            col = col.view(np.uint32)
        fmt = _FLOAT_FORMATS[col.dtype.itemsize] if col.dtype.kind == "f" else "%d"
        for k in range(1 if col.ndim == 1 else col.shape[1]):
            flat.append(col if col.ndim == 1 else col[:, k])
            formats.append(fmt)
    line = " ".join(formats)
    return "".join(line % row + "\n" for row in zip(*(c.tolist() for c in flat))).encode("ascii")
