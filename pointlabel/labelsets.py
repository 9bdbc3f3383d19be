"""Label sets to check or compare, named the way a user names them on the command line:

- a KITTI `label_2` folder (or the folder holding it): read with the dataset's calibration;
- a folder of our per-frame JSON (an export's `json/` folder, or the export folder itself);
- `reference`: the dataset's own ground truth (a native dataset's reference/, a KITTI
  folder's label_2/), when it has one;
- any other name: a label set of the annotation store (`default`, one per annotator, ...).

Each is an object with `name`, `kind` and `frame(frame_id) -> FrameAnnotations` (empty for a
frame it has nothing for).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from pointlabel.errors import PointlabelError
from pointlabel.model import FrameAnnotations

REFERENCE = "reference"


class KittiFolderSet:
    kind = "label_2"

    def __init__(self, folder: Path, dataset):
        from pointlabel.formats.kitti_io import label_dir
        self.folder = label_dir(folder)
        self.dataset = dataset
        self.name = str(folder)

    def frame(self, frame_id: str) -> FrameAnnotations:
        from pointlabel.formats.kitti_io import kitti_calib_of
        from pointlabel.formats.kitti_label import read_label_file
        path = self.folder / f"{frame_id}.txt"
        if not path.is_file():
            return FrameAnnotations(frame_id)
        return read_label_file(path, kitti_calib_of(self.dataset, frame_id), frame_id)


class JsonFolderSet:
    kind = "json"

    def __init__(self, folder: Path):
        self.folder = folder / "json" if (folder / "json").is_dir() else folder
        self.name = str(folder)

    def frame(self, frame_id: str) -> FrameAnnotations:
        from pointlabel.formats import frame_json
        path = self.folder / f"{frame_id}.json"
        if not path.is_file():
            return FrameAnnotations(frame_id)
        fa = frame_json.read(path)
        return fa if fa.frame_id == frame_id else FrameAnnotations.from_annotations(frame_id, fa)


class ReferenceSet:
    kind = "reference"
    name = REFERENCE

    def __init__(self, dataset):
        self.dataset = dataset

    def frame(self, frame_id: str) -> FrameAnnotations:
        return self.dataset.reference(frame_id) or FrameAnnotations(frame_id)


class StoreSet:
    kind = "store"

    def __init__(self, store, name: str):
        self.store = store
        self.name = name
        self._pid = os.getpid()

    def frame(self, frame_id: str) -> FrameAnnotations:
        if os.getpid() != self._pid:  # a forked worker: connections must not cross a fork
            from pointlabel.store import AnnotationStore
            self.store, self._pid = AnnotationStore(self.store.path or self.store.url_string()), os.getpid()
        return self.store.frame(frame_id, self.name)


class MemorySet:
    """A label set held in memory: frame id -> FrameAnnotations (tests, the app)."""

    kind = "memory"

    def __init__(self, frames: dict, name: str = "memory"):
        self.frames = dict(frames)
        self.name = name

    def frame(self, frame_id: str) -> FrameAnnotations:
        return self.frames.get(frame_id) or FrameAnnotations(frame_id)


def has_reference(dataset) -> bool:
    """The dataset carries ground truth of its own (tries its first frames)."""
    for fid in dataset.frame_ids[:3]:
        try:
            if dataset.reference(fid) is not None:
                return True
        except (PointlabelError, AttributeError):
            return False
    return False


def open_label_set(spec: str, dataset, store_opener: Callable[[], object] | None = None,
                   must_exist: bool = True):
    """The label set named `spec` (see the module docstring). `store_opener()` gives the
    annotation store; it is only called when the name is a store label set. With
    `must_exist=False` a store set nobody has written to yet is an empty set, not an error."""
    path = Path(spec)
    if path.is_dir():
        if (path / "label_2").is_dir() or any(path.glob("*.txt")):
            return KittiFolderSet(path, dataset)
        if (path / "json").is_dir() or any(path.glob("*.json")):
            return JsonFolderSet(path)
        raise PointlabelError("neither a label_2 folder nor a folder of per-frame JSON", path)
    if spec == REFERENCE and has_reference(dataset):
        return ReferenceSet(dataset)
    if store_opener is None:
        raise PointlabelError(f"no label set {spec!r} (not a folder, and no annotation store given)")
    store = store_opener()
    if must_exist and spec not in store.label_sets():
        names = store.label_sets()
        hint = f"store sets: {', '.join(names)}" if names else "the store has no label sets"
        ref = "; 'reference' is the dataset's ground truth" if has_reference(dataset) else ""
        raise PointlabelError(f"no label set {spec!r} ({hint}{ref}; or give a label_2 or JSON folder)",
                              getattr(store, "path", None))
    return StoreSet(store, spec)
