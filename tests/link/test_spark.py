"""The Spark engine (salvo.link.spark) links exactly as the in-process one: same pairs, same scores, same incidents.

These tests start a local Spark session (a few seconds); they skip, saying
why, where PySpark or Java is absent (`make test` installs the spark extra
where Java is present).
"""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from sqlalchemy import select
from typer.testing import CliRunner

from salvo.cli import app
from salvo.link import link, spark, synth
from salvo.link.frame import BASE_SCHEMA, prepare
from salvo.link.pipeline import run
from salvo.link.settings import load_settings
from salvo.model import LinkRun, Report
from salvo.storage import connect


@pytest.fixture(scope="module")
def session():
    missing = spark.available()
    if missing:
        pytest.skip(f"the Spark engine cannot run here: {missing}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SALVO_SPARK_PARTITIONS", "2")  # tiny data: fewer tasks, a faster test
        return spark.session()


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    """A prepared link frame of 600 synthetic events' reports (about 1,500 reports)."""
    reports, _ = synth.synth_frame(600, seed=2)
    base = reports.with_columns(report_id=pl.int_range(pl.len(), dtype=pl.Int64),
                                incident_id=pl.lit(None, pl.String))
    base = base.select(pl.col(name).cast(dtype) if name in base.columns else pl.lit(None, dtype).alias(name)
                       for name, dtype in BASE_SCHEMA.items())
    return prepare(base, load_settings())


def same_scores(first: pl.DataFrame, second: pl.DataFrame) -> None:
    """The same pairs, rules and comparison levels, and weights equal but for rounding in the last digits
    (the executors add the same terms in batches of another size)."""
    assert_frame_equal(first.sort("a", "b"), second.sort("a", "b"), check_exact=False, rel_tol=1e-12, abs_tol=1e-12)


def test_spark_scores_the_same_pairs_and_makes_the_same_groups(session, frame):
    settings = load_settings()
    here = run(frame, settings)
    there = run(frame, settings, engine="spark")
    assert there.pairs_scored == here.pairs_scored > 500
    same_scores(there.scored, here.scored)
    assert there.groups == here.groups
    assert len(set(here.groups.values())) < frame.height  # reports really were linked


def test_spark_scores_the_focus_of_an_incremental_run_as_in_process(session, frame):
    settings = load_settings()
    focus = pl.Series([3, 50, 300, 700, 1_200], dtype=pl.Int64)
    here = run(frame, settings, focus=focus)
    there = run(frame, settings, focus=focus, engine="spark")
    assert there.pairs_scored == here.pairs_scored > 0
    same_scores(there.scored, here.scored)
    assert there.groups == here.groups


def incidents_by_report(store) -> dict[tuple[str, str], str]:
    with store.session() as s:
        return {(d, k): i for d, k, i in s.execute(select(Report.dataset, Report.row_key, Report.incident_id))}


def test_a_store_linked_on_spark_gets_the_incidents_and_ids_of_one_linked_in_process(session, store, tmp_path):
    other = connect(f"sqlite:///{tmp_path / 'in-process.db'}")
    for target in (store, other):
        synth.write_synth(target, 150, seed=5)
    on_spark = link(store, engine="spark")
    in_process = link(other)
    assert (on_spark.incidents_added, on_spark.pairs_scored) == (in_process.incidents_added, in_process.pairs_scored)
    assert incidents_by_report(store) == incidents_by_report(other)
    with store.session() as s:
        assert s.scalars(select(LinkRun.engine)).all() == ["spark"]
    other.dispose()


def test_the_cli_says_why_the_spark_engine_cannot_run(monkeypatch, tmp_path):
    db = tmp_path / "salvo.db"
    connect(f"sqlite:///{db}").dispose()
    monkeypatch.setattr(spark, "available", lambda: "PySpark is not installed (pip install 'salvo-tracker[spark]')")
    result = CliRunner().invoke(app, ["link", "--db", str(db), "--engine", "spark"])
    assert result.exit_code != 0
    assert "--engine spark cannot run here: PySpark is not installed" in result.output
    assert "Traceback" not in result.output
