"""Redaction on real pictures: the astronaut's face pasted at several sizes into real KITTI
images and into a generated camera image; the generated cars' licence plates.

After `pointlabel export ... --redact` no face is found where one was (by a cascade run more
eagerly than the redactor runs it), the high-frequency energy of each face is gone, plates
lose their glyphs, and every pixel outside the redacted regions is unchanged."""
from __future__ import annotations

import json

import cv2
import numpy as np
from hypothesis import given, settings, strategies as st

from pointlabel.cli import main
from pointlabel.datasets.detect import open_dataset
from pointlabel.datasets.images import load_rgb
from pointlabel.model import Redaction2D
from pointlabel.privacy.redact import Redactor, obscure, union_mask
from pointlabel.store import AnnotationStore

STRICT = dict(scaleFactor=1.05, minNeighbors=2, minSize=(16, 16))  # more eager than the redactor


def faces_found(rgb: np.ndarray, around) -> list[tuple[int, int, int, int]]:
    """Frontal and profile faces (both ways) by OpenCV's cascades, run eagerly on the
    neighbourhood of the box `around` (its size again on every side)."""
    l, t, r, b = around
    x0, y0 = max(l - (r - l), 0), max(t - (b - t), 0)
    crop = rgb[y0:b + (b - t), x0:r + (r - l)]
    g = cv2.equalizeHist(cv2.cvtColor(np.ascontiguousarray(crop), cv2.COLOR_RGB2GRAY))
    out = []
    for name, flip in (("frontalface_alt2", False), ("frontalface_default", False), ("profileface", False),
                       ("profileface", True)):
        c = cv2.CascadeClassifier(cv2.data.haarcascades + f"haarcascade_{name}.xml")
        img = np.ascontiguousarray(g[:, ::-1]) if flip else g
        for x, y, w, h in c.detectMultiScale(img, **STRICT):
            x = g.shape[1] - x - w if flip else x
            out.append((int(x0 + x), int(y0 + y), int(x0 + x + w), int(y0 + y + h)))
    return out


def _overlaps(a, b) -> bool:
    ix = min(a[2], b[2]) - max(a[0], b[0])
    iy = min(a[3], b[3]) - max(a[1], b[1])
    return ix > 0 and iy > 0 and ix * iy > 0.3 * min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))


def hf_energy(rgb: np.ndarray, box) -> float:
    """Mean squared Laplacian of the grey image inside box: detail (edges, texture)."""
    l, t, r, b = box
    g = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return float((cv2.Laplacian(g, cv2.CV_32F)[t:b, l:r] ** 2).mean())


def _union_mask(regions, shape) -> np.ndarray:
    return union_mask(regions, shape[1], shape[0])


def _check_faces_gone(before, after, faces):
    for face in faces:
        assert any(_overlaps(face, f) for f in faces_found(before, face)), f"the pasted face {face} is not detectable"
        assert not any(_overlaps(face, f) for f in faces_found(after, face)), f"a face is still found at {face}"
        e0, e1 = hf_energy(before, face), hf_energy(after, face)
        assert e1 < 0.05 * e0 and e1 < 20.0, (face, e0, e1)


# -- the blur itself -----------------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(st.integers(0, 150), st.integers(0, 90), st.integers(2, 120), st.integers(2, 90),
       st.booleans(), st.integers(0, 2**16))
def test_only_region_pixels_change_and_detail_goes(x, y, w, h, polygon, seed):
    rgb = np.random.default_rng(seed).integers(0, 256, (100, 160, 3), dtype=np.uint8)
    if polygon:
        r = Redaction2D("cam", polygon=[(x, y), (x + w, y + h / 3), (x + w / 2, y + h)])
    else:
        r = Redaction2D("cam", box_xyxy=(x, y, x + w, y + h))
    out = obscure(rgb, [r])
    mask = _union_mask([r], rgb.shape)
    assert np.array_equal(out[~mask], rgb[~mask])
    if mask.sum() >= 400:  # enough pixels to speak of detail: white noise loses almost all of it
        diff = np.abs(np.diff(out.astype(float), axis=1))[mask[:, 1:] & mask[:, :-1]]
        assert diff.mean() < 0.25 * np.abs(np.diff(rgb.astype(float), axis=1))[mask[:, 1:] & mask[:, :-1]].mean()


def test_blur_is_deterministic_and_keeps_dtype_and_grey_images():
    grey = np.random.default_rng(1).integers(0, 65535, (60, 80), dtype=np.uint16)
    r = Redaction2D("c", box_xyxy=(10, 10, 50, 40))
    a, b = obscure(grey, [r]), obscure(grey, [r])
    assert a.dtype == np.uint16 and np.array_equal(a, b) and not np.array_equal(a, grey)


# -- faces in real KITTI images, through `export --redact` ---------------------------------------
def test_export_redact_kitti_faces_gone_rest_unchanged(kitti_faces, tmp_path):
    root, faces = kitti_faces
    db, out = tmp_path / "k.sqlite", tmp_path / "out"
    assert main(["import-labels", str(root), "--format", "kitti", "--from", str(root), "--db", str(db)]) == 0
    assert main(["export", str(root), "--format", "kitti", "--out", str(out), "--db", str(db),
                 "--copy-data", "--redact"]) == 0
    dataset = open_dataset(root)
    redactor = Redactor(dataset, AnnotationStore(db))
    for fid, boxes in faces.items():
        before, after = load_rgb(root / "image_2" / f"{fid}.png"), load_rgb(out / "image_2" / f"{fid}.png")
        _check_faces_gone(before, after, boxes)
        regions = redactor.regions(fid, "image_2", before)
        changed = np.any(before != after, axis=2)
        inside = _union_mask(regions, before.shape)
        assert not (changed & ~inside).any(), "a pixel outside every region changed"
        assert changed.sum() > 0.5 * inside.sum()
        assert {r.label for r in regions} >= {"face", "plate"}  # detected faces, KITTI cars' plate zones


def test_export_redact_needs_copy_data(kitti_faces, tmp_path, capsys):
    root, _ = kitti_faces
    assert main(["export", str(root), "--format", "kitti", "--out", str(tmp_path / "o"),
                 "--db", str(tmp_path / "k.sqlite"), "--redact"]) == 2
    assert "--copy-data" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


# -- a generated camera image: faces and the rendered plates --------------------------------------
def _visible_plates(dataset, fid: str, camera: str, min_width: float = 14.0):
    """Projected (4, 2) corners of every plate facing the camera, at least min_width px wide."""
    from sample_data.plates import PLATE_Z, plate_corners_object
    sensor = dataset.rig(fid)[camera]
    cam_lidar = np.linalg.inv(sensor.T)[:3, 3]
    out = []
    for c in dataset.reference(fid).cuboids:
        if c.label not in PLATE_Z:
            continue
        l, _, h = c.size_lwh
        for front in (True, False):
            corners_obj = plate_corners_object(l / 2 if front else -l / 2, PLATE_Z[c.label][0 if front else 1], front)
            pts = (corners_obj - [0, 0, h / 2]) @ c.rotation.T + np.asarray(c.center)
            normal = c.rotation[:, 0] * (1 if front else -1)
            uv, _, valid = sensor.project_lidar(pts)
            if valid.all() and normal @ (cam_lidar - pts.mean(0)) > 0 and np.ptp(uv[:, 0]) >= min_width:
                out.append((c, uv))
    return out


def _crop(rgb, uv):
    l, t = np.floor(uv.min(0)).astype(int)
    r, b = np.ceil(uv.max(0)).astype(int) + 1
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)[t:b, l:r].astype(np.float32)


def _detail_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Correlation of the two crops' fine detail (each minus its own 3x3 mean): how much of
    one's glyph pattern the other still shows."""
    ha, hb = a - cv2.blur(a, (3, 3)), b - cv2.blur(b, (3, 3))
    den = np.sqrt((ha ** 2).sum() * (hb ** 2).sum())
    return 0.0 if den == 0 else float((ha * hb).sum() / den)


def test_export_redact_generated_image_faces_and_plates(sample_faces, tmp_path):
    root, faces, plain = sample_faces
    db, out = tmp_path / "s.sqlite", tmp_path / "out"
    assert main(["export", str(root), "--format", "kitti", "--set", "reference", "--camera", "front",
                 "--out", str(out), "--db", str(db), "--copy-data", "--redact"]) == 0
    dataset = open_dataset(root)
    before = load_rgb(dataset.sync("000000")["front"].image)
    after = load_rgb(out / "image_2" / "000000.png")
    _check_faces_gone(before, after, faces)
    plates = _visible_plates(dataset, "000000", "front")
    assert len(plates) >= 2
    for c, uv in plates:
        p0, p1 = _crop(before, uv), _crop(after, uv)
        assert p0.std() > 40, "the plate's glyphs are not rendered"
        assert p1.std() < 0.35 * p0.std(), (c.track_id, p0.std(), p1.std())
        assert _detail_correlation(p0, p0) > 0.99 and _detail_correlation(p0, p1) < 0.3, c.track_id
    from pointlabel.labelsets import open_label_set
    regions = Redactor(dataset, open_label_set("reference", dataset, lambda: None)).regions("000000", "front", before)
    changed = np.any(before != after, axis=2)
    assert not (changed & ~_union_mask(regions, before.shape)).any()


def test_box_regions_cover_heads_and_plates_in_every_camera(sample_faces):
    """Plate corners and the top of every person lie in a region of the right kind, through
    the distorted front_left lens too."""
    from pointlabel.privacy.regions import box_regions
    root, _, _ = sample_faces
    dataset = open_dataset(root)
    ref = dataset.reference("000000")
    checked = {"plate": 0, "face": 0}
    for camera in ("front_left", "front", "front_right"):
        sensor = dataset.rig("000000")[camera]
        regions = box_regions(ref, sensor)
        def inside(uv, label):
            return any(r.label == label and r.bounds[0] <= u <= r.bounds[2] and r.bounds[1] <= v <= r.bounds[3]
                       for r in regions for u, v in [uv])
        for c, uv in _visible_plates(dataset, "000000", camera, min_width=4):
            assert all(inside(p, "plate") for p in uv), (camera, c.track_id)
            checked["plate"] += 1
        for c in ref.cuboids:
            if c.label not in ("Pedestrian", "Cyclist"):
                continue
            head_top = np.asarray(c.center) + c.rotation @ [0, 0, c.size_lwh[2] / 2 - 0.08]
            uv, _, valid = sensor.project_lidar(head_top[None])
            if valid[0]:
                assert inside(uv[0], "face"), (camera, c.track_id)
                checked["face"] += 1
    assert checked["plate"] >= 8 and checked["face"] >= 3, checked


# -- redact: copies and recorded regions ------------------------------------------------------------
def test_redact_out_writes_copies_and_a_manifest_and_leaves_originals(kitti_faces, tmp_path, capsys):
    root, faces = kitti_faces
    original = (root / "image_2" / "000010.png").read_bytes()
    out = tmp_path / "red"
    assert main(["redact", str(root), "--out", str(out), "--sources", "detector", "--frames", "000010"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["images"] == 1 and result["regions"].get("face:auto:haar-frontal", 0) >= 1
    assert (root / "image_2" / "000010.png").read_bytes() == original
    after = load_rgb(out / "image_2" / "000010.png")
    _check_faces_gone(load_rgb(root / "image_2" / "000010.png"), after, faces["000010"])
    manifest = json.loads((out / "redaction.json").read_text())
    assert list(manifest["images"]) == ["image_2/000010.png"]


def test_recorded_and_drawn_regions_are_annotations_blurred_on_export(sample_faces, tmp_path, capsys):
    root, faces, _ = sample_faces
    dataset = open_dataset(root)
    db = tmp_path / "s.sqlite"
    store = AnnotationStore(db)
    store.put_many("000000", dataset.reference("000000").cuboids)
    # drawn over the pasted photo's shuttle and flag (detail no detector marks)
    drawn = Redaction2D("front", polygon=[(800, 45), (878, 45), (878, 200), (830, 230), (800, 200)],
                        label="other", source="drawn")
    store.put("000000", drawn)
    for _ in range(2):  # a second run replaces the first run's regions
        assert main(["redact", str(root), "--record", "--db", str(db), "--camera", "front"]) == 0
    result = json.loads(capsys.readouterr().out.splitlines()[-1])
    stored = store.frame("000000").redactions
    auto = [r for r in stored if r.source.startswith("auto:")]
    assert len(auto) == result["recorded"] > 0 and drawn in stored
    assert {r.status for r in auto} == {"proposal"}
    assert {"auto:haar-frontal", "auto:box-plate"} <= {r.source for r in auto}
    assert main(["export", str(root), "--format", "kitti", "--camera", "front", "--out", str(tmp_path / "o"),
                 "--db", str(db), "--copy-data", "--redact"]) == 0
    before = load_rgb(dataset.sync("000000")["front"].image)
    after = load_rgb(tmp_path / "o" / "image_2" / "000000.png")
    m = _union_mask([drawn], before.shape)
    assert (np.any(before != after, axis=2) & m).sum() > 0.7 * m.sum()
    assert hf_energy(after, (805, 50, 875, 195)) < 0.05 * hf_energy(before, (805, 50, 875, 195))


def test_redacted_view_for_the_app_blurs_boxes_and_drawn_regions_only(sample_faces, tmp_path):
    """The app's hook: boxes + drawn regions, no detector (fast enough for a frame switch)."""
    from pointlabel.privacy.redact import redacted_view
    root, faces, plain = sample_faces
    dataset = open_dataset(root)
    store = AnnotationStore(tmp_path / "v.sqlite")
    store.put_many("000000", dataset.reference("000000").cuboids)
    drawn = Redaction2D("front", box_xyxy=(20, 300, 60, 330), source="drawn")
    store.put("000000", drawn)
    image = load_rgb(dataset.sync("000000")["front"].image)
    view = redacted_view(dataset, store, "000000", "front", image)
    regions = Redactor(dataset, store, ("boxes", "drawn")).regions("000000", "front")
    assert drawn in regions and {r.source for r in regions} == {"drawn", "auto:box-plate", "auto:box-head"}
    assert np.array_equal(view, obscure(image, regions))
    assert hf_energy(view, faces[0]) > 0.5 * hf_energy(image, faces[0])  # no detector: pasted faces stay
