"""The command line: a thin, fast face over the library."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from salvo.cli import app
from tests.conftest import write_csv

runner = CliRunner()


def test_help_does_not_import_heavy_modules():
    code = ("import sys; from salvo.cli import app; "
            "heavy = [m for m in ('sqlalchemy', 'polars', 'altair', 'spacy', 'alembic') if m in sys.modules]; "
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_command_has_help():
    for name in ("init", "import", "export", "stats", "incidents", "codebook", "demo", "chart"):
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0, name
    assert "--munition" in runner.invoke(app, ["stats", "--help"]).output


def test_incidents_lists_what_stats_counts(sqlite_store, tmp_path):
    source = write_csv(
        tmp_path / "i.csv", "incident_id,date,country,location,munition_type,count,source_url",
        "a,2021-06-06,IQ,Ain al-Asad,uav,2,https://example.org/a",
        "b,2021-06-09,IQ,Baghdad International Airport,uav,,https://example.org/b",
        "c,2021-07-07,IQ,Ain al-Asad,rocket,14,https://example.org/c",
    )
    assert runner.invoke(app, ["import", str(source), "--db", sqlite_store.url]).exit_code == 0
    stats = runner.invoke(app, ["stats", "--db", sqlite_store.url, "--munition", "uav", "--format", "json"])
    assert json.loads(stats.output) == [{"year": 2021, "count": 3}]
    listed = runner.invoke(app, ["incidents", "--db", sqlite_store.url, "--munition", "uav", "--format", "json"])
    rows = json.loads(listed.output)
    assert [r["id"] for r in rows] == ["a", "b"]
    assert rows[1]["munitions"] == "uav ?" and rows[0]["sources"] == "https://example.org/a"


def test_bad_filter_value_is_a_clear_error(sqlite_store):
    result = runner.invoke(app, ["stats", "--db", sqlite_store.url, "--munition", "laser"])
    assert result.exit_code == 1 and "'laser' is not a munition_type" in result.output


def test_export_to_stdout(sqlite_store, tmp_path):
    source = write_csv(tmp_path / "i.csv", "incident_id,date,munition_type,count", "a,2021-06-06,uav,2")
    runner.invoke(app, ["import", str(source), "--db", sqlite_store.url])
    result = runner.invoke(app, ["export", "--db", sqlite_store.url, "--format", "csv"])
    assert result.output.splitlines()[1].startswith("a,2021-06-06,day,")
