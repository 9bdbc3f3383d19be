"""The native multi-sensor layout: one LiDAR, any number of cameras, a rig, timestamps and
ground truth per sweep. `NativeDataset` reads it, `NativeWriter` writes it.

Layout (all JSON in UTF-8; times in seconds, any epoch, one clock for all sensors)::

    <root>/dataset.json     {"format": "pointlabel-native", "version": 1, "name": "...",
                             "lidar": "lidar_top", "sync_tolerance": 0.05}
    <root>/rig.json         calibration.rig.Rig JSON: per camera K (3x3), width, height,
                            dist [k1, k2, p1, p2, k3] or null (OpenCV model),
                            T_cam_from_lidar (4x4), time_offset (nominal s after the sweep)
    <root>/lidar/<stem>.bin|.pcd|.ply      one sweep per file, LiDAR frame (x forward,
                            y left, z up, metres); .bin is KITTI's float32 x y z intensity
    <root>/cameras/<name>/<stem>.png|.jpg  images; a camera's stems are its own frame
                            numbers and need not equal the LiDAR's
    <root>/timestamps.json  {"lidar": {stem: t}, "cameras": {name: {stem: t}}}
    <root>/reference/<stem>.json   optional ground truth of a sweep:
                            pointlabel.model.FrameAnnotations.to_dict(), LiDAR frame
    <root>/poses.json       optional {"lidar": {stem: 4x4 T_world_from_lidar}}

A frame id is a LiDAR stem. `dataset.json` is written last: its presence marks a complete
dataset. Sync: each camera's frame nearest in time to `t_sweep + time_offset` is the sweep's
match; it is used only when that residual is within `sync_tolerance`, otherwise reported
with ok=False. Without timestamps a camera image is paired by equal stem (dt unknown).
"""
from __future__ import annotations

import json
import math
import os
import shutil
from functools import cached_property
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from calibration.errors import CalibrationError
from calibration.rig import Rig
from calibration.transforms import check_rigid, orthonormalize
from pointlabel.datasets.base import FrameInfo, SkippedFile, SyncMatch, check_frame_id, check_inside, scan_frame_files
from pointlabel.datasets.clouds import PointCloud, read_cloud, write_bin
from pointlabel.datasets.sync import match_nearest
from pointlabel.errors import PointlabelError
from pointlabel.model import FrameAnnotations

FORMAT, VERSION = "pointlabel-native", 1
CLOUD_SUFFIXES = (".bin", ".pcd", ".ply")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
DEFAULT_TOLERANCE = 0.05
MAX_TIME_S = 1e11  # seconds: any epoch in use (Unix time in s is ~2e9) and then some
MAX_POSE_M = 1e7  # a world frame may be far from its origin (UTM), but not beyond the Earth


def is_native(path: str | Path) -> bool:
    """A folder with a dataset.json naming this format (a broken one still counts, so that
    opening it reports what is wrong instead of treating it as a folder of scans)."""
    meta = Path(path) / "dataset.json"
    if not meta.is_file():
        return False
    try:
        raw = meta.read_bytes()
    except OSError:
        return True  # unreadable: opening it says so
    try:
        return json.loads(raw).get("format") == FORMAT
    except (ValueError, AttributeError, RecursionError):
        return FORMAT.encode() in raw


def _read_json(path: Path, what: str, root: Path | None = None):
    if root is not None:
        check_inside(path, root, what)
    try:
        return json.loads(path.read_text())
    except OSError as e:
        raise PointlabelError(f"cannot read {what}: {e.strerror}", path) from None
    except ValueError as e:
        raise PointlabelError(f"{what} is not valid JSON ({e})", path) from None


def _is_number(v) -> bool:
    return not isinstance(v, bool) and isinstance(v, (int, float)) and math.isfinite(v)


def _times(d, what: str, path: Path) -> dict[str, float]:
    """{stem: seconds} of timestamps.json: JSON numbers only (no strings, booleans, NaN or
    Infinity), within +-MAX_TIME_S."""
    if d is None:
        return {}
    if not isinstance(d, dict):
        raise PointlabelError(f"timestamps.json: {what} must be {{stem: seconds}}", path)
    out = {}
    for k, v in d.items():
        if not _is_number(v) or abs(v) > MAX_TIME_S:
            raise PointlabelError(f"timestamps.json: {what}.{k}: times must be numbers (finite "
                                  f"seconds within {MAX_TIME_S:g}), got {v!r:.40}", path)
        out[str(k)] = float(v)
    return out


def _files_by_stem(folder: Path, root: Path, suffixes: tuple[str, ...]):
    """({stem: file}, skipped) of `folder`'s files with these suffixes (base.scan_frame_files)."""
    return scan_frame_files(folder, root, lambda p: p.suffix.lower() in suffixes)


class NativeDataset:
    """Lazy reader of the native layout (see the module docstring)."""

    kind = "native"

    def __init__(self, root: str | Path):
        self.root = Path(root)
        meta_path = self.root / "dataset.json"
        if not meta_path.is_file():
            raise PointlabelError("not a native dataset (no dataset.json)", self.root)
        meta = _read_json(meta_path, "dataset.json", self.root)
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise PointlabelError(f"dataset.json: 'format' must be {FORMAT!r}", meta_path)
        if not isinstance(meta.get("version"), int) or meta["version"] > VERSION:
            raise PointlabelError(f"dataset.json: version {meta.get('version')!r} is not supported "
                                  f"(this pointlabel reads up to {VERSION})", meta_path)
        self.meta = meta
        self.name = str(meta.get("name", self.root.name))
        self.lidar = str(meta.get("lidar", "lidar"))
        tol = meta.get("sync_tolerance", DEFAULT_TOLERANCE)
        if not _is_number(tol) or not 0 <= tol <= MAX_TIME_S:
            raise PointlabelError("dataset.json: sync_tolerance must be seconds (a finite number >= 0)",
                                  meta_path)
        self.sync_tolerance = float(tol)
        self._clouds, self._skipped_clouds = _files_by_stem(self.root / "lidar", self.root, CLOUD_SUFFIXES)
        if not self._clouds:
            raise PointlabelError("no sweeps in lidar/ (expected .bin, .pcd or .ply files)", self.root)
        self._ids = sorted(self._clouds)
        self._sync_cache: dict[str, dict[str, SyncMatch]] = {}

    # -- frames and clouds ------------------------------------------------------------
    @property
    def frame_ids(self) -> list[str]:
        return list(self._ids)

    def _check(self, frame_id: str) -> str:
        return check_frame_id(frame_id, self._clouds, self.root)

    def frame(self, frame_id: str) -> FrameInfo:
        self._check(frame_id)
        ref = self.root / "reference" / f"{frame_id}.json"
        return FrameInfo(frame_id, self._clouds[frame_id], self._timestamps["lidar"].get(frame_id),
                         {"reference": ref if os.path.lexists(ref) else None})

    def load_cloud(self, frame_id: str) -> PointCloud:
        return read_cloud(self.frame(frame_id).cloud)

    # -- time ---------------------------------------------------------------------------
    @cached_property
    def _timestamps(self) -> dict:
        path = self.root / "timestamps.json"
        if not os.path.lexists(path):
            return {"lidar": {}, "cameras": {}}
        data = _read_json(path, "timestamps.json", self.root)
        if not isinstance(data, dict):
            raise PointlabelError("timestamps.json must hold an object", path)
        cameras = data.get("cameras", {})
        if not isinstance(cameras, dict):
            raise PointlabelError('timestamps.json: "cameras" must be {camera: {stem: seconds}}', path)
        lidar = _times(data.get("lidar", {}), "lidar", path)
        cams = {str(c): _times(d, f"cameras.{c}", path) for c, d in cameras.items()}
        return {"lidar": lidar, "cameras": cams}

    @property
    def timestamps(self) -> dict[str, float]:
        """LiDAR stem -> sweep time (seconds); sweeps without one are absent."""
        return dict(self._timestamps["lidar"])

    def camera_timestamps(self, camera: str) -> dict[str, float]:
        """Camera stem -> frame time (seconds)."""
        return dict(self._timestamps["cameras"].get(camera, {}))

    @cached_property
    def poses(self) -> dict[str, np.ndarray]:
        """LiDAR stem -> (4, 4) T_world_from_lidar, when the dataset has poses.json."""
        path = self.root / "poses.json"
        if not os.path.lexists(path):
            return {}
        data = _read_json(path, "poses.json", self.root)
        lidar = data.get("lidar", {}) if isinstance(data, dict) else None
        if not isinstance(lidar, dict):
            raise PointlabelError('poses.json must be {"lidar": {stem: 4x4 matrix}}', path)
        poses = {}
        for k, v in lidar.items():
            try:
                if not (isinstance(v, list) and len(v) == 4 and all(isinstance(r, list) and len(r) == 4
                                                                    and all(_is_number(x) for x in r) for r in v)):
                    raise CalibrationError(f"pose of {k}: must be a 4x4 list of finite numbers")
                poses[str(k)] = check_rigid(np.array(v, dtype=float), f"pose of {k}",
                                            max_translation=MAX_POSE_M)
            except CalibrationError as e:
                raise PointlabelError(f"poses.json: {e}", path) from None
        return poses

    def pose_at(self, t: float) -> np.ndarray | None:
        """(4, 4) T_world_from_lidar at time t (e.g. a camera's), from the two timed sweeps
        around t (or the end two, beyond the ends): translation linear, rotation slerp.
        None without poses."""
        timed = sorted((ts, s) for s, ts in self._timestamps["lidar"].items() if s in self.poses)
        if not timed:
            return None
        if len(timed) == 1:
            return self.poses[timed[0][1]].copy()
        times = np.array([ts for ts, _ in timed])
        k = int(np.clip(np.searchsorted(times, t) - 1, 0, len(timed) - 2))
        a, b = self.poses[timed[k][1]], self.poses[timed[k + 1][1]]
        w = (t - times[k]) / (times[k + 1] - times[k])
        Ra, Rb = orthonormalize(a[:3, :3]), orthonormalize(b[:3, :3])
        out = np.eye(4)
        out[:3, :3] = Ra @ Rotation.from_rotvec(w * Rotation.from_matrix(Ra.T @ Rb).as_rotvec()).as_matrix()
        out[:3, 3] = (1 - w) * a[:3, 3] + w * b[:3, 3]
        return out

    # -- rig, cameras, sync ---------------------------------------------------------------
    @cached_property
    def _rig(self) -> Rig | None:
        path = self.root / "rig.json"
        if not os.path.lexists(path):
            return None
        try:
            return Rig.from_dict(_read_json(path, "rig.json", self.root))
        except CalibrationError as e:
            raise PointlabelError(f"bad rig: {e}", path) from None

    def rig(self, frame_id: str) -> Rig | None:
        """The rig (the same for every frame)."""
        self._check(frame_id)
        return self._rig

    @property
    def camera_names(self) -> list[str]:
        """Cameras of the rig, then any other folder under cameras/."""
        names = list(self._rig.camera_names) if self._rig else []
        folder = self.root / "cameras"
        if folder.is_dir():
            names += sorted(p.name for p in folder.iterdir() if p.is_dir() and p.name not in names)
        return names

    @cached_property
    def _camera_images(self) -> dict[str, dict[str, Path]]:
        found = {c: _files_by_stem(self.root / "cameras" / c, self.root, IMAGE_SUFFIXES) for c in self.camera_names}
        self._skipped_images = [f for _, skipped in found.values() for f in skipped]
        return {c: files for c, (files, _) in found.items()}

    @property
    def skipped(self) -> list[SkippedFile]:
        """Sweeps and camera images not opened, and why (base.scan_frame_files)."""
        self._camera_images
        return self._skipped_clouds + self._skipped_images

    def _match_camera(self, camera: str) -> dict[str, SyncMatch]:
        images = self._camera_images[camera]
        t_cam_by_stem = self._timestamps["cameras"].get(camera, {})
        cam_stems = [s for s in images if s in t_cam_by_stem]
        offset = self._rig[camera].time_offset if self._rig and camera in self._rig.cameras else 0.0
        t_lidar = self._timestamps["lidar"]
        t_sweeps = np.array([t_lidar.get(i, np.nan) for i in self._ids])
        idx, _, ok = match_nearest(t_sweeps + offset, np.array([t_cam_by_stem[s] for s in cam_stems]),
                                   self.sync_tolerance)
        out = {}
        for k, frame_id in enumerate(self._ids):
            if np.isfinite(t_sweeps[k]) and t_cam_by_stem:
                stem = cam_stems[idx[k]] if idx[k] >= 0 else None
                dt = None if stem is None else float(t_cam_by_stem[stem] - t_sweeps[k])
                out[frame_id] = SyncMatch(camera, None if stem is None else images[stem], dt, bool(ok[k]))
            else:  # no clock: pair by equal stem
                image = images.get(frame_id)
                out[frame_id] = SyncMatch(camera, image, None, image is not None)
        return out

    def sync(self, frame_id: str) -> dict[str, SyncMatch]:
        """camera -> the camera frame matched to this sweep (see the module docstring)."""
        self._check(frame_id)
        if not self._sync_cache:
            self._sync_cache = {c: self._match_camera(c) for c in self.camera_names}
        return {c: matches[frame_id] for c, matches in self._sync_cache.items()}

    def images(self, frame_id: str) -> dict[str, Path]:
        """camera -> image of this sweep, for the cameras whose match is within tolerance."""
        return {c: m.image for c, m in self.sync(frame_id).items() if m.ok and m.image is not None}

    # -- ground truth -----------------------------------------------------------------------
    def reference(self, frame_id: str) -> FrameAnnotations | None:
        """The sweep's ground truth (LiDAR frame), or None when the dataset has none."""
        path = self.frame(frame_id).extra["reference"]
        if path is None:
            return None
        data = _read_json(path, "reference", self.root)
        try:
            ref = FrameAnnotations.from_dict(data)
        except (KeyError, ValueError, TypeError) as e:
            raise PointlabelError(f"bad reference annotations: {e}", path) from None
        return ref if ref.frame_id == frame_id else FrameAnnotations.from_annotations(frame_id, ref)


class NativeWriter:
    """Writes the native layout. Use as a context manager, or call `finish()` at the end:
    dataset.json, rig.json, timestamps.json and poses.json are written then (dataset.json last)."""

    def __init__(self, root: str | Path, rig: Rig | None = None, name: str = "",
                 lidar: str = "lidar_top", sync_tolerance: float = DEFAULT_TOLERANCE,
                 meta: dict | None = None):
        self.root = Path(root)
        self.rig = rig
        self._meta = {"format": FORMAT, "version": VERSION, "name": name or self.root.name,
                      "lidar": lidar, "sync_tolerance": float(sync_tolerance), **(meta or {})}
        self._t_lidar: dict[str, float] = {}
        self._t_cams: dict[str, dict[str, float]] = {c: {} for c in (rig.camera_names if rig else [])}
        self._poses: dict[str, list] = {}
        (self.root / "lidar").mkdir(parents=True, exist_ok=True)

    def write_sweep(self, stem: str, timestamp: float | None, pts_lidar: np.ndarray,
                    intensity: np.ndarray | None = None, reference: FrameAnnotations | None = None,
                    T_world_from_lidar: np.ndarray | None = None) -> Path:
        """pts_lidar: (N, 3) LiDAR frame; intensity: (N,); reference: ground truth, LiDAR frame."""
        path = self.root / "lidar" / f"{stem}.bin"
        write_bin(path, pts_lidar, intensity)
        if timestamp is not None:
            self._t_lidar[stem] = float(timestamp)
        if reference is not None:
            (self.root / "reference").mkdir(exist_ok=True)
            data = reference.to_dict() | {"frame": stem}
            (self.root / "reference" / f"{stem}.json").write_text(json.dumps(data, indent=1))
        if T_world_from_lidar is not None:
            self._poses[stem] = np.asarray(T_world_from_lidar, dtype=float).reshape(4, 4).tolist()
        return path

    def write_image(self, camera: str, stem: str, timestamp: float | None, image) -> Path:
        """image: (H, W, 3) uint8 array (written as PNG) or the path of a .png/.jpg to copy."""
        folder = self.root / "cameras" / camera
        folder.mkdir(parents=True, exist_ok=True)
        if isinstance(image, (str, Path)):
            src = Path(image)
            if src.suffix.lower() not in IMAGE_SUFFIXES:
                raise PointlabelError("camera images must be .png or .jpg", src)
            path = folder / f"{stem}{src.suffix.lower()}"
            shutil.copyfile(src, path)
        else:
            from PIL import Image
            path = folder / f"{stem}.png"
            Image.fromarray(np.asarray(image, dtype=np.uint8)).save(path, optimize=False)
        if timestamp is not None:
            self._t_cams.setdefault(camera, {})[stem] = float(timestamp)
        return path

    def finish(self) -> Path:
        if self.rig is not None:
            self.rig.write_json(self.root / "rig.json")
        stamps = {"lidar": self._t_lidar, "cameras": self._t_cams}
        (self.root / "timestamps.json").write_text(json.dumps(stamps, indent=1))
        if self._poses:
            (self.root / "poses.json").write_text(json.dumps({"lidar": self._poses}))
        (self.root / "dataset.json").write_text(json.dumps(self._meta, indent=2))
        return self.root

    def __enter__(self) -> "NativeWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.finish()
