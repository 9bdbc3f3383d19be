"""Kept for imports written before the SQLAlchemy port: the store is in annotation_store.py."""
from pointlabel.store.annotation_store import (DEFAULT_SET, AnnotationStore, Change, UndoConflict,  # noqa: F401
                                               VersionConflict)
from pointlabel.store.open import default_db_path, open_store  # noqa: F401
