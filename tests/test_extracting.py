"""`salvo extract`: candidates from article text, printed or stored as reports with provenance."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from typer.testing import CliRunner

from salvo import extracting
from salvo.cli import app
from salvo.records import MunitionRecord
from salvo.storage.reports import reports

ARTICLE = ("Three rockets struck Ain al-Asad air base in western Iraq on Monday, officials said. "
           "No casualties were reported.")


def test_dry_run_prints_candidates_with_evidence(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    result = CliRunner().invoke(app, ["extract", str(path), "--published", "2021-07-07", "--dry-run"])
    assert result.exit_code == 0, result.output
    (candidate,) = json.loads(result.output)
    assert candidate["munition_types"] == ["rocket"] and candidate["projectile_count"] == 3
    assert candidate["date"] == "2021-07-05" and candidate["place_id"] == "ain_al_asad_air_base"
    spans = candidate["evidence"]["munition_types"]
    assert any("rockets" in span["text"] for span in spans)


def test_candidates_are_stored_as_reports_once(sqlite_store, tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    args = ["extract", str(path), "--published", "2021-07-07", "--url", "https://example.org/a", "--db",
            sqlite_store.url]
    for _ in range(2):
        assert CliRunner().invoke(app, args).exit_code == 0
    with sqlite_store.session() as session:
        (report,) = reports(session, "news")
        assert report.row_key == "https://example.org/a#0" and report.country == "IQ"
        assert report.munitions == [{"munition_type": "rocket", "count": 3}]  # no intercepted count stated
        assert (report.place_id, report.location_precision) == ("ain_al_asad_air_base", "site")
        assert report.evidence["article"] == "https://example.org/a"
        assert len(report.provenance) == 1  # the same article read twice: one entry


def test_stdin_and_bad_date(sqlite_store):
    result = CliRunner().invoke(app, ["extract", "-", "--dry-run", "--published", "July 7"], input=ARTICLE)
    assert result.exit_code == 1 and "is not a date" in result.output
    result = CliRunner().invoke(app, ["extract", "-", "--dry-run", "--published", "2021-07-07"], input=ARTICLE)
    assert json.loads(result.output)[0]["munition_types"] == ["rocket"]


def test_a_candidate_maps_onto_a_report_record():
    article = extracting.Article("a.txt", ARTICLE, None, dt.date(2021, 7, 7))
    (candidate,) = extracting.candidates(article)
    record = extracting.report_record(article, candidate, position=0)
    key = extracting.article_key(article)
    assert key.startswith("sha256:") and (record.dataset, record.row_key, record.row_number) == ("news", key + "#0", 0)
    assert (record.date, record.country, record.place_id) == (dt.date(2021, 7, 5), "IQ", "ain_al_asad_air_base")
    assert record.location_precision == candidate.location_precision == "site"
    assert (record.actor_id, record.actor_name) == (candidate.perpetrator_id, candidate.perpetrator)
    assert (record.killed, record.injured) == (candidate.casualties_killed, candidate.casualties_injured)
    assert record.munitions == [MunitionRecord("rocket", 3)]  # one munition type: the count is its own
    assert record.evidence["article"] == key and record.evidence["munition_types"]  # spans, and their article
    assert record.raw == {"mention": candidate.mention, "date": candidate.date}
    two = dataclasses.replace(candidate, munition_types=["rocket", "mortar"])
    assert extracting.report_record(article, two, position=1).munitions == [
        MunitionRecord("rocket"), MunitionRecord("mortar")]  # two types: whose count it is is unknown
