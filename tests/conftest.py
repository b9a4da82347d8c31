"""Shared fixtures: a fresh store on each backend, and the shared real data folder."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from salvo.storage import connect

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
POSTGRES_URL = os.environ.get("SALVO_TEST_POSTGRES_URL")


def shared(folder: str) -> Path:
    """A folder of ../shared/data, or skip the test naming it when it is absent."""
    path = SHARED_DATA / folder
    if not path.exists():
        pytest.skip(f"real data folder {path} is absent (it ships beside the repo, not in it)")
    return path


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("SALVO_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


def _postgres_store():
    schema = f"salvo_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    store = connect(f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}")
    return store, lambda: _drop_schema(admin, schema)


def _drop_schema(admin, schema):
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    """A new, empty store on SQLite (a file) and, when SALVO_TEST_POSTGRES_URL is set, on PostgreSQL."""
    if request.param == "sqlite":
        store = connect(f"sqlite:///{tmp_path / 'salvo.db'}")
        yield store
        store.dispose()
        return
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need SALVO_TEST_POSTGRES_URL (see README)")
    store, cleanup = _postgres_store()
    yield store
    store.dispose()
    cleanup()


@pytest.fixture
def sqlite_store(tmp_path):
    """A new SQLite store, for tests about behaviour that does not depend on the backend."""
    store = connect(f"sqlite:///{tmp_path / 'salvo.db'}")
    yield store
    store.dispose()


def write_csv(path: Path, header: str, *rows: str) -> Path:
    """Write a small interchange CSV for a test."""
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path
