"""The binary messages the canvas fetches (pure: arrays in, bytes out; no Flask here).

A message is a little-endian uint32 header length L, L bytes of JSON header (padded with
spaces to a multiple of 4 bytes), then the arrays back to back, each starting on a 4-byte
boundary. The header lists them in order::

    {"arrays": [{"name": "xyz", "dtype": "float32", "shape": [N, 3], "offset": 0}, ...], ...meta}

`offset` counts bytes from the end of the header. The browser reads each array as a typed
array view of the fetched ArrayBuffer, without copying or parsing numbers.
"""
from __future__ import annotations

import json
import struct

import numpy as np

DTYPES = {"float32": np.float32, "uint8": np.uint8, "uint16": np.uint16, "int32": np.int32, "uint32": np.uint32}


def _pad4(n: int) -> int:
    return (4 - n % 4) % 4


def pack(arrays: dict[str, np.ndarray], **meta) -> bytes:
    """Arrays (each of a dtype in DTYPES, C order) and JSON-able meta -> one message."""
    entries, blobs, offset = [], [], 0
    for name, a in arrays.items():
        a = np.ascontiguousarray(a)
        dtype = a.dtype.name
        if dtype not in DTYPES:
            raise ValueError(f"{name}: dtype {dtype} cannot be sent")
        raw = a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()
        entries.append({"name": name, "dtype": dtype, "shape": list(a.shape), "offset": offset})
        blobs.append(raw + b"\0" * _pad4(len(raw)))
        offset += len(raw) + _pad4(len(raw))
    header = json.dumps({**meta, "arrays": entries}, separators=(",", ":")).encode()
    header += b" " * _pad4(len(header))
    return struct.pack("<I", len(header)) + header + b"".join(blobs)


def unpack(message: bytes) -> tuple[dict, dict[str, np.ndarray]]:
    """The inverse of pack: (meta with "arrays", name -> array)."""
    (n,) = struct.unpack_from("<I", message, 0)
    meta = json.loads(message[4:4 + n])
    body = memoryview(message)[4 + n:]
    out = {}
    for e in meta["arrays"]:
        dtype = np.dtype(DTYPES[e["dtype"]]).newbyteorder("<")
        count = int(np.prod(e["shape"])) if e["shape"] else 1
        out[e["name"]] = np.frombuffer(body, dtype=dtype, count=count, offset=e["offset"]).reshape(e["shape"])
    return meta, out
