"""The store's signing keys: one random key per name, in the database, so every worker process signs and checks
tokens alike (D38), and a reset (which deletes them with the mailboxes) voids every earlier token."""
from __future__ import annotations

import secrets

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from .schema import store_secrets
from .unit_of_work import Readable, connection_of

KEY_BYTES = 32


def secret(conn: Readable, name: str) -> bytes:
    """The key called ``name``, made on first use. Two processes making it at once: the second INSERT loses on
    the primary key, and both then read the winner's key."""
    c = connection_of(conn)
    query = select(store_secrets.c.value).where(store_secrets.c.name == name)
    value = c.execute(query).scalar_one_or_none()
    if value is not None:
        return bytes(value)
    try:
        with c.begin_nested():
            c.execute(insert(store_secrets).values(name=name, value=secrets.token_bytes(KEY_BYTES)))
    except IntegrityError:
        pass
    return bytes(c.execute(query).scalar_one())
