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
