"""Alembic environment of the service's database, run in code by
:meth:`asn_balance.apps.server.db.Store.migrate` (no ``alembic.ini``): the connection
arrives in ``config.attributes["connection"]``."""

from __future__ import annotations

from alembic import context

from asn_balance.apps.server.db.schema import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - the store always passes its connection
    raise RuntimeError("run the migrations through asn_balance.apps.server.db.Store.migrate")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
