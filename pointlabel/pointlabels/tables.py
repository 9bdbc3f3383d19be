"""The tables of point-wise labels, in the annotation store's database: defined in
`pointlabel.store.schema` and created by its Alembic revision 0003 when a store is opened;
see `storage` for what each column holds."""
from __future__ import annotations

from pointlabel.store.schema import pointlabel_classes as classes
from pointlabel.store.schema import pointlabel_frames as frames
from pointlabel.store.schema import pointlabel_ops as ops

__all__ = ["frames", "ops", "classes"]
