"""What every dataset reader offers: frames, their point clouds, cameras, sync and references.

A dataset is a folder (or one file) holding LiDAR sweeps or scans, optionally with cameras.
Readers are lazy: nothing heavy is loaded until a frame is asked for.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol

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


# A frame id is a file stem: printable, at most 200 characters, not starting with '-' (a stem
# such as '--help' would read as an option on every command line that names the frame).
FRAME_ID = re.compile(r"(?!-)[^\x00-\x1f\x7f/\\]{1,200}")


@dataclass(frozen=True)
class SkippedFile:
    """A file of a dataset's folders that is not opened as a frame (or camera frame), and why."""

    path: Path
    reason: str


def resolves_inside(path: Path, root: Path) -> bool:
    """`path`, all links followed, is `root` or lies under it (root's own links followed too)."""
    try:
        real = Path(path).resolve(strict=True)
        base = Path(root).resolve(strict=True)
    except (OSError, RuntimeError):
        return False
    return real == base or base in real.parents


def file_problem(path: Path, root: Path) -> str | None:
    """Why `path` cannot be read as a file of the dataset at `root`, or None."""
    if not resolves_inside(path, root):
        return ("a link to a file outside the dataset (refused: a dataset may only read its own "
                "files)" if os.path.lexists(path) and os.path.exists(path) else "a broken link")
    if not path.is_file():
        return "not a regular file"
    if not os.access(path, os.R_OK):
        return "not readable (permissions)"
    return None


def check_inside(path: Path, root: Path, what: str = "file") -> Path:
    """`path` if it is a readable file of the dataset, else PointlabelError (missing, a link
    outside the dataset, not readable)."""
    if not os.path.lexists(path):
        raise PointlabelError(f"{what} is missing", path)
    problem = file_problem(path, root)
    if problem:
        raise PointlabelError(f"{what} is {problem}", path)
    return path


def scan_frame_files(folder: Path, root: Path, accept: Callable[[Path], bool],
                     stem_of: Callable[[Path], str] = lambda p: p.stem,
                     check: Callable[[Path], str | None] | None = None
                     ) -> tuple[dict[str, Path], list[SkippedFile]]:
    """The files of `folder` that `accept` (by name) -> ({frame id: path}, skipped).

    A file is skipped (and reported) rather than failing the whole dataset when it resolves
    outside `root`, is not a readable regular file, has a stem that is not a FRAME_ID, fails
    `check` (a cheap test of its own, returning a reason), or repeats a stem already taken."""
    files: dict[str, Path] = {}
    skipped: list[SkippedFile] = []
    if not folder.is_dir():
        return files, skipped
    for p in sorted(folder.iterdir()):
        if not accept(p):
            continue
        stem = stem_of(p)
        reason = file_problem(p, root)
        if reason is None and not FRAME_ID.fullmatch(stem):
            reason = "not a frame name (printable, not starting with '-')"
        if reason is None and check is not None:
            reason = check(p)
        if reason is None and stem in files:
            reason = f"two files for stem {stem!r}: {files[stem].name} is used, this one is not"
        if reason is not None:
            skipped.append(SkippedFile(p, reason))
        else:
            files[stem] = p
    return files, skipped


def skipped_of(dataset) -> list[SkippedFile]:
    """Files a dataset skipped when it was opened (none for readers that skip nothing)."""
    return list(getattr(dataset, "skipped", ()) or ())


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
    skipped: list[SkippedFile]  # files not opened (reported by `info`), see scan_frame_files

    @property
    def frame_ids(self) -> list[str]: ...

    def frame(self, frame_id: str) -> FrameInfo: ...

    def load_cloud(self, frame_id: str) -> PointCloud: ...

    def rig(self, frame_id: str) -> Rig | None: ...

    def sync(self, frame_id: str) -> dict[str, SyncMatch]: ...

    def reference(self, frame_id: str) -> FrameAnnotations | None: ...
