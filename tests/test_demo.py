"""`make demo` / `salvo demo`: the main job, on the shipped data."""

from __future__ import annotations

from typer.testing import CliRunner

from salvo.cli import app
from salvo.demo import demo_file


def test_demo_data_ships_with_the_package():
    header = demo_file().read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("incident_id,date,date_precision,country")


def test_demo_builds_prints_and_draws(tmp_path):
    result = CliRunner().invoke(app, ["demo", "--db", str(tmp_path / "demo.db"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "Projectiles fired per year by munition type" in result.output
    assert "Drone share" in result.output
    assert "by Iran-linked groups" in result.output
    assert "year to date" in result.output
    assert "0 rejected" in result.output
    for name in ("per-year.png", "per-year.svg", "per-year.html"):
        assert (tmp_path / "out" / name).stat().st_size > 1000
