"""Generate a large, realistic, deterministic file of incidents in Salvo's interchange CSV.

The benchmarks need the same data for Salvo and its peers, at sizes (a million
incidents) that no real data set reaches. Rows are drawn from a seeded
``random.Random`` so that a given size and seed always gives the same bytes,
and are streamed to disk so memory stays constant whatever the size.

The file leaves out the ``place_id`` and ``actor_id`` columns: Salvo then
resolves every location and actor name itself, the realistic and harder path.

Usage::

    .venv/bin/python bench/generate.py --rows 20000            # writes bench/.data/incidents-20000-s7.csv
    .venv/bin/python bench/generate.py --rows 1000 --output x.csv
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import sys
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / ".data"
DEFAULT_SEED = 7

HEADER = (
    "incident_id", "date", "date_precision", "country", "location", "latitude", "longitude",
    "location_precision", "target", "target_category", "actor", "attribution", "munition_type",
    "count", "count_estimate", "intercepted", "impacted", "failed", "killed", "killed_low", "killed_high",
    "injured", "injured_low", "injured_high", "status", "source_url", "notes",
)

# Country -> (bounding box lat_min, lat_max, lon_min, lon_max; real site and town names there).
COUNTRIES: dict[str, tuple[tuple[float, float, float, float], tuple[str, ...]]] = {
    "IQ": ((29.5, 37.0, 39.0, 48.0), (
        "Ain al-Asad Air Base", "Erbil International Airport", "Harir Air Base", "Baghdad International Airport",
        "Victory Base Complex", "Camp Taji", "Balad Air Base", "Erbil", "Baghdad", "Basra")),
    "SY": ((32.5, 37.3, 35.8, 42.3), (
        "al-Tanf", "Mission Support Site Euphrates", "Green Village", "Al-Omar oil field", "Conoco gas field",
        "Al-Shaddadi base", "Deir ez-Zor")),
    "YE": ((12.6, 19.0, 42.5, 53.0), ("Sanaa", "Hodeidah", "Saada", "Marib", "Aden")),
    "SA": ((16.5, 32.0, 35.0, 55.5), (
        "Abqaiq", "Riyadh", "Jizan", "Abha International Airport", "Najran", "Ras Tanura terminal and refinery",
        "Khurais oil field", "Yanbu")),
    "JO": ((29.2, 33.3, 35.0, 39.3), ("Tower 22", "Muwaffaq Salti Air Base", "Amman")),
    "IL": ((29.5, 33.3, 34.3, 35.9), ("Eilat", "Nevatim Air Base", "Ashkelon", "Haifa", "Kiryat Shmona", "Tel Aviv")),
    "LB": ((33.0, 34.7, 35.1, 36.6), ("Beirut", "Tyre", "Nabatieh", "Baalbek")),
    "AE": ((22.6, 26.1, 51.5, 56.4), ("Al Dhafra Air Base", "Abu Dhabi", "Dubai International Airport", "Musaffah")),
}
COUNTRY_WEIGHTS = {"IQ": 34, "SY": 18, "YE": 14, "SA": 14, "JO": 4, "IL": 9, "LB": 4, "AE": 3}
ACTORS = (
    "Kataib Hezbollah", "Asaib Ahl al-Haq", "Houthis", "Ansar Allah", "Hezbollah", "Islamic Resistance in Iraq",
    "Harakat al-Nujaba", "",
)
ATTRIBUTIONS = ("claimed", "suspected", "attributed_by_officials", "unknown")
TARGET_CATEGORIES = ("us_military", "us_diplomatic", "partner_military", "civilian", "commercial_shipping", "naval",
                     "other")
MUNITIONS = ("uav", "rocket", "mortar", "ballistic_missile", "cruise_missile", "anti_ship_missile")
TARGETS = ("base perimeter", "airfield", "logistics convoy", "housing area", "oil facility", "embassy compound",
           "vessel", "checkpoint", "")
NOTES = (
    "", "", "", "Claimed on Telegram.", "Reported by local media; no damage.", "Sirens heard in the area.",
    "Statement by the spokesman, al-Qā'id.", "Launch site near the river (تقرير).", "Débris found nearby.",
    "Drone shot down; Ħ estimate uncertain.", "Residents report explosions — unconfirmed.",
)
FIRST_DAY = dt.date(2018, 1, 1)
DAYS = (dt.date(2024, 12, 31) - FIRST_DAY).days + 1


def default_path(incidents: int, seed: int = DEFAULT_SEED) -> Path:
    """Where the generated file for this size and seed lives under bench/.data/."""
    return DATA_DIR / f"incidents-{incidents}-s{seed}.csv"


def _maybe(rng: random.Random, share: float, value) -> str:
    """`value` as text with probability `share`, else empty (unknown)."""
    return str(value) if rng.random() < share else ""


def incident_rows(rng: random.Random, number: int) -> list[list[str]]:
    """The one or two CSV rows of incident `number`."""
    day = FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS))
    month_only = rng.random() < 0.05
    country = rng.choices(list(COUNTRY_WEIGHTS), weights=list(COUNTRY_WEIGHTS.values()))[0]
    (lat0, lat1, lon0, lon1), places = COUNTRIES[country]
    located = rng.random() < 0.5
    killed = rng.choices((0, 0, 0, 1, 2, 5), k=1)[0] if rng.random() < 0.6 else None
    injured = rng.randrange(0, 40) if rng.random() < 0.5 else None
    incident = [
        f"inc-{number:08d}",
        f"{day:%Y-%m}" if month_only else day.isoformat(),
        "month" if month_only else "day",
        country,
        rng.choice(places),
        f"{rng.uniform(lat0, lat1):.5f}" if located else "",
        f"{rng.uniform(lon0, lon1):.5f}" if located else "",
        rng.choice(("exact", "site", "city")) if located else "",
        rng.choice(TARGETS),
        rng.choice(TARGET_CATEGORIES),
        rng.choice(ACTORS),
        rng.choice(ATTRIBUTIONS),
    ]
    casualties = [
        "" if killed is None else str(killed), "" if killed is None else _maybe(rng, 0.2, max(0, killed - 1)),
        "" if killed is None else _maybe(rng, 0.2, killed + 3),
        "" if injured is None else str(injured), "", "",
    ]
    status = "reviewed" if rng.random() < 0.9 else "candidate"
    tail = [status, f"https://example.org/news/{number}", rng.choice(NOTES)]
    kinds = rng.sample(MUNITIONS, 2 if rng.random() < 0.3 else 1)
    rows = []
    for kind in kinds:
        count = rng.randint(1, 20) if rng.random() >= 0.15 else None
        intercepted = rng.randint(0, count) if count is not None and rng.random() < 0.4 else None
        munition = [
            kind, "" if count is None else str(count), "true" if count is not None and rng.random() < 0.1 else "",
            "" if intercepted is None else str(intercepted), "", "",
        ]
        rows.append(incident + munition + casualties + tail)
    return rows


def generate(path: str | Path, incidents: int, seed: int = DEFAULT_SEED) -> int:
    """Write `incidents` incidents to `path` (streamed, atomically); returns the number of CSV rows."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    rows = 0
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        for number in range(1, incidents + 1):
            lines = incident_rows(rng, number)
            writer.writerows(lines)
            rows += len(lines)
    tmp.replace(path)
    return rows


def count_rows(path: str | Path) -> int:
    """Data rows in a generated file (no quoted newlines, so lines minus the header)."""
    with Path(path).open("rb") as handle:
        return sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b"")) - 1


def ensure(incidents: int, seed: int = DEFAULT_SEED) -> Path:
    """The generated file for this size, generated only when it does not exist yet."""
    path = default_path(incidents, seed)
    if not path.exists():
        generate(path, incidents, seed)
    return path


def main(argv: list[str] | None = None) -> int:
    """Command line: generate a file and say where it is and how many rows it has."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="number of incidents (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--output", help="file to write (default bench/.data/incidents-<rows>-s<seed>.csv)")
    parser.add_argument("--force", action="store_true", help="regenerate even when the file exists")
    args = parser.parse_args(argv)
    path = Path(args.output) if args.output else default_path(args.rows, args.seed)
    if args.force or args.output or not path.exists():
        rows = generate(path, args.rows, args.seed)
    else:
        rows = count_rows(path)
    print(f"{path}: {args.rows:,} incidents, {rows:,} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
