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


def _open_everything(url: str) -> None:
    """What a server worker opens at boot: the store, point labels, batch jobs, the privacy log."""
    from pointlabel.batch.jobs import JobTable
    from pointlabel.pointlabels.storage import PointLabelStore
    from pointlabel.privacy import access_log
    store = AnnotationStore(url)
    PointLabelStore.for_store(store)
    JobTable.of(store)
    access_log.connect(url).close()
    store.close()


def test_workers_opening_a_new_store_at_once_all_succeed(db_url):
    """Four gunicorn workers booting on a fresh PostgreSQL database used to race to create the
    point-label tables (duplicate pg_type), and the master shut down: the tables now come with
    the store's migrations, which concurrent openers take in turn."""
    import threading
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def boot():
        try:
            start.wait()
            _open_everything(db_url)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=boot) for _ in range(6)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert errors == []
    store = AnnotationStore(db_url)
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    store.close()


def test_a_store_whose_feature_tables_were_made_on_first_use_upgrades_and_keeps_their_rows(db_url):
    """A store at revision 0002 whose privacy log and point-label tables an older pointlabel
    created on first use: revision 0003 leaves them and their rows alone."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from pointlabel.privacy import access_log
    from pointlabel.store.engine import create, resolve, write_transaction
    engine = create(resolve(db_url)[0])
    with write_transaction(engine) as conn:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002_team")
        serial = "INTEGER PRIMARY KEY AUTOINCREMENT" if engine.dialect.name == "sqlite" else "BIGSERIAL PRIMARY KEY"
        conn.execute(text(f"CREATE TABLE privacy_log (seq {serial}, ts REAL NOT NULL, who TEXT NOT NULL, "
                          "action TEXT NOT NULL, target TEXT NOT NULL, why TEXT NOT NULL DEFAULT '', "
                          "detail TEXT NOT NULL DEFAULT '{}')"))
        conn.execute(text("INSERT INTO privacy_log(ts, who, action, target) VALUES (1.0, 'ann', 'open', 'd')"))
    engine.dispose()
    seq = access_log.log_access(db_url, "export", "d", who="bob")
    entries = access_log.read_log(db_url)
    store = AnnotationStore(db_url)
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT who, action FROM privacy_log ORDER BY seq")).all()
        heads = MigrationContext.configure(conn).get_current_heads()
    store.close()
    assert [tuple(r) for r in rows] == [("ann", "open"), ("bob", "export")] and seq == 2
    assert heads == tuple(ScriptDirectory(str(MIGRATIONS)).get_heads())
    assert [(e.who, e.action) for e in entries] == [("ann", "open"), ("bob", "export")]
