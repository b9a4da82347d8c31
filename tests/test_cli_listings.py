"""`salvo incidents`, `salvo reports` and `salvo show`: listings a page at a time, and one report in full."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from salvo.cli import app
from tests.conftest import write_csv

runner = CliRunner()

HEADER = "incident_id,date,country,location,munition_type,count,source_url"
ROWS = [f"i{n:02d},2021-06-{n:02d},IQ,Ain al-Asad,uav,{n},https://example.org/{n}" for n in range(1, 13)] + [
    "s01,2021-07-01,SY,al-Tanf,rocket,3,https://example.org/s1",
    "u01,,IQ,Erbil,mortar,,",
]


@pytest.fixture
def db(sqlite_store, tmp_path):
    result = runner.invoke(app, ["import", str(write_csv(tmp_path / "i.csv", HEADER, *ROWS)), "--db", sqlite_store.url])
    assert result.exit_code == 0, result.output
    return sqlite_store.url


def invoke(*args: str):
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


def next_cursor(output: str) -> str | None:
    found = re.search(r"--after (\S+) for the next page", output)
    return found.group(1).strip("'") if found else None


def test_incidents_come_a_page_at_a_time_by_date(db):
    first = invoke("incidents", "--db", db, "--country", "IQ", "--limit", "5")
    assert "Incidents, first page" in first.output and "i05" in first.output and "i06" not in first.output
    assert next_cursor(first.output) == "2021-06-05:i05"
    second = invoke("incidents", "--db", db, "--country", "IQ", "--limit", "5", "--after", "2021-06-05:i05")
    assert "i06" in second.output and "i10" in second.output and "i05" not in second.output


def test_following_the_cursors_lists_what_limit_0_lists(db):
    every = json.loads(invoke("incidents", "--db", db, "--limit", "0", "--format", "json").stdout)
    seen, cursor = [], None
    while True:
        result = runner.invoke(app, ["incidents", "--db", db, "--limit", "4", "--format", "json",
                                     *(["--after", cursor] if cursor else [])])
        seen += json.loads(result.stdout)
        cursor = next_cursor(result.stderr)
        if cursor is None:
            break
    assert seen == every and [row["id"] for row in every][-3:] == ["i12", "s01", "u01"]
    assert every[0] == {"id": "i01", "date": "2021-06-01", "date_precision": "day", "country": "IQ",
                        "place": "Ain al-Asad", "actor": "", "actor_id": "", "target_category": "",
                        "munitions": "uav 1", "sources": "https://example.org/1", "status": "reviewed"}


def test_json_and_csv_keep_the_hint_off_stdout(db):
    result = runner.invoke(app, ["incidents", "--db", db, "--limit", "2", "--format", "csv"])
    assert result.stdout.splitlines()[0].startswith("id,date,date_precision,country")
    assert len(result.stdout.splitlines()) == 3 and "--after 2021-06-02:i02" in result.stderr


def test_a_bad_cursor_is_an_error(db):
    result = runner.invoke(app, ["incidents", "--db", db, "--after", "i05"])
    assert result.exit_code == 1 and "not a cursor" in result.output


def test_reports_list_each_source_account(db):
    result = invoke("reports", "--db", db, "--limit", "3", "--format", "json")
    rows = json.loads(result.stdout)
    assert [r["row_key"] for r in rows] == ["i01", "i02", "i03"]
    assert rows[0]["dataset"] == "salvo" and rows[0]["incident"] == "i01" and rows[0]["scope"] == "in"
    assert next_cursor(result.stderr) == str(rows[-1]["id"])
    syria = json.loads(invoke("reports", "--db", db, "--country", "Syria", "--linked", "--format", "json").stdout)
    assert [r["row_key"] for r in syria] == ["s01"]
    assert json.loads(invoke("reports", "--db", db, "--unlinked", "--format", "json").stdout) == []
    assert json.loads(invoke("reports", "--db", db, "--scope", "out", "--format", "json").stdout) == []
    june = invoke("reports", "--db", db, "--since", "2021-06-11", "--until", "2021-06-30", "--format", "json")
    assert [r["row_key"] for r in json.loads(june.stdout)] == ["i11", "i12"]


def test_reports_refuse_what_they_cannot_filter_on(db):
    assert "--scope takes in or out" in runner.invoke(app, ["reports", "--db", db, "--scope", "maybe"]).output
    assert "is not a date" in runner.invoke(app, ["reports", "--db", db, "--since", "June"]).output
    assert "not a known country" in runner.invoke(app, ["reports", "--db", db, "--country", "Atlantis"]).output


def test_show_a_report_with_its_raw_row_and_incident(db):
    report = json.loads(invoke("reports", "--db", db, "--limit", "1", "--format", "json").stdout)[0]
    shown = invoke("show", str(report["id"]), "--db", db)
    assert f"report {report['id']}" in shown.output and "Incident: i01" in shown.output
    assert '"incident_id": "i01"' in shown.output and "i.csv" in shown.output
    detail = json.loads(invoke("show", f"report:{report['id']}", "--db", db, "--format", "json").stdout)
    assert detail["report"]["row_key"] == "i01" and detail["incident"]["id"] == "i01"
    assert detail["provenance"][0]["raw"]["source_url"] == "https://example.org/1"


def test_show_still_shows_incidents_and_says_when_nothing_has_the_id(db):
    assert "i01" in invoke("show", "i01", "--db", db).output
    missing = runner.invoke(app, ["show", "report:999", "--db", db])
    assert missing.exit_code == 1 and "no report 999" in missing.output
    assert "no incident or report 'nope'" in runner.invoke(app, ["show", "nope", "--db", db]).output


def test_export_streams_every_incident(db):
    lines = invoke("export", "--db", db, "--format", "csv").stdout.splitlines()
    assert len(lines) == 1 + len(ROWS) and lines[1].startswith("i01,2021-06-01,day,IQ,")
