"""Generate a large, deterministic file of events in ACLED's CSV export layout, for the ACLED import benchmark.

Real ACLED data may not be redistributed, and no real extract reaches a million
rows, so rows are invented from a seeded ``random.Random``: ACLED's 31 columns,
its event and sub-event types in realistic shares, actor names as ACLED writes
them (some resolvable by Salvo's codebook, some not), place names from the
gazetteer's theatre, and notes in ACLED's style that state munitions and
counts ("fired 3 drones"). The same size and seed always give the same bytes.

    .venv/bin/python bench/generate_acled.py --rows 20000   # writes bench/.data/acled-20000-s7.csv
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import sys
from pathlib import Path

from generate import COUNTRIES, DATA_DIR, DEFAULT_SEED

HEADER = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction", "civilian_targeting",
    "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude", "geo_precision",
    "source", "source_scale", "notes", "fatalities", "tags", "timestamp",
)
NAMES = {"IQ": ("Iraq", "368", "IRQ"), "SY": ("Syria", "760", "SYR"), "YE": ("Yemen", "887", "YEM"),
         "SA": ("Saudi Arabia", "682", "SAU"), "JO": ("Jordan", "400", "JOR"), "IL": ("Israel", "376", "ISR"),
         "LB": ("Lebanon", "422", "LBN"), "AE": ("United Arab Emirates", "784", "ARE")}
# (event type, sub-event type, share)
EVENTS = (
    ("Explosions/Remote violence", "Shelling/artillery/missile attack", 29),
    ("Explosions/Remote violence", "Air/drone strike", 18),
    ("Explosions/Remote violence", "Remote explosive/landmine/IED", 3),
    ("Strategic developments", "Disrupted weapons use", 3),
    ("Battles", "Armed clash", 12),
    ("Protests", "Peaceful protest", 22),
    ("Riots", "Mob violence", 7),
    ("Violence against civilians", "Attack", 6),
)
ACTORS = (
    ("Islamic Resistance in Iraq", "Political militia"), ("Kataib Hezbollah", "Political militia"),
    ("Hezbollah", "Political militia"), ("Military Forces of Yemen (2017-) Houthi", "State forces"),
    ("Hamas Movement", "Rebel group"), ("Military Forces of Israel (2022-)", "External/Other forces"),
    ("Military Forces of the United States (2021-)", "External/Other forces"),
    ("Unidentified Armed Group (Iraq)", "Political militia"), ("Saraya Abu Fadl al-Abbas Battalions", "Political militia"),
    ("Protesters (Iraq)", "Protesters"),
)
TARGETS = ("", "", "Military Forces of the United States (2021-)", "Military Forces of Israel (2022-)",
           "Civilians (Iraq)", "Military Forces of Iraq (2020-)", "")
WORDS = ("drones", "rockets", "Katyusha rockets", "107-mm rockets", "mortar shells", "ballistic missiles",
         "anti-ship missiles", "cruise missiles", "explosive-laden drones", "projectiles")
COUNTS = ("", "", "1", "2", "3", "4", "6", "10", "three", "two", "several", "a barrage of", "at least 5")
OUTLETS = ("Shafaq News", "Rudaw", "Twitter", "Al Mayadeen", "Reuters", "Telegram", "Kurdistan 24", "Times of Israel")
FIRST_DAY = dt.date(2018, 1, 1)
DAYS = (dt.date(2024, 12, 31) - FIRST_DAY).days + 1


def default_path(rows: int, seed: int = DEFAULT_SEED) -> Path:
    """Where the generated ACLED file for this size and seed lives under bench/.data/."""
    return DATA_DIR / f"acled-{rows}-s{seed}.csv"


def event_row(rng: random.Random, number: int) -> list[str]:
    """One invented event in ACLED's CSV export layout."""
    code = rng.choice(list(NAMES))
    name, iso, prefix = NAMES[code]
    (lat0, lat1, lon0, lon1), places = COUNTRIES[code]
    place = rng.choice(places)
    day = FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS))
    event_type, sub_event, _ = rng.choices(EVENTS, weights=[e[2] for e in EVENTS])[0]
    actor, inter = rng.choice(ACTORS)
    target = rng.choice(TARGETS)
    count, word = rng.choice(COUNTS), rng.choice(WORDS)
    fired = f"{count} {word}".strip()
    notes = (f"On {day.day} {day:%B %Y}, {actor.split(' (')[0]} fired {fired} at {target or 'positions'} near "
             f"{place} ({name}). " + rng.choice(("No casualties were reported.", "The attack caused damage.",
                                                 "Air defences intercepted some of them.", "")))
    if event_type in ("Protests", "Riots"):
        notes = f"On {day.day} {day:%B %Y}, people demonstrated in {place} ({name}) over services."
    sources = "; ".join(rng.sample(OUTLETS, rng.randint(1, 3)))
    return [
        f"{prefix}{number}", day.isoformat(), str(day.year), rng.choice("1112"), "Political violence", event_type,
        sub_event, actor, "", inter, target, "", "" if not target else "External/Other forces", "", "", iso,
        "Middle East", name, place, "", "", place, f"{rng.uniform(lat0, lat1):.4f}", f"{rng.uniform(lon0, lon1):.4f}",
        rng.choice("112"), sources, "National", notes, str(rng.choice((0, 0, 0, 1, 2))), "", "1700000000",
    ]


def generate(path: str | Path, rows: int, seed: int = DEFAULT_SEED) -> int:
    """Write `rows` events to `path` (streamed, atomically); returns the number of rows."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        for number in range(1, rows + 1):
            writer.writerow(event_row(rng, number))
    tmp.replace(path)
    return rows


def ensure(rows: int, seed: int = DEFAULT_SEED) -> Path:
    """The generated file for this size, generated only when it does not exist yet."""
    path = default_path(rows, seed)
    if not path.exists():
        generate(path, rows, seed)
    return path


def main(argv: list[str] | None = None) -> int:
    """Command line: generate a file and say where it is."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="number of events (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--output", help="file to write (default bench/.data/acled-<rows>-s<seed>.csv)")
    args = parser.parse_args(argv)
    path = Path(args.output) if args.output else default_path(args.rows, args.seed)
    generate(path, args.rows, args.seed)
    print(f"{path}: {args.rows:,} events")
    return 0


if __name__ == "__main__":
    sys.exit(main())
