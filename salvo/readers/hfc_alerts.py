"""Israel Home Front Command (Pikud HaOref) alert history, as a JSON array of alerts.

Where to get it: the alert history that Pikud HaOref publishes (oref.org.il), as
collected in https://github.com/eranyariv/Israel-Alerts-Map
(``frontend/public/alertHistory.json``, MIT; from Pikud HaOref and the archive of
https://github.com/yuval-harpaz/alarms). Each alert is an object with ``id``,
``cat`` (1 rockets and missiles, 2 hostile aircraft intrusion, 3 infiltration,
4 earthquake), ``title`` (the Hebrew category label), ``cities`` (the Hebrew
names of the warned zones) and ``savedAt`` (local time, ISO with an offset).

**An alert is a warning, not a launch**: one salvo sets off alerts in many zones,
in several alerts, and an intercepted or unnoticed launch may set off none. So
alerts are grouped into launch events, and each launch event is one report:

* alerts of one category, in time order, whose time is at most ``WINDOW`` after
  the previous alert of the group, form one launch event (a chain: continuous
  fire is one event however long it lasts); alerts of other categories in
  between do not break it;
* the row key is the first alert's ``id``, the date the local date of the first
  alert (day precision), the country Israel;
* munitions: category 1 "rockets and missiles" -> ``unknown`` (the alert covers
  rockets, mortars and ballistic and cruise missiles alike), category 2 "hostile
  aircraft intrusion" -> ``uav``, never with a count (alerts do not count
  projectiles); other categories have no munition and are out of scope;
* no actor and no target (``other``): the alerts do not say who fired, so the
  events are out of scope until linked to another source's report;
* the location: the warned zones' names; when ``alertZones.geojson`` (the zone
  polygons of the same repository) lies beside the file, the coordinates are
  the area-weighted centroid of the warned zones that it has (location precision
  ``region``) - the middle of the warned area, not a launch or impact point. The
  zones are Pikud HaOref's, not gazetteer places, so there is no place id;
* evidence: the alert ids, the number of zones, the first and last ``savedAt``
  and the category; the raw row is the first alert with ``alert_count``.

**Streaming.** The file is never read whole: the array is parsed element by
element (``json.JSONDecoder.raw_decode`` over a sliding text buffer) from
``CHUNK`` (256 KiB) reads, in two passes over the file. (Decoding a chunk of
Hebrew text costs about four times its size for a moment, hence 256 KiB, not
more: the buffer and that moment come to about 1.5 MB.)

1. The first pass checks each alert (:func:`_alert`; unreadable alerts and
   repeated ids are RowErrors, yielded at once and in file order, as before)
   and notes, per element, its byte offset (8 bytes), whether it is a good
   alert (1 byte) and, for the duplicate check, its id's hash and number in
   :class:`_Ids` (12 bytes, plus about 0.6 MB for its 4,096 buckets; a hash
   that matches is confirmed by rereading the earlier alert, so the check is
   exact). It also notes whether the good alerts' times ever go up and ever go
   down. So reading keeps about 21 bytes per alert (the real file has about 260
   bytes per alert): memory grows with the file, but at under a tenth of its size.
2. The second pass reads the good alerts again, in ascending time: forwards when
   the file is in ascending time order, backwards from the noted offsets (a
   chunk at a time) when it is in descending order - the real history is newest
   first (times never go up; equal times, about half the alerts, are in
   ascending id order). Alerts of equal time are sorted by id (one run of
   equal times at a time: at most 106 in the real file) and grouped as they
   come (:func:`stream_events`): a launch event is closed as soon as an alert
   comes more than ``WINDOW`` after its last alert, and yielded once every
   event that began before it is closed too. So the second pass holds only the
   open events and the closed ones waiting behind an older open one.

Reports come out in the same order, with the same keys, row numbers, raw rows
and values, as when the whole file was loaded and grouped by
:func:`launch_events`. A file whose times go both up and down (neither order)
is not refused and does not give other events: the second pass falls back to
a compact in-memory sort, one small record (time in microseconds, id,
category, alert number) per good alert, grouped by :func:`launch_events`, each
event's alerts then reread by offset. That costs memory in proportion to the
number of alerts: about 300 bytes per alert at the peak (measured on 200,000
shuffled alerts: 58 MB for a 35 MB file), still far less than loading the
file whole, as the reader did before (250 MB for that file).

A file that is not a JSON array, is cut off (array not closed, alert cut off),
is not UTF-8 or is not valid JSON is a FileError naming the alert number and
byte offset where reading stopped; so is a file in which no alert has one of
the fields every alert has (``id``, ``cat``, ``cities``, ``savedAt``), as a
CSV without a required column is. RowErrors already yielded for earlier
alerts stay yielded, and no report is yielded before the first pass is done.
The alert zones file (``alertZones.geojson``, 2 MB) is still loaded whole, once per process.
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
import os
import re
from array import array
from collections import deque
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import IO, Any

from salvo.readers.errors import FileError, RowError
from salvo.readers.report_rows import munition_records
from salvo.readers.scope import in_scope
from salvo.records import ReportRecord

FORMAT = "hfc-alerts"
# Alerts of one category at most this long after the previous one belong to the same launch event.
# Rocket and mortar flight times from Gaza and Lebanon are under two minutes, and the alerts of one
# salvo come within seconds to a couple of minutes of each other; five minutes joins a salvo's
# alerts without joining salvos fired a quarter of an hour apart.
WINDOW = dt.timedelta(minutes=5)
REQUIRED = ("cat", "cities", "savedAt")
FIELDS = ("id", *REQUIRED)  # what every alert has
# cat -> (what the alert warns of, the munition type it implies or None)
CATEGORIES: dict[int, tuple[str, str | None]] = {
    1: ("rockets and missiles", "unknown"),
    2: ("hostile aircraft intrusion", "uav"),
    3: ("infiltration", None),
    4: ("earthquake", None),
}
ZONES_FILE = "alertZones.geojson"
COUNTRY = "IL"
OUTLET = "Pikud HaOref (Israel Home Front Command)"
_PEEK = (1 << 16, 1 << 23)  # detection reads 64 KiB, more (up to 8 MiB) only while the first alert is cut off
CHUNK = 1 << 18  # reading reads the file 256 KiB at a time (see the module's docs)
_WS = re.compile(r"[ \t\n\r]*")
_CLOSERS = frozenset(",:]}")  # after a JSON syntax error at the end of the file: not cut off, but wrong
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_MICROSECOND = dt.timedelta(microseconds=1)


def detect(header: list[str]) -> bool:
    """Never a CSV header: the alert history is JSON (see :func:`detect_file`)."""
    return False


def detect_file(path: Path) -> bool:
    """Whether a file is an alert history: a JSON array whose first object has ``cat``, ``cities``, ``savedAt``."""
    size = _PEEK[0]
    try:
        with Path(path).open("rb") as handle:
            head = handle.read(size)
            while True:
                text = head.decode("utf-8-sig", errors="replace").lstrip()
                if not text.startswith("["):
                    return False
                try:
                    first, _ = json.JSONDecoder().raw_decode(text[1:].lstrip())
                except json.JSONDecodeError:
                    if len(head) < size or size >= _PEEK[1]:
                        return False
                    head += handle.read(size)
                    size *= 2
                    continue
                return isinstance(first, dict) and all(name in first for name in REQUIRED)
    except OSError:
        return False


def read(path: Path) -> Iterator[ReportRecord | RowError]:
    """Each launch event of an alert history as a report, or a RowError for an alert that cannot be read.

    Streams the file in two passes (see the module's docs): first the RowErrors,
    in file order, then the reports, in order of their first alert.
    """
    path = Path(path)
    file = str(path)
    with path.open("rb") as handle, path.open("rb") as lookup:
        history = _History(file, handle, lookup)
        yield from history.check()
        zones = _zones(path.with_name(ZONES_FILE))
        for group in history.events():
            yield _report(group, zones)


class _Alert:
    __slots__ = ("id", "number", "category", "cities", "time", "row")

    def __init__(self, id: str, number: int, category: int, cities: list[str], time: dt.datetime,
                 row: dict[str, Any]):
        self.id, self.number, self.category, self.cities, self.time, self.row = (
            id, number, category, cities, time, row)


def launch_events(alerts: list, window: dt.timedelta = WINDOW) -> list[list]:
    """Alerts grouped into launch events, in order of their first alert.

    `alerts` are anything with ``id``, ``category`` and an aware ``time``. Within a
    category, in time order (ties by id), an alert at most `window` after the
    previous one joins its event; a longer gap starts a new event.
    """
    events: list[list] = []
    last: dict[int, list] = {}
    for alert in sorted(alerts, key=lambda a: (a.time, a.id)):
        group = last.get(alert.category)
        if group is not None and alert.time - group[-1].time <= window:
            group.append(alert)
        else:
            group = [alert]
            events.append(group)
            last[alert.category] = group
    return events


def stream_events(alerts: Iterable, window: dt.timedelta | int = WINDOW) -> Iterator[list]:
    """:func:`launch_events` for alerts that come in ascending (time, id) order, each event as soon as it is done.

    An event is closed when an alert (of any category) comes more than `window`
    after its last alert: no later alert can join it. It is yielded once it and
    every event that began before it are closed, so events come out in the
    order of their first alert, as from :func:`launch_events`, and only the
    open events (and closed ones waiting behind them) are held.
    """
    waiting: deque[list] = deque()  # [alerts, closed], in order of the first alert
    current: dict[int, list] = {}  # category -> its open [alerts, closed]
    for alert in alerts:
        for category, event in list(current.items()):
            if alert.time - event[0][-1].time > window:
                event[1] = True
                del current[category]
        event = current.get(alert.category)
        if event is None:
            event = current[alert.category] = [[alert], False]
            waiting.append(event)
        else:
            event[0].append(alert)
        while waiting[0][1]:
            yield waiting.popleft()[0]
    for event in waiting:
        yield event[0]


def _by_time_and_id(alerts: Iterable[_Alert]) -> Iterator[_Alert]:
    """Alerts that come in ascending time, with each run of equal times sorted by id (as launch_events sorts)."""
    run: list[_Alert] = []
    for alert in alerts:
        if run and alert.time != run[0].time:
            run.sort(key=lambda a: a.id)
            yield from run
            run = []
        run.append(alert)
    run.sort(key=lambda a: a.id)
    yield from run


class _History:
    """One alert history file, read in two passes (see the module's docs)."""

    def __init__(self, file: str, handle: IO[bytes], lookup: IO[bytes]):
        self.file, self.handle, self.lookup = file, handle, lookup
        self.starts = array("Q")  # byte offset of each element of the array
        self.good = bytearray()  # 1 for each element that is an alert to group
        self.end = 0  # byte offset of the closing bracket
        self.size = os.fstat(handle.fileno()).st_size
        self.rising = self.falling = False

    def check(self) -> Iterator[RowError]:
        """The first pass: the RowErrors, and what the second pass needs.

        A field that no alert of the file has is a FileError, as a column missing
        from a CSV header is: the file is not an alert history in this layout.
        """
        ids = _Ids(self._id)
        previous = None
        lacking = list(FIELDS)  # the fields no alert has had so far
        elements = _Elements(self.file, self.handle, self.size)
        for number, start, item in elements:
            self.starts.append(start)
            if lacking and isinstance(item, dict):
                lacking = [name for name in lacking if item.get(name) in (None, "")]
            alert = _alert(self.file, number, item)
            if isinstance(alert, RowError):
                self.good.append(0)
                yield alert
            elif not ids.add(alert.id, number):
                self.good.append(0)
                yield RowError(self.file, number, "id", alert.id, "duplicate alert id")
            else:
                self.good.append(1)
                if previous is not None:
                    self.rising = self.rising or alert.time > previous
                    self.falling = self.falling or alert.time < previous
                previous = alert.time
        self.end = elements.end
        if lacking and self.starts:
            raise FileError(RowError(self.file, None, ", ".join(lacking), None,
                                     f"no alert of the {len(self.starts)} has this field: not a Pikud HaOref "
                                     f"alert history (every alert has {', '.join(FIELDS)})"))

    def events(self) -> Iterator[list[_Alert]]:
        """The second pass: the launch events, in order of their first alert."""
        if os.fstat(self.handle.fileno()).st_size != self.size:
            raise self._changed(None)
        if self.rising and self.falling:
            yield from self._sorted_events()
            return
        alerts = self._backwards() if self.falling else self._forwards()
        yield from stream_events(_by_time_and_id(alerts))

    def _forwards(self) -> Iterator[_Alert]:
        self.handle.seek(0)
        for number, _, item in _Elements(self.file, self.handle, self.size):
            if self.good[number - 1]:
                yield self._again(number, item)

    def _backwards(self) -> Iterator[_Alert]:
        """The good alerts from the last to the first, reading about a chunk at a time from the end."""
        decoder = json.JSONDecoder()
        stop = len(self.starts)
        while stop:
            end = self.end if stop == len(self.starts) else self.starts[stop]
            first = stop - 1
            while first and end - self.starts[first - 1] <= CHUNK:
                first -= 1
            base = self.starts[first]
            self.lookup.seek(base)
            block = self.lookup.read(end - base)
            for index in range(stop - 1, first - 1, -1):
                if not self.good[index]:
                    continue
                till = self.starts[index + 1] if index + 1 < len(self.starts) else self.end
                try:
                    item = decoder.raw_decode(block[self.starts[index] - base:till - base].decode("utf-8"))[0]
                except (UnicodeDecodeError, json.JSONDecodeError):
                    raise self._changed(index + 1) from None
                yield self._again(index + 1, item)
            stop = first

    def _sorted_events(self) -> Iterator[list[_Alert]]:
        """Neither order: compact keys of every good alert, sorted and grouped in memory; alerts reread by offset."""
        keys = [_Key((alert.time - _EPOCH) // _MICROSECOND, alert.id, alert.category, alert.number)
                for alert in self._forwards()]
        for group in launch_events(keys, window=WINDOW // _MICROSECOND):
            yield [self._again(key.number, self._element(key.number)) for key in group]

    def _element(self, number: int) -> Any:
        """Element `number` of the array, reread from its offset."""
        start = self.starts[number - 1]
        end = self.starts[number] if number < len(self.starts) else self.end
        self.lookup.seek(start)
        try:
            return json.JSONDecoder().raw_decode(self.lookup.read(end - start).decode("utf-8"))[0]
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise self._changed(number) from None

    def _id(self, number: int) -> str:
        return str(self._element(number)["id"]).strip()

    def _again(self, number: int, item: Any) -> _Alert:
        alert = _alert(self.file, number, item)
        if isinstance(alert, RowError):
            raise self._changed(number)
        return alert

    def _changed(self, number: int | None) -> FileError:
        return FileError(RowError(self.file, number, None, None, "changed while it was being read"))


class _Key:
    """What the in-memory fallback keeps of an alert: time (microseconds since 1970, UTC), id, category, number."""

    __slots__ = ("time", "id", "category", "number")

    def __init__(self, time: int, id: str, category: int, number: int):
        self.time, self.id, self.category, self.number = time, id, category, number


class _Ids:
    """The alert ids seen so far, exactly, in about 12 bytes each.

    Each id is kept as its 64-bit hash and its alert's number, in one of 4,096
    buckets of two arrays; a hash found in its bucket is confirmed by
    rereading that alert's id (`fetch`), so colliding hashes never make a
    false duplicate.
    """

    BUCKETS = 1 << 12

    def __init__(self, fetch):
        self.fetch = fetch
        self.hashes: list[array | None] = [None] * self.BUCKETS
        self.numbers: list[array | None] = [None] * self.BUCKETS

    def add(self, key: str, number: int) -> bool:
        """Note `key` (of alert `number`); False when it was already there."""
        digest = hash(key) & 0xFFFF_FFFF_FFFF_FFFF
        bucket = digest & (self.BUCKETS - 1)
        hashes, numbers = self.hashes[bucket], self.numbers[bucket]
        if hashes is None:
            self.hashes[bucket], self.numbers[bucket] = array("Q", [digest]), array("I", [number])
            return True
        at = -1
        while True:
            try:
                at = hashes.index(digest, at + 1)
            except ValueError:
                break
            if self.fetch(numbers[at]) == key:
                return False
        hashes.append(digest)
        numbers.append(number)
        return True


class _Elements:
    """The elements of the JSON array in a binary file: (number, byte offset, value), read CHUNK bytes at a time.

    Holds the text from the current element on (about a chunk). Raises
    FileError for text that is not UTF-8, not a JSON array or cut off.
    """

    def __init__(self, file: str, handle: IO[bytes], size: int):
        self.file, self.handle, self.size = file, handle, size
        self.decoder = json.JSONDecoder()
        self.utf8 = codecs.getincrementaldecoder("utf-8")()
        self.text = ""
        self.mark = 0  # an index of text whose byte offset in the file is mark_byte; text before it is done with
        self.mark_byte = 0
        self.lines = 0  # line breaks before text
        self.read_bytes = 0
        self.eof = False
        self.end = 0  # byte offset of the closing bracket, once read

    def __iter__(self) -> Iterator[tuple[int, int, Any]]:
        index = self._skip(0)
        if self.text.startswith("\ufeff"):  # a byte order mark, as utf-8-sig reads it
            index = self._skip(1)
        if index >= len(self.text):
            raise self._error(None, f"is not JSON (Expecting value, line {self._line(index)})")
        if self.text[index] != "[":
            if self.text[index] in '{"-0123456789tfnIN':
                raise self._error(None, "is not a JSON array of alerts")
            raise self._error(None, f"is not JSON (Expecting value, line {self._line(index)})")
        index = self._skip(index + 1)
        number = 0
        if index < len(self.text) and self.text[index] == "]":
            after = index
        else:
            while True:
                number += 1
                start = self._byte(index)
                value, after, index = self._value(index, number, start)
                yield number, start, value
                if after >= len(self.text):
                    raise self._error(number, f"is not JSON (truncated: the array of alerts is not closed after "
                                              f"alert {number}, at byte {self.size} of {self.size})")
                if self.text[after] == "]":
                    break
                if self.text[after] != ",":
                    raise self._error(number, f"is not JSON (Expecting ',' delimiter, line {self._line(after)}, "
                                              f"after alert {number}, near byte {self._byte(after)})")
                index = self._skip(after + 1)
                if index >= len(self.text):
                    raise self._error(number, f"is not JSON (truncated: the file ends after alert {number} "
                                              f"and a comma, at byte {self.size})")
        if after >= len(self.text):
            raise self._error(None, f"is not JSON (truncated: the array of alerts is not closed, "
                                    f"at byte {self.size})")
        self.end = self._byte(after)
        rest = self._skip(after + 1)
        if rest < len(self.text):
            raise self._error(None, f"is not JSON (Extra data, line {self._line(rest)}, "
                                    f"near byte {self._byte(rest)})")

    def _value(self, index: int, number: int, start: int) -> tuple[Any, int, int]:
        """(the value from `index`, where the next non-space is, the value's index): reads more while needed."""
        while True:
            try:
                value, end = self.decoder.raw_decode(self.text, index)
            except json.JSONDecodeError as exc:
                # The value may go on in the next chunk: the error is at or near the end of the text.
                unterminated = exc.msg.startswith("Unterminated string")
                if not self.eof and (unterminated or exc.pos >= len(self.text) - 16):
                    index = self._fill(index)
                    continue
                # At the end of the file, the file is cut off when nothing but the start of a value follows.
                if unterminated or not _CLOSERS.intersection(self.text[exc.pos:]):
                    raise self._error(number, f"is not JSON (truncated: alert {number}, from byte {start}, is cut "
                                              f"off by the end of the file at byte {self.size}; {exc.msg}, "
                                              f"line {self._line(exc.pos)})") from None
                raise self._error(number, f"is not JSON ({exc.msg}, line {self._line(exc.pos)}, in alert {number}"
                                          f" from byte {start})") from None
            after = _WS.match(self.text, end).end()
            if after < len(self.text) or self.eof:  # a value at the very end of the text may go on (a number)
                return value, after, index
            index = self._fill(index)

    def _skip(self, index: int) -> int:
        """The index of the next non-space character from `index` on (len(text) at the end of the file)."""
        while True:
            index = _WS.match(self.text, index).end()
            if index < len(self.text) or self.eof:
                return index
            index = self._fill(index)

    def _fill(self, index: int) -> int:
        """Drop the text before `index`, read the next chunk; `index` in the new text."""
        self._byte(index)
        self.lines += self.text.count("\n", 0, self.mark)
        rest, self.text = self.text[self.mark:], ""  # the old text goes before the next is decoded
        self.mark = 0
        chunk = self.handle.read(CHUNK)
        pending = len(self.utf8.getstate()[0])  # bytes of a character cut by the previous chunk
        try:
            more = self.utf8.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            at = self.read_bytes - pending + exc.start
            raise self._error(None, f"is not UTF-8 text ({exc.reason}, at byte {at})") from None
        self.read_bytes += len(chunk)
        self.eof = not chunk
        del chunk
        self.text = rest + more if rest else more
        return 0

    def _byte(self, index: int) -> int:
        """The byte offset in the file of text[index] (index at or after the mark, which moves to it)."""
        self.mark_byte += len(self.text[self.mark:index].encode("utf-8"))
        self.mark = index
        return self.mark_byte

    def _line(self, index: int) -> int:
        return self.lines + self.text.count("\n", 0, index) + 1

    def _error(self, number: int | None, reason: str) -> FileError:
        return FileError(RowError(self.file, number, None, None, reason))


def _alert(file: str, number: int, item: Any) -> _Alert | RowError:
    if not isinstance(item, dict):
        return RowError(file, number, None, None, "not an alert (a JSON object)")
    missing = [name for name in FIELDS if item.get(name) in (None, "")]
    if missing:
        return RowError(file, number, ", ".join(missing), None, "missing alert field(s)")
    key = item["id"]
    if isinstance(key, bool) or not isinstance(key, (str, int)):
        return RowError(file, number, "id", str(key), "not an alert id")
    category = item["cat"]
    if isinstance(category, str) and category.strip().isdigit():
        category = int(category)
    if isinstance(category, bool) or not isinstance(category, int):
        return RowError(file, number, "cat", str(item["cat"]), "not an alert category (a whole number)")
    cities = item["cities"]
    if not isinstance(cities, list) or not all(isinstance(c, str) for c in cities):
        return RowError(file, number, "cities", str(cities)[:80], "not a list of zone names")
    try:
        time = dt.datetime.fromisoformat(str(item["savedAt"]))
    except ValueError:
        return RowError(file, number, "savedAt", str(item["savedAt"]), "not an ISO date and time")
    if time.tzinfo is None:
        return RowError(file, number, "savedAt", item["savedAt"], "has no UTC offset")
    return _Alert(str(key).strip(), number, category, [c.strip() for c in cities if c.strip()], time, item)


def _report(group: list[_Alert], zones: dict[str, tuple[str, float, float, float]]) -> ReportRecord:
    first, last = group[0], group[-1]
    label, munition = CATEGORIES.get(first.category, (None, None))
    names = list(dict.fromkeys(city for alert in group for city in alert.cities))
    located = [zones[name] for name in names if name in zones]
    latitude = longitude = None
    distinct = {zone[0]: zone for zone in located}.values()  # "A, B" warned as A and as B: one polygon
    area = sum(zone[3] for zone in distinct)
    if area > 0:
        longitude = round(sum(zone[1] * zone[3] for zone in distinct) / area, 5)
        latitude = round(sum(zone[2] * zone[3] for zone in distinct) / area, 5)
    munitions = [munition] if munition else []
    evidence = {
        "alerts": [alert.id for alert in group], "zones": len(names), "first": first.row["savedAt"],
        "last": last.row["savedAt"], "category": first.category,
        "alert": f"{label} alert" if label else first.row.get("title"),
        "zones_located": len(located) if zones else None,
        "window_minutes": int(WINDOW.total_seconds() // 60),
    }
    return ReportRecord(
        FORMAT, first.id, row_number=first.number, raw={**first.row, "alert_count": len(group)},
        date=first.time.date(), date_precision="day", country=COUNTRY,
        location="; ".join(_zone_name(name, zones) for name in names) or None,
        latitude=latitude, longitude=longitude, location_precision="region" if latitude is not None else None,
        target=None, target_category="other", actor_name=None, actor_id=None, attribution="unknown",
        killed=None, injured=None, outlet=OUTLET, munitions=munition_records(munitions),
        evidence=evidence, text=first.row.get("title") or None,
        in_scope=in_scope(munitions=munitions, actor_id=None, target_category="other", country=COUNTRY),
    )


def _zone_name(name: str, zones: dict[str, tuple[str, float, float, float]]) -> str:
    zone = zones.get(name)
    english = zone[4] if zone else ""
    return f"{name} ({english})" if english else name


def _zones(path: Path) -> dict[str, tuple]:
    """Zone name -> (polygon name, centroid longitude, latitude, area, English name), from the polygons file.

    Empty when there is no such file. A polygon named "A, B" (two places warned
    as one zone) also answers for A and for B, which older alerts name apart.
    """
    if not path.is_file():
        return {}
    stat = path.stat()
    return _load_zones(str(path), stat.st_mtime_ns, stat.st_size)


@cache
def _load_zones(file: str, mtime: int, size: int) -> dict[str, tuple]:
    try:
        data = json.loads(Path(file).read_text(encoding="utf-8-sig"))
        features = data["features"]
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise FileError(RowError(file, None, None, None, f"is not a GeoJSON FeatureCollection ({exc})")) from None
    zones: dict[str, tuple] = {}
    parts: dict[str, list[tuple]] = {}
    for feature in features:
        properties = feature.get("properties") or {}
        name = (properties.get("name") or "").strip()
        shape = _centroid(feature.get("geometry") or {})
        if not name or shape is None:
            continue
        zone = (name, *shape, (properties.get("english_name") or "").strip())
        zones[name] = zone
        for part in name.split(", "):
            parts.setdefault(part.strip(), []).append(zone)
    for part, found in parts.items():
        if part and part not in zones and len(found) == 1:
            zones[part] = found[0]
    return zones


def _centroid(geometry: dict[str, Any]) -> tuple[float, float, float] | None:
    """(longitude, latitude, area) of a Polygon or MultiPolygon, area-weighted, holes subtracted (in degrees²)."""
    kind, coordinates = geometry.get("type"), geometry.get("coordinates") or []
    polygons = [coordinates] if kind == "Polygon" else coordinates if kind == "MultiPolygon" else []
    total = sx = sy = 0.0
    for rings in polygons:
        for index, ring in enumerate(rings):
            area, cx, cy = _ring(ring)
            sign = 1.0 if index == 0 else -1.0
            total += sign * area
            sx += sign * area * cx
            sy += sign * area * cy
    if total <= 0:
        return None
    return sx / total, sy / total, total


def _ring(ring: list) -> tuple[float, float, float]:
    """Absolute area and centroid of one ring (shoelace formula)."""
    doubled = cx = cy = 0.0
    for (x0, y0, *_), (x1, y1, *_) in zip(ring, ring[1:] + ring[:1]):
        cross = x0 * y1 - x1 * y0
        doubled += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if doubled == 0:
        return 0.0, 0.0, 0.0
    return abs(doubled) / 2, cx / (3 * doubled), cy / (3 * doubled)
