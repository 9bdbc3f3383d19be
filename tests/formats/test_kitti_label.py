"""KITTI label_2 import -> store -> export on the real frames of ../shared/kitti."""
import math
from pathlib import Path

import numpy as np
import pytest

from calibration.projection import box_iou_2d
from pointlabel.datasets.kitti import KittiDataset
from pointlabel.errors import PointlabelError
from pointlabel.formats.kitti_io import export_kitti, import_kitti_labels
from pointlabel.formats.kitti_label import (cuboid_location_ry, format_label_line, object_to_cuboid,
                                            parse_label_line)
from pointlabel.geometry.boxes import points_in_box_mask
from pointlabel.store import AnnotationStore


@pytest.fixture(scope="module")
def exported(kitti_root, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("kitti")
    ds = KittiDataset(kitti_root)
    store = AnnotationStore(tmp / "s.sqlite")
    result = import_kitti_labels(ds, store, kitti_root / "label_2")
    out = tmp / "out"
    export_kitti(ds, store, out)
    export_kitti(ds, store, tmp / "out_keep", keep_imported_2d=True)
    return ds, store, result, out, tmp / "out_keep"


def _lines(path: Path):
    return [l.split() for l in path.read_text().splitlines() if l.strip()]


def test_import_counts(exported, kitti_root):
    ds, store, result, *_ = exported
    n_lines = sum(len(_lines(p)) for p in (kitti_root / "label_2").glob("*.txt"))
    assert result["frames"] == 10
    assert result["objects"] + result["dontcare"] == n_lines


def test_round_trip_reproduces_3d_fields(exported, kitti_root):
    ds, _, _, out, _ = exported
    compared = 0
    for f in sorted((kitti_root / "label_2").glob("*.txt")):
        orig = [l for l in _lines(f) if l[0] != "DontCare"]
        back = [l for l in _lines(out / "label_2" / f.name) if l[0] != "DontCare"]
        # objects whose box does not project into image_2 are left out; all of KITTI's do project
        assert len(back) == len(orig), f.name
        for o, b in zip(orig, back):
            assert b[0] == o[0]
            # h w l, x y z, rotation_y to the printed precision
            for i in range(8, 15):
                assert abs(float(b[i]) - float(o[i])) <= 0.0100001, (f.name, o, b)
            d_alpha = math.remainder(float(b[3]) - float(o[3]), 2 * math.pi)
            assert abs(d_alpha) <= 0.05 + 0.01, (f.name, o, b)
            assert b[2] == o[2]  # occlusion as stored, an integer
            compared += 1
    assert compared > 30


def test_dontcare_lines_survive(exported, kitti_root):
    _, _, _, out, _ = exported
    for f in (kitti_root / "label_2").glob("*.txt"):
        orig = [l for l in f.read_text().splitlines() if l.startswith("DontCare")]
        back = [l for l in (out / "label_2" / f.name).read_text().splitlines() if l.startswith("DontCare")]
        assert [l.split() for l in back] == [l.split() for l in orig]


def test_projected_2d_box_close_to_hand_drawn(exported, kitti_root):
    _, _, _, out, _ = exported
    ious = []
    for f in (kitti_root / "label_2").glob("*.txt"):
        orig = [l for l in _lines(f) if l[0] != "DontCare"]
        back = [l for l in _lines(out / "label_2" / f.name) if l[0] != "DontCare"]
        for o, b in zip(orig, back):
            if float(o[1]) <= 0.1:
                ious.append(box_iou_2d([float(v) for v in o[4:8]], [float(v) for v in b[4:8]]))
    assert len(ious) > 20
    assert np.median(ious) > 0.9 and min(ious) > 0.5


def test_keep_imported_2d_is_byte_for_byte(exported, kitti_root):
    *_, keep = exported
    for f in (kitti_root / "label_2").glob("*.txt"):
        assert (keep / "label_2" / f.name).read_bytes() == f.read_bytes(), f.name


def test_edited_box_is_rederived_even_with_keep(exported, kitti_root, tmp_path):
    ds, store, *_ = exported
    frame = store.frame("000008")
    car = frame.cuboids[0]
    store.put("000008", car.replace(center=(car.center[0] + 1.0, car.center[1], car.center[2])))
    try:
        export_kitti(ds, store, tmp_path, keep_imported_2d=True, frames=["000008"])
        first = (tmp_path / "label_2" / "000008.txt").read_text().splitlines()[0]
        orig = (kitti_root / "label_2" / "000008.txt").read_text().splitlines()[0]
        assert first != orig and first.split()[0] == orig.split()[0]
    finally:
        store.undo()


def test_points_inside_every_non_occluded_car(exported):
    ds, store, *_ = exported
    checked = 0
    for fid in ds.frame_ids:
        pts = ds.load_cloud(fid).xyz
        for c in store.frame(fid).cuboids:
            if c.label == "Car" and c.attributes["occluded"] == 0:
                assert points_in_box_mask(pts, c.as_array()).sum() > 0, (fid, c.source)
                checked += 1
    assert checked >= 10


def test_export_loads_in_datumaro(exported):
    import datumaro  # a dev dependency: a missing one must fail, not skip
    _, _, _, out, _ = exported
    dataset = datumaro.Dataset.import_from(str(out), "kitti3d")
    items = list(dataset)
    assert len(items) == 10
    n_ann = sum(len(it.annotations) for it in items)
    n_lines = sum(len(_lines(p)) for p in (out / "label_2").glob("*.txt"))
    assert n_ann == n_lines


def test_label_line_golden():
    # Worked by hand with the ideal KITTI axes: rect x = -lidar y, rect y = -lidar z,
    # rect z = lidar x. Bottom centre (1, 2, 10) with h = 1.5 -> geometric centre rect
    # (1, 1.25, 10) -> LiDAR (10, -1, -1.25). ry = -1.57: heading d_rect = (cos ry, 0, -sin ry)
    # = (0.0008, 0, 1) -> LiDAR (1, -0.0008, 0), yaw = -0.0008 (so ry = -yaw - pi/2).
    T_rect_from_lidar = np.eye(4)
    T_rect_from_lidar[:3, :3] = [[0, -1, 0], [0, 0, -1], [1, 0, 0]]
    line = "Car 0.00 0 -1.58 587.01 173.33 614.12 200.12 1.50 1.60 3.90 1.00 2.00 10.00 -1.57"
    obj = parse_label_line(line)
    c = object_to_cuboid(obj, T_rect_from_lidar)
    np.testing.assert_allclose(c.center, [10.0, -1.0, -1.25])
    assert c.size_lwh == (3.9, 1.6, 1.5)
    assert c.yaw == pytest.approx(-(math.pi / 2 - 1.57), abs=1e-9)
    loc, ry = cuboid_location_ry(c, T_rect_from_lidar)
    np.testing.assert_allclose(loc, [1.0, 2.0, 10.0], atol=1e-12)
    assert ry == pytest.approx(-1.57)
    assert format_label_line(obj) == line


@pytest.mark.parametrize("line,msg", [
    ("Car 0.00 0 -1.58 587.01 173.33 614.12 200.12 1.50 1.60 3.90 1.00 2.00 10.00", "14 fields"),
    ("Car 0.00 0 x 587.01 173.33 614.12 200.12 1.50 1.60 3.90 1.00 2.00 10.00 -1.57", "not a number"),
])
def test_bad_label_lines(line, msg):
    with pytest.raises(PointlabelError, match=msg):
        parse_label_line(line, "000001.txt:3")


def test_bad_line_in_a_file_stops_import_before_writing(kitti_root, tmp_path):
    labels = tmp_path / "label_2"
    labels.mkdir()
    good = (kitti_root / "label_2" / "000000.txt").read_text()
    (labels / "000000.txt").write_text(good)
    (labels / "000001.txt").write_text("Car 0 0 0 1 2 3 4 1 1 1 1 1 1\n")
    store = AnnotationStore(tmp_path / "s.sqlite")
    with pytest.raises(PointlabelError, match=r"000001.txt:1.*14 fields"):
        import_kitti_labels(KittiDataset(kitti_root), store, tmp_path)
    assert len(store.frame("000000")) == 0  # nothing written
