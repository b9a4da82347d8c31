"""Importing Salvo-format files: all errors at once, nothing half-written, idempotent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from salvo.cli import app
from salvo.importing import ImportRejected, import_file, import_reports
from salvo.model import AuditEntry, ImportRun, Incident, Provenance, Report
from salvo.readers.errors import FileError
from salvo.records import IncidentRecord, ReportRecord
from salvo.storage.incidents import delete_incident, history, load_incident
from salvo.storage.reports import to_report_record
from tests.conftest import write_csv

HEADER = "incident_id,date,country,location,actor,munition_type,count,intercepted,status,source_url"
GOOD = [
    "I1,2024-01-28,JO,Tower 22,Islamic Resistance in Iraq,uav,1,0,reviewed,https://example.org/a",
    "I2,2024-01-20,IQ,Ain al-Asad,Islamic Resistance in Iraq,ballistic_missile,4,2,reviewed,https://example.org/b",
    "I2,2024-01-20,IQ,Ain al-Asad,Islamic Resistance in Iraq,rocket,,,reviewed,https://example.org/b",
]


def count(store, model=Incident):
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_bad_date_unknown_munition_and_negative_count_are_all_reported(store, tmp_path):
    import_file(store, write_csv(tmp_path / "good.csv", HEADER, *GOOD))
    revision = store.revision()
    bad = write_csv(
        tmp_path / "bad.csv", HEADER,
        "X1,2024-02-30,IQ,Erbil,,uav,2,,reviewed,",
        "X2,2024-02-03,IQ,Erbil,,hypersonic,2,,reviewed,",
        "X3,2024-02-04,IQ,Erbil,,rocket,-3,,reviewed,",
        "X4,2024-02-05,IQ,Erbil,,rocket,3,,reviewed,",
    )
    with pytest.raises(ImportRejected) as caught:
        import_file(store, bad)
    errors = {(e.row, e.field): e for e in caught.value.summary.errors}
    assert set(errors) == {(2, "date"), (3, "munition_type"), (4, "count")}
    assert "not a calendar date" in errors[2, "date"].reason
    assert "uav" in errors[3, "munition_type"].reason
    assert errors[4, "count"].reason == "must be 0 or more"
    assert all(e.file == str(bad) for e in errors.values())
    assert count(store) == 2 and store.revision() == revision
    assert count(store, Report) == 2 and count(store, Provenance) == 2


def test_cli_reports_errors_with_row_and_field_and_changes_nothing(sqlite_store, tmp_path):
    bad = write_csv(tmp_path / "bad.csv", HEADER, "X1,yesterday,IQ,Erbil,,drone-ish,-1,,reviewed,")
    result = CliRunner().invoke(app, ["import", str(bad), "--db", sqlite_store.url])
    assert result.exit_code == 1
    assert "row 2, field 'date'" in result.output
    assert "row 2, field 'munition_type'" in result.output
    assert "row 2, field 'count'" in result.output
    assert "nothing was imported" in result.output
    assert count(sqlite_store) == 0 and count(sqlite_store, ImportRun) == 0


def test_skip_invalid_imports_the_rest_and_writes_rejects(store, tmp_path):
    source = write_csv(tmp_path / "mixed.csv", HEADER, *GOOD, "X3,2024-02-04,IQ,Erbil,,rocket,-3,,reviewed,")
    summary = import_file(store, source, skip_invalid=True)
    assert (summary.added, summary.rejected) == (2, 1)
    assert sorted(r.row_key for r in salvo_reports(store)) == ["I1", "I2"]  # none behind a rejected incident
    rejects = (tmp_path / "mixed.rejected.csv").read_text(encoding="utf-8")
    assert "X3" in rejects and "count: must be 0 or more" in rejects


def test_import_twice_leaves_the_same_database(store, tmp_path):
    source = write_csv(tmp_path / "good.csv", HEADER, *GOOD)
    first = import_file(store, source)
    revision = store.revision()
    second = import_file(store, source)
    assert (first.added, first.unchanged) == (2, 0)
    assert (second.added, second.updated, second.unchanged) == (0, 0, 2)
    assert store.revision() == revision
    assert count(store, AuditEntry) == 0  # creation is recorded once, by the import run
    assert count(store, ImportRun) == 2
    with store.session() as session:
        (created,) = history(session, "I1")
    assert created.action == "create" and "good.csv" in created.reason


def test_changed_row_is_updated_with_an_audit_entry(store, tmp_path):
    import_file(store, write_csv(tmp_path / "v1.csv", HEADER, *GOOD))
    changed = [GOOD[0].replace(",uav,1,0,", ",uav,2,1,"), *GOOD[1:]]
    summary = import_file(store, write_csv(tmp_path / "v2.csv", HEADER, *changed), user="analyst-a")
    assert (summary.added, summary.updated, summary.unchanged) == (0, 1, 1)
    with store.session() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "update")).one()
        assert entry.user == "analyst-a" and entry.entity_id == "I1"
        assert entry.changes["munitions"][0][0]["count"] == 1
        assert entry.changes["munitions"][1][0]["count"] == 2
        assert "v2.csv" in entry.reason


def test_places_and_actors_resolve_through_aliases(store, tmp_path):
    import_file(store, write_csv(tmp_path / "good.csv", HEADER, *GOOD))
    with store.session() as session:
        tower = load_incident(session, "I1")
        asad = load_incident(session, "I2")
    assert tower.place_id == "tower_22" and tower.location_precision == "site"
    assert asad.place_id == "ain_al_asad_air_base"
    assert asad.actor_id == "islamic_resistance_in_iraq"
    assert [m.munition_type for m in asad.munitions] == ["ballistic_missile", "rocket"]
    assert asad.munitions[1].count is None


def test_unresolved_actor_is_kept_verbatim_and_listed(sqlite_store, tmp_path):
    source = write_csv(tmp_path / "a.csv", HEADER, "Z1,2024-03-01,IQ,,Brigade of the Unknown Martyr,uav,1,,reviewed,")
    result = CliRunner().invoke(app, ["import", str(source), "--db", sqlite_store.url, "--summary", "json"])
    summary = json.loads(result.output)
    assert {"added", "updated", "unchanged", "rejected"} <= set(summary)
    assert summary["unresolved_actors"] == {"Brigade of the Unknown Martyr": 1}
    with sqlite_store.session() as session:
        record = load_incident(session, "Z1")
    assert record.actor_id is None and record.actor_name == "Brigade of the Unknown Martyr"


def test_missing_column_and_bad_encoding_are_file_errors(sqlite_store, tmp_path):
    no_count = write_csv(tmp_path / "nocount.csv", "incident_id,date,munition_type", "A,2024-01-01,uav")
    with pytest.raises(FileError, match="count"):
        import_file(sqlite_store, no_count)
    latin = tmp_path / "latin1.csv"
    latin.write_bytes((HEADER + "\nA,2024-01-01,IQ,Bal\xe1d,,uav,1,,reviewed,\n").encode("latin-1"))
    with pytest.raises(FileError, match="row 2.*not UTF-8"):
        import_file(sqlite_store, latin)
    assert count(sqlite_store) == 0


def test_truncated_row_is_reported(sqlite_store, tmp_path):
    truncated = write_csv(tmp_path / "t.csv", HEADER, GOOD[0], "I9,2024-01-02,IQ")
    with pytest.raises(FileError, match="row 3.*cells"):
        import_file(sqlite_store, truncated)
    assert count(sqlite_store) == 0


def test_rows_of_one_incident_must_agree(sqlite_store, tmp_path):
    source = write_csv(tmp_path / "d.csv", HEADER, GOOD[1], GOOD[2].replace("2024-01-20", "2024-01-21"))
    with pytest.raises(ImportRejected) as caught:
        import_file(sqlite_store, source)
    (error,) = caught.value.summary.errors
    assert (error.row, error.field) == (3, "date") and "differs from row 2" in error.reason


def test_foreign_key_checks_are_back_on_after_an_import(sqlite_store, tmp_path):
    import_file(sqlite_store, write_csv(tmp_path / "good.csv", HEADER, *GOOD))
    with sqlite_store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


# -- every incident rests on a report ---------------------------------------------------------------

RICH_HEADER = ("incident_id,date,country,location,actor,attribution,munition_type,count,count_estimate,intercepted,"
               "impacted,failed,killed,killed_low,killed_high,injured,status,source_url,notes")
RICH = [
    "R1,2024-01-28,JO,Tower 22,Islamic Resistance in Iraq,claimed,uav,1,,0,1,,3,3,4,34,published,"
    'https://example.org/t22 https://example.org/t22-b,"Drone, not ""intercepted""; Ḥadītha"',
    "R2,2024-02,IQ,Erbil,,,rocket,6,true,2,,1,,,,,,,",
    "R2,2024-02,IQ,Erbil,,,uav,,,,,,,,,,,,",
]


def salvo_reports(store) -> list[ReportRecord]:
    """The stored reports of dataset "salvo" (analysts' entries), by row key."""
    with store.session() as session:
        rows = session.scalars(select(Report).where(Report.dataset == "salvo").order_by(Report.row_key)).all()
        return [to_report_record(row) for row in rows]


def provenance(store, row_key: str) -> list[Provenance]:
    with store.session() as session:
        entries = session.scalars(select(Provenance).join(Report).where(
            Report.dataset == "salvo", Report.row_key == row_key).order_by(Provenance.id)).all()
        session.expunge_all()
        return entries


def incident_from_report(report: ReportRecord) -> IncidentRecord:
    """The incident as its analyst's report alone gives it (what the linker derives from one report)."""
    evidence = report.evidence or {}
    return IncidentRecord(
        id=report.incident_id, date=report.date, date_precision=report.date_precision, country=report.country,
        location=report.location, place_id=report.place_id, latitude=report.latitude, longitude=report.longitude,
        location_precision=report.location_precision, target=report.target, target_category=report.target_category,
        actor_id=report.actor_id, actor_name=report.actor_name, attribution=report.attribution,
        killed=report.killed, killed_low=evidence.get("killed_low"), killed_high=evidence.get("killed_high"),
        injured=report.injured, injured_low=evidence.get("injured_low"), injured_high=evidence.get("injured_high"),
        status=evidence["status"], notes=evidence.get("notes"), munitions=report.munitions,
        sources=evidence.get("sources", []),
    )


def test_each_imported_incident_rests_on_one_analyst_report(store, tmp_path):
    source = write_csv(tmp_path / "rich.csv", RICH_HEADER, *RICH)
    import_file(store, source)
    reports = salvo_reports(store)
    assert [(r.row_key, r.incident_id) for r in reports] == [("R1", "R1"), ("R2", "R2")]
    assert count(store, Report) == 2  # no other report behind them
    with store.session() as session:
        incidents = {key: load_incident(session, key) for key in ("R1", "R2")}
    for report in reports:
        assert incident_from_report(report) == incidents[report.row_key]  # the report alone gives the incident
        assert report.in_scope and not report.withdrawn
    tower, erbil = reports
    assert tower.url == "https://example.org/t22" and tower.place_id == "tower_22"
    assert tower.values()["munitions"] == [{"munition_type": "uav", "count": 1, "intercepted": 0, "impacted": 1}]
    assert tower.evidence == {"status": "published", "notes": 'Drone, not "intercepted"; Ḥadītha',
                              "killed_low": 3, "killed_high": 4,
                              "sources": ["https://example.org/t22", "https://example.org/t22-b"]}
    assert erbil.url is None and erbil.evidence == {"status": "reviewed"}  # only the values stated
    assert erbil.values()["munitions"] == [
        {"munition_type": "rocket", "count": 6, "count_estimate": True, "intercepted": 2, "failed": 1},
        {"munition_type": "uav", "count": None}]
    (entry,) = provenance(store, "R1")
    assert (entry.source_file, entry.row_number) == (str(source), 2)
    assert entry.raw["incident_id"] == "R1" and entry.raw["notes"] == 'Drone, not "intercepted"; Ḥadītha'
    assert set(entry.raw) == set(RICH_HEADER.split(","))
    (entry,) = provenance(store, "R2")
    assert entry.row_number == 3  # the incident's first row; its raw rows are both of them, as read
    assert [row["munition_type"] for row in entry.raw] == ["rocket", "uav"]
    assert entry.raw[0]["count_estimate"] == "true" and entry.raw[1]["count"] == ""


def test_reimport_leaves_reports_and_provenance_as_they_were(store, tmp_path):
    source = write_csv(tmp_path / "rich.csv", RICH_HEADER, *RICH)
    import_file(store, source)

    def state():
        with store.session() as session:
            return (sorted(session.execute(select(Report.id, Report.content_hash, Report.updated_at,
                                                  Report.incident_id)).all()),
                    sorted(session.execute(select(Provenance.id, Provenance.report_id, Provenance.raw_hash,
                                                  Provenance.imported_at)).all()))

    before = state()
    second = import_file(store, source)
    assert (second.added, second.updated, second.unchanged) == (0, 0, 2)
    assert state() == before


def test_edited_row_updates_its_report_and_provenance(store, tmp_path):
    source = write_csv(tmp_path / "rich.csv", RICH_HEADER, *RICH)
    import_file(store, source)
    (old_tower, old_erbil) = salvo_reports(store)
    (old_entry,) = provenance(store, "R1")
    edited = [RICH[0].replace(",uav,1,,0,1,", ",uav,2,,1,1,").replace(",3,3,4,34,", ",4,3,5,34,"), *RICH[1:]]
    write_csv(source, RICH_HEADER, *edited)  # the same file, edited
    summary = import_file(store, source)
    assert (summary.added, summary.updated, summary.unchanged) == (0, 1, 1)
    tower, erbil = salvo_reports(store)
    assert tower.id == old_tower.id and tower.incident_id == "R1"
    assert tower.killed == 4 and tower.evidence["killed_high"] == 5
    assert tower.values()["munitions"] == [{"munition_type": "uav", "count": 2, "intercepted": 1, "impacted": 1}]
    with store.session() as session:
        assert incident_from_report(tower) == load_incident(session, "R1")
        stored = {row.row_key: row for row in session.scalars(select(Report))}
        assert stored["R1"].content_hash != "" and stored["R2"].updated_at < stored["R1"].updated_at
    assert erbil == old_erbil
    (entry,) = provenance(store, "R1")  # refreshed, not added: the same file
    assert entry.id == old_entry.id and entry.raw["count"] == "2" and entry.raw_hash != old_entry.raw_hash


def test_a_file_of_another_name_adds_its_own_provenance_entry(store, tmp_path):
    import_file(store, write_csv(tmp_path / "a.csv", HEADER, *GOOD))
    import_file(store, write_csv(tmp_path / "b.csv", HEADER, GOOD[0], "I3,2024-02-01,IQ,Erbil,,rocket,3,,reviewed,"))
    assert [(r.row_key, r.incident_id) for r in salvo_reports(store)] == [("I1", "I1"), ("I2", "I2"), ("I3", "I3")]
    assert [(Path(e.source_file).name, e.row_number) for e in provenance(store, "I1")] == [("a.csv", 2), ("b.csv", 2)]
    assert [(Path(e.source_file).name, e.row_number) for e in provenance(store, "I3")] == [("b.csv", 3)]


def test_incidents_imported_before_reports_existed_get_theirs_on_reimport(store, tmp_path):
    source = write_csv(tmp_path / "good.csv", HEADER, *GOOD)
    import_file(store, source)
    with store.session() as session:  # a store from before every incident rested on a report
        for report in session.scalars(select(Report)):
            session.delete(report)
    summary = import_file(store, source)
    assert (summary.added, summary.updated, summary.unchanged) == (0, 0, 2)
    assert [(r.row_key, r.incident_id) for r in salvo_reports(store)] == [("I1", "I1"), ("I2", "I2")]
    assert count(store, Provenance) == 2


def test_a_deleted_incident_imported_again_is_linked_to_its_report_again(store, tmp_path):
    source = write_csv(tmp_path / "good.csv", HEADER, *GOOD)
    import_file(store, source)
    with store.session() as session:
        delete_incident(session, "I1", user="analyst-a", reason="entered twice")
    assert [(r.row_key, r.incident_id) for r in salvo_reports(store)] == [("I1", None), ("I2", "I2")]
    summary = import_file(store, source)
    assert (summary.added, summary.unchanged) == (1, 1)
    assert [(r.row_key, r.incident_id) for r in salvo_reports(store)] == [("I1", "I1"), ("I2", "I2")]
    assert count(store, Report) == 2 and count(store, Provenance) == 2


# -- the rejects file and files with no valid row ---------------------------------------------------

MIXED = [*GOOD, "X3,2024-02-04,IQ,Erbil,,rocket,-3,,reviewed,"]


def test_rejected_rows_never_overwrite_the_file_being_imported(store, tmp_path):
    source = write_csv(tmp_path / "mixed.csv", HEADER, *MIXED)
    before = source.read_bytes()
    for target in (source, tmp_path / "." / "mixed.csv"):
        with pytest.raises(FileError, match="is a file this import reads or writes"):
            import_file(store, source, skip_invalid=True, rejects_path=target, force=True)
    assert source.read_bytes() == before and count(store) == 0 and count(store, ImportRun) == 0


def test_rejected_rows_never_overwrite_the_database(sqlite_store, tmp_path):
    source = write_csv(tmp_path / "mixed.csv", HEADER, *MIXED)
    database = Path(sqlite_store.engine.url.database)
    with pytest.raises(FileError, match="is a file this import reads or writes"):
        import_file(sqlite_store, source, skip_invalid=True, rejects_path=database, force=True)
    assert count(sqlite_store) == 0


def test_an_existing_rejects_file_is_kept_unless_forced(store, tmp_path):
    source = write_csv(tmp_path / "mixed.csv", HEADER, *MIXED)
    earlier = tmp_path / "mixed.rejected.csv"
    earlier.write_text("an analyst's notes\n", encoding="utf-8")
    with pytest.raises(FileError, match="already exists"):
        import_file(store, source, skip_invalid=True)
    assert earlier.read_text(encoding="utf-8") == "an analyst's notes\n" and count(store) == 0
    summary = import_file(store, source, skip_invalid=True, force=True)
    assert summary.added == 2 and "X3" in earlier.read_text(encoding="utf-8")


@pytest.mark.parametrize("target", ["no-such-folder/rejects.csv", "."])
def test_a_rejects_path_that_cannot_be_written_is_refused_before_anything_is_imported(store, tmp_path, target):
    source = write_csv(tmp_path / "mixed.csv", HEADER, *MIXED)
    with pytest.raises(FileError, match="does not exist|is a folder"):
        import_file(store, source, skip_invalid=True, rejects_path=tmp_path / target)
    assert count(store) == 0 and count(store, ImportRun) == 0


def test_the_cli_refuses_a_rejects_path_over_the_input_and_writes_over_a_file_with_force(sqlite_store, tmp_path):
    source = write_csv(tmp_path / "mixed.csv", HEADER, *MIXED)
    before = source.read_text(encoding="utf-8")
    result = CliRunner().invoke(app, ["import", str(source), "--db", sqlite_store.url, "--skip-invalid",
                                      "--rejects", str(source), "--force"])
    assert result.exit_code == 1 and "nothing was imported" in result.output
    assert source.read_text(encoding="utf-8") == before
    notes = tmp_path / "notes.csv"
    notes.write_text("old\n", encoding="utf-8")
    args = ["import", str(source), "--db", sqlite_store.url, "--skip-invalid", "--rejects", str(notes)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1 and "already exists" in result.output and count(sqlite_store) == 0
    result = CliRunner().invoke(app, [*args, "--force"])
    assert result.exit_code == 0 and "X3" in notes.read_text(encoding="utf-8") and count(sqlite_store) == 2


def test_a_file_whose_every_row_is_rejected_is_a_failed_import(store, tmp_path):
    source = write_csv(tmp_path / "bad.csv", HEADER, "X1,2024-02-30,IQ,Erbil,,uav,2,,reviewed,",
                       "X2,2024-02-03,IQ,Erbil,,rocket,1e9,,reviewed,")
    with pytest.raises(ImportRejected) as caught:
        import_file(store, source, skip_invalid=True)
    assert caught.value.every_row_rejected and len(caught.value.summary.errors) == 2
    assert "every row was rejected" in str(caught.value)
    assert count(store) == 0 and count(store, ImportRun) == 0 and count(store, Report) == 0
    assert not (tmp_path / "bad.rejected.csv").exists()


def test_the_cli_fails_when_every_row_is_rejected(sqlite_store, tmp_path):
    source = write_csv(tmp_path / "bad.csv", HEADER, "X1,2024-02-30,IQ,Erbil,,uav,2,,reviewed,")
    result = CliRunner().invoke(app, ["import", str(source), "--db", sqlite_store.url, "--skip-invalid"])
    assert result.exit_code == 1
    assert "row 2, field 'date'" in result.output and "every row was rejected" in result.output
    assert count(sqlite_store) == 0


MAPPED = Path(__file__).parent / "fixtures" / "mapped_sample"


def test_a_dataset_file_whose_every_row_is_rejected_is_a_failed_import(store, tmp_path):
    header, *rows = (MAPPED.with_suffix(".csv")).read_text(encoding="utf-8").splitlines()
    undated = [",".join(cells[:1] + ["the day after"] + cells[2:]) for cells in (row.split(",") for row in rows[:3])]
    source = write_csv(tmp_path / "undated.csv", header, *undated)
    with pytest.raises(ImportRejected) as caught:
        import_reports(store, source, "mapped", mapping=MAPPED.with_suffix(".yaml"))
    assert caught.value.every_row_rejected and [e.row for e in caught.value.summary.errors] == [2, 3, 4]
    assert count(store, Report) == 0 and count(store, ImportRun) == 0
    result = CliRunner().invoke(app, ["import", str(source), "--db", store.url, "--format", "mapped",
                                      "--mapping", str(MAPPED.with_suffix(".yaml"))])
    assert result.exit_code == 1 and "every row was rejected" in result.output and count(store, Report) == 0
