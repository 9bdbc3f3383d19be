"""The one database schema of pointlabel (SQLAlchemy Core), for SQLite and PostgreSQL alike.

Every table lives in `metadata`. A module that needs a table of its own (reviews, batch jobs,
tasks, users) defines it here against `metadata` and adds an Alembic revision under
`pointlabel/store/migrations/versions/` that creates it; `open_engine` applies the revisions
when a store is opened.

- `annotations`: the current state, one row per (label set, id); `data` is the annotation's
  JSON (LiDAR frame), `version` grows by one with every change, `row_id` keeps creation order.
- `txns`: one row per change (transaction): who (`author`, `client` = the browser session or
  API client) and when; `kind` edit / undo / redo; `state` of an edit for its author's undo:
  live, undone (redo-able) or dropped.
- `history`: every change of every annotation ever made, never rewritten (`before` / `after`).
- `meta`: dataset settings (up axis, units) and bookkeeping.
- `qa_review`, `qa_review_log`: review verdicts (pointlabel.qa.review).
- `users`, `tasks`, `task_events`: team mode (pointlabel.team): accounts with a role, an
  argon2 password hash and a sha256 token hash; tasks (frames of a dataset assigned to a
  person) and every state change of a task.
- `pointlabel_frames`, `pointlabel_ops`, `pointlabel_classes`: point-wise labels
  (pointlabel.pointlabels.storage says what each column holds).
- `batch_jobs`, `batch_frames`: batch jobs and what became of each frame
  (pointlabel.batch.jobs).
- `privacy_log`: who opened, exported, redacted or erased what (pointlabel.privacy.access_log).
"""
from __future__ import annotations

from sqlalchemy import (Boolean, Column, Float, ForeignKey, Index, Integer, LargeBinary, MetaData, String,
                        Table, Text, UniqueConstraint)

metadata = MetaData()

annotations = Table(
    "annotations", metadata,
    Column("row_id", Integer, primary_key=True, autoincrement=True),
    Column("label_set", String, nullable=False),
    Column("id", String, nullable=False),
    Column("frame", String, nullable=False),
    Column("kind", String, nullable=False),
    Column("version", Integer, nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("data", Text, nullable=False),
    UniqueConstraint("label_set", "id", name="uq_annotations_set_id"),
    Index("ann_frame", "label_set", "frame"),
    sqlite_autoincrement=True,
)

txns = Table(
    "txns", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ts", Float, nullable=False),
    Column("author", String),
    Column("client", String, nullable=False, default=""),
    Column("label_set", String, nullable=False),
    Column("frame", String, nullable=False),
    Column("kind", String, nullable=False),          # edit | undo | redo
    Column("state", String, nullable=False, default="live"),  # live | undone | dropped
    Column("reverts", Integer),                          # undo / redo: the edit it replays
    Index("txn_client", "label_set", "client", "kind", "state"),
    sqlite_autoincrement=True,
)

history = Table(
    "history", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("txn", Integer, ForeignKey("txns.id"), nullable=False),
    Column("ts", Float, nullable=False),
    Column("author", String),
    Column("label_set", String, nullable=False),
    Column("frame", String, nullable=False),
    Column("annotation_id", String, nullable=False),
    Column("op", String, nullable=False),
    Column("version", Integer, nullable=False),
    Column("before", Text),
    Column("after", Text),
    Column("kind", String, nullable=False, default="edit"),
    Column("client", String, nullable=False, default=""),
    Index("hist_txn", "txn"),
    Index("hist_annotation", "label_set", "annotation_id"),
    Index("hist_frame", "label_set", "frame"),
    sqlite_autoincrement=True,
)

meta = Table(
    "meta", metadata,
    Column("key", String, primary_key=True),
    Column("value", Text, nullable=False),
)

qa_review = Table(
    "qa_review", metadata,
    Column("label_set", String, primary_key=True),
    Column("annotation_id", String, primary_key=True),
    Column("frame", String),
    Column("verdict", String, nullable=False),
    Column("comment", Text, nullable=False, default=""),
    Column("reviewer", String),
    Column("ts", Float, nullable=False),
    Column("version", Integer),
    Index("qa_review_frame", "label_set", "frame"),
)

qa_review_log = Table(
    "qa_review_log", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("label_set", String, nullable=False),
    Column("annotation_id", String, nullable=False),
    Column("frame", String),
    Column("verdict", String, nullable=False),
    Column("comment", Text, nullable=False, default=""),
    Column("reviewer", String),
    Column("ts", Float, nullable=False),
    Column("version", Integer),
    sqlite_autoincrement=True,
)

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String, nullable=False, unique=True),
    Column("role", String, nullable=False),               # admin | labeller | reviewer
    Column("password_hash", Text),                        # argon2id; None: logs in with the token
    Column("token_hash", String, nullable=False, unique=True),  # sha256 hex of the API token
    Column("token_gen", Integer, nullable=False, default=1),    # a reset ends the user's web sessions
    Column("created_ts", Float, nullable=False),
    sqlite_autoincrement=True,
)

tasks = Table(
    "tasks", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dataset", String, nullable=False),
    Column("label_set", String, nullable=False, default="default"),
    Column("first_frame", String, nullable=False),
    Column("last_frame", String, nullable=False),
    Column("frames", Text, nullable=False),               # JSON list of the frame ids
    Column("assignee", String),
    Column("state", String, nullable=False),              # todo | in_progress | submitted | accepted | rework
    Column("comments", Text, nullable=False, default="[]"),  # JSON [{ts, author, state, text}]
    Column("created_ts", Float, nullable=False),
    Column("started_ts", Float),
    Column("submitted_ts", Float),
    Column("accepted_ts", Float),
    Column("rework_ts", Float),
    Column("updated_ts", Float, nullable=False),
    Index("task_assignee", "dataset", "assignee"),
    sqlite_autoincrement=True,
)

task_events = Table(
    "task_events", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("task", Integer, ForeignKey("tasks.id"), nullable=False),
    Column("ts", Float, nullable=False),
    Column("actor", String),
    Column("from_state", String),
    Column("to_state", String, nullable=False),
    Column("assignee", String),
    Column("comment", Text, nullable=False, default=""),
    Index("task_events_task", "task"),
    sqlite_autoincrement=True,
)

# -- point-wise labels (pointlabel.pointlabels) ------------------------------------------------
pointlabel_frames = Table(
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

pointlabel_ops = Table(
    "pointlabel_ops", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("label_set", String, nullable=False),
    Column("frame", String, nullable=False),
    Column("client", String, nullable=False, default=""),
    Column("ts", Float, nullable=False),
    Column("kind", String, nullable=False),                   # edit | undo | redo
    Column("state", String, nullable=False, default="live"),  # an edit: live | undone
    Column("tool", String),
    Column("params", Text),
    Column("version", Integer, nullable=False),
    Column("target", Integer),                                # undo / redo: the edit it reverts
    Column("n_changed", Integer, nullable=False),
    Column("diff", LargeBinary, nullable=False),
    Index("pointlabel_ops_client", "label_set", "client", "kind", "state"),
    Index("pointlabel_ops_frame", "label_set", "frame"),
    sqlite_autoincrement=True,
)

pointlabel_classes = Table(
    "pointlabel_classes", metadata,
    Column("label_set", String, primary_key=True),
    Column("class_map", Text, nullable=False),
)

# -- batch jobs (pointlabel.batch.jobs) --------------------------------------------------------
batch_jobs = Table(
    "batch_jobs", metadata,
    Column("id", String, primary_key=True),
    Column("command", String, nullable=False),
    Column("dataset", Text, nullable=False),
    Column("params", Text, nullable=False),
    Column("created", Float, nullable=False),
    Column("updated", Float, nullable=False),
    Column("state", String, nullable=False, default="open"),
)

batch_frames = Table(
    "batch_frames", metadata,
    Column("job", String, primary_key=True),
    Column("frame", String, primary_key=True),
    Column("status", String, nullable=False),
    Column("error", Text),
    Column("result", Text),
    Column("score", Float(precision=53)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("updated", Float, nullable=False),
    Index("batch_frames_score", "job", "status", "score"),
)

# -- the privacy log (pointlabel.privacy.access_log writes it with plain SQL) -------------------
privacy_log = Table(
    "privacy_log", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("ts", Float, nullable=False),
    Column("who", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("target", Text, nullable=False),
    Column("why", Text, nullable=False, server_default=""),
    Column("detail", Text, nullable=False, server_default="{}"),
    sqlite_autoincrement=True,
)
