"""`make demo` / `salvo demo`: the main job, through the whole pipeline, on the shipped source files."""

from __future__ import annotations

from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from salvo.cli import app
from salvo.demo import SHIPPED, demo_file, source_files
from salvo.readers.formats import detect

FORMATS = {"Acled_GTD_Drone_Database_20260509.csv": "gtd", "ucdp_ged_iraq_2015-2018_hdx.csv": "ucdp-ged",
           "alertHistory.json": "hfc-alerts"}


def test_demo_data_ships_with_the_package():
    header = demo_file().read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("incident_id,date,date_precision,country")
    assert demo_file().name not in SHIPPED  # a test fixture now: the demo reads the published files
    assert {path.name: detect(path) for path in source_files()} == FORMATS
    assert (source_files()[0].parent / "alertZones.geojson").is_file()  # the alert reader's zones, beside it


def test_demo_builds_from_the_source_files_links_prints_and_draws(tmp_path):
    db = tmp_path / "demo.db"
    result = CliRunner().invoke(app, ["demo", "--db", str(db), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    output = result.output
    for name, fmt in FORMATS.items():
        assert f"Imported {name} ({fmt}):" in output
    assert "0 rejected" in output and "Linked 9,637 reports into" in output and "review queue" in output
    assert "Projectiles fired per year by munition type" in output
    assert "Drone share" in output
    assert "by Iran-linked groups" in output
    assert "year to date" in output
    assert "Sources (`salvo sources`)" in output and "Only this dataset" in output
    for name in ("per-year.png", "per-year.svg", "per-year.html"):
        assert (tmp_path / "out" / name).stat().st_size > 1000

    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        per_dataset = dict(conn.execute(text("SELECT dataset, count(*) FROM reports GROUP BY dataset")).all())
        unlinked = conn.execute(text("SELECT count(*) FROM reports WHERE incident_id IS NULL")).scalar()
        files = {row[0].rsplit("/", 1)[-1] for row in conn.execute(text("SELECT file FROM imports"))}
        counted = conn.execute(text("SELECT count(*) FROM incidents WHERE merged_into IS NULL AND in_scope "
                                    "AND status IN ('reviewed', 'published')")).scalar()
        multi = conn.execute(text("SELECT count(*) FROM (SELECT incident_id FROM reports GROUP BY incident_id "
                                  "HAVING count(DISTINCT dataset) > 1) AS linked")).scalar()
        iran_linked = conn.execute(text(
            "SELECT count(DISTINCT i.id) FROM incidents i JOIN actors a ON a.id = i.actor_id "
            "WHERE i.merged_into IS NULL AND i.in_scope AND a.affiliation = 'iran_linked'")).scalar()
    engine.dispose()
    # The drone database's rows are ACLED's and GTD's; every shipped file is in, the pre-digested CSV is not.
    assert per_dataset == {"acled": 1033, "gtd": 491, "ucdp-ged": 2265, "hfc-alerts": 5848}
    assert files == set(SHIPPED)
    assert unlinked == 0
    assert multi > 0  # reports of different datasets joined into one incident
    assert 300 < counted < 500 and 250 < iran_linked < counted
