"""Redaction benchmark: time per image, share of faces and plates found, false redactions.

Run alone: `python benchmarks/bench_privacy.py`. The test set:
- faces: scikit-image's astronaut photo pasted into each of the 10 KITTI images of ../shared
  at three sizes (face about 24, 37 and 59 px wide), and the 100 face crops of
  `skimage.data.lfw_subset()` (25 px, grey) enlarged 2x and 3x, ten to a KITTI image;
  a face counts as found when detector regions cover at least 80 % of its box;
- plates: every licence plate the generated sequence (seed 0, 2 sweeps, 3 cameras) shows
  facing a camera, at least 10 px wide; found when regions cover all four corners (regions
  from the boxes; the plate cascade is counted on its own);
- heads: the top of every generated pedestrian and cyclist in view, inside a face region;
- false redactions: detector regions on the unmodified images that overlap no pasted face
  and no labelled person (KITTI label_2 / generated ground truth), per image; and the share
  of each image the box regions cover.
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

KITTI = Path(__file__).resolve().parents[2] / "shared" / "kitti" / "training"
ASTRONAUT_FACE = (176, 67, 271, 162)
PERSONS = ("Pedestrian", "Person_sitting", "Cyclist")


def _cover(regions, box, shape) -> float:
    """Share of box's pixels inside the union of regions."""
    from pointlabel.privacy.redact import union_mask
    l, t, r, b = (int(v) for v in box)
    mask = union_mask(regions, shape[1], shape[0])
    return float(mask[t:b, l:r].mean()) if b > t and r > l else 0.0


def _overlap(a, b) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


def _paste(rgb, patch, x, y):
    out = rgb.copy()
    h, w = patch.shape[:2]
    out[y:y + h, x:x + w] = patch if patch.ndim == 3 else patch[..., None]
    return out


def face_rows(images) -> tuple[list, list]:
    """(found flags, seconds per image) over the pasted faces."""
    import cv2
    from skimage import data
    from pointlabel.privacy.redact import detect
    photo, lfw = data.astronaut(), (data.lfw_subset()[:100] * 255).astype(np.uint8)
    found, seconds = [], []
    cases = []
    for k, rgb in enumerate(images):  # astronaut at three sizes, one image each
        for size in (130, 200, 320):
            x, y = (37 * k + 11 * size) % (rgb.shape[1] - size), (rgb.shape[0] - size) // 2
            s = size / 512
            face = (x + ASTRONAUT_FACE[0] * s, y + ASTRONAUT_FACE[1] * s, x + ASTRONAUT_FACE[2] * s,
                    y + ASTRONAUT_FACE[3] * s)
            cases.append((_paste(rgb, cv2.resize(photo, (size, size), interpolation=cv2.INTER_AREA), x, y), [face]))
    for scale in (2, 3):
        side = 25 * scale
        for k in range(10):
            img, faces = images[k % len(images)], []
            for j in range(10):
                x, y = 20 + j * (side + 40), 30 + (j % 2) * (side + 20)
                img = _paste(img, cv2.resize(lfw[10 * k + j], (side, side), interpolation=cv2.INTER_CUBIC), x, y)
                faces.append((x + 0.1 * side, y + 0.1 * side, x + 0.9 * side, y + 0.9 * side))
            cases.append((img, faces))
    for img, faces in cases:
        t0 = time.perf_counter()
        regions = detect(img, "cam")
        seconds.append(time.perf_counter() - t0)
        found += [_cover([r for r in regions if r.label == "face"], f, img.shape) >= 0.8 for f in faces]
    return found, seconds


def bench_rows() -> list[tuple[str, float, str]]:
    import sample_data
    from calibration.projection import cuboid_box2d
    from pointlabel.datasets.images import load_rgb
    from pointlabel.datasets.kitti import KittiDataset
    from pointlabel.datasets.native import NativeDataset
    from pointlabel.labelsets import open_label_set
    from pointlabel.privacy.redact import Redactor, detect, obscure
    from pointlabel.privacy.regions import box_regions
    from sample_data.plates import PLATE_Z, plate_corners_object
    if not KITTI.is_dir():
        return [("privacy benchmarks need ../shared/kitti", float("nan"), "")]
    kitti = KittiDataset(KITTI)
    k_images = [load_rgb(kitti.image_path(f)) for f in kitti.frame_ids]
    rows = []
    # time per image: the whole redaction (detector + boxes + drawn + blur)
    ref = open_label_set("reference", kitti, lambda: None)
    red = Redactor(kitti, ref)
    t_kitti = []
    false_k, person_k, share_k = 0, 0, []
    c_kitti = []
    for fid, img in zip(kitti.frame_ids, k_images):
        t0, c0 = time.perf_counter(), time.process_time()
        red(fid, "image_2", img)
        t_kitti.append(time.perf_counter() - t0)
        c_kitti.append(time.process_time() - c0)
        anns = kitti.reference(fid)
        cam = kitti.rig(fid)["image_2"]
        persons = [b.ltrb for c in anns.cuboids if c.label in PERSONS
                   if (b := cuboid_box2d(cam.lidar_to_cam(c.corners()), cam.camera)) is not None]
        det = [r for r in detect(img, "image_2")]
        false_k += sum(not any(_overlap(r.bounds, p) for p in persons) for r in det)
        person_k += sum(any(_overlap(r.bounds, p) for p in persons) for r in det)
        boxes = box_regions(anns, cam)
        share_k.append(_cover(boxes, (0, 0, img.shape[1], img.shape[0]), img.shape))
    rows.append(("redact: KITTI image 1242x375 (detector+boxes+blur), median", statistics.median(t_kitti) * 1e3, "ms"))
    rows.append(("redact: ... the same, CPU time (all threads)", statistics.median(c_kitti) * 1e3, "ms"))
    found, t_det = face_rows(k_images)
    n_astro = 30
    for k, px in enumerate((24, 37, 59)):  # cases go image by image, three sizes each
        rows.append((f"redact: astronaut faces found at {px} px (10 KITTI images)", 100 * np.mean(found[k:n_astro:3]), "%"))
    rows.append(("redact: LFW faces found (100 faces at 50 px and 75 px)", 100 * np.mean(found[n_astro:]), "%"))
    rows.append(("redact: detector false regions, clean KITTI image (mean)", false_k / len(k_images), "per image"))
    rows.append(("redact: detector regions on labelled KITTI persons", person_k, "regions"))
    rows.append(("redact: share of a KITTI image the box regions cover (mean)", 100 * np.mean(share_k), "%"))
    with tempfile.TemporaryDirectory() as folder:
        seq = NativeDataset(sample_data.generate_sequence(Path(folder) / "s", frames=2, seed=0, progress=False))
        ref = open_label_set("reference", seq, lambda: None)
        red = Redactor(seq, ref)
        plates_box, plates_det, heads, false_g, t_gen, c_gen, share_g, n_img = [], [], [], 0, [], [], [], 0
        for fid in seq.frame_ids:
            anns = seq.reference(fid)
            for cam_name, m in seq.sync(fid).items():
                if not m.ok:
                    continue
                img = load_rgb(m.image)
                sensor = seq.rig(fid)[cam_name]
                t0, c0 = time.perf_counter(), time.process_time()
                obscure(img, red.regions(fid, cam_name, img))
                t_gen.append(time.perf_counter() - t0)
                c_gen.append(time.process_time() - c0)
                n_img += 1
                boxes = box_regions(anns, sensor)
                det = detect(img, cam_name)
                share_g.append(_cover(boxes, (0, 0, img.shape[1], img.shape[0]), img.shape))
                cam_lidar = np.linalg.inv(sensor.T)[:3, 3]
                persons = []
                for c in anns.cuboids:
                    b = cuboid_box2d(sensor.lidar_to_cam(c.corners()), sensor.camera)
                    if c.label in PERSONS and b is not None:
                        persons.append(b.ltrb)
                        top = np.asarray(c.center) + c.rotation @ [0, 0, c.size_lwh[2] / 2 - 0.08]
                        uv, _, valid = sensor.project_lidar(top[None])
                        if valid[0]:
                            heads.append(_cover([r for r in boxes if r.label == "face"],
                                                (uv[0, 0] - 1, uv[0, 1] - 1, uv[0, 0] + 1, uv[0, 1] + 1), img.shape) == 1)
                    if c.label not in PLATE_Z:
                        continue
                    l, _, h = c.size_lwh
                    for front in (True, False):
                        pts = (plate_corners_object(l / 2 if front else -l / 2, PLATE_Z[c.label][0 if front else 1], front)
                               - [0, 0, h / 2]) @ c.rotation.T + np.asarray(c.center)
                        uv, _, valid = sensor.project_lidar(pts)
                        normal = c.rotation[:, 0] * (1 if front else -1)
                        if valid.all() and normal @ (cam_lidar - pts.mean(0)) > 0 and np.ptp(uv[:, 0]) >= 10:
                            box = (*uv.min(0), *uv.max(0))
                            plates_box.append(_cover([r for r in boxes if r.label == "plate"], box, img.shape) == 1)
                            plates_det.append(_cover([r for r in det if r.label == "plate"], box, img.shape) >= 0.8)
                false_g += sum(not any(_overlap(r.bounds, p) for p in persons) for r in det)
    rows.append(("redact: generated image 960x540 (detector+boxes+blur), median", statistics.median(t_gen) * 1e3, "ms"))
    rows.append(("redact: ... the same, CPU time (all threads)", statistics.median(c_gen) * 1e3, "ms"))
    rows.append(("redact: detector alone per image, median (pasted-face set)", statistics.median(t_det) * 1e3, "ms"))
    rows.append((f"redact: generated plates covered by box regions (of {len(plates_box)})", 100 * np.mean(plates_box), "%"))
    rows.append(("redact: generated plates found by the plate cascade alone", 100 * np.mean(plates_det), "%"))
    rows.append((f"redact: generated heads covered by box regions (of {len(heads)})", 100 * np.mean(heads), "%"))
    rows.append(("redact: detector false regions, generated image (mean)", false_g / max(n_img, 1), "per image"))
    rows.append(("redact: share of a generated image the box regions cover (mean)", 100 * np.mean(share_g), "%"))
    return rows


if __name__ == "__main__":
    for row_name, value, unit in bench_rows():
        print(f"{row_name:<66} {value:>10,.1f} {unit}")
