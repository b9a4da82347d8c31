"""Salvo's store: one schema over SQLite (embedded default) or PostgreSQL.

>>> from salvo.storage import connect
>>> store = connect("sqlite:///:memory:")
>>> store.revision()
0
"""

from __future__ import annotations

from salvo.storage.store import Store, connect, database_url

__all__ = ["Store", "connect", "database_url"]
