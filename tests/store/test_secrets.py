"""The store's signing keys (D38): one per name, shared by every Store on the database, new after a reset."""
from __future__ import annotations

from ewsemu.store.repository import Store


def test_a_key_is_made_once_and_shared_by_every_store_on_the_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    first, second = Store(url), Store(url)
    first.create_schema()
    try:
        key = first.secret("sync")
        assert len(key) == 32
        assert second.secret("sync") == key
        assert first.secret("watermark") != key
    finally:
        first.dispose(), second.dispose()


def test_a_reset_makes_new_keys_for_every_process(tmp_path):
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    first, second = Store(url), Store(url)
    first.create_schema()
    try:
        before = second.secret("sync")
        first.reset()
        after = first.secret("sync")
        assert after != before
        second.observe_generation(1)  # what a request of the other process reads after the reset
        assert second.secret("sync") == after
    finally:
        first.dispose(), second.dispose()
