"""The annotation store (SQLAlchemy Core on SQLite or PostgreSQL): one row per annotation,
versions, per-client undo, an append-only history of changes. Tables: pointlabel.store.schema."""
from pointlabel.store.annotation_store import (DEFAULT_SET, AnnotationStore, Change, UndoConflict,  # noqa: F401
                                               VersionConflict)
from pointlabel.store.open import default_db_path, open_store  # noqa: F401
