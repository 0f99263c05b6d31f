"""Alembic's environment script, used only by ``alembic`` commands (``revision --autogenerate``).

Start-up migrations do not come here: :func:`ewsemu.store.migrations.upgrade` drives them directly.
The connection is passed in ``config.attributes["connection"]`` (see ``__main__.py``).
"""
from alembic import context

from ewsemu.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
