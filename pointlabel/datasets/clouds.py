"""Point-cloud files -> `PointCloud`: KITTI .bin, PCD, PLY, LAS/LAZ/COPC; and writers back.

Libraries: PLY through plyfile, LAS/LAZ/COPC through laspy + lazrs, PCD through our own
`pcd` module (its docstring says why). Every reader hands its columns to `_assemble`, which
applies one set of rules to every format:

- field names are lower-cased; intensity is the first of `INTENSITY_NAMES` present; colour
  is PCL's packed `rgb` (float32 bits) / `rgba` (uint32), or separate red/green/blue
  (uint16 is scaled to 8 bits only when a value exceeds 255: LAS writers use both ranges);
- points with a non-finite coordinate are dropped first (`'nan'`: their colour bits are NaN
  too), then points beyond `MAX_ABS_COORD_M` (`'far'`), then points exactly at (0, 0, 0),
  drivers' "no return" (`'zero'`, unless keep_zero);
- coordinates go to metres (`scale_to_m`, from the LAS CRS; other formats are metres) in
  float64; when any |coordinate| exceeds `RECENTRE_ABOVE_M`, the bounding-box centre,
  rounded to whole metres, is subtracted before the cast to float32 and kept in `offset`.

Writers restore the source's own coordinates and units: `(xyz + offset) / scale_to_m`, in
float64 when re-centred. A file not in metres gets a `pointlabel units=...` header comment
that our readers honour, so a written file reads back as the same cloud.
"""
from __future__ import annotations

import logging
import math
import re
import struct
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import laspy
import numpy as np
import plyfile

from pointlabel.datasets import pcd
from pointlabel.errors import PointlabelError

MAX_ABS_COORD_M = 1e8  # metres from the file's origin: beyond any projected CRS on Earth
RECENTRE_ABOVE_M = 1e4  # float32 keeps ~1 mm up to here (spacing 2**-10 m at 1e4)
INTENSITY_NAMES = ("intensity", "scalar_intensity", "reflectance", "scalar_reflectance",
                   "remission", "intensities", "i", "reflectivity")
_PACKED_COLOUR = ("rgb", "rgba")
_COLOUR_CHANNELS = (("red", "green", "blue"), ("r", "g", "b"),
                    ("diffuse_red", "diffuse_green", "diffuse_blue"))


@dataclass(frozen=True, eq=False)
class PointCloud:
    """One point cloud in its dataset's frame (the LiDAR frame for sweeps), metres."""

    xyz: np.ndarray  # (N, 3) float32, metres, re-centred: original = xyz + offset (float64)
    intensity: np.ndarray | None  # (N,) float32, whatever the source called it
    rgb: np.ndarray | None  # (N, 3) uint8
    extra: dict[str, np.ndarray]  # other per-point fields kept, (N,) each
    offset: np.ndarray  # (3,) float64 re-centring offset in metres, zeros when none
    units: str  # units of the source file: 'm', 'ft', 'us-ft', 'mm', ...
    scale_to_m: float  # factor source units -> metres
    grid: tuple[int, int] | None  # (rows, cols) of an organised cloud (before dropping)
    dropped: dict[str, int]  # reason -> count, e.g. {'nan': 12, 'zero': 3}; only reasons > 0
    source: Path | None

    @property
    def fields(self) -> list[str]:
        """Per-point attributes beyond x y z: ['intensity', 'rgb', *extra], those present."""
        present = [("intensity", self.intensity), ("rgb", self.rgb)]
        return [name for name, values in present if values is not None] + list(self.extra)


# --------------------------------------------------------------------------- readers

def read_cloud(path: str | Path, *, keep_zero: bool = False) -> PointCloud:
    """Read a .bin, .pcd, .ply, .las or .laz (COPC too) file, by its suffix."""
    path = Path(path)
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise PointlabelError(f"unknown point-cloud format {path.suffix!r} "
                              "(expected .bin, .pcd, .ply, .las or .laz)", path)
    return reader(path, keep_zero=keep_zero)


def read_bin(path: str | Path, *, keep_zero: bool = False) -> PointCloud:
    """KITTI velodyne scan: float32 little-endian x, y, z, reflectance per point."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as e:
        raise PointlabelError(f"cannot read KITTI .bin: {e.strerror}", path) from None
    if size % 16:
        raise PointlabelError(f"KITTI .bin is {size} bytes, not a multiple of 16 "
                              "(4 float32 per point): truncated or not a KITTI scan", path)
    values = np.fromfile(path, "<f4").reshape(-1, 4)
    columns = {"x": values[:, 0], "y": values[:, 1], "z": values[:, 2],
               "reflectance": values[:, 3]}
    return _assemble(columns, source=path, keep_zero=keep_zero)


def read_pcd(path: str | Path, *, keep_zero: bool = False) -> PointCloud:
    """PCD of any VERSION / DATA kind; an organised cloud keeps its (rows, cols) grid."""
    path = Path(path)
    header, columns = pcd.read_pcd_columns(path)
    units, scale_to_m = _units_from_comments(header.comments, path)
    grid = (header.height, header.width) if header.height > 1 else None
    return _assemble(_split_counts(columns), units=units, scale_to_m=scale_to_m, grid=grid,
                     source=path, keep_zero=keep_zero)


def read_ply(path: str | Path, *, keep_zero: bool = False) -> PointCloud:
    """PLY (ascii, binary little/big endian): the scalar properties of its `vertex` element."""
    path = Path(path)
    try:
        ply = plyfile.PlyData.read(str(path))
    except (plyfile.PlyParseError, ValueError, EOFError, struct.error, IndexError,
            OverflowError) as e:  # a damaged file fails inside plyfile in all these ways
        raise PointlabelError(f"bad PLY: {e}", path) from None
    except OSError as e:
        raise PointlabelError(f"cannot read PLY: {e.strerror or e}", path) from None
    if "vertex" not in ply:
        raise PointlabelError("PLY has no 'vertex' element", path)
    vertices = ply["vertex"].data
    columns = {}
    for name in vertices.dtype.names:
        if vertices.dtype[name].kind in "biuf":  # list properties (object) are not per-point
            columns[name.lower()] = vertices[name].astype(vertices.dtype[name].newbyteorder("="))
    units, scale_to_m = _units_from_comments(ply.comments, path)
    return _assemble(columns, units=units, scale_to_m=scale_to_m, source=path,
                     keep_zero=keep_zero)


def read_las(path: str | Path, *, keep_zero: bool = False) -> PointCloud:
    """LAS/LAZ 1.0-1.4 and COPC, through laspy + lazrs; units from the file's CRS."""
    path = Path(path)
    _check_las_record_counts(path)
    with _quiet_laspy():
        try:
            with laspy.open(path) as reader:
                _check_las_point_count(reader.header, path)
                las = reader.read()
        except (laspy.errors.LaspyException, RuntimeError, ValueError, EOFError, struct.error,
                IndexError, OverflowError) as e:  # a damaged file fails inside laspy in all these ways
            raise PointlabelError(f"bad LAS/LAZ: {e}", path) from None
        except OSError as e:
            raise PointlabelError(f"cannot read LAS/LAZ: {e.strerror or e}", path) from None
    if len(las.points) != las.header.point_count:
        raise PointlabelError(f"LAS header says {las.header.point_count} points but only "
                              f"{len(las.points)} could be read", path)
    units, scale_to_m = las_units(las.header, path)
    columns = {"x": np.asarray(las.x), "y": np.asarray(las.y), "z": np.asarray(las.z)}
    for name in las.point_format.dimension_names:
        if name not in ("X", "Y", "Z"):
            columns[name.lower()] = np.asarray(las[name])
    return _assemble(columns, units=units, scale_to_m=scale_to_m, source=path,
                     keep_zero=keep_zero)


_READERS = {".bin": read_bin, ".pcd": read_pcd, ".ply": read_ply, ".las": read_las,
            ".laz": read_las}


@contextmanager
def _quiet_laspy():
    """laspy logs an ERROR line before raising or returning short; we raise our own line."""
    logger = logging.getLogger("laspy")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _check_las_record_counts(path: Path) -> None:
    """Refuse offsets and VLR / EVLR counts the file cannot hold before laspy reads them:
    laspy reads `offset_to_point_data` bytes up front (4 GB for a flipped byte) and loops over
    a header's `number_of_vlrs` (up to 4 billion) even past the end of the file."""
    try:
        with open(path, "rb") as f:
            head = f.read(247)
        size = path.stat().st_size
    except OSError as e:
        raise PointlabelError(f"cannot read LAS/LAZ: {e.strerror or e}", path) from None
    if len(head) < 104 or head[:4] != b"LASF":
        return  # laspy says what is wrong
    offset_to_points = int.from_bytes(head[96:100], "little")
    if offset_to_points > size:  # laspy would allocate that much before looking further
        raise PointlabelError(f"bad LAS/LAZ: the header puts the points at byte {offset_to_points}, "
                              f"beyond the end of the file ({size} bytes)", path)
    n_vlrs = int.from_bytes(head[100:104], "little")
    if n_vlrs * 54 > size:  # a VLR header alone is 54 bytes
        raise PointlabelError(f"bad LAS/LAZ: the header counts {n_vlrs} VLRs, more than the "
                              f"file's {size} bytes can hold", path)
    if len(head) >= 247 and head[25] == 4:  # LAS 1.4: extended VLRs
        n_evlrs = int.from_bytes(head[243:247], "little")
        if n_evlrs * 60 > size:
            raise PointlabelError(f"bad LAS/LAZ: the header counts {n_evlrs} extended VLRs, more "
                                  f"than the file's {size} bytes can hold", path)


def _check_las_point_count(header: laspy.LasHeader, path: Path) -> None:
    """Uncompressed LAS: the point records must fill the space the header says they do."""
    if header.are_points_compressed:
        return  # lazrs fails on a short file; a LAZ header that says too few is not seen
    end = path.stat().st_size
    for start in (header.start_of_first_evlr if header.number_of_evlrs else 0,
                  header.start_of_waveform_data_packet_record or 0):
        if header.offset_to_point_data < start < end:
            end = start
    held = max(end - header.offset_to_point_data, 0) // header.point_format.size
    if held != header.point_count:
        raise PointlabelError(f"LAS header says {header.point_count} points but the file "
                              f"holds {held}", path)


# --------------------------------------------------------------------------- LAS units

_GEOTIFF_UNITS = {9001: ("m", 1.0), 9002: ("ft", 0.3048), 9003: ("us-ft", 1200 / 3937),
                  9036: ("km", 1000.0), 9005: ("clarke-ft", 0.3047972654)}
_KNOWN_UNITS = (("m", 1.0), ("ft", 0.3048), ("us-ft", 1200 / 3937), ("mm", 0.001),
                ("cm", 0.01), ("km", 1000.0))
_WKT_UNIT = re.compile(r'\b(?:LENGTHUNIT|UNIT)\s*[\[(]\s*"([^"]*)"\s*,\s*([-+0-9.eE]+)')
_WKT_NOT_AXES = re.compile(r"\b(GEOGCS|BASEGEOGCRS|BASEGEODCRS|CONVERSION)\s*[\[(]")
_WKT_GEOGRAPHIC = re.compile(r"\s*(GEOGCS|GEOGCRS|GEOGRAPHICCRS)\b")
_GEOKEY_MODEL, _GEOKEY_PROJ_UNITS, _GEOKEY_GEOG_UNITS = 1024, 3076, 2052


def las_units(header: laspy.LasHeader, path: str | Path | None = None) -> tuple[str, float]:
    """(units, metres per unit) of a LAS file's x/y/z from its WKT or GeoTIFF CRS; metres if none.

    The CRS is used for its linear unit only (never to reproject: see lone-star.copc.laz).
    Geographic (degree) coordinates cannot be labelled in metres and are refused.
    """
    vlrs = list(header.vlrs) + list(header.evlrs or [])
    wkt = next((v.string for v in vlrs if isinstance(v, laspy.vlrs.known.WktCoordinateSystemVlr)
                and v.string), None)
    if wkt:
        return _wkt_units(wkt, path)
    keys = next(({k.id: k.value_offset for k in v.geo_keys} for v in vlrs
                 if isinstance(v, laspy.vlrs.known.GeoKeyDirectoryVlr)), None)
    return _geokey_units(keys, path) if keys else ("m", 1.0)


def _wkt_units(wkt: str, path) -> tuple[str, float]:
    if _WKT_GEOGRAPHIC.match(wkt):
        raise PointlabelError("LAS coordinates are geographic (degrees); "
                              "reproject to a projected CRS in metres or feet", path)
    match = _WKT_UNIT.search(_drop_wkt_nodes(wkt))
    if match is None:
        return "m", 1.0
    factor = _unit_factor(match[2], "the CRS's linear unit", path)
    return _unit_label(match[1], factor), factor


def _drop_wkt_nodes(wkt: str) -> str:
    """WKT without its geographic base and conversion nodes: the first UNIT left is the axes'."""
    while match := _WKT_NOT_AXES.search(wkt):
        depth, i = 0, match.end() - 1
        for i in range(match.end() - 1, len(wkt)):
            depth += {"[": 1, "(": 1, "]": -1, ")": -1}.get(wkt[i], 0)
            if depth == 0:
                break
        wkt = wkt[:match.start()] + wkt[i + 1:]
    return wkt


def _unit_label(name: str, factor: float) -> str:
    for label, known in _KNOWN_UNITS:
        if math.isclose(factor, known, rel_tol=1e-9):
            return label
    return re.sub(r"\W+", "-", name.strip().lower()) or "unknown"


def _geokey_units(keys: dict[int, int], path) -> tuple[str, float]:
    if keys.get(_GEOKEY_MODEL) == 2:
        raise PointlabelError("LAS coordinates are geographic (degrees); "
                              "reproject to a projected CRS in metres or feet", path)
    code = keys.get(_GEOKEY_PROJ_UNITS, keys.get(_GEOKEY_GEOG_UNITS))
    if code is None:
        return "m", 1.0
    if code not in _GEOTIFF_UNITS:
        raise PointlabelError(f"LAS GeoTIFF linear unit code {code} is not supported", path)
    return _GEOTIFF_UNITS[code]


def _units_from_comments(comments, path=None) -> tuple[str, float]:
    """(units, scale_to_m) from our writers' `pointlabel units=` comment, else metres."""
    for comment in comments:
        if match := _UNITS_COMMENT.search(comment):
            return match[1], _unit_factor(match[2], "the units comment's scale_to_m", path)
    return "m", 1.0


def _unit_factor(text: str, what: str, path) -> float:
    """Metres per unit: a plain number in [1e-6, 1e6] (a micrometre to a thousand km)."""
    try:
        factor = float(text)
    except ValueError:
        factor = math.nan
    if not 1e-6 <= factor <= 1e6:
        raise PointlabelError(f"{what} {text[:30]!r} is not metres per unit in [1e-6, 1e6]", path)
    return factor


_UNITS_COMMENT = re.compile(r"pointlabel units=(\S+) scale_to_m=([-+0-9.eE]+)")


# --------------------------------------------------------------------------- assembly

def _split_counts(columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """(N, k) columns (PCD COUNT k) -> name_0 ... name_{k-1}, each (N,)."""
    out = {}
    for name, values in columns.items():
        if values.ndim == 1:
            out[name] = values
        else:
            out.update({f"{name}_{k}": values[:, k] for k in range(values.shape[1])})
    return out


def _assemble(columns: dict[str, np.ndarray], *, source: Path | None, keep_zero: bool,
              units: str = "m", scale_to_m: float = 1.0,
              grid: tuple[int, int] | None = None) -> PointCloud:
    """Columns of one file ({lower-case name: (N,)}, x y z in source units) -> PointCloud."""
    missing = [axis for axis in "xyz" if axis not in columns]
    if missing:
        raise PointlabelError(f"no {'/'.join(missing)} field (fields: {', '.join(columns)})",
                              source)
    xyz_src = np.stack([columns[axis] for axis in "xyz"], axis=1, dtype=np.float64)
    keep, dropped = _keep_mask(xyz_src, keep_zero, scale_to_m)
    xyz_m = xyz_src[keep]  # a copy: scaled and re-centred in place
    xyz_m *= scale_to_m
    offset = _recentre_offset(xyz_m)
    xyz_m -= offset
    intensity_name = next((n for n in INTENSITY_NAMES if n in columns), None)
    rgb, colour_names = _colour(columns, keep)
    used = {"x", "y", "z", intensity_name, *colour_names}
    return PointCloud(
        xyz=xyz_m.astype(np.float32),
        intensity=None if intensity_name is None
        else columns[intensity_name][keep].astype(np.float32),
        rgb=rgb,
        extra={n: np.ascontiguousarray(v[keep]) for n, v in columns.items() if n not in used},
        offset=offset, units=units, scale_to_m=float(scale_to_m), grid=grid,
        dropped=dropped, source=source)


def _keep_mask(xyz: np.ndarray, keep_zero: bool, scale_to_m: float = 1.0) -> tuple[np.ndarray, dict[str, int]]:
    """xyz: (N, 3) source frame. Non-finite points first ('nan'), then points beyond
    MAX_ABS_COORD_M ('far': no place on Earth; a broken scale or a damaged record, and
    float32 could not hold them even re-centred), then exact (0, 0, 0) ('zero')."""
    keep = np.isfinite(xyz).all(axis=1)
    dropped = {"nan": int(len(xyz) - keep.sum())}
    with np.errstate(over="ignore", invalid="ignore"):
        far = keep & (np.abs(xyz) * abs(scale_to_m) > MAX_ABS_COORD_M).any(axis=1)
    keep &= ~far
    dropped["far"] = int(far.sum())
    if not keep_zero:
        zero = keep & (xyz == 0).all(axis=1)
        keep &= ~zero
        dropped["zero"] = int(zero.sum())
    return keep, {reason: count for reason, count in dropped.items() if count}


def _recentre_offset(xyz_m: np.ndarray) -> np.ndarray:
    """xyz_m: (N, 3) metres, float64. Rounded bounding-box centre when far from the origin."""
    if len(xyz_m) == 0 or np.abs(xyz_m).max() <= RECENTRE_ABOVE_M:
        return np.zeros(3)
    return np.round((xyz_m.min(axis=0) + xyz_m.max(axis=0)) / 2)


def _colour(columns: dict[str, np.ndarray], keep: np.ndarray
            ) -> tuple[np.ndarray | None, tuple[str, ...]]:
    """One (N, 3) uint8 colour of the kept points and the source columns it used.

    A colour that is black on every point is a format's unset default (LAS point formats
    2/3/5/7/8/10 always carry one): it is dropped, not shown.
    """
    rgb, names = None, ()
    packed = next((n for n in _PACKED_COLOUR if n in columns), None)
    if packed is not None and columns[packed].dtype.itemsize == 4:
        bits = columns[packed][keep].view(np.uint32) if columns[packed].dtype.kind == "f" \
            else columns[packed][keep].astype(np.uint32)
        rgb = np.stack([(bits >> 16) & 255, (bits >> 8) & 255, bits & 255], axis=1)
        rgb, names = rgb.astype(np.uint8), (packed,)
    else:
        names = next((n for n in _COLOUR_CHANNELS if all(c in columns for c in n)), ())
        if names:
            rgb = _to_8bit(np.stack([columns[n][keep] for n in names], axis=1))
    return (None if rgb is None or not rgb.any() else rgb), names


def _to_8bit(channels: np.ndarray) -> np.ndarray:
    """(N, 3) colour channels of any numeric type -> uint8."""
    if channels.dtype.kind == "f":
        finite = np.nan_to_num(channels.astype(np.float64))
        scale = 255.0 if finite.size and finite.max() <= 1.0 else 1.0
        return np.clip(np.round(finite * scale), 0, 255).astype(np.uint8)
    if channels.size and channels.max() > 255:
        return (channels.astype(np.uint64) >> 8).clip(0, 255).astype(np.uint8)
    return channels.clip(0, 255).astype(np.uint8)


# --------------------------------------------------------------------------- writers

def write_pcd(path: str | Path, cloud: PointCloud, extra_fields: dict[str, np.ndarray] | None
              = None, data: str = "binary_compressed") -> None:
    """Write `cloud` (plus `extra_fields`, (N,) each, e.g. label/instance) as a PCD v0.7 file.

    Coordinates are the source file's own (offset restored, source units); colour is PCL's
    packed float `rgb`, so PCL, Open3D and pypcd4 read it.
    """
    columns = _file_columns(cloud)
    if cloud.rgb is not None:
        rgb = cloud.rgb.astype(np.uint32)
        columns["rgb"] = ((rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]).view(np.float32)
    columns.update(_extras(cloud, extra_fields))
    pcd.write_pcd_columns(path, columns, data, comments=_units_comments(cloud))


def write_ply(path: str | Path, cloud: PointCloud, extra_fields: dict[str, np.ndarray] | None
              = None, binary: bool = True) -> None:
    """Write `cloud` (plus `extra_fields`) as a PLY `vertex` element; colour as red/green/blue."""
    columns = _file_columns(cloud)
    if cloud.rgb is not None:
        columns.update(zip(("red", "green", "blue"), cloud.rgb.T))
    columns.update(_extras(cloud, extra_fields))
    vertices = np.empty(len(cloud.xyz), [(n, _ply_dtype(v)) for n, v in columns.items()])
    for name, values in columns.items():
        vertices[name] = values
    element = plyfile.PlyElement.describe(vertices, "vertex")
    plyfile.PlyData([element], text=not binary, byte_order="<",
                    comments=_units_comments(cloud)).write(str(path))


def write_bin(path: str | Path, pts_lidar: np.ndarray, intensity: np.ndarray | None = None
              ) -> None:
    """KITTI .bin. pts_lidar: (N, 3) LiDAR frame, metres; intensity: (N,) or None (zeros)."""
    pts_lidar = np.asarray(pts_lidar)
    if pts_lidar.ndim != 2 or pts_lidar.shape[1] != 3:
        raise ValueError(f"pts_lidar must be (N, 3), got {pts_lidar.shape}")
    values = np.zeros((len(pts_lidar), 4), "<f4")
    values[:, :3] = pts_lidar
    if intensity is not None:
        values[:, 3] = intensity
    values.tofile(path)


def _file_columns(cloud: PointCloud) -> dict[str, np.ndarray]:
    """x, y, z in the source's coordinates and units, intensity.

    float32 when that holds every coordinate exactly (always in metres without an offset;
    also for a source that was float32 itself), else float64. Open3D 0.20's legacy reader
    reads binary float64 PCD coordinates as zeros (its tensor reader is right), so float32
    is preferred where it loses nothing.
    """
    xyz = cloud.xyz
    if cloud.offset.any() or cloud.scale_to_m != 1.0:
        xyz = (cloud.xyz.astype(np.float64) + cloud.offset) / cloud.scale_to_m
        if np.array_equal(xyz.astype(np.float32), xyz):
            xyz = xyz.astype(np.float32)
    columns = dict(zip("xyz", xyz.T))
    if cloud.intensity is not None:
        columns["intensity"] = cloud.intensity
    return columns


def _extras(cloud: PointCloud, extra_fields: dict[str, np.ndarray] | None
            ) -> dict[str, np.ndarray]:
    """cloud.extra updated by extra_fields (which win on a shared name); each (N,)."""
    extras = dict(cloud.extra)
    for name, values in (extra_fields or {}).items():
        values = np.asarray(values)
        if values.shape != (len(cloud.xyz),) or name in ("x", "y", "z", "intensity", "rgb"):
            raise ValueError(f"extra field {name!r}: shape {values.shape}, expected "
                             f"({len(cloud.xyz)},) and not a built-in field name")
        extras[name] = values
    return extras


def _units_comments(cloud: PointCloud) -> list[str]:
    if cloud.units == "m" and cloud.scale_to_m == 1.0:
        return []
    return [f"pointlabel units={cloud.units} scale_to_m={cloud.scale_to_m!r}"]


def _ply_dtype(values: np.ndarray) -> str:
    """PLY has no 64-bit integers or bools: narrow to 32 bits when the values fit, else f8."""
    dtype = values.dtype
    if dtype.kind == "b":
        return "u1"
    if dtype.kind in "iu" and dtype.itemsize == 8:
        narrow = np.dtype(f"{dtype.kind}4")
        info = np.iinfo(narrow)
        fits = values.size == 0 or (values.min() >= info.min and values.max() <= info.max)
        return narrow.str if fits else "<f8"
    return dtype.newbyteorder("<").str
