"""Assembling candidate incidents from the units of one article.

The reading is sequential. The first unit that reports an attack (an attack
word and a projectile, outside generic or policy sentences) opens the article's
main incident. A later attack unit opens a further incident when it carries a
time reference that disagrees with the incident it would join, names another
target with other munitions, or says it is separate ("another", "in a separate
incident"). A further incident is ``main`` when it happened the same day as the
main one (or is said to be separate and undated) and ``background`` otherwise.
Units without an attack add details (casualties, claims, outcomes) to the
incident in focus: the one most recently opened or referred to.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import re
from dataclasses import dataclass, field

from salvo.extract import actors as actors_mod
from salvo.extract import numbers, outcomes
from salvo.extract.dates import DateMention, find_dates, shift
from salvo.extract.munitions import SPECIFIC, Munition, find_munitions, types_of
from salvo.extract.places import PlaceMention, find_places, site_country
from salvo.extract.segment import Unit, parse, units
from salvo.extract.vocab import patterns, regex

Span = tuple[int, int]
_TEXT: contextvars.ContextVar[str] = contextvars.ContextVar("text", default="")
_REPORTING = re.compile(r"\b(?:said|says|say|told|telling|speaking|statement|tweeted|announced|reported|post|posted|update)\b[^.]{0,30}$", re.I)
_ANAPHORA = re.compile(r"^(?:It|They)\b|\b(?:the|same|this) (?:base|airbase|air base|garrison|site|compound|facility|complex|embassy|field|gasfield|airport)\b|\bthe [A-Z][\w-]+(?: [A-Z][\w-]+)?\b(?! (?:attack|strike))")
# "hours after"/"hours before" the main event: the same day as it.
_HOURS = re.compile(r"hours? (?:after|before|earlier|later)\b", re.I)
# "since the October 7 outbreak": the start of a period, not the day of the attack.
_SINCE = re.compile(r"\bsince (?:the )?$", re.I)
_UNDER_FIRE = re.compile(r"\b(?:came under (?:rocket |drone |mortar )?(?:fire|attack)|(?:was|were) (?:also )?(?:attacked|targeted|hit)|under (?:rocket |drone )?fire)\b", re.I)
_TOWARD_ISRAEL = re.compile(r"\btoward(?:s)? (?:Israel\b|Israeli territory|its territory)|\bIsraeli (?:territory|airspace)\b|\bnorthern Israel\b|\bsouthern Israel\b", re.I)


@dataclass
class Candidate:
    """One proposed incident, with the gold schema's fields and evidence spans per field."""

    date: str | None = None
    date_precision: str | None = None
    country: str | None = None
    country_code: str | None = None
    location: str | None = None
    place_id: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    location_precision: str | None = None
    target: str | None = None
    target_category: str | None = None
    munition_types: list[str] = field(default_factory=list)
    projectile_count: int | None = None
    intercepted_count: int | None = None
    perpetrator: str | None = None
    perpetrator_id: str | None = None
    attribution: str = "unknown"
    casualties_killed: int | None = None
    casualties_injured: int | None = None
    mention: str = "main"
    evidence: dict[str, list[Span]] = field(default_factory=dict)


@dataclass
class _Draft:
    mention: str
    units: list[Unit] = field(default_factory=list)
    attack_units: list[Unit] = field(default_factory=list)
    date: DateMention | None = None
    date_value: str | None = None
    date_precision: str | None = None
    munitions: list[Munition] = field(default_factory=list)
    places: list[PlaceMention] = field(default_factory=list)
    context_places: list[PlaceMention] = field(default_factory=list)
    attribution: str = "unknown"
    actor: actors_mod.ActorMention | None = None
    intercepted: tuple[int, Span] | None = None
    killed: int | None = None
    injured: int | None = None
    evidence: dict[str, list[Span]] = field(default_factory=dict)

    def key(self) -> str | None:
        if self.date_value:
            return self.date_value
        return self.date.key if self.date else None

    def site(self) -> PlaceMention | None:
        targets = [p for p in self.places if not p.origin]
        if not any(p.place is not None and not p.is_sea for p in targets):
            targets += [p for p in self.context_places if not p.origin and p.place is not None
                        and p.place.kind != "town" and (not targets or p.country in {t.country for t in targets})]
        for wanted in (lambda p: p.place is not None and p.place.kind != "town" and not p.is_sea,
                       lambda p: p.place is not None and not p.is_sea,
                       lambda p: p.place is not None,
                       lambda p: True):
            for place in targets:
                if wanted(place):
                    return place
        return None


def extract_candidates(text: str, published: dt.date | None) -> list[Candidate]:
    """The candidate incidents of one article text."""
    doc = parse(_blank_store_token(text))
    clean = doc.text
    _TEXT.set(clean)
    all_places = find_places(doc, clean)
    all_actors = actors_mod.find_actors(doc)
    drafts: list[_Draft] = []
    focus: _Draft | None = None
    for unit in units(doc):
        dates = [d for d in find_dates(unit.text, published, unit.start)]
        explicit = any(d.kind not in ("vague", "offset") for d in dates)
        munitions = [m for m in find_munitions(unit.text, unit.start) if explicit or not m.aggregate]
        places = [p for p in all_places if unit.start <= p.start < unit.end]
        actors = [a for a in all_actors if unit.start <= a.start < unit.end]
        cue_text = unit.text[total.end():] if (total := _OF_TOTAL.match(unit.text)) else unit.text
        generic = bool(regex("generic_cues").search(cue_text) or _AGGREGATE.search(cue_text))
        attack = bool(regex("attack_cues").search(unit.text)) and not generic
        dates = [d for d in dates if not (d.start < 400 and d.kind in ("monthday", "daymonth")
                                          and _DATELINE.match(clean[unit.start: d.start]))]
        event_dates = [d for d in dates if not _REPORTING.search(clean[max(0, d.start - 60): d.start])
                       and not _SINCE.search(clean[max(0, d.start - 12): d.start])]
        if attack and not munitions and focus is not None and (similar := _SIMILAR.search(unit.text)):
            munitions = _like(focus, unit.start + similar.start(), unit.start + similar.end())
        if attack and not munitions and focus is not None and (places or dates or _ANAPHORA.search(unit.text)) and (
                _UNDER_FIRE.search(unit.text) or (re.search(r"\battack\b", unit.text, re.I) and event_dates
                                                  and (places or _ANAPHORA.search(unit.text)))):
            munitions = []
        elif not (attack and munitions):
            if focus is not None and not generic:
                _add_details(focus, unit, munitions, dates, places, actors, all_actors, published, attack=False)
            continue
        target = _route(drafts, focus, unit, munitions, event_dates, places, published)
        if target is None:
            target = _Draft(mention=_mention(drafts, unit, event_dates, published))
            drafts.append(target)
        focus = target
        _add_details(target, unit, munitions, event_dates or dates, places, actors, all_actors, published, attack=True)
    return [_finish(d, clean, drafts) for d in drafts if _keep(d)]


_STORE_TOKEN = re.compile(r"^\s*date \d{4}-\d\d-\d\d\b")
_DATELINE = re.compile(r"^(?:[A-Z][\w.]+(?: [A-Z][\w.]+)?,\s+)?(?:\w+day,?\s+)?$")
_AGGREGATE = re.compile(rf"\b(?:{numbers.NUMBER})\s+(?:[\w-]+\s+)?(?:attacks|times)\b", re.I)


# "Of the two drones launched, one ...": the opening phrase states the total, and
# its verb ("deployed", "used") is not a generic cue.
_OF_TOTAL = re.compile(rf"^\s*(?:Of|Out of)\s+(?:all\s+)?the\s+(?:{numbers.NUMBER})\b[^,]{{1,60}},")
# A sentence without an attack verb that says what an attack used ("The attack
# involved five drones", "Four rockets were used").
_USED = re.compile(r"\b(?:involv(?:ed|ing)|used|using|consist(?:ed|ing) of|compris(?:ed|ing)|included)\b", re.I)


def _add_stated_count(draft: _Draft, munitions: list[Munition]) -> None:
    """Adds counted projectiles of a later sentence to an incident that has no count yet.

    Only terms with an explicit number, of a type the incident already has (or any
    type when it has only unknown ones), are taken.
    """
    if any(m.count is not None and not m.partitive and not m.attack_noun for m in draft.munitions):
        return
    codes = {m.code for m in draft.munitions if m.code in SPECIFIC}
    counted = [m for m in munitions if m.count is not None and not m.partitive and not m.attack_noun
               and (not codes or m.code in codes)]
    draft.munitions.extend(counted)
    for m in counted:
        draft.evidence.setdefault("munition_types", []).append((m.start, m.end))


_SIMILAR = re.compile(r"\b(?:a|an|the) similar (?:[\w-]+ )?(?:attack|strike|assault)\b", re.I)


def _like(focus: _Draft, start: int, end: int) -> list[Munition]:
    """The munition types of the incident in focus, for an attack said to be like it ("a similar attack").

    They name the kind of attack only, so they carry no count.
    """
    codes = sorted({m.code for m in focus.munitions if m.code in SPECIFIC})
    return [Munition(start, end, code, None, False, True, start) for code in codes]


def _blank_store_token(text: str) -> str:
    """The text with the store's leading ``date YYYY-MM-DD`` token blanked (offsets kept)."""
    m = _STORE_TOKEN.match(text)
    return " " * m.end() + text[m.end():] if m else text


def _route(drafts, focus, unit, munitions, dates, places, published) -> _Draft | None:
    """The existing draft an attack unit belongs to, or None to open a new one."""
    if not drafts:
        return None
    main = drafts[0]
    date = dates[0] if dates else None
    sites = {p.place.id for p in places if p.place is not None and not p.origin and not p.is_sea and p.place.kind != "town"}
    kinds = {m.code for m in munitions if m.code in SPECIFIC}
    separate = bool(regex("separate_cues").search(unit.text))
    if date is not None:
        value = _value(date, focus, published)
        key = value or date.key
        for draft in drafts:
            if draft.key() == key:
                return None if separate and not (sites and sites & _sites(draft)) else draft
        if main.key() is None and _recent(date, value, published) and not separate and main is focus:
            return main
        if date.kind == "vague" and focus is not None and focus.key() is None and not separate:
            return focus
        return None
    if separate and (not sites or sites != _sites(focus or main)):
        return None
    if kinds and focus is not None and _earlier_other_kind(unit, munitions, kinds, focus):
        return None
    if sites and focus is not None and _sites(focus) and not sites & _sites(focus):
        focus_kinds = {m.code for m in focus.munitions if m.code in SPECIFIC}
        if not kinds or (focus_kinds and not kinds & focus_kinds):
            return None
        for draft in drafts:
            if sites & _sites(draft):
                return draft
    return focus or main


# "... came hours after militants fired drones": the clause after it is an earlier, other event.
_AFTER = re.compile(r"\b(?:hours|days|minutes|a day|shortly|soon|weeks) (?:after|before)\b", re.I)


def _earlier_other_kind(unit: Unit, munitions: list[Munition], kinds: set[str], focus: _Draft) -> bool:
    """Whether an undated unit reports, after "hours after"/"days before", an attack with other munitions."""
    focus_kinds = {m.code for m in focus.munitions if m.code in SPECIFIC}
    if not focus_kinds or kinds & focus_kinds:
        return False
    m = _AFTER.search(unit.text)
    return m is not None and all(x.start - unit.start > m.end() for x in munitions)


def _sites(draft: _Draft) -> set[str]:
    return {p.place.id for p in draft.places
            if p.place is not None and not p.origin and not p.is_sea and p.place.kind != "town"}


def _recent(date: DateMention, value: str | None, published: dt.date | None) -> bool:
    if date.recent:
        return True
    if value and published and len(value) == 10:
        return 0 <= (published - dt.date.fromisoformat(value)).days <= 3
    return False


def _value(date: DateMention, focus: _Draft | None, published) -> str | None:
    if date.kind == "offset":
        return shift(date, focus.date_value if focus else None)[0]
    return date.value


def _mention(drafts: list[_Draft], unit: Unit, dates: list[DateMention], published) -> str:
    if not drafts:
        return "main"
    main = drafts[0]
    if not dates:
        same_day = re.search(r"\b" + _HOURS.pattern, unit.text, re.I)
        return "main" if regex("separate_cues").search(unit.text) or same_day else "background"
    date = dates[0]
    value = _value(date, drafts[-1], published)
    if value and main.date_value and value == main.date_value:
        return "main"
    if date.kind in ("weekday", "yesterday", "today") and regex("separate_cues").search(unit.text):
        return "main"
    if date.kind == "vague" and _HOURS.match(_TEXT.get()[date.start:date.end]):
        return "main"
    return "background"


def _add_details(draft: _Draft, unit: Unit, munitions, dates, places, actors, all_actors, published, attack: bool):
    draft.units.append(unit)
    if attack:
        draft.attack_units.append(unit)
        draft.munitions.extend(munitions)
        draft.places.extend(places)
        for m in munitions:
            draft.evidence.setdefault("munition_types", []).append((m.start, m.end))
    elif munitions and not draft.munitions:
        draft.munitions.extend(munitions)
    elif munitions and _USED.search(unit.text):
        _add_stated_count(draft, munitions)
    if draft.date is None and dates and attack:
        date = dates[0]
        draft.date = date
        if date.kind == "offset":
            value, precision = None, None
        else:
            value, precision = date.value, date.precision
        draft.date_value, draft.date_precision = value, precision
        draft.evidence["date"] = [(date.start, date.end)]
    if not attack and not draft.places and places and _UNDER_FIRE.search(unit.text):
        draft.places.extend(places)
    elif not attack:
        draft.context_places.extend(places)
    count, span = outcomes.intercepted(unit.text)
    if count is not None and draft.intercepted is None:
        draft.intercepted = (count, (unit.start + span[0], unit.start + span[1]))
    killed, injured, spans = outcomes.casualties(unit.text)
    if killed is not None:
        draft.killed = killed if draft.killed is None or killed else draft.killed
    if injured is not None:
        draft.injured = injured if draft.injured is None or injured else draft.injured
    if killed is not None or injured is not None:
        draft.evidence.setdefault("casualties", []).extend((unit.start + s, unit.start + e) for s, e in spans)
    _attribute(draft, unit, actors, all_actors, attack)


def _attribute(draft: _Draft, unit: Unit, actors, all_actors, attack: bool) -> None:
    claims = actors_mod.claims(unit.text)
    denial = regex("denial_cues").search(unit.text)
    responsible = re.search(r"\b(?:behind|responsible|carried out|launched|fired|by)\b", unit.text, re.I)
    if not actors and claims:
        earlier = [a for a in all_actors if a.start < unit.start]
        if draft.actor is not None or earlier:
            actors = [draft.actor or earlier[-1]]
    if not claims and not denial:
        actors = [a for a in actors if actors_mod.is_agent(_TEXT.get(), a)]
    if not actors or not (attack or claims or denial or responsible):
        return
    level = actors_mod.attribution_level(unit.text, True)
    if claims:
        level = "claimed"
    if actors_mod.RANK[level] > actors_mod.RANK[draft.attribution]:
        draft.attribution = level
        draft.actor = max(actors, key=lambda a: a.end - a.start)
        draft.evidence["attribution"] = [(unit.start, unit.end)]
        draft.evidence["perpetrator"] = [(draft.actor.start, draft.actor.end)]


def _inherits(draft: _Draft) -> bool:
    """Whether a further incident refers back to the main incident's place ("the base", "It")."""
    first = draft.attack_units[0].text if draft.attack_units else ""
    return bool(re.search(r"^(?:It|They)\b|\b(?i:the|same|this) (?:base|airbase|air base|garrison|site|compound|facility|complex|field|gasfield)\b", first))


def _keep(draft: _Draft) -> bool:
    if draft.mention == "main":
        return True
    return draft.date is not None and (draft.site() is not None or _inherits(draft))


def _finish(draft: _Draft, text: str, drafts: list[_Draft]) -> Candidate:
    main = drafts[0]
    cand = Candidate(mention=draft.mention, evidence=draft.evidence)
    if draft.date is not None and draft.date.kind == "offset":
        anchor = main if draft is not main else None
        if anchor is not None:
            cand.date, cand.date_precision = shift(draft.date, anchor.date_value)
    elif draft.date is not None and draft is not main and _HOURS.match(text[draft.date.start:draft.date.end]):
        cand.date, cand.date_precision = main.date_value, main.date_precision
    else:
        cand.date, cand.date_precision = draft.date_value, draft.date_precision
    place = draft.site()
    if place is None and draft is not main and main.site() is not None and _inherits(draft):
        place = main.site()
    if place is not None:
        cand.location = place.text
        cand.evidence["location"] = [(place.start, place.end)]
        if place.place is not None:
            cand.place_id = place.place.id
            cand.latitude, cand.longitude = place.place.lat, place.place.lon
            cand.location_precision = place.place.precision
        cand.country = place.country
    joined = " ".join(u.text for u in draft.attack_units)
    if cand.country is None and _TOWARD_ISRAEL.search(joined):
        cand.country = "Israel"
    if cand.country is None and place is not None and place.is_sea:
        towards = [p for p in draft.places if not p.is_sea and p.country and not p.origin]
        if towards:
            cand.country = towards[0].country
    if cand.country:
        from salvo import gazetteer

        found = gazetteer.country(cand.country)
        cand.country_code = found.code if found else None
    cand.munition_types = _types(draft.munitions)
    cand.projectile_count = _count(draft.munitions)
    if draft.intercepted is not None:
        cand.intercepted_count = draft.intercepted[0]
        cand.evidence["intercepted_count"] = [draft.intercepted[1]]
        s, e = draft.intercepted[1]
        if cand.projectile_count and re.search(r"\bothers\b", text[s:e]):
            cand.projectile_count += cand.intercepted_count
    cand.casualties_killed, cand.casualties_injured = draft.killed, draft.injured
    if draft.actor is not None:
        cand.perpetrator = draft.actor.text
        cand.perpetrator_id = draft.actor.actor_id
        cand.attribution = draft.attribution
    cand.target_category, cand.target = _target(draft, place, text)
    return cand


def _types(munitions: list[Munition]) -> list[str]:
    types = types_of(munitions) or ["unknown"]
    if "anti_ship_missile" in types:
        types = [t for t in types if t not in ("ballistic_missile", "cruise_missile")]
    return types


def _count(munitions: list[Munition]) -> int | None:
    explicit = [m for m in munitions if m.count is not None and not m.partitive and not m.attack_noun]
    if not explicit:
        # A lone singular projectile ("hit by a rocket") is one; a term that only
        # names the attack ("a drone attack", "rocket fire") states no number.
        if any(not m.attack_noun for m in munitions) and not any(m.vague or m.partitive or m.count for m in munitions):
            return 1
        return None
    first_unit_start = explicit[0]
    by_code: dict[str, int] = {}
    for m in explicit:
        if abs(m.start - first_unit_start.start) > 120:
            break
        by_code.setdefault(m.code, m.count)
    specific = {c: n for c, n in by_code.items() if c in SPECIFIC}
    return sum((specific or by_code).values())


def _target(draft: _Draft, place: PlaceMention | None, text: str) -> tuple[str | None, str | None]:
    cues = patterns()["target_cues"]
    attack_text = " ".join(u.text for u in draft.attack_units)
    all_text = " ".join(u.text for u in draft.units)
    site = place.place if place is not None else None
    label = place.text if place is not None else None
    if re.search(cues["partner_government"], attack_text, re.I):
        return "partner_government", label
    if site is not None and site.kind == "military_base" and site.hosts_us_forces:
        return "us_military", label
    if site is not None and site.kind in ("embassy",):
        return "us_diplomatic", label
    if site is not None and site.kind == "diplomatic_area" and re.search(cues["us_diplomatic"], attack_text, re.I):
        return "us_diplomatic", label
    for category in ("naval", "commercial_shipping"):
        if re.search(cues[category], attack_text, re.I):
            return category, label
    if re.search(cues["us_military"], all_text, re.I) and (site is None or site.kind in ("military_base", "airport", "oil_field", "gas_field")):
        return "us_military", label
    if site is not None and (site.kind in patterns()["civilian_kinds"] or site.kind == "town"):
        if site_country(site) == "Israel" or site.kind != "town" or re.search(cues["civilian"], attack_text, re.I):
            return "civilian", label
    if re.search(cues["us_diplomatic"], attack_text, re.I):
        return "us_diplomatic", label
    if re.search(cues["civilian"], attack_text, re.I) and site is not None:
        return "civilian", label
    if site is not None and site.kind == "military_base":
        return "partner_military", label
    return "other", label
