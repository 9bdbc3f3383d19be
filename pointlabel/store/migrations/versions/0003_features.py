"""Point-wise labels, batch jobs and the privacy log, which were created on first use by their
modules (so four server workers starting at once raced to create them on PostgreSQL).

A store that already has some of them (made on first use) keeps them as they are.

Revision ID: 0003_features
Revises: 0002_team
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0003_features"
down_revision = "0002_team"
branch_labels = None
depends_on = None

NAMES = ("pointlabel_frames", "pointlabel_ops", "pointlabel_classes", "batch_jobs", "batch_frames", "privacy_log")


def _tables(md: sa.MetaData) -> None:
    sa.Table("pointlabel_frames", md,
             sa.Column("label_set", sa.String, primary_key=True), sa.Column("frame", sa.String, primary_key=True),
             sa.Column("n_points", sa.Integer, nullable=False), sa.Column("version", sa.Integer, nullable=False),
             sa.Column("semantic", sa.LargeBinary, nullable=False),
             sa.Column("instance", sa.LargeBinary, nullable=False),
             sa.Column("dropped", sa.LargeBinary), sa.Column("ts", sa.Float, nullable=False))
    sa.Table("pointlabel_ops", md,
             sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
             sa.Column("label_set", sa.String, nullable=False), sa.Column("frame", sa.String, nullable=False),
             sa.Column("client", sa.String, nullable=False, default=""), sa.Column("ts", sa.Float, nullable=False),
             sa.Column("kind", sa.String, nullable=False),
             sa.Column("state", sa.String, nullable=False, default="live"),
             sa.Column("tool", sa.String), sa.Column("params", sa.Text),
             sa.Column("version", sa.Integer, nullable=False), sa.Column("target", sa.Integer),
             sa.Column("n_changed", sa.Integer, nullable=False), sa.Column("diff", sa.LargeBinary, nullable=False),
             sa.Index("pointlabel_ops_client", "label_set", "client", "kind", "state"),
             sa.Index("pointlabel_ops_frame", "label_set", "frame"), sqlite_autoincrement=True)
    sa.Table("pointlabel_classes", md,
             sa.Column("label_set", sa.String, primary_key=True), sa.Column("class_map", sa.Text, nullable=False))
    sa.Table("batch_jobs", md,
             sa.Column("id", sa.String, primary_key=True), sa.Column("command", sa.String, nullable=False),
             sa.Column("dataset", sa.Text, nullable=False), sa.Column("params", sa.Text, nullable=False),
             sa.Column("created", sa.Float, nullable=False), sa.Column("updated", sa.Float, nullable=False),
             sa.Column("state", sa.String, nullable=False, default="open"))
    sa.Table("batch_frames", md,
             sa.Column("job", sa.String, primary_key=True), sa.Column("frame", sa.String, primary_key=True),
             sa.Column("status", sa.String, nullable=False), sa.Column("error", sa.Text),
             sa.Column("result", sa.Text), sa.Column("score", sa.Float(precision=53)),
             sa.Column("attempts", sa.Integer, nullable=False, default=0),
             sa.Column("updated", sa.Float, nullable=False),
             sa.Index("batch_frames_score", "job", "status", "score"))
    sa.Table("privacy_log", md,
             sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
             sa.Column("ts", sa.Float, nullable=False), sa.Column("who", sa.Text, nullable=False),
             sa.Column("action", sa.Text, nullable=False), sa.Column("target", sa.Text, nullable=False),
             sa.Column("why", sa.Text, nullable=False, server_default=""),
             sa.Column("detail", sa.Text, nullable=False, server_default="{}"), sqlite_autoincrement=True)


def upgrade() -> None:
    md = sa.MetaData()
    _tables(md)
    md.create_all(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    for name in reversed(NAMES):
        op.drop_table(name)
