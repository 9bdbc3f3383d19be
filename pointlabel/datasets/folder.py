"""A plain folder of point clouds (or one file) with no cameras: robotics and survey scans.

The up axis and units are given once (`--up -y --units mm`, and `--level` to also tilt the
dominant plane level) and stored with the dataset in
`.pointlabel-dataset.json` in the folder (or, when the folder is read-only, in the user's
config folder keyed by the dataset's path), so a scan in millimetres with y up is shown and
labelled the right way up, in metres. The dataset frame is then x forward, y left, z up, metres;
`T_dataset_from_file` maps the file's axes (after unit scaling) into it.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import replace
from pathlib import Path

import numpy as np

from pointlabel.datasets.access import writable_folder
from pointlabel.datasets.base import FrameInfo, SkippedFile, SyncMatch, check_frame_id, scan_frame_files
from pointlabel.datasets.clouds import PointCloud, read_cloud
from pointlabel.errors import PointlabelError
from pointlabel.geometry.level import levelling_rotation

CLOUD_SUFFIXES = (".pcd", ".ply", ".las", ".laz", ".bin")
UNITS_TO_M = {"m": 1.0, "cm": 0.01, "mm": 0.001, "ft": 0.3048, "us-ft": 1200.0 / 3937.0, "in": 0.0254}
# Rotation taking the file's axes to ours for each choice of the file's up axis. For -y (camera
# optical frames: x right, y down, z forward) the camera's forward becomes our x.
UP_ROTATIONS = {
    "+z": np.eye(3),
    "-z": np.array([[1, 0, 0], [0, -1, 0], [0, 0, -1]], float),
    "+y": np.array([[1, 0, 0], [0, 0, -1], [0, 1, 0]], float),
    "-y": np.array([[0, 0, 1], [-1, 0, 0], [0, -1, 0]], float),
    "+x": np.array([[0, 0, -1], [0, 1, 0], [1, 0, 0]], float),
    "-x": np.array([[0, 0, 1], [0, 1, 0], [-1, 0, 0]], float),
}
SETTINGS_FILE = ".pointlabel-dataset.json"


def normalise_up(up: str) -> str:
    u = up.strip().lower()
    u = u if u[:1] in ("+", "-") else "+" + u
    if u not in UP_ROTATIONS:
        raise PointlabelError(f"--up must be one of x, y, z, -x, -y, -z (got {up!r})")
    return u


def cloud_files(path: Path) -> tuple[dict[str, Path], list[SkippedFile]]:
    """({frame id: file}, skipped): the file itself, or a folder's cloud files (a link out of
    the folder, an unreadable file, a .bin of a size no KITTI scan has, ... skipped and
    reported, base.scan_frame_files)."""
    if path.is_file():
        return {_frame_id(path): path}, []
    return scan_frame_files(path, path, _is_cloud, stem_of=_frame_id, check=_bin_problem)


def _bin_problem(p: Path) -> str | None:
    if p.suffix.lower() != ".bin":
        return None
    size = p.stat().st_size
    return None if size % 16 == 0 else f"{size} bytes, not a multiple of 16 (4 float32 per point)"


def _is_cloud(p: Path) -> bool:
    return p.suffix.lower() in CLOUD_SUFFIXES


class FolderDataset:
    """Point clouds in a folder (frame id = file name without its suffix), or one file."""

    kind = "folder"

    def __init__(self, root: str | Path, up: str | None = None, units: str | None = None,
                 level: bool | None = None):
        self.root = Path(root)
        if not self.root.exists():
            raise PointlabelError("no such file or folder", self.root)
        self._files, self.skipped = cloud_files(self.root)
        if not self._files:
            why = f" ({len(self.skipped)} skipped: {self.skipped[0].path.name}: {self.skipped[0].reason})" \
                if self.skipped else ""
            raise PointlabelError(f"no point cloud files (.pcd .ply .las .laz .bin) here{why}", self.root)
        saved = self._load_settings()
        self.up = normalise_up(up or saved.get("up", "+z"))
        self.units = units or saved.get("units")
        if self.units is not None and self.units not in UNITS_TO_M:
            raise PointlabelError(f"--units must be one of {', '.join(UNITS_TO_M)} (got {self.units!r})")
        self.level = bool(level if level is not None else saved.get("level", False))
        if up or units or level is not None:
            self._save_settings()

    @property
    def frame_ids(self) -> list[str]:
        return list(self._files)

    def frame(self, frame_id: str) -> FrameInfo:
        return FrameInfo(check_frame_id(frame_id, self._files, self.root), self._files[frame_id])

    @property
    def R_dataset_from_file(self) -> np.ndarray:
        """(3, 3) rotation for the up axis (levelling, when asked, is added per cloud)."""
        return UP_ROTATIONS[self.up]

    def load_cloud(self, frame_id: str) -> PointCloud:
        """The cloud in the dataset frame: units scaled to metres (when --units was given; LAS
        files convert their own units) and rotated so the given up axis is +z."""
        cloud = read_cloud(self.frame(frame_id).cloud)
        scale = UNITS_TO_M[self.units] if self.units else 1.0
        R = self.R_dataset_from_file
        if self.level:
            R = levelling_rotation(cloud.xyz @ R.T) @ R
        if scale == 1.0 and self.up == "+z" and not self.level:
            return cloud
        xyz = (cloud.xyz.astype(np.float64) * scale) @ R.T
        offset = (np.asarray(cloud.offset, dtype=np.float64) * scale) @ R.T
        return replace(cloud, xyz=xyz.astype(np.float32), offset=offset,
                       units=self.units or cloud.units, scale_to_m=cloud.scale_to_m * scale)

    def rig(self, frame_id: str):
        return None

    def images(self, frame_id: str) -> dict:
        return {}

    def sync(self, frame_id: str) -> dict[str, SyncMatch]:
        return {}

    def reference(self, frame_id: str):
        return None

    # -- settings stored with the dataset ------------------------------------------------
    def _settings_paths(self) -> list[Path]:
        """Beside the data (a folder's own file, or `<file>.pointlabel-dataset.json` for one
        file) when that folder is writable, else in the user's config folder."""
        key = hashlib.sha1(str(self.root.resolve()).encode()).hexdigest()[:16]
        config = Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config")) / "pointlabel" / "datasets"
        beside = (self.root / SETTINGS_FILE if self.root.is_dir()
                  else self.root.with_name(self.root.name + SETTINGS_FILE))
        return ([beside] if writable_folder(beside.parent) else []) + [config / f"{key}.json"]

    def _load_settings(self) -> dict:
        for p in self._settings_paths():
            if p.is_file():
                try:
                    return json.loads(p.read_text())
                except (OSError, ValueError):
                    continue
        return {}

    def _save_settings(self) -> None:
        data = json.dumps({"up": self.up, "units": self.units, "level": self.level}, indent=2)
        for p in self._settings_paths():
            try:
                p.parent.mkdir(parents=True, exist_ok=True)
                p.write_text(data)
                return
            except OSError:
                continue


def _frame_id(p: Path) -> str:
    name = p.name
    for suffix in (".copc.laz",):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return p.stem
