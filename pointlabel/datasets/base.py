"""What every dataset reader offers: frames, their point clouds, cameras, sync and references.

A dataset is a folder (or one file) holding LiDAR sweeps or scans, optionally with cameras.
Readers are lazy: nothing heavy is loaded until a frame is asked for.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from calibration.rig import Rig
from pointlabel.datasets.clouds import PointCloud
from pointlabel.errors import PointlabelError
from pointlabel.model import FrameAnnotations


def check_frame_id(frame_id: str, known, root: Path) -> str:
    """`frame_id` if the dataset has it; otherwise the one error every dataset gives (a frame
    id is never used as a path before this check, so '../..' cannot leave the dataset)."""
    if frame_id not in known:
        first = ", ".join(list(known)[:5])
        raise PointlabelError(f"no frame {frame_id!r} (frames: {first}...)", root)
    return frame_id


@dataclass(frozen=True)
class SyncMatch:
    """The camera frame paired with a sweep: its image, time difference, and whether it is
    within the tolerance (an out-of-tolerance match is reported, not used)."""

    camera: str
    image: Path | None
    dt: float | None  # camera time - sweep time, seconds (None when there are no timestamps)
    ok: bool


@dataclass(frozen=True)
class FrameInfo:
    """A frame's files (cloud and whatever else the layout has)."""

    id: str
    cloud: Path
    timestamp: float | None = None
    extra: dict = field(default_factory=dict)


class Dataset(Protocol):
    root: Path
    kind: str  # "kitti", "native" or "folder"

    @property
    def frame_ids(self) -> list[str]: ...

    def frame(self, frame_id: str) -> FrameInfo: ...

    def load_cloud(self, frame_id: str) -> PointCloud: ...

    def rig(self, frame_id: str) -> Rig | None: ...

    def sync(self, frame_id: str) -> dict[str, SyncMatch]: ...

    def reference(self, frame_id: str) -> FrameAnnotations | None: ...
