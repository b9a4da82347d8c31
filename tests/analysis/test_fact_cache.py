"""Figures that cannot go stale: a kept fact table is used only while the store provably holds
what it was read from, whatever changed it.

Each route a change can take (Salvo itself, a codebook sync, plain SQL from another program, a
database restored from a backup) is tried on SQLite and PostgreSQL, against the copy this process
keeps in memory and against the Parquet copy the next process would find.
"""

from __future__ import annotations

import importlib
import inspect
import os
import re
import shutil
import sqlite3
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from sqlalchemy import create_engine

from salvo import codebook
from salvo.analysis import stats
from salvo.analysis.fact_cache import STAMP_KEY, FactCache
from salvo.analysis.facts import cache_dir, default_cache, facts
from salvo.codebook import Actors
from salvo.importing import import_file
from salvo.storage import connect, schema
from tests.conftest import write_csv

HEADER = "incident_id,date,country,actor,munition_type,count,status"
BASE = [
    "A1,2021-01-08,IQ,Kataib Hezbollah,rocket,10,reviewed",
    "A2,2021-03-11,IQ,Kataib Hezbollah,uav,2,reviewed",
    "B1,2021-05-02,YE,Ansar Allah,uav,4,reviewed",
    "C1,2021-06-20,SY,Islamic State,rocket,3,reviewed",
]
BASE_FIGURES = {"iran_linked": 16, "salafi_jihadist": 3}


@pytest.fixture
def counted(store, tmp_path):
    """The store (SQLite, PostgreSQL) holding BASE."""
    import_file(store, write_csv(tmp_path / "base.csv", HEADER, *BASE))
    return store


@pytest.fixture
def counted_file(sqlite_store, tmp_path):
    """A SQLite file holding BASE."""
    import_file(sqlite_store, write_csv(tmp_path / "base.csv", HEADER, *BASE))
    return sqlite_store


def projectiles_by_affiliation(store, cache=None) -> dict:
    """What `salvo stats --by affiliation` counts, from the fact table `cache` gives."""
    frame = facts(store, cache)
    totals = frame.group_by(pl.col("affiliation").cast(pl.String)).agg(pl.col("count").sum())
    return dict(totals.iter_rows())


def this_process() -> FactCache:
    """The cache this process keeps: warm, in memory."""
    return default_cache()


def another_process() -> FactCache:
    """What a new process starts from: nothing in memory, the Parquet copies in the shared folder."""
    return FactCache(cache_dir())


def warm(store) -> None:
    """Read the figures once, so that this process keeps them in memory and on disk."""
    assert projectiles_by_affiliation(store, this_process()) == BASE_FIGURES


def plain_sql(store, statement: str) -> None:
    """Run `statement` as another program would: its own connection, no Salvo session or settings."""
    engine = create_engine(store.engine.url)
    with engine.begin() as conn:
        conn.exec_driver_sql(statement)
    engine.dispose()


def sync_codebook_with(store, monkeypatch, **affiliations) -> None:
    """Open the store under a codebook in which these actors have other affiliations (an upgrade of Salvo)."""
    changed = Actors([replace(a, affiliation=affiliations.get(a.id, a.affiliation)) for a in codebook.actors()])
    monkeypatch.setattr(codebook, "actors", lambda: changed)
    monkeypatch.setattr(schema, "reference_digest", lambda: "a-new-codebook")
    schema.ensure(store)


def must_not_read_the_store():
    raise AssertionError("the store was read: the kept copy was not used")


# When nothing changed, the kept copies are used.

def test_an_unchanged_store_is_answered_from_the_kept_copies(counted, monkeypatch):
    first = facts(counted)
    assert facts(counted) is first
    monkeypatch.setattr(counted, "snapshot", must_not_read_the_store)
    assert_frame_equal(facts(counted, another_process()), first)


# Whatever changed the store, the figures follow.

def test_an_import_reaches_the_figures(counted, tmp_path):
    warm(counted)
    import_file(counted, write_csv(tmp_path / "more.csv", HEADER, "A3,2021-07-01,IQ,Kataib Hezbollah,rocket,5,reviewed"))
    assert projectiles_by_affiliation(counted, another_process()) == {"iran_linked": 21, "salafi_jihadist": 3}
    assert projectiles_by_affiliation(counted, this_process()) == {"iran_linked": 21, "salafi_jihadist": 3}


def test_a_codebook_sync_that_changes_an_affiliation_reaches_the_figures(counted, monkeypatch):
    warm(counted)
    sync_codebook_with(counted, monkeypatch, kataib_hezbollah="other")
    changed = {"iran_linked": 4, "other": 12, "salafi_jihadist": 3}
    assert projectiles_by_affiliation(counted, another_process()) == changed
    assert projectiles_by_affiliation(counted, this_process()) == changed
    assert {row["affiliation"]: row["count"] for row in stats(counted, by=["affiliation"]).rows} == changed


def test_a_change_in_plain_sql_reaches_the_figures(counted):
    warm(counted)
    plain_sql(counted, "UPDATE munition_lines SET count = 20 WHERE incident_id = 'C1'")
    assert projectiles_by_affiliation(counted, another_process()) == {"iran_linked": 16, "salafi_jihadist": 20}
    assert projectiles_by_affiliation(counted, this_process()) == {"iran_linked": 16, "salafi_jihadist": 20}


def test_a_restored_backup_given_another_import_is_not_taken_for_the_discarded_state(counted, tmp_path):
    backup = back_up(counted, tmp_path / "backup")
    import_file(counted, write_csv(tmp_path / "x.csv", HEADER, "X1,2021-08-01,IQ,Kataib Hezbollah,rocket,7,reviewed"))
    assert projectiles_by_affiliation(counted, this_process()) == {"iran_linked": 23, "salafi_jihadist": 3}
    discarded_revision = counted.revision()
    restore(counted, backup)
    import_file(counted, write_csv(tmp_path / "y.csv", HEADER, "Y1,2021-08-01,SY,Islamic State,uav,7,reviewed"))
    assert counted.revision() == discarded_revision  # same id, same revision, other data
    assert projectiles_by_affiliation(counted, another_process()) == {"iran_linked": 16, "salafi_jihadist": 10}
    assert projectiles_by_affiliation(counted, this_process()) == {"iran_linked": 16, "salafi_jihadist": 10}


def test_a_write_to_any_table_the_fact_table_reads_changes_the_token(counted):
    # A table added to the fact table needs a change here and, on PostgreSQL, the trigger of migration 0004.
    change = {"incidents": "UPDATE incidents SET country = 'JO' WHERE id = 'A1'",
              "munition_lines": "UPDATE munition_lines SET count = count + 1",
              "actors": "UPDATE actors SET affiliation = 'other' WHERE id = 'islamic_state'"}
    source = inspect.getsource(importlib.import_module("salvo.analysis.facts"))
    for table in sorted(set(re.findall(r"\bFROM (\w+)", source))):
        before = counted.state_token()
        plain_sql(counted, change[table])
        assert counted.state_token() != before, table


def back_up(store, folder):
    """A backup of the whole database: a copy of the SQLite file, or pg_dump of the store's schema."""
    folder.mkdir()
    if store.is_sqlite:
        store.dispose()  # closing the last connection moves the write-ahead log into the file
        shutil.copy2(store.engine.url.database, folder / "salvo.db")
        return folder / "salvo.db"
    dump = folder / "salvo.dump"
    subprocess.run([_postgres_tool("pg_dump"), f"--dbname={_libpq_url(store)}", f"--schema={_schema(store)}",
                    "--format=custom", f"--file={dump}"], check=True)
    return dump


def restore(store, backup):
    """Put the backup back in place: over the SQLite file, keeping its times (as `cp -p` does), or with pg_restore."""
    if store.is_sqlite:
        store.dispose()
        shutil.copy2(backup, store.engine.url.database)
        return
    schema_name = _schema(store)
    with store.engine.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA "{schema_name}" CASCADE')
    store.dispose()
    subprocess.run([_postgres_tool("pg_restore"), f"--dbname={_libpq_url(store)}", str(backup)], check=True)


def _postgres_tool(name: str) -> str:
    tool = shutil.which(name)
    if tool is None:
        pytest.skip(f"{name} is needed to back up and restore a PostgreSQL database")
    return tool


def _libpq_url(store) -> str:
    return store.engine.url.set(drivername="postgresql", query={}).render_as_string(hide_password=False)


def _schema(store) -> str:
    with store.engine.connect() as conn:
        return conn.exec_driver_sql("SELECT current_schema()").scalar()


# On PostgreSQL the token is renewed on commit, so writers do not queue behind each other for it.

def test_writers_do_not_wait_on_each_other_for_the_token(counted):
    if counted.is_sqlite:
        pytest.skip("SQLite lets one writer in at a time anyway")
    before = counted.state_token()
    with counted.engine.connect() as first, counted.engine.connect() as second:
        for conn, incident in ((first, "A1"), (second, "B1")):
            conn.exec_driver_sql("SET LOCAL lock_timeout = '2s'")
            conn.exec_driver_sql(f"UPDATE incidents SET country = country WHERE id = '{incident}'")
        first.commit()
        second.commit()
    assert counted.state_token() != before


# SQLite files: the token is the files' metadata.

def test_opening_and_reading_a_sqlite_file_leaves_its_token_alone(counted_file):
    url, path = counted_file.url, counted_file.engine.url.database
    counted_file.dispose()
    token = counted_file.state_token()
    reopened = connect(url, migrate=False)
    stats(reopened, by=["year"])
    reopened.dispose()
    reader = sqlite3.connect(path)
    reader.execute("SELECT count(*) FROM incidents").fetchone()
    assert counted_file.state_token() == token  # open, with the empty write-ahead log that opening creates
    reader.close()
    assert counted_file.state_token() == token


def test_a_write_that_leaves_the_write_ahead_log_the_same_size_is_seen(counted_file):
    writer = sqlite3.connect(counted_file.engine.url.database)  # kept open, so the log is kept between its writes
    writer.execute("UPDATE munition_lines SET count = 1 WHERE incident_id = 'C1'")
    writer.commit()
    writer.execute("PRAGMA wal_checkpoint(PASSIVE)")  # the log is copied into the file; the next write starts it over
    assert projectiles_by_affiliation(counted_file, this_process()) == {"iran_linked": 16, "salafi_jihadist": 1}
    log = f"{counted_file.engine.url.database}-wal"
    size = os.path.getsize(log)
    writer.execute("UPDATE munition_lines SET count = 2 WHERE incident_id = 'C1'")
    writer.commit()
    assert os.path.getsize(log) == size
    assert projectiles_by_affiliation(counted_file, another_process()) == {"iran_linked": 16, "salafi_jihadist": 2}
    assert projectiles_by_affiliation(counted_file, this_process()) == {"iran_linked": 16, "salafi_jihadist": 2}
    writer.close()


def test_a_file_whose_times_are_whole_seconds_is_not_trusted_in_the_second_it_changed(counted_file):
    # A file system that keeps whole seconds (ext3, FAT) would stamp a next write in the same second alike.
    path = counted_file.engine.url.database
    counted_file.dispose()
    this_second = time.time_ns() // 10**9 * 10**9
    os.utime(path, ns=(this_second, this_second))
    assert projectiles_by_affiliation(counted_file, this_process()) == BASE_FIGURES
    assert not list(cache_dir().glob("facts-*.parquet"))


def test_figures_read_while_a_write_is_under_way_are_right_and_not_kept(counted_file):
    writer = sqlite3.connect(counted_file.engine.url.database, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE munition_lines SET count = 50 WHERE incident_id = 'C1'")
    assert projectiles_by_affiliation(counted_file, this_process()) == BASE_FIGURES
    assert not list(cache_dir().glob("facts-*.parquet"))
    writer.execute("COMMIT")
    assert projectiles_by_affiliation(counted_file, this_process()) == {"iran_linked": 16, "salafi_jihadist": 50}
    writer.close()


# An in-memory SQLite database: one connection, no file.

def test_an_in_memory_store_sees_every_change_and_keeps_nothing_on_disk(tmp_path):
    store = connect("sqlite://")
    import_file(store, write_csv(tmp_path / "base.csv", HEADER, *BASE))
    first = facts(store)
    assert facts(store) is first
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE munition_lines SET count = 20 WHERE incident_id = 'C1'")
    assert projectiles_by_affiliation(store) == {"iran_linked": 16, "salafi_jihadist": 20}
    with store.engine.begin() as conn:  # a change of schema alone, no row changed
        conn.exec_driver_sql("ALTER TABLE actors RENAME COLUMN affiliation TO former_affiliation")
        conn.exec_driver_sql("ALTER TABLE actors ADD COLUMN affiliation VARCHAR(32)")
    assert projectiles_by_affiliation(store) == {None: 36}
    assert not cache_dir().exists() or not list(cache_dir().iterdir())


def test_two_in_memory_stores_are_not_taken_for_each_other(tmp_path):
    one, other = connect("sqlite://"), connect("sqlite://")
    import_file(one, write_csv(tmp_path / "base.csv", HEADER, *BASE))
    assert projectiles_by_affiliation(one) == BASE_FIGURES
    assert projectiles_by_affiliation(other) == {}


# The cache itself: bounded, and safe for processes sharing its folder.

def numbers(n: int) -> pl.DataFrame:
    return pl.DataFrame({"n": list(range(n))})


def test_the_cache_keeps_the_most_recently_used_tables_up_to_a_number():
    cache = FactCache(max_entries=2)
    a, b, c = numbers(1), numbers(2), numbers(3)
    cache.put("a", "1", a)
    cache.put("b", "1", b)
    assert cache.get("a", "1") is a  # a is now the more recently used
    cache.put("c", "1", c)
    assert cache.get("b", "1") is None
    assert cache.get("a", "1") is a and cache.get("c", "1") is c


def test_the_cache_keeps_tables_up_to_a_number_of_bytes():
    a, b = numbers(1000), numbers(1000)
    cache = FactCache(max_bytes=a.estimated_size() + b.estimated_size())
    cache.put("a", "1", a)
    cache.put("b", "1", b)
    cache.put("c", "1", numbers(10))
    assert cache.get("a", "1") is None and cache.get("b", "1") is b
    cache.put("huge", "1", numbers(10_000))
    assert cache.get("huge", "1") is None and cache.get("b", "1") is b


def test_a_kept_table_is_used_only_under_its_own_stamp(tmp_path):
    cache = FactCache(tmp_path)
    cache.put("k", "state 1", numbers(3))
    assert cache.get("k", "state 2") is None
    assert FactCache(tmp_path).get("k", "state 2") is None
    assert_frame_equal(FactCache(tmp_path).get("k", "state 1"), numbers(3))


def test_the_stamp_is_inside_the_parquet_copy(tmp_path):
    cache = FactCache(tmp_path)
    cache.put("k", "state 1", numbers(3))
    assert list(tmp_path.iterdir()) == [cache.path("k")]
    assert pl.read_parquet_metadata(cache.path("k"))[STAMP_KEY] == "state 1"


def test_writers_at_the_same_time_leave_one_whole_copy_whose_stamp_matches_its_data(tmp_path):
    tables = {f"state {i}": numbers(50_000 + i) for i in range(8)}
    mismatches = []

    def write(stamp):
        for _ in range(5):
            FactCache(tmp_path).put("k", stamp, tables[stamp])

    def read():
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            for stamp, table in tables.items():
                found = FactCache(tmp_path).get("k", stamp)
                if found is not None and found.height != table.height:
                    mismatches.append(stamp)

    with ThreadPoolExecutor(max_workers=10) as pool:
        readers = [pool.submit(read) for _ in range(2)]
        for done in [pool.submit(write, stamp) for stamp in tables] + readers:
            done.result()
    assert mismatches == []
    stamp = pl.read_parquet_metadata(FactCache(tmp_path).path("k"))[STAMP_KEY]
    assert_frame_equal(FactCache(tmp_path).get("k", stamp), tables[stamp])
    assert [p.name for p in tmp_path.iterdir()] == [FactCache(tmp_path).path("k").name]


def test_the_folder_keeps_the_newest_copies_and_no_abandoned_temporary_file(tmp_path):
    abandoned = tmp_path / ".facts-0123456789abcdef.parquet.x1y2z3.tmp"
    abandoned.write_bytes(b"half a file")
    os.utime(abandoned, (time.time() - 7200, time.time() - 7200))
    cache = FactCache(tmp_path, max_files=2)
    for key in ("a", "b", "c"):
        cache.put(key, "1", numbers(3))
        time.sleep(0.01)
    assert sorted(tmp_path.iterdir()) == sorted([cache.path("b"), cache.path("c")])
