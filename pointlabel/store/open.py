"""Which store a dataset uses: `--db` (a SQLite file or a URL), else a SQLite file beside it."""
from __future__ import annotations

from pathlib import Path

from pointlabel.datasets.access import writable_folder
from pointlabel.errors import PointlabelError
from pointlabel.store.annotation_store import AnnotationStore
from pointlabel.store.engine import is_url


def default_db_path(dataset_root: str | Path) -> Path:
    """`<dataset>/pointlabel.sqlite` (beside the dataset's files), or for a single-file dataset
    `<file>.pointlabel.sqlite`."""
    root = Path(dataset_root)
    return root / "pointlabel.sqlite" if root.is_dir() else root.with_name(root.name + ".pointlabel.sqlite")


def open_store(dataset, db: str | Path | None = None) -> AnnotationStore:
    """The store of a dataset: `db` if given (a SQLite file path, `sqlite:///file` or
    `postgresql://user@host/db`), else the default file beside the dataset."""
    if db and is_url(str(db)):
        return AnnotationStore(str(db))
    path = Path(db) if db else default_db_path(dataset.root)
    if not db and not writable_folder(path.parent):
        raise PointlabelError("the dataset folder is read-only; choose a store with --db FILE", path.parent)
    return AnnotationStore(path)
