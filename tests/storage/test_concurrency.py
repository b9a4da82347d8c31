"""One store, several processes: reads never wait for a write, and a second writer waits its turn.

Imports and `salvo stats` run in processes of their own against the test's
store, the way analysts run them side by side; the last tests check that a
big import leaves no big write-ahead log behind.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select

from salvo.importing import import_file
from salvo.model import Incident
from salvo.storage import connect
from salvo.storage.store import WAITING, prepare_bulk_write
from tests.conftest import write_csv

REPO = Path(__file__).resolve().parents[2]
HEADER = "incident_id,date,country,location,munition_type,count,source_url"


def salvo(*args) -> list[str]:
    """The command line of a `salvo` process."""
    return [sys.executable, "-m", "salvo.cli", *map(str, args)]


def generated(path: Path, incidents: int, seed: int = 7) -> Path:
    """A Salvo CSV of `incidents` made-up incidents, from the benchmarks' generator (bench/generate.py)."""
    spec = importlib.util.spec_from_file_location("bench_generate", REPO / "bench" / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    generate.generate(path, incidents, seed)
    return path


PAUSED_IMPORT = """
import sys, time
from pathlib import Path
from salvo.importing import import_file
from salvo.storage import connect

database, source, paused, resume = sys.argv[1:]

def pause_late(rows, done, size):
    # Three quarters in, its pages overflow the cache: wait there, mid-transaction, for the test's go-ahead.
    if rows >= 30_000 and not Path(paused).exists():
        Path(paused).touch()
        while not Path(resume).exists():
            time.sleep(0.05)

import_file(connect(database), source, progress=pause_late)
"""
"""An import (its progress callback pausing it while its transaction is open) run as `python -c SCRIPT database
file paused resume`: it creates the file `paused` and waits there until the file `resume` exists."""


def wait_for_file(path: Path, process: subprocess.Popen, timeout: float = 300) -> None:
    """Wait until the file `path` exists, which `process` creates."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.poll() is None, f"the process ended first: {process.communicate()}"
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def writing(database: Path) -> bool:
    """Whether a writer holds the SQLite file's write lock (asked without waiting, let go at once)."""
    probe = sqlite3.connect(database, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        probe.close()


def url_of(store) -> str:
    """The store's URL with its password, for another process to open it."""
    return store.engine.url.render_as_string(hide_password=False)


@contextmanager
def bulk_write_under_way(store):
    """Hold the store's write lock, as an import does, until the block ends."""
    with store.session() as session:
        prepare_bulk_write(session)
        yield


def wait_for_text(path: Path, text: str, timeout: float = 60) -> None:
    """Wait until the file `path` holds `text`."""
    deadline = time.monotonic() + timeout
    while text not in path.read_text(encoding="utf-8"):
        assert time.monotonic() < deadline, f"{text!r} never appeared in {path}: {path.read_text()!r}"
        time.sleep(0.05)


def count_incidents(store) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(Incident))


def test_stats_runs_while_an_import_writes_and_sees_the_store_as_it_was(sqlite_store, tmp_path):
    database = Path(sqlite_store.engine.url.database)
    import_file(sqlite_store, write_csv(tmp_path / "first.csv", HEADER,
                                        "a,2021-06-06,IQ,Ain al-Asad,uav,2,https://example.org/a",
                                        "b,2021-07-07,IQ,Erbil,rocket,14,https://example.org/b"))
    sqlite_store.dispose()  # only the processes below have the file open
    before = subprocess.run(salvo("stats", "--db", database, "--format", "json"), capture_output=True, text=True)
    assert before.returncode == 0, before.stderr
    big = generated(tmp_path / "big.csv", 30_000)
    paused, resume = tmp_path / "paused", tmp_path / "resume"

    importer = subprocess.Popen([sys.executable, "-c", PAUSED_IMPORT, database, big, paused, resume],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for_file(paused, importer)
    assert writing(database)
    never_wait = {**os.environ, "SALVO_BUSY_TIMEOUT": "0"}  # a reader that had to wait for a lock would fail
    during = [subprocess.run(salvo("stats", "--db", database, "--format", "json"), capture_output=True, text=True,
                             env=never_wait) for _ in range(2)]
    assert writing(database)
    resume.touch()
    out, err = importer.communicate(timeout=300)

    assert importer.returncode == 0, err
    assert [run.returncode for run in during] == [0, 0], [run.stderr for run in during]
    assert all(json.loads(run.stdout) == json.loads(before.stdout) for run in during)  # not half an import
    assert count_incidents(sqlite_store) == 30_002


def test_a_second_writer_waits_for_the_first_and_then_writes(store, tmp_path):
    source = write_csv(tmp_path / "later.csv", HEADER, "c,2022-01-01,IQ,Erbil,uav,1,https://example.org/c")
    errors = tmp_path / "stderr.txt"
    with bulk_write_under_way(store), errors.open("w") as stderr:
        second = subprocess.Popen(salvo("import", source, "--db", url_of(store)), stdout=subprocess.DEVNULL,
                                  stderr=stderr)
        wait_for_text(errors, WAITING)
        assert second.poll() is None
    assert second.wait(timeout=120) == 0, errors.read_text()
    assert count_incidents(store) == 1


def test_a_second_writer_gives_up_after_the_busy_timeout_and_says_so(store, tmp_path):
    source = write_csv(tmp_path / "later.csv", HEADER, "c,2022-01-01,IQ,Erbil,uav,1,https://example.org/c")
    with bulk_write_under_way(store):
        second = subprocess.run(salvo("import", source, "--db", url_of(store)), capture_output=True, text=True,
                                env={**os.environ, "SALVO_BUSY_TIMEOUT": "0.5"}, timeout=120)
    assert second.returncode != 0
    assert WAITING in second.stderr
    assert "gave up after 0.5 s waiting for the database lock held by another writer" in second.stderr
    assert count_incidents(store) == 0


def test_a_big_import_leaves_its_pages_in_the_database_and_an_empty_log(sqlite_store, tmp_path):
    database = Path(sqlite_store.engine.url.database)
    log = Path(f"{database}-wal")
    reader = sqlite3.connect(database)  # open throughout, so that no last close removes the log
    reader.execute("SELECT count(*) FROM incidents").fetchone()

    import_file(sqlite_store, generated(tmp_path / "big.csv", 5_000))
    assert database.stat().st_size > 5_000_000 and log.stat().st_size == 0

    reader.execute("BEGIN")
    assert reader.execute("SELECT count(*) FROM incidents").fetchone() == (5_000,)
    import_file(sqlite_store, write_csv(tmp_path / "one.csv", HEADER, "c,2022-01-01,IQ,Erbil,uav,1,"))
    assert log.stat().st_size > 0  # the reader still reads the state before: the log cannot be emptied yet
    reader.rollback()
    import_file(sqlite_store, write_csv(tmp_path / "two.csv", HEADER, "d,2022-01-02,IQ,Erbil,uav,1,"))
    assert log.stat().st_size == 0
    reader.close()


def test_a_busy_timeout_that_is_not_a_number_of_seconds_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("SALVO_BUSY_TIMEOUT", "a minute")
    with pytest.raises(ConnectionError, match="SALVO_BUSY_TIMEOUT='a minute' is not a number of seconds"):
        connect(f"sqlite:///{tmp_path / 'salvo.db'}")
