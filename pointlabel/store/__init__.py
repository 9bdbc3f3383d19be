"""The annotation store: SQLite, one row per annotation, an append-only history of changes."""
from pointlabel.store.sqlite_store import AnnotationStore, Change, VersionConflict, open_store  # noqa: F401
