"""Fixtures of the privacy tests: real face photos pasted into real and generated camera images.

The face is scikit-image's `data.astronaut()` (a NASA portrait shipped inside the wheel); its
face box in the 512x512 photo is ASTRONAUT_FACE (found once with OpenCV's frontal cascade,
and checked by eye). KITTI frames are read in place from ../shared; every picture made here
is written under tmp_path.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

ASTRONAUT_FACE = (176, 67, 271, 162)  # left, top, right, bottom in the 512 x 512 photo
KITTI_FRAMES = {"000008": ((130, 40, 20), (320, 700, 30)), "000010": ((200, 300, 60),),
                "000019": ((250, 900, 40),)}  # frame -> (size, x, y) of each pasted photo
SAMPLE_PASTES = ((150, 80, 40), (260, 620, 30))  # in the generated front camera image


def paste_faces(rgb: np.ndarray, pastes) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    """The image with the astronaut pasted at (size, x, y) each, and the pasted faces' boxes."""
    import cv2
    from skimage import data
    photo = data.astronaut()
    out = rgb.copy()
    faces = []
    for size, x, y in pastes:
        out[y:y + size, x:x + size] = cv2.resize(photo, (size, size), interpolation=cv2.INTER_AREA)
        s = size / 512
        l, t, r, b = ASTRONAUT_FACE
        faces.append((x + int(l * s), y + int(t * s), x + int(np.ceil(r * s)), y + int(np.ceil(b * s))))
    return out, faces


def _save_png(path: Path, rgb: np.ndarray) -> None:
    from PIL import Image
    Image.fromarray(rgb).save(path)


@pytest.fixture(scope="module")
def kitti_faces(tmp_path_factory, kitti_root):
    """A small KITTI folder: sweeps, calibration and labels linked from ../shared, image_2 with
    the astronaut pasted in. -> (root, {frame: [face boxes]})"""
    from pointlabel.datasets.images import load_rgb
    root = tmp_path_factory.mktemp("kitti_faces") / "training"
    faces = {}
    for sub in ("velodyne", "calib", "label_2", "image_2"):
        (root / sub).mkdir(parents=True)
    for fid, pastes in KITTI_FRAMES.items():
        for sub, ext in (("velodyne", "bin"), ("calib", "txt"), ("label_2", "txt")):
            # copied, not linked: a dataset refuses links that resolve outside it (issue 13)
            shutil.copyfile(kitti_root / sub / f"{fid}.{ext}", root / sub / f"{fid}.{ext}")
        rgb, faces[fid] = paste_faces(load_rgb(kitti_root / "image_2" / f"{fid}.png"), pastes)
        _save_png(root / "image_2" / f"{fid}.png", rgb)
    return root, faces


@pytest.fixture(scope="module")
def sample_faces(tmp_path_factory):
    """A generated one-sweep sequence (seed 0: cars with plates, pedestrians, cyclists) with the
    astronaut pasted into the front camera's image. -> (root, face boxes, original front image)"""
    import sample_data
    from pointlabel.datasets.images import load_rgb
    from pointlabel.datasets.native import NativeDataset
    root = sample_data.generate_sequence(tmp_path_factory.mktemp("gen") / "seq", frames=1, seed=0, progress=False)
    front = NativeDataset(root).sync("000000")["front"].image
    plain = load_rgb(front)
    rgb, faces = paste_faces(plain, SAMPLE_PASTES)
    _save_png(front, rgb)
    return root, faces, plain


ERASE_SECRET = "Erika Mustermann, seen at 4 Elm Road"  # an attribute value that must not survive


def fill_store(db):
    """A store (SQLite path or URL) with four frames; track 3 is a pedestrian edited, undone
    and reviewed (with the secret in an attribute and a review comment); track 7 a car; a
    drawn face region per frame; a lane of track 3 in the reference set.
    -> (store, erased pedestrian ids, kept car ids, lane)"""
    from pointlabel.model import Cuboid, Polyline3D, Redaction2D
    from pointlabel.qa.review import ReviewBook
    from pointlabel.store import AnnotationStore
    store = AnnotationStore(db)
    erased, kept = [], []
    for k in range(4):
        fid = f"{k:06d}"
        ped = Cuboid((8.123457 + k, 2.718281, -0.9), (0.61, 0.71, 1.77), 0.3, "Pedestrian", track_id=3,
                     attributes={"note": ERASE_SECRET})
        car = Cuboid((20.0 + k, -3.0, -0.8), (4.2, 1.8, 1.5), 0.0, "Car", track_id=7)
        face = Redaction2D("front", box_xyxy=(400 + k, 120, 431.25, 160.5), label="face", source="drawn")
        store.put_many(fid, [ped, car, face])
        store.put(fid, ped.replace(center=(8.5 + k, 2.9, -0.9)))  # history holds both versions
        erased += [ped.id]
        kept += [car.id]
        if k == 1:
            store.undo()
    lane = Polyline3D([(0, 1, -1.7), (30, 1.2, -1.7)], "lane", track_id=3)
    store.put("000002", lane, label_set="reference")  # same track id, another set
    book = ReviewBook(store)
    book.set_verdict(erased[0], "rejected", f"head cut off; {ERASE_SECRET}")
    book.set_verdict(kept[0], "accepted")
    return store, erased, kept, lane


@pytest.fixture
def fill():
    return fill_store


@pytest.fixture
def secret():
    return ERASE_SECRET
