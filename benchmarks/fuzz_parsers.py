"""Fuzz every parser with hypothesis: point clouds (bin, pcd, ply, las), calibration (KITTI
calib, rig JSON, timestamps JSON), labels (KITTI label_2, frame JSON, OpenPCDet) and API
annotation bodies.

    python benchmarks/fuzz_parsers.py [--n 10000] [--only pcd,calib] [--seed 0]

prints, per parser, the inputs run, how many were accepted / refused with our error, and the
crashers. A crasher is any exception other than PointlabelError / CalibrationError, raised by
the parser or by using what it accepted the way the product does (projecting with an accepted
calibration, exporting accepted labels): a parser must refuse at parse time what cannot be
used. Inputs mix structure-aware generation (headers and JSON built from valid and hostile
values: 0, -1, 1e9, 1e300, NaN, `8_4`, Unicode digits, all-zero and reflected rotations) with
byte and token mutations of valid files. The pytest suite (tests/fuzz/) runs the same targets
with a small `max_examples`; crashers found here are kept there as regression tests.
"""
from __future__ import annotations

import argparse
import io
import json
import math
import pickle
import shutil
import signal
import sys
import tempfile
import time
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

from calibration.errors import CalibrationError  # noqa: E402
from pointlabel.errors import PointlabelError  # noqa: E402

OURS = (PointlabelError, CalibrationError)

# -- values a hostile or broken file holds ------------------------------------------------------
INTERESTING_NUMBERS = ["0", "-0", "1", "-1", "2", "3", "4", "8", "16", "255", "65535", "1000000000",
                       "4294967296", "99999999999999999999", "1e300", "-1e300", "1e-300", "1e400",
                       "nan", "NaN", "inf", "-inf", "Infinity", "8_4", "1_000", "\u0663", "\u0661\u0662",
                       "\uff18", "0x10", "1e", ".", "-", "", "1.5", "0.5", "-0.5", "3.14159", "1e3",
                       "7.215377e+02", "10001", "-10001", "1001"]
PCD_TOKENS = INTERESTING_NUMBERS + ["F", "U", "I", "x", "y", "z", "_", "rgb", "intensity", "ascii",
                                    "binary", "binary_compressed", "FIELDS", "SIZE", "TYPE", "COUNT",
                                    "WIDTH", "HEIGHT", "POINTS", "DATA", "VIEWPOINT", "VERSION", "\n"]
PLY_TOKENS = INTERESTING_NUMBERS + ["float", "double", "uchar", "int", "uint", "short", "char",
                                    "list", "vertex", "face", "element", "property", "x", "y", "z",
                                    "ascii", "binary_little_endian", "binary_big_endian", "end_header",
                                    "format", "comment", "1.0", "\n"]


def number_text():
    """Numbers as a file would write them, and as it should not."""
    finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
    return st.one_of(st.sampled_from(INTERESTING_NUMBERS), finite.map(repr),
                     finite.map(lambda v: f"{v:.6e}"), st.integers(-10**6, 10**6).map(str),
                     st.floats(-100, 100).map(lambda v: f"{v:.2f}"))


def json_number():
    return st.one_of(st.floats(width=64), st.integers(-2**70, 2**70), st.sampled_from(
        [0, 1, -1, 0.5, 1e300, -1e300, float("nan"), float("inf"), True, False, None, "1", "8_4",
         "\u0663", [], {}]))


def rotation_like():
    """3x3 matrices: rotations (maybe perturbed or scaled), all zeros, reflections, random."""
    def rotation(angles):
        a, b, c = angles
        Rz = np.array([[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0], [0, 0, 1]])
        Ry = np.array([[math.cos(b), 0, math.sin(b)], [0, 1, 0], [-math.sin(b), 0, math.cos(b)]])
        Rx = np.array([[1, 0, 0], [0, math.cos(c), -math.sin(c)], [0, math.sin(c), math.cos(c)]])
        return Rz @ Ry @ Rx
    angles = st.tuples(*(st.floats(-4, 4),) * 3)
    good = angles.map(rotation)
    return st.one_of(
        good, good.map(lambda R: -R), good.map(lambda R: R * np.array([1, 1, -1])),
        st.tuples(good, st.floats(-0.1, 0.1)).map(lambda t: t[0] + t[1]),
        st.tuples(good, st.floats(0, 10)).map(lambda t: t[0] * t[1]),
        st.just(np.zeros((3, 3))), st.just(np.eye(3)),
        st.lists(st.floats(-1e6, 1e6), min_size=9, max_size=9).map(lambda v: np.array(v).reshape(3, 3)))


def transform_like(rows: int = 3):
    trans = st.one_of(st.tuples(*(st.floats(-100, 100),) * 3),
                      st.tuples(*(st.sampled_from([0.0, 1e4, -2e4, 1e300, float("nan")]),) * 3))
    return st.tuples(rotation_like(), trans).map(
        lambda rt: np.vstack([np.hstack([rt[0], np.array(rt[1])[:, None]]), [[0, 0, 0, 1]]])[:rows])


def mutate_bytes(seeds: list[bytes], tokens: list[str] | None = None):
    """A valid seed file, changed by one or a few edits: bytes overwritten, header tokens
    replaced (text headers), cut short, or extended."""
    def apply(args):
        seed, edits = args
        data = bytearray(seed)
        for op, pos, value, tok, tail in edits:
            if op == "flip" and data:
                data[pos % len(data)] = value
            elif op == "token" and tokens is not None:
                sep = b"DATA" if b"DATA" in data else b"end_header"
                head, found, body = bytes(data).partition(sep)
                words = head.decode("latin-1").split(" ")
                words[pos % len(words)] = tok
                data = bytearray(" ".join(words).encode("utf-8") + found + body)
            elif op == "cut":
                data = data[: pos % (len(data) + 1)]
            elif op == "append":
                data += tail
        return bytes(data)
    edit = st.tuples(st.sampled_from(["flip", "token", "cut", "append"] if tokens else ["flip", "flip", "cut", "append"]),
                     st.integers(0, 2**20), st.integers(0, 255), st.sampled_from(tokens or [""]),
                     st.binary(min_size=1, max_size=64))
    return st.tuples(st.sampled_from(seeds), st.lists(edit, min_size=0, max_size=3)).map(apply)


def hostile_overrides(base: dict, hostile: dict):
    """`base` (a valid object) with up to two of its keys replaced by hostile values, or
    removed."""
    keys = sorted(hostile)
    return st.lists(st.tuples(st.sampled_from(keys), st.booleans()), max_size=2).flatmap(
        lambda picks: st.tuples(*(hostile[k] for k, _ in picks)).map(
            lambda values: _override(base, picks, values)))


def _override(base: dict, picks, values) -> dict:
    out = dict(base)
    for (key, remove), value in zip(picks, values):
        if remove and key != "type":
            out.pop(key, None)
        else:
            out[key] = value
    return out


# -- the targets ----------------------------------------------------------------------------------
@dataclass
class Target:
    name: str
    strategy: object
    run: object  # input -> None; raises an error of OURS to refuse
    setup: object = None  # called once with a scratch folder
    notes: str = ""


@dataclass
class Result:
    name: str
    inputs: int = 0
    accepted: int = 0
    refused: int = 0
    crashers: dict = field(default_factory=dict)  # (type, where) -> (message, input repr)
    seconds: float = 0.0
    slowest: tuple = (0.0, "")  # (seconds, input repr) of the slowest input


class Scratch:
    """Per-process scratch folder, real KITTI calibration and a tiny native dataset."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="pointlabel-fuzz-"))
        from calibration.kitti_calib import parse_kitti_calib
        self.calib = parse_kitti_calib(KITTI_CALIB_000008)
        self.cam2 = self.calib.to_rig({2: (1242, 375)})["image_2"]
        self.native = self._native()

    def _native(self) -> Path:
        root = self.dir / "native"
        (root / "lidar").mkdir(parents=True)
        for stem in ("000000", "000001", "000002"):
            np.zeros((2, 4), "<f4").tofile(root / "lidar" / f"{stem}.bin")
        for cam in ("front", "left"):
            (root / "cameras" / cam).mkdir(parents=True)
            for stem in ("000000", "000001", "000005"):
                (root / "cameras" / cam / f"{stem}.png").write_bytes(b"")  # listed, never opened
        (root / "dataset.json").write_text(json.dumps({"format": "pointlabel-native", "version": 1,
                                                       "name": "fuzz", "lidar": "lidar_top"}))
        (root / "rig.json").write_text(json.dumps(VALID_RIG))
        return root

    def reset_native(self) -> None:
        """The native dataset's JSON files as valid ones (a target then changes one)."""
        (self.native / "dataset.json").write_text(json.dumps(
            {"format": "pointlabel-native", "version": 1, "name": "fuzz", "lidar": "lidar_top"}))
        (self.native / "rig.json").write_text(json.dumps(VALID_RIG))
        (self.native / "timestamps.json").unlink(missing_ok=True)

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


KITTI_CALIB_000008 = """P0: 7.215377e+02 0.000000e+00 6.095593e+02 0.000000e+00 0.000000e+00 7.215377e+02 1.728540e+02 0.000000e+00 0.000000e+00 0.000000e+00 1.000000e+00 0.000000e+00
P1: 7.215377e+02 0.000000e+00 6.095593e+02 -3.875744e+02 0.000000e+00 7.215377e+02 1.728540e+02 0.000000e+00 0.000000e+00 0.000000e+00 1.000000e+00 0.000000e+00
P2: 7.215377e+02 0.000000e+00 6.095593e+02 4.485728e+01 0.000000e+00 7.215377e+02 1.728540e+02 2.163791e-01 0.000000e+00 0.000000e+00 1.000000e+00 2.745884e-03
P3: 7.215377e+02 0.000000e+00 6.095593e+02 -3.395242e+02 0.000000e+00 7.215377e+02 1.728540e+02 2.199936e+00 0.000000e+00 0.000000e+00 1.000000e+00 2.729905e-03
R0_rect: 9.999239e-01 9.837760e-03 -7.445048e-03 -9.869795e-03 9.999421e-01 -4.278459e-03 7.402527e-03 4.351614e-03 9.999631e-01
Tr_velo_to_cam: 7.533745e-03 -9.999714e-01 -6.166020e-04 -4.069766e-03 1.480249e-02 7.280733e-04 -9.998902e-01 -7.631618e-02 9.998621e-01 7.523790e-03 1.480755e-02 -2.717806e-01
Tr_imu_to_velo: 9.999976e-01 7.553071e-04 -2.035826e-03 -8.086759e-01 -7.854027e-04 9.998898e-01 -1.482298e-02 3.195559e-01 2.024406e-03 1.482454e-02 9.998881e-01 -7.997231e-01
"""
VALID_RIG = {"lidar": "lidar_top", "cameras": {
    "front": {"K": [[800, 0, 480], [0, 800, 270], [0, 0, 1]], "width": 960, "height": 540, "dist": None,
              "T_cam_from_lidar": [[0, -1, 0, 0], [0, 0, -1, -0.1], [1, 0, 0, -0.3], [0, 0, 0, 1]],
              "time_offset": 0.01},
    "left": {"K": [[700, 0, 480], [0, 700, 270], [0, 0, 1]], "width": 960, "height": 540,
             "dist": [-0.2, 0.05, 0.001, -0.001, 0.0],
             "T_cam_from_lidar": [[1, 0, 0, 0], [0, 0, -1, -0.1], [0, 1, 0, -0.3], [0, 0, 0, 1]],
             "time_offset": 0.02}}}
PTS_LIDAR = np.array([[10.0, 0, 0], [5, 2, -1], [30, -4, 0.5], [-5, 0, 0], [0.05, 0, 0]])


def _use_cuboids(frame, scratch: "Scratch") -> None:
    """What the product does with accepted annotations: export lines, JSON round trip."""
    from pointlabel.formats import frame_json
    from pointlabel.formats.kitti_label import frame_to_lines, parse_label_line
    lines = frame_to_lines(frame, scratch.calib.T_rect_from_lidar, scratch.cam2)
    try:
        for line in lines:
            parse_label_line(line)  # what we write, we read back
        again = frame_json.from_text(frame_json.to_text(frame))
    except OURS as e:
        raise AssertionError(f"an export of accepted annotations does not read back: {e}") from None
    assert len(again) == len(frame), "frame JSON round trip lost annotations"


# point clouds --------------------------------------------------------------------------------------
def _cloud_seeds(scratch: Scratch) -> dict[str, list[bytes]]:
    from pointlabel.datasets import pcd
    rng = np.random.default_rng(0)
    n = 5
    cols = {"x": rng.normal(size=n).astype("<f4"), "y": rng.normal(size=n).astype("<f4"),
            "z": rng.normal(size=n).astype("<f4"), "intensity": rng.random(n).astype("<f4"),
            "rgb": rng.integers(0, 2**24, n).astype("<u4").view("<f4"),
            "normal": rng.normal(size=(n, 3)).astype("<f8"), "ring": np.arange(n, dtype="<u2")}
    seeds = {"pcd": [], "ply": [], "las": [], "bin": []}
    for kind in ("ascii", "binary", "binary_compressed"):
        p = scratch.dir / f"seed.{kind}.pcd"
        pcd.write_pcd_columns(p, cols, kind)
        seeds["pcd"].append(p.read_bytes())
    import plyfile
    v = np.array([(1.0, 2.0, 3.0, 10, 20, 30), (4.0, 5.0, 6.0, 1, 2, 3)],
                 dtype=[("x", "f4"), ("y", "f4"), ("z", "f8"), ("red", "u1"), ("green", "u1"), ("blue", "u1")])
    face = np.array([([0, 1, 1],)], dtype=[("vertex_indices", "i4", (3,))])
    for text in (True, False):
        buf = io.BytesIO()
        plyfile.PlyData([plyfile.PlyElement.describe(v, "vertex"), plyfile.PlyElement.describe(face, "face")],
                        text=text).write(buf)
        seeds["ply"].append(buf.getvalue())
    import laspy
    for fmt in (0, 3):
        las = laspy.create(point_format=fmt, file_version="1.2")
        las.x, las.y, las.z = np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0]), np.array([7.0, 8.0, 9.0])
        buf = io.BytesIO()
        las.write(buf)
        seeds["las"].append(buf.getvalue())
    seeds["bin"].append(rng.normal(size=(4, 4)).astype("<f4").tobytes())
    return seeds


def _cloud_target(suffix: str, tokens):
    def run(data: bytes, scratch: Scratch):
        from pointlabel.datasets.clouds import read_cloud
        from pointlabel.datasets.summary import cloud_summary
        path = scratch.dir / f"in{suffix}"
        path.write_bytes(data)
        cloud = read_cloud(path)
        cloud_summary(cloud)  # what `info` does with it
        assert cloud.xyz.dtype == np.float32 and cloud.xyz.ndim == 2 and cloud.xyz.shape[1] == 3
        assert np.isfinite(cloud.xyz).all()
    return run


def _pcd_headers():
    """PCD headers built from hostile values, with a random body."""
    line = lambda key, vals: st.lists(vals, min_size=0, max_size=5).map(lambda v: " ".join([key, *v]))
    header = st.tuples(
        st.just("VERSION .7"), line("FIELDS", st.sampled_from(["x", "y", "z", "_", "rgb", "intensity", "X"])),
        line("SIZE", st.sampled_from(["1", "2", "4", "8", "0", "-4", "3", "1000000000"])),
        line("TYPE", st.sampled_from(["F", "U", "I", "f", "Q"])),
        line("COUNT", st.sampled_from(["1", "2", "0", "-1", "1000000000", "99999999999999999999", "\u0663"])),
        line("WIDTH", number_text()), line("HEIGHT", number_text()), line("POINTS", number_text()),
        line("DATA", st.sampled_from(["ascii", "binary", "binary_compressed", "x"])))
    return st.tuples(st.permutations(list(range(9))), header, st.binary(max_size=512)).map(
        lambda t: "\n".join(t[1][i] for i in sorted(t[0][:7]) + [8]).encode("utf-8") + b"\n" + t[2])


# calibration --------------------------------------------------------------------------------------
def _fmt_matrix(M, fmt) -> str:
    return " ".join(fmt(float(v)) for v in np.asarray(M, dtype=float).ravel())


def _calib_text():
    fmts = st.sampled_from([lambda v: f"{v:.6e}", repr, lambda v: f"{v:.2f}",
                            lambda v: f"{v:.6e}".replace("e", "_e") if abs(v) > 1e3 else f"{v:.6e}"])
    P_good = np.array([[721.5, 0, 609.6, 44.9], [0, 721.5, 172.9, 0.2], [0, 0, 1, 0.003]])
    P = st.one_of(st.just(P_good), st.just(np.zeros((3, 4))),
                  st.lists(st.floats(-1e4, 1e4), min_size=12, max_size=12).map(lambda v: np.array(v).reshape(3, 4)),
                  st.tuples(st.just(P_good), st.floats(-2, 2)).map(lambda t: t[0] * t[1]))
    entry = st.one_of(
        st.tuples(st.sampled_from(["P0", "P1", "P2", "P3"]), P, fmts),
        st.tuples(st.sampled_from(["R0_rect", "R_rect"]), rotation_like(), fmts),
        st.tuples(st.sampled_from(["Tr_velo_to_cam", "Tr_velo_cam", "Tr_imu_to_velo"]), transform_like(3), fmts),
    ).map(lambda e: f"{e[0]}: {_fmt_matrix(e[1], e[2])}")
    raw = st.tuples(st.sampled_from(["P2", "R0_rect", "Tr_velo_to_cam", "calib_time", "P2 ", "\u0663"]),
                    st.lists(number_text(), max_size=14)).map(lambda e: f"{e[0]}: {' '.join(e[1])}")
    valid_lines = KITTI_CALIB_000008.strip().splitlines()
    built = st.tuples(st.lists(st.one_of(entry, raw, st.sampled_from(valid_lines), st.text(max_size=30)),
                               max_size=9), st.booleans()).map(
        lambda t: ("\n".join(valid_lines) + "\n" if t[1] else "") + "\n".join(t[0]))
    one_changed = st.tuples(st.integers(0, len(valid_lines) - 1), st.one_of(entry, raw)).map(
        lambda t: "\n".join(t[1] if i == t[0] else ln for i, ln in enumerate(valid_lines)))
    return st.one_of(built, one_changed)


def _calib_run(text: str, scratch: Scratch):
    from calibration.kitti_calib import parse_kitti_calib
    from calibration.transforms import invert
    from pointlabel.formats.kitti_label import KittiObject, cuboid_to_object, object_to_cuboid
    calib = parse_kitti_calib(text, "fuzz")
    # what import, projection and export do with an accepted calibration
    rig = calib.to_rig({i: (1242, 375) for i in calib.P})
    T = calib.T_rect_from_lidar
    assert np.isfinite(invert(T)).all()
    for cam in rig.cameras.values():
        cam.project_lidar(PTS_LIDAR)
    cam2 = rig.cameras.get("image_2")
    obj = KittiObject("Car", 0.0, 0, 0.0, (0, 0, 10, 10), (1.5, 1.6, 3.9), (1.0, 1.5, 10.0), 0.3)
    cub = object_to_cuboid(obj, T)
    if cam2 is not None:
        cuboid_to_object(cub, T, cam2)
    try:
        parse_kitti_calib(calib.to_text(), "round trip")
    except OURS as e:
        raise AssertionError(f"an accepted calibration does not read back: {e}") from None


def _rig_json():
    cam = st.fixed_dictionaries({}, optional={
        "K": st.one_of(st.just([[800, 0, 480], [0, 800, 270], [0, 0, 1]]),
                       st.lists(st.lists(json_number(), max_size=4), max_size=4),
                       st.just([[0, 0, 0], [0, 0, 0], [0, 0, 0]]), json_number()),
        "width": json_number(), "height": json_number(),
        "dist": st.one_of(st.none(), st.lists(json_number(), max_size=7), json_number()),
        "T_cam_from_lidar": st.one_of(transform_like(4).map(lambda T: T.tolist()),
                                      transform_like(3).map(lambda T: T.tolist()),
                                      st.lists(st.lists(json_number(), max_size=5), max_size=5), json_number()),
        "time_offset": json_number()})
    good = VALID_RIG["cameras"]["left"]
    hostile = {"K": st.one_of(st.lists(st.lists(json_number(), max_size=4), max_size=4),
                              st.just([[0, 0, 0], [0, 0, 0], [0, 0, 0]]), st.just([[800, 0, 480], [0, 800, 270], [0, 0, 0]]),
                              st.just([[-800, 0, 480], [0, 800, 270], [0, 0, 1]]), json_number()),
               "width": json_number(), "height": json_number(),
               "dist": st.one_of(st.none(), st.lists(st.floats(-1e3, 1e3), max_size=6), st.lists(json_number(), max_size=7)),
               "T_cam_from_lidar": st.one_of(transform_like(4).map(lambda T: T.tolist()),
                                             transform_like(3).map(lambda T: T.tolist()), json_number()),
               "time_offset": json_number()}
    mixed = hostile_overrides(good, hostile)
    rig = st.fixed_dictionaries({"cameras": st.dictionaries(st.sampled_from(["front", "left", "x"]),
                                                            st.one_of(mixed, cam, json_number()), max_size=3)},
                                optional={"lidar": st.one_of(st.text(max_size=5), json_number())})
    return st.one_of(rig, json_number(), st.lists(json_number(), max_size=3)).map(
        lambda d: json.dumps(d, allow_nan=True))


def _rig_run(text: str, scratch: Scratch):
    from calibration.undistort import pinhole_of
    from pointlabel.datasets.native import NativeDataset
    from pointlabel.formats.kitti_io import kitti_calib_of
    scratch.reset_native()
    (scratch.native / "rig.json").write_text(text)
    ds = NativeDataset(scratch.native)
    rig = ds.rig("000000")
    if rig is None:
        return
    for cam in rig.cameras.values():
        uv, depth, valid = cam.project_lidar(PTS_LIDAR)
        assert np.isfinite(uv[valid]).all()
        pinhole_of(cam.camera)
        cam.camera.undistort_pixels(np.array([[0.0, 0.0], [100.0, 50.0]]))
    ds.sync("000000")
    if rig.cameras:
        calib = kitti_calib_of(ds, "000000")
        calib.T_rect_from_lidar
        from calibration.kitti_calib import parse_kitti_calib
        try:
            parse_kitti_calib(calib.to_text(), "export of the rig")  # export's calib/ reads back
        except OURS as e:
            raise AssertionError(f"the KITTI calib exported from an accepted rig does not read back: {e}") from None


def _timestamps_json():
    times = st.dictionaries(st.sampled_from(["000000", "000001", "000002", "000005", "9"]), json_number(), max_size=4)
    good = st.dictionaries(st.sampled_from(["000000", "000001", "000002", "000005"]),
                           st.floats(0, 2e9), max_size=4)
    d = st.fixed_dictionaries({}, optional={
        "lidar": st.one_of(times, good, json_number()),
        "cameras": st.one_of(st.dictionaries(st.sampled_from(["front", "left", "other"]),
                                             st.one_of(times, good, json_number()), max_size=3), json_number())})
    meta = st.one_of(st.none(), json_number())
    return st.tuples(st.one_of(d, json_number()), meta).map(
        lambda t: (json.dumps(t[0], allow_nan=True), t[1]))


def _timestamps_run(args, scratch: Scratch):
    from pointlabel.datasets.native import NativeDataset
    text, tolerance = args
    scratch.reset_native()
    (scratch.native / "timestamps.json").write_text(text)
    meta = {"format": "pointlabel-native", "version": 1, "name": "fuzz", "lidar": "lidar_top"}
    if tolerance is not None:
        meta["sync_tolerance"] = tolerance
    (scratch.native / "dataset.json").write_text(json.dumps(meta, allow_nan=True))
    ds = NativeDataset(scratch.native)
    for fid in ds.frame_ids:
        ds.frame(fid)
        for m in ds.sync(fid).values():
            assert m.dt is None or math.isfinite(m.dt)
        ds.images(fid)
    from pointlabel.datasets.summary import dataset_summary
    dataset_summary(ds)


# labels -------------------------------------------------------------------------------------------
def _label_text():
    num = number_text()
    good = st.tuples(st.sampled_from(["Car", "Van", "Pedestrian", "Cyclist", "DontCare", "Misc", "Car\u00e9", "\u0663"]),
                     st.floats(0, 1).map(lambda v: f"{v:.2f}"), st.sampled_from(["0", "1", "2", "3", "-1", "4"]),
                     st.floats(-3.2, 3.2).map(lambda v: f"{v:.2f}"),
                     st.lists(st.floats(0, 1242).map(lambda v: f"{v:.2f}"), min_size=4, max_size=4),
                     st.lists(st.floats(0.1, 20).map(lambda v: f"{v:.2f}"), min_size=3, max_size=3),
                     st.lists(st.floats(-80, 80).map(lambda v: f"{v:.2f}"), min_size=3, max_size=3),
                     st.floats(-3.2, 3.2).map(lambda v: f"{v:.2f}"))
    good_line = good.map(lambda t: " ".join([t[0], t[1], t[2], t[3], *t[4], *t[5], *t[6], t[7]]))
    mutated = st.tuples(good_line, st.lists(st.tuples(st.integers(0, 15), num), max_size=3)).map(
        lambda t: " ".join(_replace_fields(t[0].split(), t[1])))
    hostile = st.lists(num, min_size=14, max_size=15).map(lambda v: " ".join(["Car", *v]))
    lines = st.lists(st.one_of(good_line, mutated, hostile, st.text(max_size=40)), max_size=6)
    return st.tuples(lines, st.sampled_from(["\n", "\r\n", "\n\n"])).map(lambda t: t[1].join(t[0]))


def _replace_fields(fields, edits):
    for i, v in edits:
        fields[i % len(fields)] = v
    return fields


def _label_run(text: str, scratch: Scratch):
    from pointlabel.formats.kitti_label import annotations_from_text
    frame = annotations_from_text(text, scratch.calib, "000008", "fuzz.txt")
    _use_cuboids(frame, scratch)


def _annotation_dict():
    vec = lambda n: st.one_of(st.lists(st.floats(-100, 100), min_size=n, max_size=n),
                              st.lists(json_number(), max_size=n + 1), json_number(),
                              st.just([1e300] * n), st.just([2e4] * n))
    any_value = json_number()
    cuboid = {"type": "cuboid", "id": "c1", "label": "Car", "track_id": 3, "center": [10.0, 1.0, -0.8],
              "size_lwh": [3.9, 1.6, 1.5], "yaw": 0.3, "pitch": 0.0, "roll": 0.0, "status": "confirmed",
              "confidence": None, "attributes": {"occluded": 0}, "source": None}
    polyline = {"type": "polyline", "id": "p1", "label": "lane", "closed": False, "track_id": None,
                "vertices": [[5.0, 1.0, -1.7], [15.0, 1.2, -1.7]], "status": "confirmed", "attributes": {}}
    dontcare = {"type": "dontcare", "id": "d1", "box2d": [10.0, 20.0, 50.0, 80.0], "source": None}
    redaction = {"type": "redaction", "id": "r1", "camera": "image_2", "box_xyxy": [1.0, 2.0, 30.0, 40.0],
                 "polygon": None, "label": "face", "status": "confirmed", "source": None, "attributes": {}}
    hostile = {k: st.one_of(any_value, vec(3), st.text(max_size=6), st.sampled_from(["", "rejected", "x" * 300]))
               for k in ("id", "label", "track_id", "yaw", "pitch", "roll", "status", "confidence",
                         "attributes", "source", "closed", "camera", "polygon", "type")}
    hostile |= {"center": vec(3), "size_lwh": vec(3), "vertices": st.one_of(st.lists(vec(3), max_size=3), any_value),
                "box2d": vec(4), "box_xyxy": vec(4)}
    return st.one_of(*(hostile_overrides(base, {k: v for k, v in hostile.items() if k in base})
                       for base in (cuboid, polyline, dontcare, redaction)),
                     st.dictionaries(st.sampled_from(["type", "center", "x"]), any_value, max_size=3), any_value)


def _frame_json_text():
    d = st.fixed_dictionaries({}, optional={
        "format": st.one_of(st.just("pointlabel-frame"), json_number()), "version": json_number(),
        "frame": st.one_of(st.just("000008"), json_number()),
        "annotations": st.one_of(st.lists(_annotation_dict(), max_size=4), json_number())})
    return st.one_of(d.map(lambda v: json.dumps(v, allow_nan=True)), st.text(max_size=50))


def _frame_json_run(text: str, scratch: Scratch):
    from pointlabel.formats import frame_json
    frame = frame_json.from_text(text, "fuzz.json")
    _use_cuboids(frame, scratch)


def _openpcdet_bytes():
    box = st.lists(st.one_of(st.floats(-50, 50), json_number()), min_size=0, max_size=8)
    rec = st.fixed_dictionaries({}, optional={
        "boxes_lidar": st.one_of(st.lists(box, max_size=3), json_number()),
        "score": st.one_of(st.lists(json_number(), max_size=3), json_number()),
        "name": st.one_of(st.lists(st.one_of(st.sampled_from(["Car", "Pedestrian"]), json_number()), max_size=3), json_number()),
        "frame_id": st.one_of(st.sampled_from(["000008", 8, -1, 10**30]), json_number())})
    as_json = st.one_of(
        st.fixed_dictionaries({"format": st.just("openpcdet"),
                               "frames": st.dictionaries(st.sampled_from(["000008", "1"]), st.one_of(rec, json_number()), max_size=2)}),
        st.lists(rec, max_size=3), json_number()).map(lambda d: json.dumps(d, allow_nan=True).encode())

    def as_pickle(recs):
        out = []
        for r in recs:
            r = dict(r)
            for k in ("boxes_lidar", "score"):
                if k in r:
                    try:
                        r[k] = np.asarray(r[k], dtype=float)
                    except (TypeError, ValueError):
                        pass
            out.append(r)
        return pickle.dumps(out, protocol=4)
    good = {"frame_id": "000008", "boxes_lidar": [[10.0, 1.0, -0.8, 3.9, 1.6, 1.5, 0.3], [20.0, -3.0, -0.7, 4.2, 1.7, 1.6, -1.2]],
            "score": [0.9, 0.4], "name": ["Car", "Van"]}
    one_changed = hostile_overrides(good, {
        "boxes_lidar": st.one_of(st.lists(box, min_size=2, max_size=2), st.just([[1e300, 0, 0, 1, 1, 1, 0]] * 2),
                                 st.just([[0, 0, 0, -1, 1, 1, 0]] * 2), json_number()),
        "score": st.one_of(st.lists(json_number(), min_size=2, max_size=2), json_number()),
        "name": st.one_of(st.lists(st.one_of(st.text(max_size=70), json_number()), min_size=2, max_size=2), json_number()),
        "frame_id": st.one_of(st.sampled_from([8, -1, 10**30, "../x", ""]), json_number())})
    as_json = st.one_of(as_json, st.lists(one_changed, min_size=1, max_size=2).map(
        lambda recs: json.dumps(recs, allow_nan=True).encode()))
    pickles = st.one_of(st.lists(rec, max_size=3), st.lists(one_changed, min_size=1, max_size=2)).map(as_pickle)
    raw = st.binary(max_size=64).map(lambda b: b"\x80" + b)
    return st.one_of(as_json, pickles, mutate_bytes([pickle.dumps([{"frame_id": 8, "boxes_lidar": np.zeros((1, 7)),
                                                                     "score": np.ones(1), "name": np.array(["Car"])}])]), raw)


def _openpcdet_run(data: bytes, scratch: Scratch):
    from pointlabel.formats.openpcdet import decode, encode
    from pointlabel.model import FrameAnnotations
    frames = decode(data, "fuzz.pkl")
    encode(frames)
    for fid, cuboids in frames.items():
        _use_cuboids(FrameAnnotations.from_annotations(fid, cuboids), scratch)


def _api_body():
    """Bodies of POST /frames/<f>/annotations, PUT /annotations/<id> and POST /frames/<f>/fit:
    valid ones with up to two hostile fields, raw JSON-ish text, and random bytes."""
    vec = st.one_of(st.lists(st.floats(-100, 100), min_size=3, max_size=3), st.lists(json_number(), max_size=4),
                    json_number(), st.just([1e300, 0, 0]), st.just([2e4, 0, 0]))
    hostile = {"type": st.one_of(st.sampled_from(["cuboid", "polyline", "dontcare"]), json_number()),
               "label": st.one_of(st.text(max_size=70), json_number()), "center": vec, "size": vec,
               "yaw": json_number(), "track": json_number(), "status": st.one_of(st.text(max_size=10), json_number()),
               "attributes": st.one_of(st.dictionaries(st.text(max_size=70), json_number(), max_size=3), json_number()),
               "points": st.one_of(st.lists(vec, max_size=4), json_number()), "closed": json_number(),
               "version": st.one_of(st.integers(-5, 2**60), json_number()), "seed": vec, "extra": json_number()}
    cuboid = {"type": "cuboid", "label": "Car", "center": [10.0, 1.0, -0.8], "size": [3.9, 1.6, 1.5], "yaw": 0.3,
              "track": 3, "attributes": {"occluded": 0}}
    polyline = {"type": "polyline", "label": "lane", "points": [[5.0, 1.0, -1.7], [15.0, 1.2, -1.7]], "closed": False}
    update = {"version": 1, "center": [11.0, 1.0, -0.8], "yaw": 0.5}
    fit = {"seed": [10.0, 1.0, -0.8], "label": "Car"}
    bodies = st.one_of(*(st.tuples(st.just(kind), hostile_overrides(base, {k: v for k, v in hostile.items()
                                                                           if k in base or k == "extra"}))
                         for kind, base in (("create", cuboid), ("create", polyline), ("update", update), ("fit", fit))))
    as_text = bodies.map(lambda t: (t[0], json.dumps(t[1], allow_nan=True)))
    raw = st.tuples(st.sampled_from(["create", "update", "fit"]),
                    st.one_of(st.text(max_size=60), st.binary(max_size=60),
                              st.integers(1, 200).map(lambda n: "[" * n + "]" * n)))
    return st.one_of(as_text, raw)


def _api_run(args, scratch: Scratch):
    """The API's own validation (pointlabel.api.schema), then what the routes do with it."""
    from pointlabel.api import schema
    from pointlabel.model import Cuboid, FrameAnnotations
    kind, body = args
    if kind == "create":
        fields = schema.parse_annotation_body(body)
        ann = schema.new_annotation(fields, "fuzz")
        schema.annotation_json(ann, 1)
        _use_cuboids(FrameAnnotations.from_annotations("000008", [ann]), scratch)
    elif kind == "update":
        _, fields = schema.parse_update_body(body)
        base = Cuboid(center=(10, 1, -0.8), size_lwh=(3.9, 1.6, 1.5), yaw=0.3, id="fuzz")
        ann = schema.apply_fields(base, fields)
        schema.annotation_json(ann, 2)
        _use_cuboids(FrameAnnotations.from_annotations("000008", [ann]), scratch)
    else:
        schema.parse_fit_body(body)


def targets(scratch: Scratch | None = None) -> list[Target]:
    """Every fuzz target (the cloud seeds need a scratch folder)."""
    own = scratch or Scratch()
    seeds = _cloud_seeds(own)
    return [
        Target("bin", st.one_of(st.binary(max_size=256), mutate_bytes(seeds["bin"]),
                                st.lists(st.floats(width=32), max_size=40).map(lambda v: np.array(v, "<f4").tobytes())),
               _cloud_target(".bin", None)),
        Target("pcd", st.one_of(mutate_bytes(seeds["pcd"], PCD_TOKENS), _pcd_headers()), _cloud_target(".pcd", PCD_TOKENS)),
        Target("ply", mutate_bytes(seeds["ply"], PLY_TOKENS), _cloud_target(".ply", PLY_TOKENS)),
        Target("las", mutate_bytes(seeds["las"]), _cloud_target(".las", None)),
        Target("kitti_calib", _calib_text(), _calib_run),
        Target("rig_json", _rig_json(), _rig_run),
        Target("timestamps_json", _timestamps_json(), _timestamps_run),
        Target("kitti_label", _label_text(), _label_run),
        Target("frame_json", _frame_json_text(), _frame_json_run),
        Target("openpcdet", _openpcdet_bytes(), _openpcdet_run),
        Target("api_body", _api_body(), _api_run),
    ]


class InputTimeout(Exception):
    """One input ran longer than TIMEOUT_S: a hang is a crasher too (a header that makes a
    reader loop or allocate without end)."""


TIMEOUT_S = 10


def _on_alarm(_signum, _frame):
    raise InputTimeout(f"one input took over {TIMEOUT_S} s")


def call(target: Target, data, scratch: Scratch) -> bool:
    """Run one input: True when accepted, False when refused with our error; anything else
    propagates (a crasher), and so does InputTimeout."""
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(TIMEOUT_S)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with np.errstate(all="ignore"):
                try:
                    target.run(data, scratch)
                except OURS:
                    return False
        return True
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def fuzz(target: Target, n: int, scratch: Scratch, seed: int = 0) -> Result:
    result = Result(target.name)
    t0 = time.perf_counter()

    @settings(max_examples=n, database=None, deadline=None, derandomize=False,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(target.strategy)
    def run(data):
        current[0] = data
        result.inputs += 1
        t_in = time.perf_counter()
        try:
            accepted = call(target, data, scratch)
        except Exception as e:  # noqa: BLE001 - counting crashers is the point
            tb = traceback.extract_tb(e.__traceback__)[-1]
            key = (type(e).__name__, f"{Path(tb.filename).name}:{tb.lineno}")
            result.crashers.setdefault(key, (str(e)[:200], repr(data)[:600]))
            return
        finally:
            dt = time.perf_counter() - t_in
            if dt > result.slowest[0]:
                result.slowest = (dt, repr(data)[:300])
        result.accepted += accepted
        result.refused += not accepted

    def unraisable(u):  # an error raised in a destructor is printed, not raised: a crasher too
        key = ("unraisable " + type(u.exc_value).__name__, str(getattr(u.object, "__qualname__", u.object))[:60])
        result.crashers.setdefault(key, (str(u.exc_value)[:200], repr(current[0])[:600]))

    current = [None]
    import random
    random.seed(seed)
    previous_hook, sys.unraisablehook = sys.unraisablehook, unraisable
    try:
        run()
    finally:
        sys.unraisablehook = previous_hook
    result.seconds = time.perf_counter() - t0
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="inputs per parser (default 10000)")
    parser.add_argument("--only", help="comma-separated parser names")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    scratch = Scratch()
    try:
        chosen = [t for t in targets(scratch) if not args.only or t.name in args.only.split(",")]
        results = []
        for t in chosen:
            r = fuzz(t, args.n, scratch, args.seed)
            results.append(r)
            if not args.json:
                print(f"{r.name:<16} inputs {r.inputs:>6}  accepted {r.accepted:>6}  refused {r.refused:>6}  "
                      f"crashers {len(r.crashers):>3}  {r.seconds:6.1f} s  (slowest input {r.slowest[0]:.2f} s)",
                      flush=True)
                for (kind, where), (msg, data) in r.crashers.items():
                    print(f"    {kind} at {where}: {msg}\n        input: {data}", flush=True)
        if args.json:
            print(json.dumps([{"parser": r.name, "inputs": r.inputs, "accepted": r.accepted, "refused": r.refused,
                               "crashers": [{"type": k[0], "where": k[1], "message": v[0], "input": v[1]}
                                            for k, v in r.crashers.items()], "seconds": round(r.seconds, 1)}
                              for r in results]))
        return 1 if any(r.crashers for r in results) else 0
    finally:
        scratch.close()


if __name__ == "__main__":
    sys.exit(main())
