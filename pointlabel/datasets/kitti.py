"""The KITTI object layout: `{velodyne,image_2,image_3,calib,label_2}/NNNNNN.*`.

The dataset folder is the one holding these subfolders (a folder holding `training/` is
accepted too). A frame id is the six-digit stem of a `velodyne/*.bin` file. Frames have no
timestamps: image_2/image_3 are paired with the sweep of the same stem.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from calibration.errors import CalibrationError
from calibration.kitti_calib import KittiCalib, read_kitti_calib
from calibration.rig import Rig
from pointlabel.datasets.base import FrameInfo, SyncMatch, check_frame_id, check_inside, scan_frame_files
from pointlabel.datasets.clouds import PointCloud, read_bin
from pointlabel.datasets.images import image_size
from pointlabel.errors import PointlabelError
from pointlabel.model import FrameAnnotations

CAMERAS = {2: "image_2", 3: "image_3"}
DEFAULT_SIZE = (1242, 375)  # KITTI's most common image size, used when a frame has no image


def is_kitti(path: Path) -> bool:
    return kitti_root(path) is not None


def kitti_root(path: Path) -> Path | None:
    path = Path(path)
    for cand in (path, path / "training"):
        if (cand / "velodyne").is_dir() and (cand / "calib").is_dir():
            return cand
    return None


class KittiDataset:
    """Lazy reader of a KITTI object folder."""

    kind = "kitti"

    def __init__(self, root: str | Path):
        found = kitti_root(Path(root))
        if found is None:
            raise PointlabelError("not a KITTI object folder (needs velodyne/ and calib/)", root)
        self.root = found
        files, self.skipped = scan_frame_files(self.root / "velodyne", self.root,
                                               lambda p: p.suffix == ".bin", check=_bin_problem)
        self._ids = sorted(files)

    @property
    def frame_ids(self) -> list[str]:
        return list(self._ids)

    def _check(self, frame_id: str) -> str:
        return check_frame_id(frame_id, self._ids, self.root)

    def frame(self, frame_id: str) -> FrameInfo:
        self._check(frame_id)
        return FrameInfo(frame_id, self.root / "velodyne" / f"{frame_id}.bin")

    def load_cloud(self, frame_id: str) -> PointCloud:
        return read_bin(self.frame(frame_id).cloud)

    def image_path(self, frame_id: str, camera: str = "image_2") -> Path | None:
        p = self.root / camera / f"{self._check(frame_id)}.png"
        return check_inside(p, self.root, "image") if os.path.lexists(p) else None

    def images(self, frame_id: str) -> dict[str, Path]:
        return {name: p for name in CAMERAS.values() if (p := self.image_path(frame_id, name))}

    def calib(self, frame_id: str) -> KittiCalib:
        path = self.root / "calib" / f"{self._check(frame_id)}.txt"
        return _read_calib(check_inside(path, self.root, "calibration file"))

    def rig(self, frame_id: str) -> Rig:
        """Rig of image_2 (and image_3 where present); sizes from the images, checked against
        the calibration's principal point."""
        calib = self.calib(frame_id)
        sizes = {}
        for index, name in CAMERAS.items():
            img = self.image_path(frame_id, name)
            if img is None and index != 2:
                continue
            if index not in calib.P:
                continue
            sizes[index] = image_size(img) if img else DEFAULT_SIZE
            _check_image_against_calib(img, sizes[index], calib.P[index])
        return calib.to_rig(sizes)

    def sync(self, frame_id: str) -> dict[str, SyncMatch]:
        return {name: SyncMatch(name, p, None, True) for name, p in self.images(frame_id).items()}

    def label_path(self, frame_id: str) -> Path | None:
        p = self.root / "label_2" / f"{self._check(frame_id)}.txt"
        return check_inside(p, self.root, "label file") if os.path.lexists(p) else None

    def reference(self, frame_id: str) -> FrameAnnotations | None:
        """The folder's own label_2 file, if any, as annotations in the LiDAR frame."""
        from pointlabel.formats.kitti_label import read_label_file
        path = self.label_path(frame_id)
        return None if path is None else read_label_file(path, self.calib(frame_id), frame_id)


def _read_calib(path: Path) -> KittiCalib:
    """The parsed file, cached while it is unchanged (a removed or edited file is seen)."""
    try:
        st = path.stat()
    except OSError:
        raise PointlabelError("calibration file is missing", path) from None
    if not path.is_file():
        raise PointlabelError("calibration file is missing", path)
    return _parse_calib(path, st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=256)
def _parse_calib(path: Path, mtime_ns: int, size: int) -> KittiCalib:
    try:
        return read_kitti_calib(path)
    except CalibrationError as e:
        raise PointlabelError(str(e).split(": ", 1)[-1], path) from None


def _bin_problem(p: Path) -> str | None:
    size = p.stat().st_size
    return None if size % 16 == 0 else (f"{size} bytes, not a multiple of 16 "
                                        "(4 float32 per point): not a KITTI scan")


def _check_image_against_calib(img: Path | None, size: tuple[int, int], P) -> None:
    """An image whose size cannot belong to this calibration (principal point far from its
    centre) is an error: projections onto it would be meaningless."""
    w, h = size
    cx, cy = P[0, 2], P[1, 2]
    if not (0.25 * w <= cx <= 0.75 * w and 0.25 * h <= cy <= 0.75 * h):
        raise PointlabelError(
            f"image is {w}x{h} but the calibration's principal point is ({cx:.0f}, {cy:.0f}): "
            "the image does not match the calibration", img)
