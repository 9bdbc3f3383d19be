"""Alembic environment of pointlabel's store: runs on the connection that
pointlabel.store.engine.migrate passes in `config.attributes["connection"]` (online only)."""
from alembic import context

from pointlabel.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise SystemExit("pointlabel's migrations run when a store is opened (pointlabel.store.open_engine)")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
