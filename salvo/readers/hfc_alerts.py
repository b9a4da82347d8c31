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
  the area-weighted centroid of the warned zones that it has (region precision)
  - the middle of the warned area, not a launch or impact point;
* evidence: the alert ids, the number of zones, the first and last ``savedAt``
  and the category; the raw row is the first alert with ``alert_count``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from salvo.readers.errors import FileError, RowError
from salvo.readers.report_rows import ReportRow
from salvo.readers.scope import in_scope

FORMAT = "hfc-alerts"
# Alerts of one category at most this long after the previous one belong to the same launch event.
# Rocket and mortar flight times from Gaza and Lebanon are under two minutes, and the alerts of one
# salvo come within seconds to a couple of minutes of each other; five minutes joins a salvo's
# alerts without joining salvos fired a quarter of an hour apart.
WINDOW = dt.timedelta(minutes=5)
REQUIRED = ("cat", "cities", "savedAt")
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


def read(path: Path) -> Iterator[ReportRow | RowError]:
    """Each launch event of an alert history as a report, or a RowError for an alert that cannot be read."""
    path = Path(path)
    file = str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise FileError(RowError(file, None, None, None, f"is not UTF-8 text ({exc.reason})")) from None
    except json.JSONDecodeError as exc:
        raise FileError(RowError(file, None, None, None, f"is not JSON ({exc.msg}, line {exc.lineno})")) from None
    if not isinstance(data, list):
        raise FileError(RowError(file, None, None, None, "is not a JSON array of alerts"))
    zones = _zones(path.with_name(ZONES_FILE))
    alerts: list[_Alert] = []
    seen: set[str] = set()
    for number, item in enumerate(data, start=1):
        alert = _alert(file, number, item)
        if isinstance(alert, RowError):
            yield alert
        elif alert.id in seen:
            yield RowError(file, number, "id", alert.id, "duplicate alert id")
        else:
            seen.add(alert.id)
            alerts.append(alert)
    for group in launch_events(alerts):
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


def _alert(file: str, number: int, item: Any) -> _Alert | RowError:
    if not isinstance(item, dict):
        return RowError(file, number, None, None, "not an alert (a JSON object)")
    missing = [name for name in ("id", *REQUIRED) if item.get(name) in (None, "")]
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


def _report(group: list[_Alert], zones: dict[str, tuple[str, float, float, float]]) -> ReportRow:
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
        "location_precision": "region" if latitude is not None else None,
        "window_minutes": int(WINDOW.total_seconds() // 60),
    }
    values = {
        "date": first.time.date(), "date_precision": "day", "country": COUNTRY,
        "location": "; ".join(_zone_name(name, zones) for name in names) or None,
        "latitude": latitude, "longitude": longitude,
        "target": None, "target_category": "other",
        "actor_name": None, "actor_id": None, "attribution": "unknown",
        "killed": None, "injured": None, "outlet": OUTLET,
        "munitions": [{"munition_type": kind, "count": None} for kind in munitions],
        "evidence": evidence,
        "text": first.row.get("title") or None,
    }
    values["in_scope"] = in_scope(munitions=munitions, actor_id=None, target_category="other", country=COUNTRY)
    raw = {**first.row, "alert_count": len(group)}
    return ReportRow(FORMAT, first.id, first.number, raw, values)


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
