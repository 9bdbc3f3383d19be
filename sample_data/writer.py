"""Writing a generated sequence in the native layout, safely.

The sequence is written into a temporary sibling folder and moved into place at the end, so
an interrupted run never leaves a half-written dataset where a complete one is expected. An
existing folder is replaced only when it is empty or a sequence this generator wrote, and what
else it holds (e.g. the annotation store beside the data) is carried over.
Stems: sweeps are numbered 000000, 000001, ...; each camera numbers its own frames, so after a
dropped camera frame its stems no longer equal the sweeps' (sync goes by timestamp).
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from calibration.rig import Rig
from pointlabel.datasets.native import NativeWriter
from pointlabel.errors import PointlabelError
from pointlabel.model import FrameAnnotations

GENERATOR = "pointlabel.sample_data"
GENERATOR_VERSION = 2  # 2: licence plates on the vehicles
T0 = 1_700_000_000.0  # seconds (Unix time) of the first sweep's nominal start
WRITTEN = {"dataset.json", "rig.json", "timestamps.json", "poses.json", "lidar", "cameras", "reference"}


def generated_meta(root: Path) -> dict | None:
    """The `generator` entry of a sequence this generator wrote, else None."""
    try:
        meta = json.loads((Path(root) / "dataset.json").read_text())
    except (OSError, ValueError):
        return None
    gen = meta.get("generator") if isinstance(meta, dict) else None
    return gen if isinstance(gen, dict) and gen.get("name") == GENERATOR else None


def check_target(out_dir: Path) -> None:
    """Refuse to overwrite a folder that holds anything but a generated sequence."""
    if not out_dir.exists():
        return
    if not out_dir.is_dir() or (any(out_dir.iterdir()) and generated_meta(out_dir) is None):
        raise PointlabelError("exists and is not a generated sample sequence: not overwriting", out_dir)


class SequenceWriter:
    """Collects one generated sequence in a temporary folder; `finish()` moves it to `out_dir`."""

    def __init__(self, out_dir: Path, rig: Rig, seed: int, frames: int):
        self.out_dir = Path(out_dir)
        check_target(self.out_dir)
        self.out_dir.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.out_dir.name}.partial-", dir=self.out_dir.parent))
        self.tmp.chmod(0o755)  # mkdtemp's 0700 would follow the folder into place
        generator = {"name": GENERATOR, "version": GENERATOR_VERSION, "seed": seed, "frames": frames}
        meta = {"generator": generator,
                "description": "generated road scene: 64-beam LiDAR, 3 cameras, ground truth in reference/"}
        self._native = NativeWriter(self.tmp, rig, name=f"sample-seed{seed}-{frames}", lidar=rig.lidar,
                                    meta=meta)
        self._camera_count = {name: 0 for name in rig.camera_names}

    @staticmethod
    def stem(index: int) -> str:
        return f"{index:06d}"

    def sweep(self, index: int, t: float, pts_lidar: np.ndarray, intensity: np.ndarray,
              reference: FrameAnnotations, T_world_from_lidar: np.ndarray) -> None:
        """t: seconds from the sequence start; pts_lidar (N, 3) LiDAR frame; intensity (N,)."""
        self._native.write_sweep(self.stem(index), T0 + t, pts_lidar, intensity, reference,
                                 T_world_from_lidar)

    def image(self, camera: str, t: float, image: np.ndarray) -> None:
        """The camera's next frame, taken at t (seconds from the sequence start)."""
        self._native.write_image(camera, self.stem(self._camera_count[camera]), T0 + t, image)
        self._camera_count[camera] += 1

    def finish(self) -> Path:
        self._native.finish()
        if self.out_dir.exists():
            if generated_meta(self.out_dir) is None and any(self.out_dir.iterdir()):
                self.abort()
                raise PointlabelError("appeared while generating; left untouched", self.out_dir)
            for entry in self.out_dir.iterdir():
                if entry.name not in WRITTEN:  # not ours: keep it
                    os.replace(entry, self.tmp / entry.name)
            shutil.rmtree(self.out_dir)
        os.replace(self.tmp, self.out_dir)
        return self.out_dir

    def abort(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)
