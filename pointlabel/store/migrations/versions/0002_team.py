"""Team mode: users (role, argon2 password hash, sha256 token hash), tasks, task_events.

Revision ID: 0002_team
Revises: 0001
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0002_team"
down_revision = "0001"
branch_labels = None
depends_on = None


def _tables(md: sa.MetaData) -> None:
    sa.Table("users", md,
             sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
             sa.Column("name", sa.String, nullable=False, unique=True),
             sa.Column("role", sa.String, nullable=False),
             sa.Column("password_hash", sa.Text),
             sa.Column("token_hash", sa.String, nullable=False, unique=True),
             sa.Column("token_gen", sa.Integer, nullable=False, default=1),
             sa.Column("created_ts", sa.Float, nullable=False), sqlite_autoincrement=True)
    sa.Table("tasks", md,
             sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
             sa.Column("dataset", sa.String, nullable=False),
             sa.Column("label_set", sa.String, nullable=False, default="default"),
             sa.Column("first_frame", sa.String, nullable=False), sa.Column("last_frame", sa.String, nullable=False),
             sa.Column("frames", sa.Text, nullable=False), sa.Column("assignee", sa.String),
             sa.Column("state", sa.String, nullable=False),
             sa.Column("comments", sa.Text, nullable=False, default="[]"),
             sa.Column("created_ts", sa.Float, nullable=False), sa.Column("started_ts", sa.Float),
             sa.Column("submitted_ts", sa.Float), sa.Column("accepted_ts", sa.Float),
             sa.Column("rework_ts", sa.Float), sa.Column("updated_ts", sa.Float, nullable=False),
             sa.Index("task_assignee", "dataset", "assignee"), sqlite_autoincrement=True)
    sa.Table("task_events", md,
             sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
             sa.Column("task", sa.Integer, sa.ForeignKey("tasks.id"), nullable=False),
             sa.Column("ts", sa.Float, nullable=False), sa.Column("actor", sa.String),
             sa.Column("from_state", sa.String), sa.Column("to_state", sa.String, nullable=False),
             sa.Column("assignee", sa.String), sa.Column("comment", sa.Text, nullable=False, default=""),
             sa.Index("task_events_task", "task"), sqlite_autoincrement=True)


def upgrade() -> None:
    md = sa.MetaData()
    _tables(md)
    md.create_all(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    for name in ("task_events", "tasks", "users"):
        op.drop_table(name)
