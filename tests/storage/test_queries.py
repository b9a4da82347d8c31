"""Keyset pages of incidents and reports (salvo.storage.queries), on SQLite and PostgreSQL.

The data set below has a bit of everything a filter can trip on: a candidate,
incidents dated only to a month or a year, one undated, one whose line is of
unknown type, an actor known only by a name outside the codebook; then one
incident loses its munition line, one is merged into another, one is put out
of scope and one has conflicting reports. The selection made in SQL must be the
one the statistics make from their fact table, for every filter.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, update

from salvo.analysis import Filters, incident_ids
from salvo.exports import iter_incidents as export_order
from salvo.importing import import_file
from salvo.model import Incident, MunitionLine, Report
from salvo.storage import queries
from salvo.storage.incidents import load_incident
from tests.conftest import write_csv

HEADER = "incident_id,date,date_precision,country,location,actor,munition_type,count,intercepted,status,source_url"
ROWS = [
    "D2,2019,year,YE,,Ansar Allah,ballistic_missile,2,,reviewed,https://example.org/d2",
    "D1,2019-06-10,,SA,,Houthis,uav,10,4,reviewed,https://example.org/d1 https://example.org/d1b",
    "A1,2020-01-08,,IQ,Erbil,Kataib Hezbollah,rocket,10,,reviewed,",
    "A2,2020-03-11,,IQ,,KH,rocket,5,,reviewed,",
    "A2,2020-03-11,,IQ,,KH,uav,2,,reviewed,",
    "A3,2020-07-01,,IQ,,,uav,,,reviewed,",
    "A4,2020-12-20,,IQ,,Kata'ib Hizballah,rocket,8,,published,",
    "B1,2021-02-15,,IQ,,Kataib Hezbollah,uav,3,,reviewed,",
    "B2,2021-04-14,,IQ,,Kataib Hezbollah,uav,2,,reviewed,",
    "B2,2021-04-14,,IQ,,Kataib Hezbollah,rocket,4,,reviewed,",
    "B4,2021-05,month,IQ,,,rocket,6,,reviewed,",
    "B3,2021-06-06,,SY,,Asaib Ahl al-Haq,uav,5,,reviewed,",
    "B5,2021-06-06,,SY,,Asaib Ahl al-Haq,unknown,,,reviewed,",
    "C1,2021-03-01,,IQ,,Kataib Hezbollah,uav,100,,candidate,",
    "E1,2021-01-20,,IQ,,Some Local Group,,,,reviewed,",
    "U1,,,IQ,,,mortar,3,,reviewed,",
    "M1,2021-02-16,,IQ,,Kataib Hezbollah,uav,1,,reviewed,",
    "O1,2021-02-17,,IQ,,Kataib Hezbollah,uav,1,,reviewed,",
]


@pytest.fixture
def filled(store, tmp_path):
    import_file(store, write_csv(tmp_path / "incidents.csv", HEADER, *ROWS))
    with store.session() as session:
        session.execute(update(Incident).where(Incident.id == "M1").values(merged_into="B1"))
        session.execute(update(Incident).where(Incident.id == "O1").values(in_scope=False))
        session.execute(update(Incident).where(Incident.id == "A2").values(
            conflicts=[{"field": "count", "reason": "sources differ"}]))
        session.execute(delete(MunitionLine).where(MunitionLine.incident_id == "E1"))
    return store


FILTERS = [
    Filters(),
    Filters(include_candidates=True),
    Filters(country=["IQ"]),
    Filters(country=["Iraq", "Syria"], munition=["uav"]),
    Filters(munition=["unknown"]),
    Filters(munition=["rocket", "unknown"], year=[2020, 2021]),
    Filters(actor=["Houthis"]),
    Filters(affiliation=["iran_linked"]),
    Filters(year=[2019]),
    Filters(quarter=["2021-Q2"]),
    Filters(month=["2021-05"], include_candidates=True),
    Filters(since=dt.date(2020, 3, 11), until=dt.date(2021, 4, 14)),
    Filters(target_category=["us_military"]),
]


def ids(records) -> list[str]:
    return [record.id for record in records]


@pytest.mark.parametrize("filters", FILTERS, ids=repr)
def test_sql_selects_what_the_statistics_count(filled, filters):
    filters = filters.normalised()
    assert ids(queries.iter_incidents(filled, filters, order="date")) == incident_ids(filled, filters)
    assert queries.count(filled, filters) == len(incident_ids(filled, filters))


@pytest.mark.parametrize("filters", [Filters(), Filters(country=["IQ"]), Filters(until=dt.date(2021, 3, 1))], ids=repr)
def test_year_to_date_matches_the_statistics(filled, filters):
    filters = filters.normalised()
    assert ids(queries.iter_incidents(filled, filters, order="date", ytd=True)) == incident_ids(filled, filters,
                                                                                               ytd=True)


def test_pages_follow_each_other_to_the_last(filled):
    filters = Filters(include_candidates=True).normalised()
    seen, cursor, pages = [], None, 0
    while True:
        records, cursor = queries.page(filled, filters, after=cursor, limit=3)
        seen += ids(records)
        pages += 1
        if cursor is None:
            break
    assert seen == ids(queries.iter_incidents(filled, filters, order="date"))
    assert pages == 5 and seen[-1] == "U1"  # 14 live, in-scope incidents; the undated one comes last


def test_a_cursor_names_the_last_row_of_its_page(filled):
    first, cursor = queries.page(filled, Filters().normalised(), limit=2)
    assert ids(first) == ["D2", "D1"] and cursor == "2019-06-10:D1"
    records, _ = queries.page(filled, Filters().normalised(), after="2021-06-06:B3", limit=2)
    assert ids(records) == ["B5", "U1"]
    records, last = queries.page(filled, Filters().normalised(), after=":A1", limit=2)
    assert ids(records) == ["U1"] and last is None


def test_an_id_ordered_page_walks_every_stored_incident(filled):
    records, cursor = queries.page(filled, None, order="id", limit=4)
    assert ids(records) == ["A1", "A2", "A3", "A4"] and cursor == "A4"
    rest, _ = queries.page(filled, None, order="id", after=cursor, limit=100)
    assert len(records) + len(rest) == 16  # tombstones, candidates and out-of-scope incidents too


def test_a_bad_cursor_is_a_clear_error(filled):
    with pytest.raises(queries.CursorError, match="not a cursor"):
        queries.page(filled, Filters(), after="B3")
    with pytest.raises(queries.CursorError, match="not a date"):
        queries.iter_incidents(filled, Filters(), order="date", after="yesterday:B3")


def test_records_are_those_the_store_saved(filled):
    by_query = {record.id: record for record in queries.iter_incidents(filled)}
    with filled.session() as session:
        assert all(by_query[key] == load_incident(session, key) for key in by_query)
    d1 = by_query["D1"]
    assert d1.sources == ["https://example.org/d1", "https://example.org/d1b"]
    assert d1.munitions[0].munition_type == "uav" and d1.munitions[0].intercepted == 4
    assert [m.munition_type for m in by_query["A2"].munitions] == ["rocket", "uav"]
    assert by_query["E1"].munitions == [] and by_query["U1"].date is None


def test_streams_and_lookups_by_id_agree_whatever_the_batch(filled):
    every = list(queries.iter_incidents(filled))
    assert list(queries.iter_incidents(filled, batch=4)) == every == list(export_order(filled))
    assert ids(queries.incidents_by_id(filled, ["B1", "A1", "nope", "A1"], batch=1)) == ["A1", "B1"]


def test_conflicts_keeps_incidents_whose_reports_disagree(filled):
    records, _ = queries.page(filled, Filters().normalised(), conflicts=True)
    assert ids(records) == ["A2"]


@pytest.fixture
def reported(filled):
    """The store's analyst reports (one per imported incident), one of them out of scope and one unlinked."""
    with filled.session() as session:
        session.execute(update(Report).where(Report.row_key == "D1").values(in_scope=False))
        session.execute(update(Report).where(Report.row_key == "U1").values(incident_id=None))
    return filled


def test_report_pages_follow_each_other(reported):
    every = list(queries.iter_reports(reported))
    assert len(every) == 16 and [r.id for r in every] == sorted(r.id for r in every)
    first, cursor = queries.report_page(reported, limit=10)
    rest, last = queries.report_page(reported, after=cursor, limit=6)
    assert first + rest == every and last is None and cursor == str(first[-1].id)


def test_report_filters(reported):
    def keys(**chosen):
        return sorted(r.row_key for r in queries.iter_reports(reported, queries.ReportFilters(**chosen)))

    assert keys(in_scope=False) == ["D1"]
    assert keys(linked=False) == ["U1"]
    assert keys(country=["SA", "YE"]) == ["D1", "D2"]
    assert keys(since=dt.date(2021, 6, 1)) == ["B3", "B5"]
    assert keys(dataset=["salvo"], until=dt.date(2019, 12, 31)) == ["D1", "D2"]
    assert keys(dataset=["acled"]) == []
    assert queries.count_reports(reported, queries.ReportFilters(linked=True)) == 15


def test_report_detail_shows_the_raw_row_and_the_live_incident(reported):
    report = next(r for r in queries.iter_reports(reported) if r.row_key == "M1")
    detail = queries.report_detail(reported, report.id)
    assert detail["report"] == report and detail["report"].dataset == "salvo"
    assert detail["incident"].id == "B1" and detail["resolved_from"] == "M1"
    assert detail["provenance"][0]["file"].endswith("incidents.csv")
    assert detail["provenance"][0]["raw"]["actor"] == "Kataib Hezbollah"
    unlinked = next(r for r in queries.iter_reports(reported) if r.row_key == "U1")
    assert queries.report_detail(reported, unlinked.id)["incident"] is None
    assert queries.report_detail(reported, 10_000) is None
