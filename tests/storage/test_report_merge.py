"""A report that several files hold merges their readings by one rule, so the order they are read in does not matter.

The rule (salvo.storage.reports.merged_values, docs/readers.md): the file that places the event best
gives the whole position; every other value comes from the first file, in that order, that states it;
evidence entries likewise; what a file says otherwise is kept in the evidence under ``by_file``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from salvo.importing import import_reports
from salvo.records import MunitionRecord, ReportRecord
from salvo.storage.bulk_reports import write_reports
from salvo.storage.report_frames import from_records
from salvo.storage.reports import reports, save_report, to_report_record
from tests.conftest import shared


def ukmto(name: str) -> Path:
    return shared("ukmto-incidents-2026") / f"ukmto_incidents_{name}.csv"


def stored(store) -> dict[str, tuple[dict, list[str]]]:
    """Each stored report's values and the names of the files it was read from, by row key."""
    with store.session() as session:
        return {r.row_key: (to_report_record(r).values(), sorted(Path(p.source_file).name for p in r.provenance))
                for r in reports(session)}


def test_the_ukmto_raw_and_geocoded_files_give_the_same_reports_in_either_order(store, tmp_path):
    raw, geocoded = ukmto("raw"), ukmto("geocoded")
    counts = [(s.added, s.updated, s.unchanged) for s in
              (import_reports(store, path, "ukmto") for path in (raw, geocoded, raw, geocoded))]
    # The geocoded file's 45 advisories merge into the raw file's once; reading either again changes nothing.
    assert counts == [(55, 0, 0), (0, 45, 0), (0, 0, 55), (0, 0, 45)]
    one_way = stored(store)
    with store.session() as session:
        for report in reports(session):
            session.delete(report)
    for path in (geocoded, raw, geocoded, raw):
        import_reports(store, path, "ukmto")
    assert stored(store) == one_way
    values, files = one_way["63"]
    assert files == ["ukmto_incidents_geocoded.csv", "ukmto_incidents_raw.csv"]
    # The scraper's own point, which only the geocoded file has, is kept; the raw file's evidence lacks it.
    assert values["evidence"]["source_position"]["address"] == "Umm Qasr, Iraq"
    assert "source_position" not in values["evidence"]["by_file"]["ukmto_incidents_raw.csv"]["evidence"]
    # Advisory 12: the raw file's location column and the geocoded file's words differ; one is the location,
    # the other stays with its file.
    twelve, _ = one_way["12"]
    assert twelve["location"] == "2NM north of Oman"
    assert twelve["evidence"]["by_file"]["ukmto_incidents_raw.csv"]["location"] == (
        "2NM north of Oman transiting eastbound in the Straits of Hormuz")


def reading(key="A1", **values) -> ReportRecord:
    """One file's reading of a report of a made-up dataset."""
    base = {"date": dt.date(2024, 1, 5), "country": "IQ", "munitions": [MunitionRecord("rocket", 3)],
            "evidence": {"source": "test"}}
    return ReportRecord("demo-set", key, row_number=2, raw={"id": key}, **{**base, **values})


def write(store, file: str, *records: ReportRecord):
    with store.session() as session:
        return write_reports(session, from_records(list(records)), source_file=file)


def test_the_file_with_coordinates_gives_the_position_and_the_others_fill_in(store):
    placed = reading(location="Ain al-Asad", latitude=33.8, longitude=42.44, location_precision="site",
                     place_id="ain_al_asad_air_base")
    worded = reading(location="west of Ramadi", location_precision="region", killed=2, target="U.S. forces",
                     evidence={"source": "other", "words": "west of Ramadi"})
    for order in ((("a.csv", placed), ("b.csv", worded)), (("b.csv", worded), ("a.csv", placed))):
        with store.session() as session:
            for report in reports(session):
                session.delete(report)
        for file, record in order:
            write(store, file, record)
        (values, files), = stored(store).values()
        assert files == ["a.csv", "b.csv"]
        assert (values["location"], values["latitude"], values["longitude"], values["location_precision"],
                values["place_id"]) == ("Ain al-Asad", 33.8, 42.44, "site", "ain_al_asad_air_base")
        assert (values["killed"], values["target"]) == (2, "U.S. forces")  # only b.csv states them
        assert values["evidence"]["source"] == "test" and values["evidence"]["words"] == "west of Ramadi"
        assert values["evidence"]["by_file"]["b.csv"]["location"] == "west of Ramadi"


def test_a_newer_release_of_one_file_is_merged_again_with_what_the_other_file_says(store):
    write(store, "releases/a.csv", reading(latitude=33.8, longitude=42.44, killed=None))
    write(store, "b.csv", reading(killed=2, munitions=[MunitionRecord("rocket", 4)]))
    ((values, _),) = stored(store).values()
    assert (values["killed"], values["munitions"][0]["count"]) == (2, 3)  # a.csv states a count first
    # a.csv's next release revises the count and states a death toll; b.csv's reading still stands beside it.
    counts = write(store, "newer/a.csv", reading(latitude=33.8, longitude=42.44, killed=1,
                                                 munitions=[MunitionRecord("rocket", 5)]))
    assert (counts.updated, counts.unchanged) == (1, 0)
    ((values, files),) = stored(store).values()
    assert (values["killed"], values["munitions"][0]["count"]) == (1, 5) and files == ["a.csv", "b.csv"]
    assert values["evidence"]["by_file"]["b.csv"] == {
        "latitude": None, "longitude": None, "killed": 2, "munitions": [{"munition_type": "rocket", "count": 4}]}
    # And when a.csv's release drops its count, b.csv's stands.
    write(store, "a.csv", reading(latitude=33.8, longitude=42.44, killed=1, munitions=[MunitionRecord("rocket")]))
    ((values, _),) = stored(store).values()
    assert values["munitions"] == [{"munition_type": "rocket", "count": None}]  # a.csv's line, stated first
    assert write(store, "b.csv", reading(killed=2, munitions=[MunitionRecord("rocket", 4)])).unchanged == 1


def test_files_that_agree_give_the_report_as_either_reads_it(store):
    write(store, "a.csv", reading())
    assert write(store, "b.csv", reading()).unchanged == 1
    ((values, files),) = stored(store).values()
    assert values == reading().values() and files == ["a.csv", "b.csv"]


def test_a_report_is_in_scope_when_any_file_reads_it_so(store):
    write(store, "a.csv", reading(in_scope=False))
    write(store, "b.csv", reading(in_scope=True, actor_id="kataib_hezbollah"))
    ((values, _),) = stored(store).values()
    assert values["in_scope"] and values["actor_id"] == "kataib_hezbollah"
    assert values["evidence"]["by_file"]["a.csv"] == {"in_scope": False, "actor_id": None}


def test_saving_one_record_merges_as_the_bulk_writer_does(store):
    placed = reading(latitude=33.8, longitude=42.44, location_precision="site")
    worded = reading(location="west of Ramadi", location_precision="region", killed=2)
    with store.session() as session:
        assert save_report(session, worded, source_file="b.csv") == "added"
        assert save_report(session, placed, source_file="a.csv") == "updated"
        assert save_report(session, worded, source_file="b.csv") == "unchanged"
    ((saved, _),) = stored(store).values()
    with store.session() as session:
        for report in reports(session):
            session.delete(report)
    write(store, "a.csv", placed)
    write(store, "b.csv", worded)
    ((bulk, _),) = stored(store).values()
    assert saved == bulk and (bulk["latitude"], bulk["killed"]) == (33.8, 2)
