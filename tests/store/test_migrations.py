"""The Alembic revisions shipped in pointlabel/store/migrations build exactly the schema of
pointlabel/store/schema.py, on SQLite and PostgreSQL, in one line of history (one head): a
table added to the schema without its revision, or a second head, fails here."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from pointlabel.store import AnnotationStore
from pointlabel.store.engine import MIGRATIONS
from pointlabel.store.schema import metadata


def test_one_head():
    heads = ScriptDirectory(str(MIGRATIONS)).get_heads()
    assert len(heads) == 1, f"migrations have several heads {heads}: chain the new revision to the last one"


def test_migrated_database_matches_the_schema(db_url):
    store = AnnotationStore(db_url)
    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert ctx.get_current_heads() == tuple(ScriptDirectory(str(MIGRATIONS)).get_heads())
        diffs = compare_metadata(ctx, metadata)
    store.close()
    assert diffs == []
