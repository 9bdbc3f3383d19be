"""Open a dataset by looking at what the folder holds: KITTI, native multi-sensor, or plain."""
from __future__ import annotations

from pathlib import Path

from pointlabel.datasets.folder import FolderDataset
from pointlabel.datasets.kitti import KittiDataset, is_kitti
from pointlabel.errors import PointlabelError


def open_dataset(path: str | Path, up: str | None = None, units: str | None = None,
                 level: bool | None = None):
    """The dataset at `path`. `up`/`units`/`level` apply to plain folders of scans only."""
    path = Path(path)
    if not path.exists():
        raise PointlabelError("no such file or folder", path)
    from pointlabel.formats.atomic import is_temporary
    if is_temporary(path.absolute()):
        raise PointlabelError("this is the temporary folder of an unfinished export (it was "
                              "interrupted); it is not a dataset: remove it", path)
    if path.is_dir():
        from pointlabel.datasets.native import NativeDataset, is_native
        if is_native(path):
            return NativeDataset(path)
        if is_kitti(path):
            return KittiDataset(path)
    return FolderDataset(path, up=up, units=units, level=level)
