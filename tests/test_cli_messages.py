"""The command line explains itself: an empty answer says why, a bad option says what would do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from salvo.cli import app
from salvo.importing import import_file, import_reports
from tests.conftest import write_csv

FIXTURES = Path(__file__).parent / "fixtures"
HEADER = "incident_id,date,country,actor,munition_type,count,status"
runner = CliRunner()


def salvo(*args: str):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def one_incident(store, tmp_path):
    import_file(store, write_csv(tmp_path / "one.csv", HEADER, "a,2021-06-06,IQ,Kataib Hezbollah,uav,2,reviewed"))
    return store


def test_stats_on_reports_not_yet_linked_says_how_many_wait_and_to_run_link(store):
    waiting = import_reports(store, FIXTURES / "acled_sample.csv", "acled").added
    result = salvo("stats", "--db", store.url)
    assert result.exit_code == 0, result.output
    assert "No incidents yet" in result.output and "0 of 0 incidents" not in result.output
    assert f"{waiting:,} report(s) are not yet in incidents: run `salvo link`" in result.output


def test_stats_in_json_stays_json_and_says_why_on_stderr(store):
    import_reports(store, FIXTURES / "acled_sample.csv", "acled")
    result = salvo("stats", "--db", store.url, "--format", "json")
    assert json.loads(result.stdout) == []
    assert "run `salvo link`" in result.stderr


def test_stats_with_only_candidates_says_they_are_not_counted(store, tmp_path):
    import_file(store, write_csv(tmp_path / "c.csv", HEADER, "c,2021-03-01,IQ,,uav,4,candidate"))
    result = salvo("stats", "--db", store.url)
    assert "None of the 1 incident(s) is counted: 1 are candidates" in result.output
    assert "--include-candidates" in result.output


def test_stats_whose_filters_keep_nothing_says_the_filters_did(one_incident):
    result = salvo("stats", "--db", one_incident.url, "--year", "1990")
    assert "No incident matches the filters; without them, 1 would be counted." in result.output


def test_stats_on_an_empty_store_says_to_import(store):
    assert "The store is empty" in salvo("stats", "--db", store.url).output


def test_a_chart_with_nothing_to_draw_says_why_and_writes_nothing(store, tmp_path):
    import_reports(store, FIXTURES / "acled_sample.csv", "acled")
    result = salvo("chart", "per-year", "--db", store.url, "--out", tmp_path / "out")
    assert result.exit_code == 1 and "nothing to draw" in result.output and "`salvo link`" in result.output
    assert not (tmp_path / "out").exists()


def test_an_unknown_actor_is_an_error_naming_the_nearest_known_actors(one_incident):
    result = salvo("stats", "--db", one_incident.url, "--actor", "Kataib Hezbolah")
    assert result.exit_code == 1
    assert "'Kataib Hezbolah' is not a known actor" in result.output and "kataib_hezbollah" in result.output
    assert "is not a known actor; the nearest known actors:" in salvo(
        "stats", "--db", one_incident.url, "--actor", "Klingon Empire").output


def test_since_after_until_is_an_error(one_incident):
    result = salvo("stats", "--db", one_incident.url, "--since", "2022-01-01", "--until", "2021-01-01")
    assert result.exit_code == 1 and "since 2022-01-01 is after until 2021-01-01" in result.output


def test_a_negative_unknown_count_is_an_error(one_incident):
    result = salvo("stats", "--db", one_incident.url, "--unknown-count", "-5")
    assert result.exit_code == 1 and "0 or more" in result.output


@pytest.mark.parametrize("command", [["stats"], ["chart", "per-year"]])
def test_an_unknown_unit_is_an_error_listing_the_units(one_incident, command, tmp_path):
    result = salvo(*command, "--db", one_incident.url, "--unit", "bananas", *(
        ["--out", tmp_path] if command[0] == "chart" else []))
    assert result.exit_code == 2 and "'bananas' is not one of projectiles, incidents" in result.output
    assert "Traceback" not in result.output


def test_a_bad_affiliation_reads_an_affiliation(one_incident):
    result = salvo("stats", "--db", one_incident.url, "--affiliation", "klingon")
    assert "'klingon' is not an affiliation; expected one of iran_linked" in result.output


def test_year_to_date_is_cut_at_until_and_says_so(one_incident, tmp_path):
    import_file(one_incident, write_csv(tmp_path / "two.csv", HEADER, "b,2020-09-01,IQ,,rocket,3,reviewed"))
    result = salvo("stats", "--db", one_incident.url, "--ytd", "--until", "2021-11-10", "--format", "json")
    assert json.loads(result.stdout) == [{"year": 2020, "count": 3}, {"year": 2021, "count": 2}]
    table = salvo("stats", "--db", one_incident.url, "--ytd", "--until", "2021-11-10").output
    assert "every year cut at 10 November (the end of the date range, 2021-11-10)" in table


@pytest.mark.parametrize("command", [["stats"], ["sources"], ["chart", "per-year"], ["link"], ["review"],
                                     ["review", "accept", "1"], ["review", "undo", "1"]])
def test_commands_that_read_a_store_do_not_create_one(tmp_path, command):
    missing = tmp_path / "typo.db"
    result = salvo(*command, "--db", missing)
    assert result.exit_code == 1, result.output
    assert f"no database at {missing}" in result.output and "salvo init --db" in result.output
    assert not missing.exists()


def test_a_csv_not_in_salvos_format_names_the_formats_salvo_reads(store, tmp_path):
    other = write_csv(tmp_path / "sheet.csv", "when,where,what", "2021-01-01,Erbil,drone")
    result = salvo("import", other, "--db", store.url)
    assert result.exit_code == 1 and "missing required column(s)" in result.output
    assert "acled" in result.output and "--format mapped" in result.output


def test_a_refused_import_prints_its_first_errors_and_how_many_more(tmp_path):
    from salvo.cli import SHOWN_ERRORS
    from salvo.readers.salvo_format import COLUMNS

    source = tmp_path / "incidents.csv"
    rows = [",".join({"incident_id": f"bad-{n}", "date": "not a date", "country": "IQ", "munition_type": "uav",
                      "count": "1"}.get(c, "") for c in COLUMNS) for n in range(SHOWN_ERRORS + 15)]
    source.write_text("\n".join([",".join(COLUMNS), *rows]) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["import", str(source), "--db", str(tmp_path / "salvo.db")])
    assert result.exit_code == 1
    listed = [line for line in result.output.splitlines() if "not a date" in line]
    assert len(listed) == SHOWN_ERRORS
    assert "... and 15 more" in result.output
