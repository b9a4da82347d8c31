"""Actors named in text and the basis on which a sentence attributes an attack to them.

Names are found with a spaCy PhraseMatcher over every codebook spelling (plus
the few extra news names in patterns.yaml) and resolved through
``salvo.codebook``. Only actors that launch attacks in this domain are kept
(Iran-linked groups, Iran itself, and armed groups); states' own forces named
as defenders (the IDF, U.S. forces) are not perpetrators.

The attribution level of a sentence follows the annotation rules: a claim by
the group beats an official attribution, which beats a hedged or unsourced
assertion; a denial counts only when nothing else is said.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from salvo import codebook
from salvo.extract.nlp import pipeline
from salvo.extract.vocab import patterns, regex
from salvo.names import normalise

RANK = {"claimed": 4, "attributed_by_officials": 3, "suspected": 2, "denied": 1, "unknown": 0}
_PERPETRATOR_AFFILIATIONS = {"iran_linked", "salafi_jihadist", "other"}


@dataclass
class ActorMention:
    """An actor named in the text."""

    start: int
    end: int
    text: str
    actor_id: str


@cache
def _matcher():
    from spacy.matcher import PhraseMatcher

    nlp = pipeline()
    book = codebook.actors()
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    by_id: dict[str, list[str]] = {}
    for actor in book:
        if actor.affiliation not in _PERPETRATOR_AFFILIATIONS and actor.id != "iran":
            continue
        names = [n for n in (actor.name, *actor.aliases) if n.isascii() and len(normalise(n)) > 3]
        by_id[actor.id] = names
    for alias, actor_id in (patterns().get("extra_actor_aliases") or {}).items():
        by_id.setdefault(actor_id, []).append(alias)
    for actor_id, names in by_id.items():
        docs = []
        for name in names:
            docs.append(nlp.make_doc(name))
            if "-" in name:
                docs.append(nlp.make_doc(name.replace("-", " ")))
        matcher.add(actor_id, docs)
    return matcher


def find_actors(doc) -> list[ActorMention]:
    """Perpetrator-type actors named in a parsed document, longest match at each place."""
    spans = sorted(
        ((doc[s].idx, doc[e - 1].idx + len(doc[e - 1]), doc.vocab.strings[mid]) for mid, s, e in _matcher()(doc)),
        key=lambda x: (x[0], -(x[1] - x[0])))
    found: list[ActorMention] = []
    last_end = -1
    text = doc.text
    for s, e, actor_id in spans:
        if s < last_end or re.match(r"(?:ian)?[- ](?:backed|aligned|linked|allied|supported|made)", text[e:e + 12]):
            continue
        last_end = e
        s = _extend_left(text, s)
        found.append(ActorMention(s, e, text[s:e], actor_id))
    return found


_LEFT = re.compile(r"(?:(?:Yemen|Iraq|Iran|Lebanon|Syria)['’]s\s+)?(?:(?:Iran(?:ian)?|pro-Iran(?:ian)?)[- ](?:backed|aligned|linked|allied|supported)\s+)$")


def _extend_left(text: str, start: int) -> int:
    m = _LEFT.search(text[max(0, start - 45): start])
    return start - len(m.group(0)) if m else start


def claims(sentence: str) -> bool:
    """Whether the sentence reports a claim of responsibility that is not negated near it."""
    for m in regex("claim_cues").finditer(sentence):
        if not regex("no_claim_cues").search(sentence[max(0, m.start() - 40): m.end()]):
            return True
    return False


_AGENT_AFTER = re.compile(r"^[^.;]{0,60}?\b(?:fired|launched|launching|fire|attacked|struck|targeted|claimed|claims|took|taken|said|says|were behind|was behind|is behind|are behind|carried out|responsible|had launched|has launched|have launched|bombed|hit)\b", re.I)
_AGENT_BEFORE = re.compile(r"\b(?:by|from|of)\s+(?:the\s+)?(?:[\w-]+\s+){0,2}$|\b(?:involvement of|believe[sd]?|believed that)\s+(?:the\s+)?(?:[\w-]+\s+){0,3}$", re.I)


def is_agent(text: str, mention: ActorMention) -> bool:
    """Whether an actor mention is the doer of the clause: followed by an attack or claim verb, or after "by"."""
    return bool(_AGENT_AFTER.match(text[mention.end: mention.end + 80])
                or _AGENT_BEFORE.search(text[max(0, mention.start - 40): mention.start]))


def attribution_level(sentence: str, has_actor: bool) -> str:
    """The attribution level a sentence gives the actor it names (``unknown`` without one)."""
    if claims(sentence):
        return "claimed"
    if not has_actor:
        return "unknown"
    if regex("denial_cues").search(sentence):
        return "denied"
    hedged = regex("hedge_cues").search(sentence)
    official = regex("official_cues").search(sentence)
    if official and re.search(r"\b(?:officials?|u\.?s\.?|military|washington)\b[^.]{0,30}\bbelieves?\b(?! to)", sentence, re.I):
        return "attributed_by_officials"
    if hedged:
        return "suspected"
    if official:
        return "attributed_by_officials"
    return "suspected"


def actor_name(actor_id: str) -> str:
    """The canonical name of an actor id."""
    return codebook.actors().get(actor_id).name
