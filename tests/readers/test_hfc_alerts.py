"""Pikud HaOref alert history: alerts grouped into launch events, one report each; detected by shape."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from salvo.cli import app
from salvo.importing import import_reports
from salvo.readers import formats, hfc_alerts
from salvo.readers.errors import FileError, RowError
from salvo.storage.reports import reports
from tests.conftest import shared

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FIXTURE = FIXTURES / "hfc_alerts_sample.json"  # 33 real alerts (27 launch events): see the module's docs


def rows_by_id(path=FIXTURE):
    return {r.row_key: r for r in hfc_alerts.read(path)}


def alert(id, cat, saved_at, *cities):
    return {"id": id, "cat": cat, "title": "t", "cities": list(cities) or ["שדרות"], "savedAt": saved_at}


def write(path: Path, alerts) -> Path:
    path.write_text(json.dumps(alerts, ensure_ascii=False), encoding="utf-8")
    return path


def test_format_is_detected_by_the_shape_of_the_json(tmp_path):
    assert formats.detect(FIXTURE) == "hfc-alerts"
    assert hfc_alerts.detect(["id", "cat", "cities", "savedAt"]) is False  # never a CSV
    assert not hfc_alerts.detect_file(FIXTURES / "ucdp_ged_sample.csv")
    assert formats.detect(FIXTURES / "ucdp_ged_sample.csv") == "ucdp-ged"
    assert not hfc_alerts.detect_file(write(tmp_path / "other.json", [{"id": 1, "date": "2024-01-01"}]))
    assert not hfc_alerts.detect_file(write(tmp_path / "object.json", {"cat": 1, "cities": [], "savedAt": "x"}))
    assert hfc_alerts.detect_file(write(tmp_path / "named-anyhow.txt", [alert("1", 1, "2024-01-01T10:00:00+02:00")]))


def test_every_alert_is_read_into_launch_events():
    read = list(hfc_alerts.read(FIXTURE))
    assert not any(isinstance(r, RowError) for r in read)
    assert len(read) == 27 and sum(r.raw["alert_count"] for r in read) == 33
    assert sum(len(r.evidence["alerts"]) for r in read) == 33


def test_alerts_within_the_window_are_one_event_and_a_gap_makes_two():
    rows = rows_by_id()
    # 22:53:23 and 22:58:06: 4 min 43 s apart, one event; 22:41:05 is 12 min before it, an event of its own.
    event = rows["2080_2024-01-26"].evidence
    assert event["alerts"] == ["2080_2024-01-26", "2081_2024-01-26"] and event["last"].endswith("22:58:06+02:00")
    assert rows["2079_2024-01-26"].evidence["alerts"] == ["2079_2024-01-26"]
    assert "2081_2024-01-26" not in rows
    # 10:04:29 and 10:10:49 (6 min 20 s): two events.
    assert rows["2004_2024-01-09"].evidence["alerts"] == ["2004_2024-01-09"]
    assert rows["2005_2024-01-09"].raw["alert_count"] == 2


def test_the_event_takes_the_first_alert_its_key_date_and_raw_row():
    row = rows_by_id()["1951_2023-12-31"]  # 23:59:53 and, ten seconds later, 00:00:03 on New Year's Day
    values = row.values()
    assert values["date"] == dt.date(2023, 12, 31) and values["date_precision"] == "day"
    assert values["evidence"]["alerts"] == ["1951_2023-12-31", "1951_2024-01-01"]
    assert values["evidence"]["first"] == "2023-12-31T23:59:53+02:00"
    assert values["evidence"]["zones"] == len(values["location"].split("; ")) == 75
    assert row.raw["id"] == "1951_2023-12-31" and row.raw["alert_count"] == 2 and row.raw["cat"] == 1
    assert row.row_number == 33  # the first alert's place in the array (the file is newest first)


def test_the_window_chains_and_other_categories_do_not_break_it(tmp_path):
    path = write(tmp_path / "alerts.json", [
        alert("a", 1, "2024-01-01T10:00:00+02:00"),
        alert("b", 2, "2024-01-01T10:02:00+02:00"),
        alert("c", 1, "2024-01-01T10:04:00+02:00"),
        alert("d", 1, "2024-01-01T10:09:00+02:00"),  # exactly 5 minutes after c: joins
        alert("e", 1, "2024-01-01T10:14:01+02:00"),  # 5 min 1 s after d: a new event
        alert("f", 2, "2024-01-01T10:06:00+02:00"),  # 4 minutes after b, listed out of order
    ])
    events = {key: r.evidence["alerts"] for key, r in rows_by_id(path).items()}
    assert events == {"a": ["a", "c", "d"], "b": ["b", "f"], "e": ["e"]}
    assert hfc_alerts.WINDOW == dt.timedelta(minutes=5)


def test_categories_give_munitions_without_counts():
    rows = rows_by_id()
    munitions = {r.evidence["category"]: r.values()["munitions"] for r in rows.values()}
    assert munitions[1] == [{"munition_type": "unknown", "count": None}]
    assert munitions[2] == [{"munition_type": "uav", "count": None}]
    assert munitions[3] == munitions[4] == []
    assert rows["2094_2024-01-28"].evidence["alert"] == "rockets and missiles alert"
    assert rows["2093_2024-01-28"].evidence["alert"] == "hostile aircraft intrusion alert"
    assert Counter(r.evidence["category"] for r in rows.values()) == Counter({1: 13, 2: 12, 3: 1, 4: 1})


def test_no_actor_so_every_event_is_out_of_scope():
    for row in rows_by_id().values():
        values = row.values()
        assert values["in_scope"] is False and values["country"] == "IL"
        assert (values["actor_id"], values["attribution"], values["target_category"]) == (None, "unknown", "other")
    # The same warning with an Iran-linked attacker from another source would count.
    from salvo.readers.scope import in_scope

    assert in_scope(munitions=["uav"], actor_id="hezbollah", target_category="other", country="IL")


def test_zone_polygons_beside_the_file_give_the_centroid(tmp_path):
    def square(name, x, y, size):
        ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
        return {"type": "Feature", "properties": {"name": name, "english_name": ""},
                "geometry": {"type": "Polygon", "coordinates": [ring]}}

    path = write(tmp_path / "alertHistory.json", [
        alert("1", 1, "2024-01-01T10:00:00+02:00", "שדרות", "איבים"),
        alert("2", 1, "2024-01-01T10:01:00+02:00", "נחל עוז", "nowhere"),
        alert("3", 2, "2024-01-02T10:00:00+02:00", "nowhere"),
    ])
    (tmp_path / "alertZones.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        square("שדרות, איבים", 34.0, 31.0, 0.2),  # one polygon for two places the alerts name apart
        square("נחל עוז", 35.0, 31.0, 0.1),
    ]}, ensure_ascii=False), encoding="utf-8")
    rows = rows_by_id(path)
    values = rows["1"].values()
    # area-weighted: (0.04 * 34.1 + 0.01 * 35.05) / 0.05 = 34.29; (0.04 * 31.1 + 0.01 * 31.05) / 0.05 = 31.09
    assert (values["longitude"], values["latitude"]) == (pytest.approx(34.29), pytest.approx(31.09))
    assert values["location_precision"] == "region" and "location_precision" not in values["evidence"]
    assert (values["evidence"]["zones"], values["evidence"]["zones_located"]) == (4, 3)
    assert values["location"] == "שדרות; איבים; נחל עוז; nowhere"
    alone = rows["3"].values()
    assert alone["latitude"] is None and alone["location_precision"] is None
    # without the polygons file: names only
    assert rows_by_id(FIXTURE)["2094_2024-01-28"].latitude is None


def test_unreadable_alerts_are_row_errors_and_the_rest_is_read(tmp_path):
    path = write(tmp_path / "alerts.json", [
        alert("1", 1, "2024-01-01T10:00:00+02:00"),
        alert("2", 1, "yesterday"),
        {"id": "3", "cities": [], "savedAt": "2024-01-01T10:00:00+02:00"},
        alert("4", "rockets", "2024-01-01T10:00:00+02:00"),
        alert("5", 1, "2024-01-01T10:00:00"),
        alert("1", 1, "2024-01-01T11:00:00+02:00"),
        "not an alert",
    ])
    read = list(hfc_alerts.read(path))
    errors = [(e.row, e.field) for e in read if isinstance(e, RowError)]
    assert errors == [(2, "savedAt"), (3, "cat"), (4, "cat"), (5, "savedAt"), (6, "id"), (7, None)]
    assert [r.row_key for r in read if not isinstance(r, RowError)] == ["1"]
    with pytest.raises(FileError, match="not a JSON array"):
        list(hfc_alerts.read(write(tmp_path / "object.json", {"alerts": []})))
    (tmp_path / "broken.json").write_text("[{", encoding="utf-8")
    with pytest.raises(FileError, match="not JSON"):
        list(hfc_alerts.read(tmp_path / "broken.json"))


def test_import_keeps_provenance_and_reimport_changes_nothing(sqlite_store):
    first = import_reports(sqlite_store, FIXTURE, "hfc-alerts")
    assert (first.rows, first.added, first.rejected, first.withdrawn, first.out_of_scope) == (27, 27, 0, 0, 27)
    again = import_reports(sqlite_store, FIXTURE, "hfc-alerts")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 27)
    with sqlite_store.session() as session:
        stored = {r.row_key: r for r in reports(session, "hfc-alerts")}
        assert len(stored) == 27 and len(stored["2005_2024-01-09"].provenance) == 1  # one entry per file
        assert stored["2005_2024-01-09"].provenance[0].raw["alert_count"] == 2
        assert stored["2005_2024-01-09"].evidence["alerts"] == ["2005_2024-01-09", "2006_2024-01-09"]
        assert all(r.location_precision is None for r in stored.values())  # no zone polygons beside the fixture


def test_a_later_alert_extends_an_event_and_a_vanished_one_withdraws_it(sqlite_store, tmp_path):
    alerts = json.loads(FIXTURE.read_text(encoding="utf-8"))
    release = tmp_path / FIXTURE.name
    write(release, alerts)
    import_reports(sqlite_store, release, "hfc-alerts")
    kept = [a for a in alerts if a["id"] != "2079_2024-01-26"]  # an event of one alert vanished
    kept.insert(0, alert("9999_2024-01-28", 1, "2024-01-28T16:37:00+02:00", "קצרין"))  # 2094 grows
    write(release, kept)
    summary = import_reports(sqlite_store, release, "hfc-alerts")
    assert (summary.added, summary.updated, summary.unchanged, summary.withdrawn) == (0, 1, 25, 1)


def test_cli_detects_and_summarises_as_json(sqlite_store):
    result = CliRunner().invoke(app, ["import", str(FIXTURE), "--db", sqlite_store.url, "--summary", "json"])
    summary = json.loads(result.stdout)
    assert summary["format"] == "hfc-alerts" and summary["added"] == 27 and summary["out_of_scope"] == 27


def _events_by_hand(alerts, minutes=5):
    """An independent count of launch events: per category, a gap of more than `minutes` starts one."""
    times: dict[int, list[dt.datetime]] = {}
    for a in alerts:
        times.setdefault(a["cat"], []).append(dt.datetime.fromisoformat(a["savedAt"]))
    gap, starts = dt.timedelta(minutes=minutes), []
    for cat, stamps in times.items():
        stamps.sort()
        starts += [(cat, t) for i, t in enumerate(stamps) if i == 0 or t - stamps[i - 1] > gap]
    return starts


def test_the_shared_alert_history_is_read_whole(tmp_path):
    folder = shared("israel-hfc-alerts")
    path = folder / "alertHistory.json"
    alerts = json.loads(path.read_text(encoding="utf-8"))
    assert len(alerts) == 15041
    read = list(hfc_alerts.read(path))
    assert not any(isinstance(r, RowError) for r in read)
    assert sum(r.raw["alert_count"] for r in read) == 15041
    assert sorted(i for r in read for i in r.evidence["alerts"]) == sorted(a["id"] for a in alerts)
    starts = _events_by_hand(alerts)
    assert len(read) == len(starts) == 5848
    per_year = Counter((r.date.year, r.evidence["category"]) for r in read)
    assert per_year == Counter((t.year, cat) for cat, t in starts)
    assert not any(r.in_scope for r in read)
    # The polygons beside the file locate all but a few events, inside Israel and the territories.
    located = [r.values() for r in read if r.latitude is not None]
    assert len(located) == len(read) - 26
    assert [r.location_precision for r in read if r.latitude is not None] == ["region"] * len(located)
    assert all(29.4 < v["latitude"] < 33.4 and 34.2 < v["longitude"] < 35.9 for v in located)
    # Without them, names only.
    shutil.copy(path, tmp_path / path.name)
    assert next(hfc_alerts.read(tmp_path / path.name)).latitude is None


def test_january_2024_alerts_and_events():
    alerts = json.loads((shared("israel-hfc-alerts") / "alertHistory.json").read_text(encoding="utf-8"))
    local = Counter(a["cat"] for a in alerts if a["savedAt"].startswith("2024-01"))
    assert local == Counter({1: 118, 2: 35, 3: 1})  # by the local time the file writes
    # SOURCE.md's "151 alerts (115 rockets, 35 UAV)" are those from 1 January 00:00 UTC up to 31 January
    # (excluded): the 00:00:03 local alert of 1 January and both alerts of 31 January fall outside.
    utc = dt.timezone.utc
    start, end = dt.datetime(2024, 1, 1, tzinfo=utc), dt.datetime(2024, 1, 31, tzinfo=utc)
    source = Counter(a["cat"] for a in alerts if start <= dt.datetime.fromisoformat(a["savedAt"]) < end)
    assert source == Counter({1: 115, 2: 35, 3: 1}) and sum(source.values()) == 151
    events = Counter(r.evidence["category"] for r in hfc_alerts.read(
        shared("israel-hfc-alerts") / "alertHistory.json") if r.date.strftime("%Y-%m") == "2024-01")
    by_hand = Counter(cat for cat, t in _events_by_hand(alerts) if (t.year, t.month) == (2024, 1))
    assert events == by_hand == Counter({1: 113, 2: 31, 3: 1})


# --- streaming -------------------------------------------------------------------


def parsed(path):
    """The good alerts of a file, loaded whole (as the reader did before it streamed)."""
    items = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    return [hfc_alerts._alert(str(path), number, item) for number, item in enumerate(items, start=1)]


def test_streamed_events_are_launch_events_over_the_whole_fixture(monkeypatch):
    by_hand = [[a.id for a in group] for group in hfc_alerts.launch_events(parsed(FIXTURE))]
    assert len(by_hand) == 27
    assert [r.evidence["alerts"] for r in hfc_alerts.read(FIXTURE)] == by_hand
    ordered = sorted(parsed(FIXTURE), key=lambda a: (a.time, a.id))
    assert [[a.id for a in group] for group in hfc_alerts.stream_events(ordered)] == by_hand
    # Chunks smaller than an alert (and than a Hebrew character) change nothing.
    rows = [(r.row_key, r.row_number, r.raw, r.values()) for r in hfc_alerts.read(FIXTURE)]
    for chunk in (1, 5, 64):
        monkeypatch.setattr(hfc_alerts, "CHUNK", chunk)
        assert [(r.row_key, r.row_number, r.raw, r.values()) for r in hfc_alerts.read(FIXTURE)] == rows


@pytest.mark.parametrize("order", ["newest first", "oldest first", "shuffled"])
def test_the_order_of_the_file_does_not_change_the_events(tmp_path, order):
    alerts = json.loads(FIXTURE.read_text(encoding="utf-8"))  # newest first, as the real file
    if order == "oldest first":
        alerts.reverse()
    elif order == "shuffled":  # times go up and down: the in-memory fallback
        alerts = alerts[::2] + alerts[1::2]
    path = write(tmp_path / "alerts.json", alerts)
    expected = [(r.row_key, r.values()) for r in hfc_alerts.read(FIXTURE)]
    assert [(r.row_key, r.values()) for r in hfc_alerts.read(path)] == expected


def test_the_shared_history_streams_to_the_launch_events_of_the_whole_file():
    path = shared("israel-hfc-alerts") / "alertHistory.json"
    alerts = parsed(path)
    times = [a.time for a in alerts]
    assert all(a >= b for a, b in zip(times, times[1:]))  # newest first: read backwards
    by_hand = [[a.id for a in group] for group in hfc_alerts.launch_events(alerts)]
    assert [r.evidence["alerts"] for r in hfc_alerts.read(path)] == by_hand


def test_a_cut_off_or_undecodable_file_is_a_file_error_saying_where(tmp_path):
    whole = FIXTURE.read_bytes()
    cut = tmp_path / "cut.json"
    cut.write_bytes(whole[:4235])  # in the middle of alert 21, which starts at byte 4014
    with pytest.raises(FileError, match=r"truncated: alert 21, from byte 4014, is cut off") as caught:
        list(hfc_alerts.read(cut))
    assert caught.value.error.file == str(cut) and caught.value.error.row == 21
    cut.write_bytes(whole.rstrip()[:-1])  # the closing bracket lost
    with pytest.raises(FileError, match=r"array of alerts is not closed after alert 33"):
        list(hfc_alerts.read(cut))
    cut.write_bytes(whole.rstrip()[:-1].rstrip() + b",")
    with pytest.raises(FileError, match=r"truncated: the file ends after alert 33"):
        list(hfc_alerts.read(cut))
    cut.write_bytes(whole[:500] + b"\xff" + whole[500:])  # byte 499 starts a Hebrew letter that 0xff cuts
    with pytest.raises(FileError, match=r"is not UTF-8 text \(invalid continuation byte, at byte 499\)"):
        list(hfc_alerts.read(cut))
    cut.write_bytes(b'[{"id": "1"},]')
    with pytest.raises(FileError, match=r"is not JSON \(Expecting value, line 1, in alert 2"):
        list(hfc_alerts.read(cut))
    cut.write_bytes(whole + b"[]")
    with pytest.raises(FileError, match=r"is not JSON \(Extra data"):
        list(hfc_alerts.read(cut))
    # A bad alert before the cut is still a RowError, yielded before the FileError; no report is.
    alerts = [alert("1", 1, "2024-01-01T10:00:00+02:00"), alert("2", 1, "yesterday")]
    cut.write_bytes(json.dumps(alerts).encode()[:-1])
    read = hfc_alerts.read(cut)
    assert next(read).row == 2
    with pytest.raises(FileError, match="not closed after alert 2"):
        next(read)


CITIES = ["שדרות", "איבים", "נחל עוז", "כפר עזה", "ניר עם", "קצרין", "קדמת צבי", "ערב אל עראמשה", "אדמית",
          "מטולה", "קריית שמונה", "אשקלון - דרום", "נתיבות", "אופקים", "בארי"]


def synthetic_history(path: Path, count: int) -> Path:
    """`count` made-up alerts, newest first as the real file, in salvos of a few alerts, written one at a time."""
    import random

    rng = random.Random(7)
    zone = dt.timezone(dt.timedelta(hours=2))
    stamps, time = [], dt.datetime(2021, 5, 10, 18, 0, tzinfo=zone)
    for _ in range(count):
        time += dt.timedelta(seconds=rng.choice([0, 5, 40, 120, 400, 900]))
        stamps.append(time)
    with path.open("w", encoding="utf-8") as out:
        out.write("[\n")
        for number, index in enumerate(range(count - 1, -1, -1)):
            cat = 1 if index % 7 else 2
            item = {"id": f"{index}_{stamps[index].date()}", "cat": cat, "title": "ירי רקטות וטילים",
                    "cities": rng.sample(CITIES, rng.randint(1, 5)), "savedAt": stamps[index].isoformat()}
            out.write(("" if number == 0 else ",\n") + json.dumps(item, ensure_ascii=False, separators=(",", ":")))
        out.write("\n]\n")
    return path


def test_a_big_history_is_read_in_a_fraction_of_its_size(tmp_path):
    import tracemalloc

    path = synthetic_history(tmp_path / "alertHistory.json", 100_000)
    size = path.stat().st_size
    assert size > 15_000_000
    events = alerts = 0
    tracemalloc.start()
    try:
        for row in hfc_alerts.read(path):
            events += 1
            alerts += row.raw["alert_count"]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert alerts == 100_000 and 40_000 < events < 50_000
    # About 21 bytes per alert (offsets, id hashes) and a few chunks; the whole file loaded took 7 times its size.
    assert peak < size / 3, (peak, size)
