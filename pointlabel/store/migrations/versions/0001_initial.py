"""The first SQLAlchemy schema: annotations, txns, history, meta, qa_review, qa_review_log.

A SQLite file written before the port (annotations keyed by (label_set, id) in rowid order,
history with its own txn numbers, undo_state) is converted in place: order, versions, history
and undo state are kept.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _tables(md: sa.MetaData) -> None:
    sa.Table("annotations", md,
             sa.Column("row_id", sa.Integer, primary_key=True, autoincrement=True),
             sa.Column("label_set", sa.String, nullable=False), sa.Column("id", sa.String, nullable=False),
             sa.Column("frame", sa.String, nullable=False), sa.Column("kind", sa.String, nullable=False),
             sa.Column("version", sa.Integer, nullable=False),
             sa.Column("deleted", sa.Boolean, nullable=False, default=False),
             sa.Column("data", sa.Text, nullable=False),
             sa.UniqueConstraint("label_set", "id", name="uq_annotations_set_id"),
             sa.Index("ann_frame", "label_set", "frame"), sqlite_autoincrement=True)
    sa.Table("txns", md,
             sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
             sa.Column("ts", sa.Float, nullable=False), sa.Column("author", sa.String),
             sa.Column("client", sa.String, nullable=False, default=""),
             sa.Column("label_set", sa.String, nullable=False), sa.Column("frame", sa.String, nullable=False),
             sa.Column("kind", sa.String, nullable=False),
             sa.Column("state", sa.String, nullable=False, default="live"),
             sa.Column("reverts", sa.Integer),
             sa.Index("txn_client", "label_set", "client", "kind", "state"), sqlite_autoincrement=True)
    sa.Table("history", md,
             sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
             sa.Column("txn", sa.Integer, sa.ForeignKey("txns.id"), nullable=False),
             sa.Column("ts", sa.Float, nullable=False), sa.Column("author", sa.String),
             sa.Column("label_set", sa.String, nullable=False), sa.Column("frame", sa.String, nullable=False),
             sa.Column("annotation_id", sa.String, nullable=False), sa.Column("op", sa.String, nullable=False),
             sa.Column("version", sa.Integer, nullable=False), sa.Column("before", sa.Text),
             sa.Column("after", sa.Text), sa.Column("kind", sa.String, nullable=False, default="edit"),
             sa.Column("client", sa.String, nullable=False, default=""),
             sa.Index("hist_txn", "txn"), sa.Index("hist_annotation", "label_set", "annotation_id"),
             sa.Index("hist_frame", "label_set", "frame"), sqlite_autoincrement=True)
    sa.Table("meta", md, sa.Column("key", sa.String, primary_key=True), sa.Column("value", sa.Text, nullable=False))
    sa.Table("qa_review", md,
             sa.Column("label_set", sa.String, primary_key=True), sa.Column("annotation_id", sa.String, primary_key=True),
             sa.Column("frame", sa.String), sa.Column("verdict", sa.String, nullable=False),
             sa.Column("comment", sa.Text, nullable=False, default=""), sa.Column("reviewer", sa.String),
             sa.Column("ts", sa.Float, nullable=False), sa.Column("version", sa.Integer),
             sa.Index("qa_review_frame", "label_set", "frame"))
    sa.Table("qa_review_log", md,
             sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
             sa.Column("label_set", sa.String, nullable=False), sa.Column("annotation_id", sa.String, nullable=False),
             sa.Column("frame", sa.String), sa.Column("verdict", sa.String, nullable=False),
             sa.Column("comment", sa.Text, nullable=False, default=""), sa.Column("reviewer", sa.String),
             sa.Column("ts", sa.Float, nullable=False), sa.Column("version", sa.Integer), sqlite_autoincrement=True)


def _legacy_sqlite(conn) -> bool:
    """A pre-SQLAlchemy pointlabel file: an annotations table without row_id."""
    if conn.dialect.name != "sqlite":
        return False
    cols = [r[1] for r in conn.exec_driver_sql("PRAGMA table_info(annotations)")]
    return bool(cols) and "row_id" not in cols


def upgrade() -> None:
    conn = op.get_bind()
    legacy = _legacy_sqlite(conn)
    if legacy:
        for t in ("annotations", "history", "undo_state"):
            conn.exec_driver_sql(f"ALTER TABLE {t} RENAME TO legacy_{t}")
        for ix in ("ann_frame", "hist_txn"):
            conn.exec_driver_sql(f"DROP INDEX IF EXISTS {ix}")
    md = sa.MetaData()
    _tables(md)
    md.create_all(conn, checkfirst=True)  # qa_review / meta of a legacy file are kept as they are
    if legacy:
        x = conn.exec_driver_sql
        x("INSERT INTO annotations(label_set, id, frame, kind, version, deleted, data) "
          "SELECT label_set, id, frame, kind, version, deleted, data FROM legacy_annotations ORDER BY rowid")
        x("INSERT INTO txns(id, ts, author, client, label_set, frame, kind, state) "
          "SELECT h.txn, MIN(h.ts), MIN(h.author), '', MIN(h.label_set), MIN(h.frame), MIN(h.kind), "
          "CASE WHEN MAX(u.undone) = 1 THEN 'undone' ELSE 'live' END "
          "FROM legacy_history h LEFT JOIN legacy_undo_state u ON u.txn = h.txn GROUP BY h.txn")
        x("INSERT INTO history(seq, txn, ts, author, label_set, frame, annotation_id, op, version, before, "
          "after, kind, client) SELECT seq, txn, ts, author, label_set, frame, annotation_id, op, version, "
          "before, after, kind, '' FROM legacy_history ORDER BY seq")
        for t in ("annotations", "history", "undo_state"):
            x(f"DROP TABLE legacy_{t}")


def downgrade() -> None:
    for t in ("qa_review_log", "qa_review", "meta", "history", "txns", "annotations"):
        op.drop_table(t)
