"""The tables of point-wise labels (SQLAlchemy Core), in the annotation store's database.

They are created on first use (`create(engine)`, idempotent) beside the store's own tables;
see `storage` for what each column holds.
"""
from __future__ import annotations

from sqlalchemy import Column, Float, Index, Integer, LargeBinary, MetaData, String, Table, Text

metadata = MetaData()

frames = Table(
    "pointlabel_frames", metadata,
    Column("label_set", String, primary_key=True),
    Column("frame", String, primary_key=True),
    Column("n_points", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("semantic", LargeBinary, nullable=False),
    Column("instance", LargeBinary, nullable=False),
    Column("dropped", LargeBinary),
    Column("ts", Float, nullable=False),
)

ops = Table(
    "pointlabel_ops", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("label_set", String, nullable=False),
    Column("frame", String, nullable=False),
    Column("client", String, nullable=False, default=""),
    Column("ts", Float, nullable=False),
    Column("kind", String, nullable=False),            # edit | undo | redo
    Column("state", String, nullable=False, default="live"),  # an edit: live | undone
    Column("tool", String),
    Column("params", Text),
    Column("version", Integer, nullable=False),
    Column("target", Integer),                           # undo / redo: the edit it reverts
    Column("n_changed", Integer, nullable=False),
    Column("diff", LargeBinary, nullable=False),
    Index("pointlabel_ops_client", "label_set", "client", "kind", "state"),
    Index("pointlabel_ops_frame", "label_set", "frame"),
    sqlite_autoincrement=True,
)

classes = Table(
    "pointlabel_classes", metadata,
    Column("label_set", String, primary_key=True),
    Column("class_map", Text, nullable=False),
)


def create(engine) -> None:
    metadata.create_all(engine, checkfirst=True)
