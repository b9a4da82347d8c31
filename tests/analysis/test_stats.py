"""`salvo stats` against figures worked out by hand for a small data set.

The data set (below) has 11 incidents over 2019-2021, one of them a candidate,
one dated only to a month and one only to a year, and one with an unknown count.

Projectiles per year (reviewed only, an unknown count = 1):
  2019: uav 10, ballistic_missile 2            -> 12, drone share 10/12
  2020: rocket 10+5+8 = 23, uav 2+1 = 3        -> 26, drone share 3/26
  2021: uav 3+2+5 = 10, rocket 4+6 = 10        -> 20, drone share 1/2
Year to date, cut at 6 June (the latest incident, B3 on 2021-06-06):
  2019: D1 (10 June) is after the cut and D2 (year only) cannot be placed -> nothing
  2020: A1 and A2 only                         -> rocket 15, uav 2
  2021: all four, B4 (May, month precision) included -> 20
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from salvo.analysis import Filters, incident_ids, stats
from salvo.analysis.filters import FilterError
from salvo.analysis.stats import selected, ytd_cut
from salvo.cli import app
from salvo.importing import import_file
from tests.conftest import write_csv

HEADER = "incident_id,date,date_precision,country,actor,munition_type,count,status"
ROWS = [
    "D2,2019,year,YE,Ansar Allah,ballistic_missile,2,reviewed",
    "D1,2019-06-10,,SA,Houthis,uav,10,reviewed",
    "A1,2020-01-08,,IQ,Kataib Hezbollah,rocket,10,reviewed",
    "A2,2020-03-11,,IQ,KH,rocket,5,reviewed",
    "A2,2020-03-11,,IQ,KH,uav,2,reviewed",
    "A3,2020-07-01,,IQ,,uav,,reviewed",
    "A4,2020-12-20,,IQ,Kata'ib Hizballah,rocket,8,published",
    "B1,2021-02-15,,IQ,Kataib Hezbollah,uav,3,reviewed",
    "B2,2021-04-14,,IQ,Kataib Hezbollah,uav,2,reviewed",
    "B2,2021-04-14,,IQ,Kataib Hezbollah,rocket,4,reviewed",
    "B4,2021-05,month,IQ,,rocket,6,reviewed",
    "B3,2021-06-06,,SY,Asaib Ahl al-Haq,uav,5,reviewed",
    "C1,2021-03-01,,IQ,Kataib Hezbollah,uav,100,candidate",
]


@pytest.fixture
def worked(store, tmp_path):
    import_file(store, write_csv(tmp_path / "worked.csv", HEADER, *ROWS))
    return store


def by_key(result, *dims):
    return {tuple(row[d] for d in dims): row for row in result.rows}


def test_projectiles_per_year_by_munition(worked):
    result = stats(worked, by=["year", "munition"])
    counts = {key: row["count"] for key, row in by_key(result, "year", "munition").items()}
    assert counts == {
        (2019, "uav"): 10, (2019, "ballistic_missile"): 2,
        (2020, "rocket"): 23, (2020, "uav"): 3,
        (2021, "uav"): 10, (2021, "rocket"): 10,
    }
    assert result.unknown_count_incidents == 1 and result.unknown_count_lines == 1
    assert "1 of 10 incidents" in result.notes[0]


def test_drone_share_per_year(worked):
    result = stats(worked, by=["year"], share="munition")
    shares = {row["year"]: row["share"] for row in result.rows if row["munition"] == "uav"}
    assert shares == pytest.approx({2019: 10 / 12, 2020: 3 / 26, 2021: 0.5})


def test_year_to_date_cuts_every_year_at_the_same_day(worked):
    result = stats(worked, by=["year", "munition"], ytd=True)
    counts = {key: row["count"] for key, row in by_key(result, "year", "munition").items()}
    assert counts == {(2020, "rocket"): 15, (2020, "uav"): 2, (2021, "uav"): 10, (2021, "rocket"): 10}
    assert str(result.ytd_cut) == "2021-06-06"
    assert result.ytd_excluded == 1  # D2, known only to the year


def test_year_to_date_is_cut_at_until_when_there_is_one(worked):
    # To 31 March: 2020 keeps A2 (11 March), which a cut at the latest incident then (B1, 15 February) would drop.
    result = stats(worked, by=["year", "munition"], ytd=True, filters=Filters(until=dt.date(2021, 3, 31)))
    counts = {key: row["count"] for key, row in by_key(result, "year", "munition").items()}
    assert counts == {(2020, "rocket"): 15, (2020, "uav"): 2, (2021, "uav"): 3}
    assert (result.ytd_cut, result.ytd_basis) == (dt.date(2021, 3, 31), "until")
    assert "cut at 31 March (the end of the date range, 2021-03-31)" in result.notes[1]


def test_year_to_date_is_cut_at_the_latest_incident_or_today_if_that_is_earlier(worked):
    frame = selected(worked, Filters())
    assert ytd_cut(frame) == (dt.date(2021, 6, 6), "latest incident")
    assert ytd_cut(frame, today=dt.date(2021, 5, 1)) == (dt.date(2021, 5, 1), "today")


def test_an_unknown_count_below_zero_is_refused(worked):
    with pytest.raises(FilterError, match="0 or more"):
        stats(worked, unknown_count=-5)


def test_a_result_that_counts_nothing_says_why(worked):
    result = stats(worked, filters=Filters(year=[1990]))
    assert result.rows == [] and result.notes == [result.empty_reason]
    assert result.empty_reason == "No incident matches the filters; without them, 10 would be counted."


def test_incidents_unit_counts_each_incident_once_per_munition(worked):
    result = stats(worked, by=["munition"], unit="incidents")
    assert {r["munition"]: r["count"] for r in result.rows} == {"uav": 6, "rocket": 5, "ballistic_missile": 1}
    per_year = stats(worked, by=["year"], unit="incidents")
    assert {r["year"]: r["count"] for r in per_year.rows} == {2019: 2, 2020: 4, 2021: 4}


def test_candidates_are_left_out_unless_asked_for(worked):
    with_candidates = stats(worked, by=["year"], filters=Filters(include_candidates=True))
    assert {r["year"]: r["count"] for r in with_candidates.rows}[2021] == 120


def test_unknown_count_rule_can_be_changed(worked):
    result = stats(worked, by=["year"], unknown_count=0)
    assert {r["year"]: r["count"] for r in result.rows}[2020] == 25


def test_filters_by_affiliation_country_and_alias(worked):
    iran = stats(worked, by=["year"], filters=Filters(affiliation=["iran_linked"]))
    assert {r["year"]: r["count"] for r in iran.rows} == {2019: 12, 2020: 25, 2021: 14}
    iraq = stats(worked, by=["year"], filters=Filters(country=["Iraq"]))
    assert {r["year"]: r["count"] for r in iraq.rows} == {2020: 26, 2021: 15}
    kh = stats(worked, by=["actor"], filters=Filters(actor=["Kata'ib Hizballah"], year=[2021]))
    assert kh.rows == [{"actor": "kataib_hezbollah", "count": 9}]


def test_incidents_behind_a_figure(worked):
    ids = incident_ids(worked, Filters(year=[2020], munition=["uav"]))
    assert ids == ["A2", "A3"]


def test_stats_are_exact_after_an_edit(worked, tmp_path):
    before = stats(worked, by=["year"])
    import_file(worked, write_csv(tmp_path / "more.csv", HEADER, "E1,2021-01-02,,IQ,KH,rocket,7,reviewed"))
    after = stats(worked, by=["year"])
    assert {r["year"]: r["count"] for r in after.rows}[2021] == {r["year"]: r["count"] for r in before.rows}[2021] + 7


def test_cli_stats_json(sqlite_store, tmp_path):
    import_file(sqlite_store, write_csv(tmp_path / "worked.csv", HEADER, *ROWS))
    result = CliRunner().invoke(app, ["stats", "--db", sqlite_store.url, "--by", "year", "--share", "munition",
                                      "--ytd", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {"year": 2021, "munition": "uav", "count": 10, "share": 0.5} in rows
    assert {"year", "munition", "count", "share"} == set(rows[0])
