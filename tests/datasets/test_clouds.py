"""Point-cloud readers and writers: the real files of ../shared/scans against their SOURCE.md,
round trips, property tests over every PCD DATA kind and field type, and bad input."""
from __future__ import annotations

import math
import struct
from pathlib import Path

import laspy
import lzf
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from pointlabel.datasets import pcd
from pointlabel.datasets.clouds import (PointCloud, las_units, read_bin, read_cloud,
                                        write_bin, write_pcd, write_ply)
from pointlabel.errors import PointlabelError

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
SCANS = SHARED / "scans"
FT = 0.3048
US_FT = 1200 / 3937
ALL_SCANS = ["autzen_trim.las", "lone-star.copc.laz", "table_scene_mug_stereo_textured.pcd",
             "fast_gicp_251370668.pcd", "small_gicp_target.ply",
             "min_cut_segmentation_tutorial.pcd", "samp11-utm.pcd", "bunny.pcd"]
needs_scans = pytest.mark.usefixtures("scans_root")  # fails (never skips) without ../shared/scans


def bounds_m(cloud: PointCloud) -> np.ndarray:
    """(2, 3) [min, max] of the original coordinates in metres."""
    xyz = cloud.xyz.astype(np.float64) + cloud.offset
    return np.stack([xyz.min(axis=0), xyz.max(axis=0)])


# ------------------------------------------------------------------ the real files (SOURCE.md)

@needs_scans
def test_autzen_las_is_in_international_feet_and_recentred():
    cloud = read_cloud(SCANS / "autzen_trim.las")
    assert len(cloud.xyz) == 110_000 and cloud.dropped == {}
    assert (cloud.units, cloud.scale_to_m) == ("ft", FT)
    # SOURCE.md extents are in feet, to 0.01 ft
    expected_ft = [[636_001.76, 848_935.20, 406.26], [637_179.22, 849_497.90, 520.51]]
    np.testing.assert_allclose(bounds_m(cloud), np.array(expected_ft) * FT, atol=0.006 * FT)
    # offset = rounded bbox centre in metres: x (636001.76 + 637179.22) / 2 * 0.3048 = 194032.78
    # y 849216.55 ft * 0.3048 = 258841.20, z 463.385 ft * 0.3048 = 141.24
    np.testing.assert_array_equal(cloud.offset, [194_033.0, 258_841.0, 141.0])
    assert np.abs(cloud.xyz).max() < 200  # re-centred: float32 keeps ~1e-5 m here
    assert cloud.grid is None and cloud.source == SCANS / "autzen_trim.las"


@needs_scans
def test_autzen_coordinates_survive_float32_thanks_to_the_offset():
    las = laspy.read(SCANS / "autzen_trim.las")
    truth_m = np.stack([las.x, las.y, las.z], axis=1) * FT  # float64
    cloud = read_cloud(SCANS / "autzen_trim.las")
    error = np.abs(cloud.xyz.astype(np.float64) + cloud.offset - truth_m).max()
    naive = np.abs(truth_m.astype(np.float32).astype(np.float64) - truth_m).max()
    assert error < 2e-5 and naive > 100 * error  # naive float32 errs by ~4 mm at 2.6e5 m


@needs_scans
def test_autzen_fields_intensity_classes_returns_colour():
    cloud = read_cloud(SCANS / "autzen_trim.las")
    assert cloud.fields[:2] == ["intensity", "rgb"]
    assert {"classification", "return_number", "number_of_returns", "gps_time",
            "scan_angle_rank", "point_source_id"} <= set(cloud.fields)
    assert (cloud.intensity.min(), cloud.intensity.max()) == (0.0, 254.0)
    classes, counts = np.unique(cloud.extra["classification"], return_counts=True)
    assert dict(zip(classes.tolist(), counts.tolist())) == {1: 83_893, 2: 26_107}
    assert (cloud.extra["return_number"].min(), cloud.extra["return_number"].max()) == (1, 4)
    # uint16 red/green/blue that only span 40..236 are 8-bit values, not scaled down
    assert cloud.rgb.dtype == np.uint8 and cloud.rgb.shape == (110_000, 3)
    assert (cloud.rgb.min(), cloud.rgb.max()) == (40, 236)


@needs_scans
def test_lone_star_copc_laz():
    cloud = read_cloud(SCANS / "lone-star.copc.laz")
    assert len(cloud.xyz) == 518_862 and cloud.dropped == {}
    assert (cloud.units, cloud.scale_to_m) == ("m", 1.0)  # geocentric WKT, unit metre
    expected = [[515_368.60, 4_918_340.36, 2_322.90], [515_401.04, 4_918_381.12, 2_338.58]]
    np.testing.assert_allclose(bounds_m(cloud), expected, atol=0.006)
    # centre (515384.82, 4918360.74, 2330.74) rounded
    np.testing.assert_array_equal(cloud.offset, [515_385.0, 4_918_361.0, 2_331.0])
    assert (cloud.intensity.min(), cloud.intensity.max()) == (17.0, 2744.0)
    assert cloud.rgb is None  # point format 6 has no colour
    for name in ("classification", "gps_time", "scan_angle"):
        assert not cloud.extra[name].any(), name  # all 0 per SOURCE.md
    assert set(np.unique(cloud.extra["return_number"])) == {1}


@needs_scans
def test_mug_pcd_is_organised_rgb_with_nan_points():
    cloud = read_cloud(SCANS / "table_scene_mug_stereo_textured.pcd")
    assert cloud.grid == (480, 640)
    assert len(cloud.xyz) == 209_280 and cloud.dropped == {"nan": 97_920}
    assert len(cloud.xyz) + cloud.dropped["nan"] == 640 * 480
    np.testing.assert_allclose(bounds_m(cloud), [[-0.456, -0.511, 0.690], [0.715, 0.179, 2.593]],
                               atol=6e-4)
    assert cloud.fields == ["rgb"] and cloud.intensity is None
    assert not cloud.offset.any() and cloud.units == "m"


@needs_scans
def test_mug_colours_and_points_match_open3d():
    import open3d as o3d
    cloud = read_cloud(SCANS / "table_scene_mug_stereo_textured.pcd")
    theirs = o3d.io.read_point_cloud(str(SCANS / "table_scene_mug_stereo_textured.pcd"),
                                     remove_nan_points=True)
    np.testing.assert_array_equal(cloud.xyz, np.asarray(theirs.points, np.float32))
    np.testing.assert_array_equal(cloud.rgb, np.round(np.asarray(theirs.colors) * 255))
    # no kept point shows the NaN bit pattern's colour (0x7fc00000 -> 192/0/0)
    assert not np.all(cloud.rgb == [192, 0, 0], axis=1).any()
    assert len(np.unique(cloud.rgb, axis=0)) == 241


@needs_scans
def test_fast_gicp_pcd_drops_no_return_points():
    cloud = read_cloud(SCANS / "fast_gicp_251370668.pcd")
    assert len(cloud.xyz) == 69_088 - 5_032 and cloud.dropped == {"zero": 5_032}
    np.testing.assert_allclose(bounds_m(cloud), [[-23.34, -74.68, -2.96], [19.02, 8.92, 10.80]],
                               atol=0.006)
    assert np.linalg.norm(cloud.xyz, axis=1).max() == pytest.approx(77.6, abs=0.05)
    assert cloud.fields == ["intensity"]
    assert np.array_equal(cloud.intensity, np.round(cloud.intensity))  # integer-valued
    kept_all = read_cloud(SCANS / "fast_gicp_251370668.pcd", keep_zero=True)
    assert len(kept_all.xyz) == 69_088 and kept_all.dropped == {}
    # SOURCE.md's 0-215 spans every point; the no-return points hold the high values
    assert (kept_all.intensity.min(), kept_all.intensity.max()) == (0.0, 215.0)


@needs_scans
def test_pcd_and_ply_forms_of_one_sweep_are_equal():
    from_pcd = read_cloud(SCANS / "fast_gicp_251370668.pcd")
    from_ply = read_cloud(SCANS / "small_gicp_target.ply")  # intensity as scalar_intensity
    np.testing.assert_array_equal(from_pcd.xyz, from_ply.xyz)
    np.testing.assert_array_equal(from_pcd.intensity, from_ply.intensity)
    assert from_pcd.fields == from_ply.fields == ["intensity"]
    assert from_pcd.dropped == from_ply.dropped == {"zero": 5_032}


@needs_scans
def test_min_cut_ascii_with_crlf_and_runs_of_spaces():
    cloud = read_cloud(SCANS / "min_cut_segmentation_tutorial.pcd")
    assert len(cloud.xyz) == 9_311 and cloud.dropped == {} and cloud.fields == []
    np.testing.assert_allclose(bounds_m(cloud), [[64.80, -22.19, -0.10], [72.80, -14.93, 1.68]],
                               atol=0.006)
    np.testing.assert_allclose(cloud.xyz[0], [72.250, -18.179, 0.850])  # first data row


@needs_scans
def test_samp11_utm_float32_pcd_is_recentred_exactly():
    cloud = read_cloud(SCANS / "samp11-utm.pcd")
    assert len(cloud.xyz) == 38_010 and cloud.dropped == {}
    np.testing.assert_allclose(bounds_m(cloud), [[512_700.875, 5_403_547.5, 295.25],
                                                 [512_834.75, 5_403_850.0, 404.08]], atol=0.006)
    # centre (512767.81, 5403698.75, 349.67) rounded
    np.testing.assert_array_equal(cloud.offset, [512_768.0, 5_403_699.0, 350.0])
    y = cloud.xyz[:, 1].astype(np.float64) + cloud.offset[1]
    x = cloud.xyz[:, 0].astype(np.float64) + cloud.offset[0]
    assert np.all(y % 0.5 == 0) and np.all(x % 0.03125 == 0)  # the precision it was written with


@needs_scans
def test_bunny_version_5_without_viewpoint():
    cloud = read_cloud(SCANS / "bunny.pcd")
    assert len(cloud.xyz) == 397 and cloud.dropped == {} and cloud.fields == []
    np.testing.assert_allclose(bounds_m(cloud), [[-0.094, 0.037, -0.055], [0.060, 0.184, 0.058]],
                               atol=6e-4)
    np.testing.assert_allclose(cloud.xyz[0], [0.0054216, 0.11349, 0.040749])
    header, _ = pcd.read_pcd_columns(SCANS / "bunny.pcd")
    assert header.version == ".5" and header.viewpoint == (0, 0, 0, 1, 0, 0, 0)


@needs_scans
def test_kitti_bin_reads_reflectance_as_intensity():
    path = SHARED / "kitti" / "training" / "velodyne" / "000000.bin"
    raw = np.fromfile(path, "<f4").reshape(-1, 4)
    cloud = read_bin(path)
    keep = ~(raw[:, :3] == 0).all(axis=1)
    np.testing.assert_array_equal(cloud.xyz, raw[keep, :3])
    np.testing.assert_array_equal(cloud.intensity, raw[keep, 3])
    assert len(cloud.xyz) + cloud.dropped.get("zero", 0) == len(raw)


# ------------------------------------------------------------------ round trips

def assert_same_cloud(a: PointCloud, b: PointCloud) -> None:
    np.testing.assert_array_equal(a.xyz, b.xyz)
    np.testing.assert_array_equal(a.offset, b.offset)
    assert (a.units, a.scale_to_m, a.fields) == (b.units, b.scale_to_m, b.fields)
    for name in ("intensity", "rgb"):
        got, want = getattr(b, name), getattr(a, name)
        assert (got is None) == (want is None), name
        if want is not None:
            np.testing.assert_array_equal(got, want)
    for name, values in a.extra.items():
        np.testing.assert_array_equal(b.extra[name], values, err_msg=name)


@needs_scans
@pytest.mark.parametrize("name", ALL_SCANS)
def test_round_trip_through_pcd_and_ply(name, tmp_path):
    cloud = read_cloud(SCANS / name)
    write_pcd(tmp_path / "out.pcd", cloud)
    write_ply(tmp_path / "out.ply", cloud)
    assert_same_cloud(cloud, read_cloud(tmp_path / "out.pcd"))
    assert_same_cloud(cloud, read_cloud(tmp_path / "out.ply"))
    assert b"DATA binary_compressed" in (tmp_path / "out.pcd").read_bytes()[:2000]


@needs_scans
def test_export_keeps_the_files_own_coordinates_and_units(tmp_path):
    cloud = read_cloud(SCANS / "autzen_trim.las")
    write_pcd(tmp_path / "autzen.pcd", cloud)
    _, columns = pcd.read_pcd_columns(tmp_path / "autzen.pcd")
    las = laspy.read(SCANS / "autzen_trim.las")
    assert columns["x"].dtype == np.float64  # feet near 6.4e5 do not fit float32
    np.testing.assert_allclose(columns["x"], las.x, atol=1e-4)  # feet, as in the LAS file
    np.testing.assert_allclose(columns["z"], las.z, atol=1e-4)


@needs_scans
@pytest.mark.parametrize("data", pcd.DATA_KINDS)
def test_labels_written_with_the_cloud_are_read_by_pypcd4_and_open3d(tmp_path, data):
    import pypcd4
    import open3d as o3d
    cloud = read_cloud(SCANS / "fast_gicp_251370668.pcd")
    # a box 10 x 10 x 5 m in front of the sensor: label 3, instance 7 inside, 0 elsewhere
    inside = np.all((cloud.xyz >= [0, -5, -3]) & (cloud.xyz <= [10, 5, 2]), axis=1)
    label = np.where(inside, 3, 0).astype(np.uint8)
    instance = np.where(inside, 7, 0).astype(np.int32)
    write_pcd(tmp_path / "labelled.pcd", cloud, {"label": label, "instance": instance}, data)
    theirs = pypcd4.PointCloud.from_path(tmp_path / "labelled.pcd")
    np.testing.assert_array_equal(theirs.numpy(("label",))[:, 0], label)
    np.testing.assert_array_equal(theirs.numpy(("x", "y", "z")), cloud.xyz)
    tensor = o3d.t.io.read_point_cloud(str(tmp_path / "labelled.pcd"))
    np.testing.assert_array_equal(tensor.point["instance"].numpy()[:, 0], instance)
    ours = read_cloud(tmp_path / "labelled.pcd")
    assert ours.fields == ["intensity", "label", "instance"]
    assert ours.extra["label"][inside].tolist() == [3] * int(inside.sum()) and inside.sum() > 100


@needs_scans
def test_ply_export_is_read_by_open3d(tmp_path):
    import open3d as o3d
    cloud = read_cloud(SCANS / "table_scene_mug_stereo_textured.pcd")
    write_ply(tmp_path / "mug.ply", cloud, binary=False)
    theirs = o3d.io.read_point_cloud(str(tmp_path / "mug.ply"))
    np.testing.assert_allclose(np.asarray(theirs.points), cloud.xyz, atol=1e-6)
    np.testing.assert_array_equal(np.round(np.asarray(theirs.colors) * 255), cloud.rgb)


def test_write_bin_then_read_bin(tmp_path):
    pts_lidar = np.array([[1.5, -2.0, 0.25], [10.0, 0.0, -1.0]], np.float32)
    write_bin(tmp_path / "000001.bin", pts_lidar, np.array([0.5, 0.0]))
    assert (tmp_path / "000001.bin").stat().st_size == 2 * 16
    cloud = read_cloud(tmp_path / "000001.bin")
    np.testing.assert_array_equal(cloud.xyz, pts_lidar)
    np.testing.assert_array_equal(cloud.intensity, [0.5, 0.0])
    with pytest.raises(ValueError):
        write_bin(tmp_path / "bad.bin", np.zeros((3, 4)))


# ------------------------------------------------------------------ an independent PCD writer

PCD_TYPES = [("F", 2), ("F", 4), ("F", 8), ("U", 1), ("U", 2), ("U", 4), ("U", 8),
             ("I", 1), ("I", 2), ("I", 4), ("I", 8)]
NUMPY = {("F", 2): "<f2", ("F", 4): "<f4", ("F", 8): "<f8", ("U", 1): "u1", ("U", 2): "<u2",
         ("U", 4): "<u4", ("U", 8): "<u8", ("I", 1): "i1", ("I", 2): "<i2", ("I", 4): "<i4",
         ("I", 8): "<i8"}


def make_pcd(fields: list[tuple[str, str, int, int, np.ndarray]], *, data: str, width: int,
             height: int = 1, version: str | None = "0.7", newline: str = "\n",
             sep: str = " ", viewpoint: bool = True, ascii_padding: bool = True,
             packed_padding: bool = True) -> bytes:
    """A PCD file written the way PCL and others do. fields: (name, TYPE, SIZE, COUNT,
    values (N, COUNT)); name '_' is padding (its values are written as given)."""
    n = width * height
    lines = ["# .PCD - written by the test"]
    if version is not None:
        lines.append(f"VERSION {version}")
    lines += ["FIELDS " + " ".join(f[0] for f in fields),
              "SIZE " + " ".join(str(f[2]) for f in fields),
              "TYPE " + " ".join(f[1] for f in fields),
              "COUNT " + " ".join(str(f[3]) for f in fields),
              f"WIDTH {width}", f"HEIGHT {height}"]
    if viewpoint:
        lines.append("VIEWPOINT 0 0 0 1 0 0 0")
    lines += [f"POINTS {n}", f"DATA {data}"]
    head = (newline.join(lines) + newline).encode()
    arrays = [np.asarray(f[4], NUMPY[f[1], f[2]]).reshape(n, f[3]) for f in fields]
    if data == "ascii":
        used = [a for f, a in zip(fields, arrays) if f[0] != "_" or ascii_padding]
        rows = [sep.join(repr(v) for a in used for v in a[i].tolist()) for i in range(n)]
        return head + newline.join(rows).encode()  # no newline after the last row
    if data == "binary":
        return head + b"".join(b"".join(a[i].tobytes() for a in arrays) for i in range(n))
    blocks = b"".join(a.tobytes() for f, a in zip(fields, arrays) if f[0] != "_" or packed_padding)
    packed = lzf.compress(blocks, len(blocks) * 2 + 16) if blocks else b""
    return head + struct.pack("<II", len(packed), len(blocks)) + packed


@st.composite
def pcd_files(draw):
    """(file bytes, expected {lower name: (N,) or (N, k)}, width, height)."""
    height = draw(st.sampled_from([1, 1, 2, 3]))
    width = draw(st.integers(0, 8))
    n = width * height
    xyz_type = draw(st.sampled_from([("F", 4), ("F", 8)]))
    coordinate = st.one_of(st.just(0.0), st.just(math.nan),
                           st.floats(-1000, 1000, width=32, allow_subnormal=False))
    upper = draw(st.booleans())
    fields = [("X" if upper else "x", *xyz_type, 1,
               draw(hnp.arrays(NUMPY[xyz_type], (n, 1), elements=coordinate)))
              for _ in range(1)]
    fields += [("Y" if upper else "y", *xyz_type, 1,
                draw(hnp.arrays(NUMPY[xyz_type], (n, 1), elements=coordinate))),
               ("Z" if upper else "z", *xyz_type, 1,
                draw(hnp.arrays(NUMPY[xyz_type], (n, 1), elements=coordinate)))]
    for i in range(draw(st.integers(0, 4))):
        kind, size = draw(st.sampled_from(PCD_TYPES))
        count = draw(st.integers(1, 3))
        name = "_" if draw(st.integers(0, 4)) == 0 else draw(st.sampled_from([f"f{i}", f"F{i}"]))
        values = draw(hnp.arrays(NUMPY[kind, size], (n, count)))
        fields.insert(draw(st.integers(0, len(fields))), (name, kind, size, count, values))
    options = dict(data=draw(st.sampled_from(pcd.DATA_KINDS)), width=width, height=height,
                   version=draw(st.sampled_from([".5", ".6", "0.7", ".7", None])),
                   newline=draw(st.sampled_from(["\n", "\r\n"])),
                   sep=draw(st.sampled_from([" ", "   ", "\t", " \t  "])),
                   viewpoint=draw(st.booleans()), ascii_padding=draw(st.booleans()),
                   packed_padding=draw(st.booleans()))
    expected = {f[0].lower(): (f[4][:, 0] if f[3] == 1 else f[4]) for f in fields if f[0] != "_"}
    return make_pcd(fields, **options), expected, width, height


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                    HealthCheck.data_too_large])
@given(pcd_files())
def test_any_valid_pcd_reads_back_every_value(tmp_path_factory, generated):
    content, expected, width, height = generated
    path = tmp_path_factory.mktemp("pcd") / "random.pcd"
    path.write_bytes(content)
    header, columns = pcd.read_pcd_columns(path)
    assert (header.width, header.height, header.points) == (width, height, width * height)
    assert list(columns) == list(expected)
    for name, values in expected.items():
        assert columns[name].dtype == values.dtype, name
        np.testing.assert_array_equal(columns[name], values, err_msg=name)

    cloud = read_cloud(path)
    xyz = np.stack([expected[a].astype(np.float64) for a in "xyz"], axis=1)
    finite = np.isfinite(xyz).all(axis=1)
    zero = finite & (xyz == 0).all(axis=1)
    keep = finite & ~zero
    np.testing.assert_array_equal(cloud.xyz, xyz[keep].astype(np.float32))
    assert cloud.dropped == {k: v for k, v in (("nan", int((~finite).sum())),
                                               ("zero", int(zero.sum()))) if v}
    assert cloud.grid == ((height, width) if height > 1 else None)
    for name, values in expected.items():
        if name in "xyz":
            continue
        split = {name: values} if values.ndim == 1 else \
            {f"{name}_{k}": values[:, k] for k in range(values.shape[1])}
        for key, column in split.items():
            np.testing.assert_array_equal(cloud.extra[key], column[keep], err_msg=key)


EXTRA_DTYPES = ["u1", "i1", "<u2", "<i2", "<u4", "<i4", "<u8", "<i8", "<f4", "<f8", "?"]


@st.composite
def clouds(draw):
    n = draw(st.integers(1, 30))
    xyz = draw(hnp.arrays(np.float32, (n, 3), elements=st.floats(-5000, 5000, width=32)))
    xyz[(xyz == 0).all(axis=1)] = 1.0  # a point at the origin would be dropped on reading
    intensity = draw(st.none() | hnp.arrays(np.float32, n, elements=st.floats(0, 1e4, width=32)))
    rgb = draw(st.none() | hnp.arrays(np.uint8, (n, 3)))
    if rgb is not None and not rgb.any():
        rgb[0, 0] = 1  # an all-black colour reads back as no colour
    extra = {f"e{i}": draw(hnp.arrays(np.dtype(dtype), n))
             for i, dtype in enumerate(draw(st.lists(st.sampled_from(EXTRA_DTYPES), max_size=4)))}
    units, scale = draw(st.sampled_from([("m", 1.0), ("ft", FT), ("us-ft", US_FT)]))
    return PointCloud(xyz=xyz, intensity=intensity, rgb=rgb, extra=extra, offset=np.zeros(3),
                      units=units, scale_to_m=scale, grid=None, dropped={}, source=None)


@settings(max_examples=60, deadline=None)
@given(clouds(), st.sampled_from(["pcd-ascii", "pcd-binary", "pcd-binary_compressed",
                                  "ply-ascii", "ply-binary"]))
def test_written_clouds_read_back_equal(tmp_path_factory, cloud, how):
    fmt, kind = how.split("-")
    path = tmp_path_factory.mktemp("out") / f"cloud.{fmt}"
    labels = {"label": np.arange(len(cloud.xyz), dtype=np.uint16)}
    if fmt == "pcd":
        write_pcd(path, cloud, labels, data=kind)
    else:
        write_ply(path, cloud, labels, binary=kind == "binary")
    back = read_cloud(path)
    np.testing.assert_array_equal(back.xyz, cloud.xyz)
    assert back.fields == cloud.fields + ["label"]
    assert (back.units, back.scale_to_m) == (cloud.units, cloud.scale_to_m)
    for name in ("intensity", "rgb"):
        if getattr(cloud, name) is not None:
            np.testing.assert_array_equal(getattr(back, name), getattr(cloud, name))
    for name, values in {**cloud.extra, **labels}.items():
        np.testing.assert_array_equal(back.extra[name], values, err_msg=name)


# ------------------------------------------------------------------ colour, intensity, drops

def xyz_fields(n: int) -> list:
    values = np.arange(1, 3 * n + 1, dtype=np.float32).reshape(3, n, 1)
    return [("x", "F", 4, 1, values[0]), ("y", "F", 4, 1, values[1]), ("z", "F", 4, 1, values[2])]


@pytest.mark.parametrize("data", pcd.DATA_KINDS)
def test_pcl_colour_encodings_become_one_uint8_rgb(tmp_path, data):
    colours = np.array([[255, 0, 10], [1, 2, 3]], np.uint32)
    bits = (colours[:, 0] << 16) | (colours[:, 1] << 8) | colours[:, 2]
    variants = {
        "rgb_float": [("rgb", "F", 4, 1, bits.view(np.float32).reshape(2, 1))],
        "rgba_uint": [("rgba", "U", 4, 1, (bits | 0xFF000000).reshape(2, 1))],
        "channels_u8": [(c, "U", 1, 1, colours[:, [i]]) for i, c in enumerate("rgb")],
        "channels_u16": [(c, "U", 2, 1, colours[:, [i]] * 257)
                         for i, c in enumerate(("red", "green", "blue"))],
    }
    for name, fields in variants.items():
        if data == "ascii" and name == "rgb_float":
            continue  # a float's text cannot carry NaN-free bits; covered below
        (tmp_path / f"{name}.pcd").write_bytes(make_pcd(xyz_fields(2) + fields, data=data,
                                                        width=2))
        cloud = read_cloud(tmp_path / f"{name}.pcd")
        np.testing.assert_array_equal(cloud.rgb, colours, err_msg=name)
        assert cloud.fields == ["rgb"], name


def test_ascii_rgb_float_written_as_uint32_text_like_pcl(tmp_path):
    # PCL 1.8+ writes the float rgb field of ASCII files as the integer of its bits
    text = ("VERSION 0.7\nFIELDS x y z rgb\nSIZE 4 4 4 4\nTYPE F F F F\nCOUNT 1 1 1 1\n"
            "WIDTH 2\nHEIGHT 1\nPOINTS 2\nDATA ascii\n1 2 3 16711690\n4 5 6 4.2108e+06\n")
    (tmp_path / "a.pcd").write_text(text)
    cloud = read_cloud(tmp_path / "a.pcd")
    # 16711690 = 0xFF000A; 4.2108e+06 is a whole number too: 0x404070
    np.testing.assert_array_equal(cloud.rgb, [[255, 0, 10], [0x40, 0x40, 0x70]])


@pytest.mark.parametrize("name", ["intensity", "scalar_intensity", "reflectance", "Intensity",
                                  "remission", "i"])
def test_intensity_is_found_under_the_names_writers_use(tmp_path, name):
    text = ("ply\nformat ascii 1.0\ncomment made by hand\nobj_info test\nelement vertex 2\n"
            f"property float x\nproperty float y\nproperty float z\nproperty uchar {name}\n"
            "property ushort red\nproperty ushort green\nproperty ushort blue\n"
            "element face 1\nproperty list uchar int vertex_indices\nend_header\n"
            "1 2 3 7 65535 0 256\n4 5 6 9 0 512 1024\n3 0 1 1\n")
    (tmp_path / "a.ply").write_text(text)
    cloud = read_cloud(tmp_path / "a.ply")
    np.testing.assert_array_equal(cloud.intensity, [7.0, 9.0])
    np.testing.assert_array_equal(cloud.rgb, [[255, 0, 1], [0, 2, 4]])  # uint16 >> 8
    assert cloud.fields == ["intensity", "rgb"]


def test_big_endian_ply_with_doubles(tmp_path):
    header = ("ply\nformat binary_big_endian 1.0\nelement vertex 2\nproperty double x\n"
              "property double y\nproperty double z\nproperty float reflectance\nend_header\n")
    body = np.array([(1.0, 2.0, 3.0, 0.5), (0.0, 0.0, 0.0, 0.7)],
                    [("x", ">f8"), ("y", ">f8"), ("z", ">f8"), ("r", ">f4")]).tobytes()
    (tmp_path / "be.ply").write_bytes(header.encode() + body)
    cloud = read_cloud(tmp_path / "be.ply")
    np.testing.assert_array_equal(cloud.xyz, [[1, 2, 3]])
    np.testing.assert_array_equal(cloud.intensity, [0.5])
    assert cloud.dropped == {"zero": 1}


def test_nan_points_dropped_before_zero_points(tmp_path):
    x = np.array([[1], [np.nan], [0], [0], [2]], np.float32)
    y = np.array([[1], [0], [0], [np.nan], [0]], np.float32)
    z = np.array([[1], [0], [0], [0], [0]], np.float32)
    nan_rgb = np.full((5, 1), 0x7FC00000, np.uint32).view(np.float32)  # NaN colour bits
    fields = [("x", "F", 4, 1, x), ("y", "F", 4, 1, y), ("z", "F", 4, 1, z),
              ("rgb", "F", 4, 1, nan_rgb)]
    (tmp_path / "n.pcd").write_bytes(make_pcd(fields, data="binary", width=5))
    cloud = read_cloud(tmp_path / "n.pcd")
    assert cloud.dropped == {"nan": 2, "zero": 1}
    np.testing.assert_array_equal(cloud.xyz, [[1, 1, 1], [2, 0, 0]])
    kept = read_cloud(tmp_path / "n.pcd", keep_zero=True)
    assert kept.dropped == {"nan": 2} and len(kept.xyz) == 3


def test_far_coordinates_are_recentred_and_restored(tmp_path):
    xyz = np.array([[500_000.25, 4_000_000.5, 10.0], [500_010.75, 4_000_021.5, 12.0]])
    fields = [(a, "F", 8, 1, xyz[:, [i]]) for i, a in enumerate("XYZ")]  # PDAL style
    (tmp_path / "far.pcd").write_bytes(make_pcd(fields, data="binary", width=2))
    cloud = read_cloud(tmp_path / "far.pcd")
    np.testing.assert_array_equal(cloud.offset, [500_006.0, 4_000_011.0, 11.0])  # rounded centre
    np.testing.assert_array_equal(cloud.xyz, [[-5.75, -10.5, -1], [4.75, 10.5, 1]])
    write_pcd(tmp_path / "back.pcd", cloud, data="ascii")
    _, columns = pcd.read_pcd_columns(tmp_path / "back.pcd")
    np.testing.assert_array_equal(np.stack([columns[a] for a in "xyz"], axis=1), xyz)


# ------------------------------------------------------------------ LAS units

def las_with_vlr(path: Path, vlr) -> Path:
    header = laspy.LasHeader(point_format=1, version="1.2")
    header.scales, header.offsets = np.array([0.01] * 3), np.zeros(3)
    header.vlrs.append(vlr)
    las = laspy.LasData(header)
    las.x, las.y, las.z = np.array([100.0, 200.0]), np.array([10.0, 20.0]), np.array([1.0, 2.0])
    las.write(path)
    return path


def geokeys(*keys: tuple[int, int]):
    vlr = laspy.vlrs.known.GeoKeyDirectoryVlr()
    raw = struct.pack("<4H", 1, 1, 0, len(keys))
    raw += b"".join(struct.pack("<4H", key, 0, 1, value) for key, value in keys)
    vlr.parse_record_data(raw)
    return vlr


US_FT_WKT = ('PROJCS["NAD83 / Texas Central (ftUS)",GEOGCS["NAD83",DATUM["North_American_Datum'
             '_1983",SPHEROID["GRS 1980",6378137,298.257222101]],PRIMEM["Greenwich",0],UNIT['
             '"degree",0.0174532925199433]],PROJECTION["Lambert_Conformal_Conic_2SP"],PARAMETER['
             '"false_easting",2296583.333],UNIT["US survey foot",0.3048006096012192],AXIS['
             '"Easting",EAST],AXIS["Northing",NORTH]]')
WKT2_US_FT = ('PROJCRS["x",BASEGEOGCRS["NAD83",DATUM["d",ELLIPSOID["GRS 1980",6378137,298.2]],'
              'ANGLEUNIT["degree",0.0174532925199433]],CONVERSION["c",METHOD["LCC"],PARAMETER['
              '"False easting",600000,LENGTHUNIT["metre",1]]],CS[Cartesian,2],AXIS["easting",'
              'east,LENGTHUNIT["US survey foot",0.304800609601219]],AXIS["northing",north,'
              'LENGTHUNIT["US survey foot",0.304800609601219]]]')


@pytest.mark.parametrize("vlr, units, scale", [
    (laspy.vlrs.known.WktCoordinateSystemVlr(US_FT_WKT), "us-ft", US_FT),
    (laspy.vlrs.known.WktCoordinateSystemVlr(WKT2_US_FT), "us-ft", 0.304800609601219),
    (geokeys((1024, 1), (3076, 9003)), "us-ft", US_FT),
    (geokeys((1024, 1), (3076, 9002)), "ft", FT),
    (geokeys((1024, 1), (3076, 9001)), "m", 1.0),
    (geokeys((1024, 1)), "m", 1.0),
])
def test_las_units_from_wkt_or_geotiff_keys(tmp_path, vlr, units, scale):
    cloud = read_cloud(las_with_vlr(tmp_path / "u.las", vlr))
    assert (cloud.units, cloud.scale_to_m) == (units, pytest.approx(scale, rel=1e-12))
    np.testing.assert_allclose(cloud.xyz[1], np.array([200.0, 20.0, 2.0]) * scale, rtol=1e-6)
    assert cloud.rgb is None  # point format 1 has no colour


def test_geographic_las_is_refused(tmp_path):
    wkt = ('GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],'
           'UNIT["degree",0.0174532925199433]]')
    path = las_with_vlr(tmp_path / "g.las", laspy.vlrs.known.WktCoordinateSystemVlr(wkt))
    with pytest.raises(PointlabelError, match="geographic"):
        read_cloud(path)
    with laspy.open(path) as reader:
        with pytest.raises(PointlabelError, match="degrees"):
            las_units(reader.header)


# ------------------------------------------------------------------ bad files

def expect_error(path: Path, *words: str) -> PointlabelError:
    with pytest.raises(PointlabelError) as info:
        read_cloud(path)
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    for word in words:
        assert word in message, message
    return info.value


def test_truncated_kitti_bin(tmp_path):
    np.zeros(10, "<f4").tofile(tmp_path / "000000.bin")
    (tmp_path / "000000.bin").write_bytes((tmp_path / "000000.bin").read_bytes()[:-3])
    expect_error(tmp_path / "000000.bin", "37 bytes", "multiple of 16")


def test_truncated_binary_pcd(tmp_path):
    content = make_pcd(xyz_fields(10), data="binary", width=10)
    (tmp_path / "t.pcd").write_bytes(content[:-7])
    expect_error(tmp_path / "t.pcd", "truncated", "120 bytes", "113")


def test_truncated_compressed_pcd(tmp_path):
    content = make_pcd(xyz_fields(100), data="binary_compressed", width=100)
    (tmp_path / "t.pcd").write_bytes(content[:-20])
    expect_error(tmp_path / "t.pcd", "truncated", "compressed")


@needs_scans
def test_truncated_real_pcd(tmp_path):
    content = (SCANS / "table_scene_mug_stereo_textured.pcd").read_bytes()
    (tmp_path / "mug.pcd").write_bytes(content[: len(content) // 2])
    expect_error(tmp_path / "mug.pcd", "truncated")


def test_points_disagreeing_with_ascii_rows(tmp_path):
    content = make_pcd(xyz_fields(3), data="ascii", width=3).replace(b"POINTS 3", b"POINTS 4")
    (tmp_path / "p.pcd").write_bytes(content.replace(b"WIDTH 3", b"WIDTH 4"))
    expect_error(tmp_path / "p.pcd", "POINTS is 4", "3 rows")


def test_points_disagreeing_with_binary_data(tmp_path):
    content = make_pcd(xyz_fields(5), data="binary", width=5).replace(b"POINTS 5", b"POINTS 2")
    (tmp_path / "p.pcd").write_bytes(content.replace(b"WIDTH 5", b"WIDTH 2"))
    expect_error(tmp_path / "p.pcd", "POINTS is 2", "holds 5 points")


def test_points_disagreeing_with_compressed_size(tmp_path):
    content = make_pcd(xyz_fields(5), data="binary_compressed", width=5)
    (tmp_path / "p.pcd").write_bytes(content.replace(b"POINTS 5", b"POINTS 6")
                                     .replace(b"WIDTH 5", b"WIDTH 6"))
    expect_error(tmp_path / "p.pcd", "POINTS is 6", "60 bytes")


def test_width_times_height_must_be_points(tmp_path):
    content = make_pcd(xyz_fields(4), data="binary", width=4).replace(b"HEIGHT 1", b"HEIGHT 2")
    (tmp_path / "g.pcd").write_bytes(content)
    expect_error(tmp_path / "g.pcd", "WIDTH 4 x HEIGHT 2", "POINTS 4")


def test_unknown_data_kind(tmp_path):
    content = make_pcd(xyz_fields(2), data="binary", width=2)
    (tmp_path / "d.pcd").write_bytes(content.replace(b"DATA binary", b"DATA binary_zstd"))
    expect_error(tmp_path / "d.pcd", "unknown PCD DATA kind 'binary_zstd'")


@pytest.mark.parametrize("change, words", [
    ((b"TYPE F F F", b"TYPE F F Q"), ("unsupported TYPE Q",)),
    ((b"SIZE 4 4 4", b"SIZE 4 4"), ("SIZE has 2 entries", "FIELDS has 3")),
    ((b"FIELDS x y z", b"FIELDS x y w"), ("no z field",)),
    ((b"FIELDS x y z", b"FIELDS x y X"), ("repeats a field name",)),
    ((b"VERSION 0.7", b"GARBAGE 12"), ("not a PCD header",)),
    ((b"DATA ascii", b"DATUM ascii"), ("not a PCD header",)),
    ((b"1.0 4.0 7.0", b"1.0 4.0 seven"), ("bad PCD ASCII data", "seven")),
    ((b"1.0 4.0 7.0", b"1.0 4.0 7.0 9"), ("row 1 has 4 values", "declares 3")),
    ((b"2.0 5.0 8.0", b"2.0 5.0"), ("bad PCD ASCII data", "2 were found")),
])
def test_bad_pcd_headers_and_rows(tmp_path, change, words):
    content = make_pcd(xyz_fields(3), data="ascii", width=3)
    assert change[0] in content
    (tmp_path / "h.pcd").write_bytes(content.replace(*change))
    expect_error(tmp_path / "h.pcd", *words)


def test_not_a_pcd_at_all(tmp_path):
    (tmp_path / "x.pcd").write_bytes(b"")
    expect_error(tmp_path / "x.pcd", "no DATA line")
    (tmp_path / "y.pcd").write_bytes(np.random.default_rng(0).bytes(5000))
    expect_error(tmp_path / "y.pcd", "not a PCD")


def test_corrupt_lzf_block(tmp_path):
    content = bytearray(make_pcd(xyz_fields(100), data="binary_compressed", width=100))
    start = content.index(b"DATA binary_compressed\n") + len(b"DATA binary_compressed\n") + 8
    content[start:start + 40] = b"\xff" * 40
    (tmp_path / "c.pcd").write_bytes(bytes(content))
    expect_error(tmp_path / "c.pcd", "LZF")


@needs_scans
@pytest.mark.parametrize("claimed, words", [(120_000, ("says 120000", "holds 110000")),
                                            (100_000, ("says 100000", "holds 110000"))])
def test_las_header_lying_about_its_point_count(tmp_path, claimed, words):
    content = bytearray((SCANS / "autzen_trim.las").read_bytes())
    struct.pack_into("<I", content, 107, claimed)  # legacy point count of a LAS 1.2 header
    (tmp_path / "lie.las").write_bytes(bytes(content))
    expect_error(tmp_path / "lie.las", *words)


@needs_scans
def test_laz_header_claiming_more_points_than_compressed(tmp_path):
    content = bytearray((SCANS / "lone-star.copc.laz").read_bytes())
    struct.pack_into("<Q", content, 247, 600_000)  # LAS 1.4 64-bit point count
    (tmp_path / "lie.copc.laz").write_bytes(bytes(content))
    expect_error(tmp_path / "lie.copc.laz", "bad LAS/LAZ")


@needs_scans
def test_truncated_las_and_laz(tmp_path):
    for name in ("autzen_trim.las", "lone-star.copc.laz"):
        content = (SCANS / name).read_bytes()
        (tmp_path / name).write_bytes(content[: len(content) // 2])
        expect_error(tmp_path / name)
    (tmp_path / "empty.las").write_bytes(b"LASF")
    expect_error(tmp_path / "empty.las", "bad LAS/LAZ")


def test_bad_ply_files(tmp_path):
    header = ("ply\nformat binary_little_endian 1.0\nelement vertex 3\nproperty float x\n"
              "property float y\nproperty float z\nend_header\n").encode()
    (tmp_path / "t.ply").write_bytes(header + np.zeros(8, "<f4").tobytes())
    expect_error(tmp_path / "t.ply", "bad PLY", "end-of-file")
    (tmp_path / "f.ply").write_text("ply\nformat ascii 1.0\nelement face 0\n"
                                    "property list uchar int vertex_indices\nend_header\n")
    expect_error(tmp_path / "f.ply", "no 'vertex' element")
    (tmp_path / "n.ply").write_text("not a ply")
    expect_error(tmp_path / "n.ply", "bad PLY")


def test_unknown_suffix_and_missing_file(tmp_path):
    expect_error(tmp_path / "scan.xyz", "unknown point-cloud format '.xyz'")
    for suffix in (".pcd", ".bin", ".las", ".ply"):
        expect_error(tmp_path / f"missing{suffix}", "cannot read")
