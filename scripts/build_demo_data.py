#!/usr/bin/env python3
"""Build Salvo's demo dataset, ``salvo/demo_data/incidents.csv``, from real public data.

What: this script reads two sources from the shared data folder
(``--shared``, by default ``../shared/data`` next to the repository) and writes
one CSV in Salvo's interchange format (one row per incident and munition type):

1. ``drone-terrorism-db/Acled_GTD_Drone_Database_20260509.csv``, the global drone
   terrorism database compiled by D. Edelmann (CC BY 4.0, figshare DOI
   10.6084/m9.figshare.32128399) from ACLED and GTD/START rows. We keep Middle
   East rows from 2018 on that the compiler marked ``manual == "terrorist attack"``.
   Munition counts and interceptions are read from the row's own text
   (``summary`` and ``weapdetail``) with deliberately conservative patterns: a
   number is written only when the text states it; anything vague stays empty.
2. ``news/gold.jsonl``, hand-made gold annotations of news articles, written for
   Salvo. Only the coded facts and the article URLs are used, never article text.
   Reports of one event (``news/clusters.json``) become one incident.

Why: Salvo needs a demo dataset that is real, credited, small enough to ship,
and rebuildable by anyone who has the shared data. Running the script twice
gives byte-identical output (stable sort, no clock, no randomness).

Usage (from the repository root)::

    python scripts/build_demo_data.py [--shared ../shared/data] [--out salvo/demo_data/incidents.csv]

It prints a summary (incidents and projectiles per year and munition type) and,
with ``--explain``, the extraction for chosen DB rows, for checking by eye.
Only the Python standard library is used.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SHARED = REPO_ROOT.parent / "shared" / "data"
DEFAULT_OUT = REPO_ROOT / "salvo" / "demo_data" / "incidents.csv"

DTDB_PATH = "drone-terrorism-db/Acled_GTD_Drone_Database_20260509.csv"
GOLD_PATH = "news/gold.jsonl"
CLUSTERS_PATH = "news/clusters.json"
DTDB_URL = "https://doi.org/10.6084/m9.figshare.32128399"

HEADER = [
    "incident_id", "date", "date_precision", "country", "location", "latitude",
    "longitude", "location_precision", "target", "target_category", "actor",
    "attribution", "munition_type", "count", "count_estimate", "intercepted",
    "impacted", "failed", "killed", "killed_low", "killed_high", "injured",
    "injured_low", "injured_high", "status", "source_url", "notes",
]

# Order in which an incident's munition rows are written (codebook order).
MUNITION_ORDER = [
    "uav", "rocket", "mortar", "ballistic_missile", "cruise_missile",
    "anti_ship_missile", "ied", "small_arms", "unknown",
]

# country_txt (GTD and ACLED spellings) -> ISO 3166-1 alpha-2.
COUNTRY_ISO = {
    "Iraq": "IQ", "Syria": "SY", "Yemen": "YE", "Saudi Arabia": "SA",
    "Israel": "IL", "Jordan": "JO", "Iran": "IR", "West Bank and Gaza Strip": "PS",
    "Palestine": "PS", "Lebanon": "LB", "United Arab Emirates": "AE",
    "Kuwait": "KW", "Bahrain": "BH", "Qatar": "QA", "Oman": "OM",
}

MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august",
     "september", "october", "november", "december"], start=1)}

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "dozen": 12,
}
SINGULAR_DETERMINERS = {"a", "an", "single", "another"}
DEFINITE_DETERMINERS = {"the", "this", "that", "these", "those", "its", "their", "said", "which"}
ORDINALS = {"first", "second", "third", "fourth", "fifth", "other", "remaining", "last", "rest"}
QUANTIFIERS = {"several", "multiple", "many", "numerous", "dozens", "some", "various",
               "hundreds", "scores", "few"}
QUANTITY_NOUNS = {"number", "set", "swarm", "wave", "waves", "barrage", "salvo", "series",
                  "group", "couple", "dozens", "volley", "type", "kind"}
HEDGE_WORDS = {"about", "around", "approximately", "roughly", "nearly", "some", "over",
               "estimated", "almost"}
# Words that may stand between a count and the munition noun ("two explosives-laden
# drones", "an Islamic Resistance in Iraq suicide drone" after actor masking).
ADJECTIVES = {
    "explosive", "explosives", "laden", "suicide", "suicidal", "armed", "kamikaze",
    "attack", "unmanned", "unidentified", "unknown", "small", "homemade", "loitering",
    "military", "commercial", "modified", "weaponized", "weaponised", "more", "additional",
    "new", "militant", "militants", "unspecified", "enemy", "hostile", "separate",
    "ballistic", "cruise", "guided", "short", "range", "long", "heavy", "improvised",
    "remote", "controlled", "presumed", "alleged", "suspected", "consecutive", "mm",
}
# A noun followed by one of these is used attributively ("a drone attack"): it names
# the weapon type but says nothing about how many were used.
ATTRIBUTIVE_NEXT = (
    r"attacks?|attcks?|strikes?|airstrikes?|raids?|operations?|campaigns?|units?|bases?|"
    r"launch(?:es)?|launchers?|shots|program(?:me)?s?|footage|activity|warfare|threats?|"
    r"fire|shelling|barrages?|salvos?|operators?|pilots?|hits|debris|wreckage|remnants|"
    r"sightings?|alerts?|sirens?|action|assaults?|bombardments?|incidents?|squads?|"
    r"missiles?|bombs?|shells?|munitions?|grenades?|rockets?"
)
ATTRIBUTIVE_RE = re.compile(
    r"^\s*(?:(?:or|and|and/or)\s+(?:an?\s+)?(?:\w+\s+)?(?:drone|missile|rocket|mortar|air|"
    r"artillery|aerial)s?\s+)?(?:" + ATTRIBUTIVE_NEXT + r")\b",
    re.I,
)

# Munition nouns. Group name = what the noun stands for.
MUNITION_NOUN_RE = re.compile(
    r"(?<!\w)(?:"
    r"(?P<uav>drones?|UAVs?|unmanned aerial vehicles?|quadcopters?|aerial vehicles?|"
    r"(?:explosives?-laden|armed|unmanned) aircraft)"
    r"|(?P<ballistic_missile>ballistic missiles?)"
    r"|(?P<cruise_missile>cruise missiles?)"
    r"|(?P<missile>missiles?)"
    r"|(?P<rocket>rockets?|katyushas?|grads?)"
    r"|(?P<mortar>mortars?(?: shells?| rounds?| bombs?)?)"
    r"|(?P<projectile>projectiles?|explosive devices?)"
    r"|(?P<explosives>explosives)"
    r"|(?P<boat>boats?)"
    r")(?![\w-])",
    re.I,
)

# An interception verb. Base forms ("tried to intercept") deliberately do not match.
INTERCEPT_RE = re.compile(
    r"\b(?:intercepted|shot\s+(?:it\s+|them\s+)?down|downed|"
    r"(?:identified|discovered) and (?:safely )?destroyed|safely destroyed|"
    r"destroyed by (?:the )?(?:\w+ )?air defen[cs]es?)\b",
    re.I,
)
# Context just before an interception verb that cancels it.
INTERCEPT_CANCEL_RE = re.compile(
    r"(?:\b(?:tried|attempted|attempting|trying|failed) to\s*\w*\s*$|\bcrashed or (?:was |were )?$|"
    r"\bor (?:was |were )?$|\bnot known (?:if|whether)\b.*$)",
    re.I,
)
PRONOUN_OBJECT_RE = re.compile(r"^\s*(?:it|them)\b|^\s*(?:shot|shoot)\s+(?:it|them)", re.I)
RELATIVE_SUBJECT_RE = re.compile(r"\b(?:that|which)\s+(?:was|were)\s+(?:\w+\s+)?$", re.I)
PARTITIVE_RE = re.compile(
    r"\b(?P<n>\d+|one|two|three|four|five|six|seven|eight|nine|ten)\s+of\s+"
    r"(?:which|them|the(?:se|m)?\b)", re.I)

# Sentence-level contexts in which a non-drone munition is not asserted as used in
# this attack (alternatives, hedges, earlier attacks, weapons fired at the drone).
NON_UAV_EXCLUDE_RE = re.compile(
    r"\bwhether\b|\bpresumably\b|\bpreviously\b|\bsurface-to-air\b|\bsources differed\b|"
    r"\bother sources\b|\bclaiming that it was\b|\bnot known\b",
    re.I,
)
EXPLOSIVE_BOAT_RE = re.compile(
    r"\b(?:explosives?-laden|explosive|bomb-laden|booby-trapped|unmanned|drone)\s+boats?\b", re.I)
# Sentences reporting a rival version of events; their munition words are not counted.
HEARSAY_RE = re.compile(
    r"\bsources? (?:claimed|claim|claiming|reported|differed|were conflicted|conflicted)\b|"
    r"\bit is claimed\b|\bwhether\b", re.I)
# A missile/rocket/projectile that a drone fired or dropped is the drone's payload.
PAYLOAD_AFTER_RE = re.compile(
    r"^\s*(?:were\s+|was\s+)?(?:fired|launched|dropped)\s+(?:from|by)\s+(?:an?\s+|the\s+)?"
    r"(?:[\w-]+\s+){0,4}?(?:drones?|UAVs?|unmanned aerial vehicles?)", re.I)
PAYLOAD_BETWEEN_RE = re.compile(
    r"^\s*(?:\([^)]*\)\s*)?(?:(?:that|which)\s+)?(?:[\w-]+\s+){0,6}?"
    r"(?:fired|fire|dropped|dropping|carrying|launching|targeted(?:\s+[\w-]+){0,3}\s+with)\s+"
    r"(?:[\w-]+\s+){0,3}$|^\s*$", re.I)

HEDGED_COUNT_RE = re.compile(r"\b(?:at least|more than|up to|in excess of)\s*$", re.I)
UNKNOWN_CASUALTIES_RE = re.compile(
    r"casualties (?:are |were |remain )?unknown|unknown casualties|fatalities (?:are |were )?unknown|"
    r"unclear if fatalities", re.I)
AT_SEA_RE = re.compile(r"\bsome\w*where in the [\w\s]*(?:Ocean|Sea)\b", re.I)
RELATED_ATTACKS_RE = re.compile(r"\bthis and (?:another|\w+ other) related attacks?\b", re.I)

US_TARGET_RE = re.compile(
    r"\b(?:US|United States|American)(?:[- ]led)?\s+(?:and (?:Global )?Coalition\s+)?"
    r"(?:forces|force|base|bases|military|soldiers|troops|personnel|service|fighters'?|army|"
    r"-affiliated|affiliated|garrison|MQ-9|coalition)\b"
    r"|\bUS-affiliated\b|\bGlobal Coalition\b(?! members)|\bInternational Coalition\b|"
    r"\bUS-led coalition\b|\banti-(?:ISIS|IS|Daesh|Islamic State) coalition\b|"
    r"\bAin (?:al-)?Asad\b|\bAin Al-Assad\b|\bAin Assad\b|\bal-Asad Air\s?base\b|\bAl-Tanf\b|\bTanf\b|"
    r"\bHarir\b|\bConoco\b|\bKoniko\b|\bOmar\b|\bShaddadi\b|\bShadadah\b|\bTower 22\b|"
    r"\bGreen Village\b|\bKharab Al Jayr\b|\bRumalan\b|\bTal Baydar\b",
    re.I,
)
# In Iraq, Syria and Jordan a bare "coalition" is the U.S.-led one; in Yemen and
# Saudi Arabia it is the Saudi-led coalition.
US_COALITION_RE = re.compile(r"\bcoalition (?:against Daesh|base|bases|forces|troops|military)\b", re.I)
US_COALITION_COUNTRIES = {"IQ", "SY", "JO"}
US_DIPLOMATIC_RE = re.compile(
    r"\b(?:US|United States|American)(?: and \w+)? (?:embassy|embassies|consulate|consulates)\b",
    re.I,
)
NON_PARTNER_RE = re.compile(r"\bRussian\b|\bSyrian regime\b|\bregime (?:forces|positions)\b", re.I)
SHIP_RE = re.compile(r"\b(?:cargo ship|container ship|tanker|merchant vessel|bulk carrier)\b", re.I)
CIVILIAN_TARGTYPES = {
    "Airports & Aircraft", "Utilities", "Business", "Private Citizens & Property",
    "Transportation", "Journalists & Media", "Educational Institution",
    "Religious Figures/Institutions", "Tourists", "Food or Water Supply",
    "Telecommunication",
}

CLAIM_RE = re.compile(r"\bclaim(?:ed|ing)\b", re.I)
CLAIM_CANCEL_RE = re.compile(
    r"(?:\bno (?:\w+ )?(?:group|one|party)(?: has)?|\bneither|\bnor|\bsources?|\bit is|"
    r"\bhad been|\bnot)\s+$", re.I)
SUSPECT_RE = re.compile(
    r"\b[Ss]uspect(?:s|ed)? the involvement\b|\b[Ss]uspected (?:that (?!the attack was carried out in "
    r"retaliation)|of\b)|\b(?:is|was|were) (?:suspected|believed) to\b|\b[Bb]elieved to (?:be|have)\b|"
    r"\b[Ss]uspected (?=[A-Z])")

# Rows whose text defeats the patterns; each entry is checked by hand against the row text.
OVERRIDES: dict[str, dict] = {
    "201908200003": {
        "munitions": {"unknown": (1, None)},
        "reason": "a surface-to-air missile fired at a U.S. MQ-9; the drone is the target, not the weapon",
    },
    "IRQ31053": {
        "munitions": {"uav": (2, 1)},
        "reason": "'One drone was intercepted while the second reached its target'",
    },
    "SYR121946": {
        "munitions": {"uav": (3, 2)},
        "reason": "'Two drones were shot down by Israeli forces while the third detonated'",
    },
    "ISR42310": {
        "munitions": {"uav": (1, None)},
        "reason": "ACLED split one claim of four drones into events; this one: 'one of which was fired toward northern Israel'",
    },
    "SYR134123": {
        "munitions": {"uav": (2, None)},
        "reason": "ACLED split one claim of four drones into events; this one: 'Two of the drones were fired toward the Golan Heights'",
    },
    "IRN10039": {
        "munitions": {"uav": (1, None)},
        "reason": "shoot-down reported by Iranian media only, contradicted by another source",
    },
}


@dataclass
class Mention:
    """One munition noun found in a text, with what the words around it say."""

    kind: str            # uav, rocket, missile (generic), projectile, ...
    start: int
    end: int
    source: str          # "summary" or "weapdetail"
    quant: str           # num, one, plural, quantifier, range, definite, ordinal
    number: int | None
    hedged: bool
    attributive: bool
    excluded: bool = False  # payload of a drone, or not asserted as used


@dataclass
class MunitionLine:
    """The extracted facts for one munition type of one incident."""

    count: int | None = None
    estimate: bool = False
    intercepted: int | None = None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--shared", type=Path, default=DEFAULT_SHARED,
                   help="shared data folder (default: ../shared/data next to the repo)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="CSV to write")
    p.add_argument("--explain", nargs="*", default=[], metavar="EVENTID",
                   help="print the text and extraction for these DB rows")
    return p.parse_args(argv)


# --------------------------------------------------------------------------- text

def normalise_text(text: str, actor: str) -> str:
    """Flatten whitespace, spell U.S. as US, mask actor names and stray quotes."""
    t = re.sub(r"\s+", " ", text or "").strip()
    if t == "N/A":
        return ""
    t = re.sub(r"\bU\.S\.(?=\W)", "US", t)
    for name in {actor, "Islamic Resistance in Iraq", "Islamic resistance in Iraq",
                 "Islamic Resistance In Iraq"}:
        if name and name not in ("N/A", "Unknown"):
            t = re.sub(re.escape(name), "Actor", t, flags=re.I)
    return re.sub(r"(?<!\w)'|'(?!\w)", " ", t)


def number_value(word: str) -> int | None:
    """The integer a numeral or number word stands for, or None."""
    w = word.lower()
    if w.isdigit():
        return int(w)
    return NUMBER_WORDS.get(w)


def sentence_bounds(text: str, pos: int) -> tuple[int, int]:
    """Start and end of the sentence around position pos."""
    start = max(text.rfind(". ", 0, pos), text.rfind("; ", 0, pos))
    start = 0 if start < 0 else start + 2
    ends = [i for i in (text.find(". ", pos), text.find("; ", pos)) if i >= 0]
    return start, (min(ends) if ends else len(text))


def scan_left(prefix: str) -> tuple[str, int | None, bool]:
    """Classify the words before a munition noun: (quant, number, hedged)."""
    clause = re.split(r"[.;:,()\"]", prefix)[-1]
    words = clause.split()
    i = len(words) - 1
    while i >= 0:
        raw = words[i]
        w = raw.lower()
        if re.fullmatch(r"\d+\s*-\s*\d+|\d+-\d+", w):
            return "range", None, False
        n = number_value(w)
        if n is not None:
            before = [x.lower() for x in words[max(0, i - 3):i]]
            if before and (before[-1] in {"or", "to", "and", "-"} and len(before) >= 2
                           and number_value(before[-2]) is not None or "between" in before):
                return "range", None, False
            if w == "dozen" and before[-1:] == ["a"]:
                n = 12
            hedged = bool(HEDGED_COUNT_RE.search(" ".join(words[max(0, i - 3):i]) + " ")) or (
                bool(before) and before[-1] in HEDGE_WORDS)
            return "num", n, hedged
        if w in SINGULAR_DETERMINERS:
            return "one", 1, False
        if w in DEFINITE_DETERMINERS:
            return "definite", None, False
        if w in ORDINALS:
            return "ordinal", None, False
        if w in QUANTIFIERS:
            return "quantifier", None, False
        if w == "of":
            head = words[i - 1].lower() if i >= 1 else ""
            if head in QUANTITY_NOUNS or head in QUANTIFIERS:
                return "quantifier", None, False
            if head == "pair":
                return "num", 2, False
            return "bare", None, False
        if w == "and" and i >= 1 and ("-" in words[i - 1] or words[i - 1][:1].isupper()) \
                and i + 1 < len(words) and ("-" in words[i + 1] or words[i + 1][:1].isupper()):
            i -= 1
            continue
        if w in ADJECTIVES or "-" in raw or raw[:1].isupper():
            i -= 1
            continue
        return "bare", None, False
    return "bare", None, False


def find_mentions(text: str, source: str) -> list[Mention]:
    """All munition nouns in a text, classified by the words before and after them."""
    out = []
    for m in MUNITION_NOUN_RE.finditer(text):
        kind = m.lastgroup
        if re.search(r"(?:anti|counter)-$", text[max(0, m.start() - 8):m.start()], re.I):
            continue
        noun = m.group(0).lower()
        plural = noun.endswith("s") and kind != "explosives" or kind == "explosives"
        quant, number, hedged = scan_left(text[:m.start()])
        if quant == "bare":
            quant, number = ("plural", None) if plural else ("one", 1)
        # "a Qasef-2K drones": an article before a plural noun is read as a typo for one.
        attributive = bool(ATTRIBUTIVE_RE.match(text[m.end():]))
        out.append(Mention(kind, m.start(), m.end(), source, quant, number, hedged, attributive))
    return out


def mark_excluded(text: str, mentions: list[Mention]) -> None:
    """Flag mentions in hearsay, and non-drone mentions that are drone payloads or not asserted."""
    drones = [x for x in mentions if x.kind == "uav"]
    for mt in mentions:
        s0, s1 = sentence_bounds(text, mt.start)
        if HEARSAY_RE.search(text[s0:s1]):
            mt.excluded = True
            continue
        if mt.kind in ("uav", "explosives", "boat"):
            continue
        window = text[max(s0, mt.start - 40):min(s1, mt.end + 40)]
        if NON_UAV_EXCLUDE_RE.search(text[s0:s1]) or re.search(r"\bor\b", window):
            mt.excluded = True
            continue
        if PAYLOAD_AFTER_RE.match(text[mt.end:]):
            mt.excluded = True
            continue
        for d in drones:
            if d.end <= mt.start and d.start >= s0 and PAYLOAD_BETWEEN_RE.match(text[d.end:mt.start]):
                mt.excluded = True
                break
    # Once a text says missiles (or projectiles) came from a drone, its other
    # untyped mentions of that noun are the same payload.
    for kind in ("missile", "projectile"):
        if any(x.kind == kind and x.excluded for x in mentions):
            for x in mentions:
                if x.kind == kind:
                    x.excluded = True


def resolve_missile_kind(mentions: list[Mention]) -> str:
    """The type an untyped 'missile' stands for in this row (ballistic, cruise or unknown)."""
    typed = {x.kind for x in mentions if x.kind in ("ballistic_missile", "cruise_missile")
             and not x.excluded}
    return typed.pop() if len(typed) == 1 else ("" if typed else "unknown")


def count_from(mentions: list[Mention]) -> tuple[int | None, bool, bool]:
    """Count for one type from its mentions: (count, estimate, decided)."""
    usable = [x for x in mentions if not x.attributive and not x.excluded
              and x.quant not in ("definite", "ordinal")]
    if not usable:
        return None, False, False
    if any(x.quant in ("range", "quantifier") for x in usable):
        return None, False, True
    numbered = [x for x in usable if x.quant in ("num", "one")]
    if any(x.quant == "plural" for x in usable) or not numbered:
        return None, False, True
    best = max(numbered, key=lambda x: x.number or 0)
    return best.number, best.hedged, True


def split_clause(text: str, pos: int) -> tuple[int, int]:
    """Bounds of the clause around pos (sentences split on but/while/and the second)."""
    s0, s1 = sentence_bounds(text, pos)
    cuts = [s0]
    for m in re.finditer(r",?\s+(?:but|while|whereas|and the (?:second|third|other|remaining|rest))\b|,\s+and\s+",
                         text[s0:s1], re.I):
        cuts.append(s0 + m.start())
    cuts.append(s1)
    for a, b in zip(cuts, cuts[1:]):
        if a <= pos < b:
            return a, b
    return s0, s1


def kind_of(mention: Mention, missile_kind: str) -> str:
    """The munition type a mention counts towards."""
    if mention.kind == "missile":
        return missile_kind or "unknown"
    if mention.kind == "boat":
        return "unknown"
    return mention.kind


def interceptions(text: str, mentions: list[Mention], counts: dict[str, int | None],
                  missile_kind: str) -> dict[str, int | None]:
    """Intercepted numbers per type, from the interception verbs of one text."""
    found: dict[str, list[int | None]] = defaultdict(list)
    live = [x for x in mentions if not x.excluded and not x.attributive and x.quant != "ordinal"]
    for v in INTERCEPT_RE.finditer(text):
        c0, c1 = split_clause(text, v.start())
        if INTERCEPT_CANCEL_RE.search(text[c0:v.start()]):
            continue
        part = PARTITIVE_RE.search(text[c0:c1])
        if part:
            before = [x for x in live if x.start < c0 + part.start()]
            inside = [x for x in live if c0 + part.end() <= x.start < c1]
            ref = (inside or before[-1:] or [None])[0] if (inside or before) else None
            if ref is not None:
                found[kind_of(ref, missile_kind)].append(number_value(part.group("n")))
            continue
        if PRONOUN_OBJECT_RE.match(text[v.end():]) or PRONOUN_OBJECT_RE.match(text[v.start():]) \
                or RELATIVE_SUBJECT_RE.search(text[c0:v.start()]):
            before = [x for x in live if x.end <= v.start() and x.kind not in ("explosives",)]
            if before:
                k = kind_of(before[-1], missile_kind)
                found[k].append(counts.get(k))
            continue
        in_clause = [x for x in live if c0 <= x.start < c1]
        if not in_clause:
            continue
        generic = [x for x in in_clause if x.kind in ("projectile", "explosives")]
        if any(x.quant in ("definite", "plural") for x in generic):
            for k, n in counts.items():
                found[k].append(n)
            continue
        if generic and len(counts) == 1 and not [x for x in in_clause if x not in generic]:
            k = next(iter(counts))
            found[k].append(generic[0].number if generic[0].quant in ("num", "one") else None)
            continue
        by_kind: dict[str, list[Mention]] = defaultdict(list)
        for x in in_clause:
            if x.kind in ("projectile", "explosives"):
                continue
            by_kind[kind_of(x, missile_kind)].append(x)
        for k, ms in by_kind.items():
            ms.sort(key=lambda x: abs(x.start - v.start()))
            x = ms[0]
            if x.quant in ("num", "one"):
                found[k].append(x.number)
            elif x.quant in ("definite", "plural"):
                found[k].append(counts.get(k))
            else:
                found[k].append(None)
    result = {}
    for k, vals in found.items():
        known = [n for n in vals if n is not None]
        result[k] = max(known) if known else None
    return result


def extract_munitions(summary: str, weapdetail: str) -> tuple[dict[str, MunitionLine], list[str]]:
    """Munition lines for one DB row from its summary and weapon detail, plus doubts."""
    doubts: list[str] = []
    ms = find_mentions(summary, "summary")
    mw = find_mentions(weapdetail, "weapdetail")
    mark_excluded(summary, ms)
    mark_excluded(weapdetail, mw)
    for kind in ("missile", "projectile"):  # a payload named in one text is one in the other
        if any(x.kind == kind and x.excluded for x in ms + mw):
            for x in ms + mw:
                if x.kind == kind:
                    x.excluded = True
    shared_weapons = bool(RELATED_ATTACKS_RE.search(weapdetail))
    if shared_weapons:
        doubts.append("weapdetail covers several related attacks: counts left empty")
        for x in mw:
            if x.kind != "uav":
                x.excluded = True
    if not any(EXPLOSIVE_BOAT_RE.search(t) for t in (summary, weapdetail)):
        for x in ms + mw:  # a boat that is only a target (a fishing boat) is not a munition
            if x.kind == "boat":
                x.excluded = True
    missile_kind = resolve_missile_kind(ms + mw)
    if not missile_kind:  # both ballistic and cruise named: an untyped "missile" is ambiguous
        for x in ms + mw:
            if x.kind == "missile":
                x.excluded = True

    kinds = {kind_of(x, missile_kind) for x in ms + mw
             if not x.excluded and x.kind not in ("projectile", "explosives")}
    has_boat = any(x.kind == "boat" for x in ms + mw)
    has_uav = "uav" in kinds
    if not (has_boat and not has_uav):
        kinds.add("uav")  # a drone database: every row is a drone attack ...
    # ... except an explosive boat with no drone in the text (codebook: USV -> unknown).

    lines: dict[str, MunitionLine] = {}
    conflicted: set[str] = set()
    for k in sorted(kinds, key=MUNITION_ORDER.index):
        sel_w = [x for x in mw if kind_of(x, missile_kind) == k and x.kind not in ("projectile", "explosives")]
        sel_s = [x for x in ms if kind_of(x, missile_kind) == k and x.kind not in ("projectile", "explosives")]
        cw, ew, dw = count_from(sel_w)
        cs, es, _ = count_from(sel_s)
        if shared_weapons:
            cw, ew, dw = None, False, True
        if dw:
            count, est = cw, ew
            usable_s = [x for x in sel_s if not x.attributive and not x.excluded
                        and x.quant not in ("definite", "ordinal")]
            numeric_s = [x for x in usable_s if x.quant == "num"]
            plural_s = any(x.quant == "plural" for x in usable_s)
            range_s = any(x.quant == "range" for x in usable_s)
            if cw is not None and numeric_s and cs != cw:
                doubts.append(f"{k}: summary says {cs}, weapdetail {cw}; count left empty")
                count, est = None, False
                conflicted.add(k)
            elif cw == 1 and not ew and (plural_s or range_s):
                doubts.append(f"{k}: summary says {'a range' if range_s else 'plural'}, weapdetail 1; "
                              "count left empty")
                count, est = None, False
                conflicted.add(k)
            elif cw is not None and cs is not None and cs != cw:
                doubts.append(f"{k}: summary says {cs}, weapdetail {cw}; weapdetail kept")
            elif cw is None and cs is not None:
                doubts.append(f"{k}: summary says {cs}, weapdetail gives no number; count left empty")
        else:
            count, est = cs, es
        if k != "uav" and sel_w and not [x for x in ms if not x.excluded and x.kind in
                                         ("missile", "rocket", "mortar", "ballistic_missile",
                                          "cruise_missile", "projectile", "boat")]:
            doubts.append(f"{k}: named only in weapdetail, not in the summary")
        if k == "uav" and count is None and not (sel_s or sel_w):
            doubts.append("no drone named in the text; uav kept because the database is drone-only")
        lines[k] = MunitionLine(count, est if count is not None else False)

    counts = {k: v.count for k, v in lines.items()}
    got = interceptions(summary, ms, counts, missile_kind)
    for k, n in interceptions(weapdetail, mw, counts, missile_kind).items():
        if got.get(k) is None:
            got[k] = n
    for k, n in got.items():
        if k not in lines or n is None or k in conflicted:
            continue
        if lines[k].count is not None and n > lines[k].count:
            doubts.append(f"{k}: intercepted {n} > count {lines[k].count}; intercepted left empty")
            continue
        lines[k].intercepted = n
    return lines, doubts


# ------------------------------------------------------------------ drone database

def read_dtdb(path: Path) -> list[dict]:
    """Rows of the drone database (skips the 'sep=;' line, strips a BOM)."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        first = f.readline()
        if not first.lower().startswith("sep="):
            f.seek(0)
        return list(csv.DictReader(f, delimiter=";"))


def keep_row(row: dict) -> bool:
    """True for Middle East drone terrorist attacks from 2018 on."""
    try:
        year = int(float(row["year"]))
    except ValueError:
        return False
    return year >= 2018 and row["country_txt"] in COUNTRY_ISO and row["manual"] == "terrorist attack"


def clean(value: str | None) -> str:
    """A cell's text, or '' for missing markers."""
    v = (value or "").strip()
    return "" if v in ("N/A", "NA", "Unknown", "unknown", "-99", "-9") else v


def as_count(value: str | None) -> str:
    """A non-negative integer as text, or '' for missing, negative or non-numeric values."""
    try:
        n = float(clean(value))
    except ValueError:
        return ""
    return str(int(n)) if n >= 0 and n == int(n) else ""


def span_days(summary: str, year: int) -> int | None:
    """Length in days of an approximate date span stated in the text, if any."""
    m = re.search(r"\(from (\d{1,2})(?: (\w+))? - (\d{1,2}) (\w+)\)", summary)
    if m:
        d1, m1, d2, m2 = int(m.group(1)), m.group(2), int(m.group(3)), m.group(4)
        mo2 = MONTHS.get(m2.lower())
        mo1 = MONTHS.get((m1 or m2).lower())
        if mo1 and mo2:
            return (date(year, mo2, d2) - date(year, mo1, d1)).days + 1
    m = re.search(r"[Ss]ometime between (\w+) (\d{1,2}), (\d{4}) and (\w+) (\d{1,2}), (\d{4})", summary)
    if m and MONTHS.get(m.group(1).lower()) and MONTHS.get(m.group(4).lower()):
        a = date(int(m.group(3)), MONTHS[m.group(1).lower()], int(m.group(2)))
        b = date(int(m.group(6)), MONTHS[m.group(4).lower()], int(m.group(5)))
        return (b - a).days + 1
    return None


def dtdb_date(row: dict, summary: str) -> tuple[str, str]:
    """(date, date_precision) from year/month/day, widened when the text gives a span."""
    y, mo, d = (int(float(row[k] or 0)) for k in ("year", "month", "day"))
    if mo == 0:
        return f"{y:04d}", "year"
    if d == 0:
        return f"{y:04d}-{mo:02d}", "month"
    span = span_days(summary, y)
    if span is not None and span > 7:
        return f"{y:04d}-{mo:02d}", "month"
    if span is not None or summary.startswith("Around "):
        return f"{y:04d}-{mo:02d}-{d:02d}", "week"
    return f"{y:04d}-{mo:02d}-{d:02d}", "day"


def dtdb_location(row: dict) -> tuple[str, str, str, str]:
    """(location, latitude, longitude, location_precision) for one row."""
    place = clean(row.get("city")) or clean(row.get("provstate"))
    lat, lon = clean(row.get("latitude")), clean(row.get("longitude"))
    if not lat or not lon:
        return place, "", "", ""
    spec = clean(row.get("specificity"))
    precision = {"1": "exact", "2": "city", "3": "city", "4": "region", "5": "region"}.get(spec, "")
    return place, lat, lon, precision


def target_category(row: dict, text: str, country: str) -> str:
    """Salvo target category from GTD target type and keywords in the text."""
    if US_DIPLOMATIC_RE.search(text):
        return "us_diplomatic"
    if US_TARGET_RE.search(text) or (country in US_COALITION_COUNTRIES and US_COALITION_RE.search(text)):
        return "us_military"
    tt = row.get("targtype1_txt", "")
    if tt == "Maritime" or (SHIP_RE.search(text) and not re.search(r"\bfisherm[ae]n\b|\bfishing\b", text, re.I)):
        return "commercial_shipping"
    if tt in ("Military", "Police"):
        return "other" if NON_PARTNER_RE.search(text) else "partner_military"
    if tt in ("Government (General)", "Government (Diplomatic)"):
        return "partner_government"
    if tt in CIVILIAN_TARGTYPES:
        return "civilian"
    return "other"


def has_claim(text: str) -> bool:
    """True when the text says the group claimed the attack (not 'no group claimed')."""
    for m in CLAIM_RE.finditer(text):
        if not CLAIM_CANCEL_RE.search(text[max(0, m.start() - 30):m.start()]):
            return True
    return False


def attribution(row: dict, text: str) -> str:
    """Salvo attribution code for one DB row."""
    actor = row.get("gname", "").strip()
    if actor in ("", "N/A", "Unknown") or actor.startswith("Unidentified"):
        return "unknown"
    if row.get("claimed") == "1" or has_claim(text):
        return "claimed"
    if SUSPECT_RE.search(text):
        return "suspected"
    return "attributed_by_officials" if row.get("adatforras") == "GTD" else "suspected"


def dtdb_notes(row: dict) -> str:
    """One-line provenance note, under 400 characters."""
    src = re.sub(r"\s+", " ", clean(row.get("scite1"))).strip()
    note = f"{row['adatforras']} row {row['eventid']}; sources: {src}"
    return note if len(note) < 400 else note[:396] + "..."


def dtdb_incident(row: dict) -> tuple[dict, dict[str, MunitionLine], list[str]]:
    """Incident-level fields, munition lines and doubts for one DB row."""
    raw = re.sub(r"\s+", " ", row.get("summary", "")).strip()
    summary = normalise_text(row.get("summary", ""), row.get("gname", ""))
    weapdetail = normalise_text(row.get("weapdetail", ""), row.get("gname", ""))
    lines, doubts = extract_munitions(summary, weapdetail)
    override = OVERRIDES.get(row["eventid"])
    if override:
        lines = {k: MunitionLine(c, False, i) for k, (c, i) in override["munitions"].items()}
        doubts.append("override: " + override["reason"])
    when, precision = dtdb_date(row, raw)
    place, lat, lon, loc_prec = dtdb_location(row)
    country = COUNTRY_ISO[row["country_txt"]]
    if AT_SEA_RE.search(raw):
        country = ""
        doubts.append("ship at sea: country left empty (DB codes it to a country)")
    killed, injured = as_count(row.get("nkill")), as_count(row.get("nwound"))
    if UNKNOWN_CASUALTIES_RE.search(raw):
        killed = injured = ""
    text = raw + " " + re.sub(r"\s+", " ", row.get("weapdetail", ""))
    inc = {
        "incident_id": f"dtdb-{row['eventid']}",
        "date": when, "date_precision": precision, "country": country,
        "location": place, "latitude": lat, "longitude": lon, "location_precision": loc_prec,
        "target": clean(row.get("target1")) if row.get("adatforras") == "GTD" else "",
        "target_category": target_category(row, re.sub(r"\bU\.S\.", "US", text),
                                           COUNTRY_ISO[row["country_txt"]]),
        "actor": row.get("gname", "").strip(),
        "attribution": attribution(row, text),
        "killed": killed, "injured": injured,
        "status": "reviewed", "source_url": DTDB_URL, "notes": dtdb_notes(row),
    }
    return inc, lines, doubts


# ----------------------------------------------------------------------- news gold

def read_jsonl(path: Path) -> list[dict]:
    """Records of a JSON Lines file."""
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def news_munitions(inc: dict) -> dict[str, MunitionLine]:
    """Munition lines for one gold incident (counts only when it lists one type)."""
    types = [t for t in inc.get("munition_types") or [] if t in MUNITION_ORDER] or ["unknown"]
    single = len(types) == 1
    lines = {}
    for t in types:
        lines[t] = MunitionLine(inc.get("projectile_count") if single else None, False,
                                inc.get("intercepted_count") if single else None)
    return lines


def news_incidents(shared: Path) -> list[tuple[dict, dict[str, MunitionLine]]]:
    """One incident per dated gold incident; reports of one cluster merged into one."""
    records = read_jsonl(shared / GOLD_PATH)
    clusters = json.loads((shared / CLUSTERS_PATH).read_text(encoding="utf-8"))
    by_key = {}
    urls = {}
    for rec in records:
        urls[rec["id"]] = rec["url"]
        for i, inc in enumerate(rec.get("incidents") or []):
            by_key[f"{rec['id']}#{i}"] = inc
    member_of = {m: key for key, members in clusters.items() for m in members}
    groups: list[tuple[str, list[str]]] = [(f"news-{k}", v) for k, v in clusters.items()]
    groups += [(f"news-{k.replace('#', '-')}", [k]) for k in by_key if k not in member_of]
    out = []
    for incident_id, members in groups:
        chosen = next((m for m in members if by_key.get(m, {}).get("date")), None)
        if chosen is None:
            continue
        inc = by_key[chosen]
        article_urls = list(dict.fromkeys(urls[m.split("#")[0]] for m in members))
        note = f"news gold annotation {chosen}"
        if len(members) > 1:
            note += f" (cluster {incident_id[5:]}: {' '.join(members)})"
        fields = {
            "incident_id": incident_id, "date": inc["date"],
            "date_precision": inc.get("date_precision") or "",
            "country": news_country(inc.get("country")),
            "location": inc.get("location") or "", "latitude": "", "longitude": "",
            "location_precision": "", "target": inc.get("target") or "",
            "target_category": inc.get("target_category") or "",
            "actor": inc.get("perpetrator") or "", "attribution": inc.get("attribution") or "",
            "killed": fmt(inc.get("casualties_killed")), "injured": fmt(inc.get("casualties_injured")),
            "status": "reviewed", "source_url": " ".join(article_urls), "notes": note,
        }
        out.append((fields, news_munitions(inc)))
    return out


def news_country(name: str | None) -> str:
    """ISO alpha-2 for a gold country name ('' for null, i.e. at sea)."""
    if not name:
        return ""
    if name not in COUNTRY_ISO:
        raise ValueError(f"no ISO code for gold country {name!r}")
    return COUNTRY_ISO[name]


def fmt(value) -> str:
    """An optional number as CSV text."""
    return "" if value is None else str(value)


# -------------------------------------------------------------------------- output

def incident_rows(inc: dict, lines: dict[str, MunitionLine]) -> list[dict]:
    """The CSV rows of one incident: one per munition type, in codebook order."""
    if not lines:
        lines = {"unknown": MunitionLine()}
    rows = []
    for k in sorted(lines, key=MUNITION_ORDER.index):
        ml = lines[k]
        row = {h: "" for h in HEADER}
        row.update(inc)
        row.update({"munition_type": k, "count": fmt(ml.count),
                    "count_estimate": "true" if ml.estimate else "false",
                    "intercepted": fmt(ml.intercepted)})
        rows.append(row)
    return rows


def write_csv(path: Path, incidents: list[tuple[dict, dict[str, MunitionLine]]]) -> None:
    """Write all incidents sorted by date, then incident_id."""
    path.parent.mkdir(parents=True, exist_ok=True)
    ordered = sorted(incidents, key=lambda x: (x[0]["date"], x[0]["incident_id"]))
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=HEADER, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        w.writeheader()
        for inc, lines in ordered:
            w.writerows(incident_rows(inc, lines))


def source_label(incident_id: str) -> str:
    """'news', 'GTD' or 'ACLED' for an incident id."""
    if incident_id.startswith("news-"):
        return "news"
    return "GTD" if incident_id[5:].isdigit() else "ACLED"


def print_summary(incidents: list[tuple[dict, dict[str, MunitionLine]]], doubts: dict[str, list[str]]) -> None:
    """Incidents and projectiles per year and type; unknown counts; doubtful rows."""
    table: dict[str, Counter] = defaultdict(Counter)
    projectiles: dict[str, Counter] = defaultdict(Counter)
    unknown_count = Counter()
    by_source = Counter()
    for inc, lines in incidents:
        year = inc["date"][:4]
        src = inc["incident_id"].split("-")[0]
        by_source[src] += 1
        for k, ml in lines.items():
            table[year][k] += 1
            projectiles[year][k] += ml.count if ml.count is not None else 1
        if any(ml.count is None for ml in lines.values()):
            unknown_count[src] += 1
    kinds = [k for k in MUNITION_ORDER if any(table[y][k] for y in table)]
    print(f"{len(incidents)} incidents ({', '.join(f'{s}: {n}' for s, n in sorted(by_source.items()))})")
    print("incidents / projectiles (an unknown count counts as 1) per year and munition type")
    print("year  " + "".join(f"{k:>20}" for k in kinds))
    for y in sorted(table):
        print(f"{y:<6}" + "".join(f"{table[y][k]:>12} / {projectiles[y][k]:<5}" for k in kinds))
    tot = [(sum(table[y][k] for y in table), sum(projectiles[y][k] for y in table)) for k in kinds]
    print("total " + "".join(f"{a:>12} / {b:<5}" for a, b in tot))
    print("incidents with an unknown count for at least one munition: "
          + ", ".join(f"{s}: {n}" for s, n in sorted(unknown_count.items()))
          + f" (of {len(incidents)})")
    by_day: dict[tuple[str, str], list[str]] = defaultdict(list)
    for inc, _ in incidents:
        if inc["date_precision"] == "day":
            by_day[(inc["date"], inc["country"])].append(inc["incident_id"])
    pairs = [ids for ids in by_day.values() if len({source_label(i) for i in ids}) > 1]
    print(f"{len(pairs)} same-day, same-country groups mixing sources (news/DB or ACLED/GTD), "
          "possible duplicates for Salvo's linkage step:")
    for ids in sorted(pairs):
        print("  " + " ".join(sorted(ids)))
    flagged = {k: v for k, v in doubts.items() if v}
    print(f"{len(flagged)} DB rows with notes for a reviewer:")
    for eid, notes in sorted(flagged.items()):
        print(f"  {eid}: " + "; ".join(notes))


def explain(row: dict, lines: dict[str, MunitionLine], inc: dict, notes: list[str]) -> None:
    """Print one DB row's text next to what was extracted from it."""
    print(f"--- {row['eventid']} ({row['adatforras']}) {inc['date']} {inc['country']} "
          f"{inc['target_category']} {inc['attribution']} k={inc['killed']} i={inc['injured']}")
    print("  S: " + re.sub(r"\s+", " ", row.get("summary", "")))
    print("  W: " + re.sub(r"\s+", " ", row.get("weapdetail", "")))
    for k, ml in lines.items():
        print(f"  => {k}: count={ml.count} est={ml.estimate} intercepted={ml.intercepted}")
    for n in notes:
        print(f"  !! {n}")


def main(argv: list[str] | None = None) -> int:
    """Build the demo CSV and print the summary."""
    args = parse_args(argv)
    shared = args.shared.resolve()
    if not (shared / DTDB_PATH).exists():
        print(f"shared data not found under {shared} (use --shared)", file=sys.stderr)
        return 2
    incidents = []
    doubts: dict[str, list[str]] = {}
    for row in read_dtdb(shared / DTDB_PATH):
        if not keep_row(row):
            continue
        inc, lines, notes = dtdb_incident(row)
        incidents.append((inc, lines))
        doubts[row["eventid"]] = notes
        if row["eventid"] in args.explain or "all" in args.explain:
            explain(row, lines, inc, notes)
    incidents += news_incidents(shared)
    ids = [inc["incident_id"] for inc, _ in incidents]
    if len(ids) != len(set(ids)):
        raise SystemExit("duplicate incident_id")
    write_csv(args.out, incidents)
    print(f"wrote {args.out}")
    print_summary(incidents, doubts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
