"""Scoring the extractor against gold incident annotations (the news development set).

Matching rule, per article: every extracted candidate is paired with at most
one gold incident of the same article, greedily by descending similarity.
A pair is allowed only when the two are *compatible*: their munition types
overlap (``unknown`` is compatible with any type) or they resolve to the same
place. Similarity = 2 x same place + 1 x munition-type Jaccard + 1 x same date
(at the gold precision) + 0.5 x same country + 0.5 x same mention.

Two scopes are reported. ``incident`` (the headline) scores all gold
incidents, main and background, against all candidates. ``incident_main``
scores gold ``main`` incidents: a candidate paired with a gold background
incident, or an unpaired candidate marked background, is neither a hit nor a
false alarm there. Field accuracies are over matched pairs of each scope; see
docs/evaluation.md.

Run: ``python -m salvo.extract.evaluate --gold gold.jsonl --articles articles/``
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from salvo import codebook, gazetteer
from salvo.extract import extract, read_article
from salvo.extract.nlp import pipeline
from salvo.extract.places import find_places
from salvo.names import normalise

FIELDS = ("date", "date_precision", "country", "place", "target_category", "munition_types", "projectile_count",
          "intercepted_count", "attribution", "perpetrator", "casualties_killed", "casualties_injured", "mention")


def gold_places(location: str | None, country: str | None = None) -> set[str]:
    """Gazetteer ids a gold location string names: the whole string, its parts, and any site in it."""
    if not location:
        return set()
    code = (gazetteer.country(country).code if country and gazetteer.country(country) else None)
    found: set[str] = set()
    parts = [location, *re.split(r"[,;/()]|\band\b", location)]
    for part in parts:
        part = re.sub(r"^\s*(?:near|toward|towards|outside|the|in)\s+(?:the\s+)?", "", part.strip(), flags=re.I)
        if place := gazetteer.lookup(part, code) or gazetteer.lookup(part):
            found.add(place.id)
    doc = pipeline()(location)
    for mention in find_places(doc, location):
        if mention.place is not None:
            found.add(mention.place.id)
    return found


def same_date(gold: str | None, precision: str | None, predicted: str | None) -> bool:
    """Whether a predicted date agrees with the gold one at the gold's precision."""
    if gold is None:
        return predicted is None
    if predicted is None:
        return False
    size = {"day": 10, "month": 7, "year": 4}.get(precision or "day", 10)
    return predicted[:size] == gold[:size] and len(predicted) >= size


def same_place(gold: dict, cand) -> bool:
    """Whether the candidate's place is one the gold location names (see gold_places)."""
    ids = gold_places(gold.get("location"), gold.get("country"))
    if ids:
        return cand.place_id in ids
    return cand.place_id is None and cand.country == gold.get("country")


def _actor(name: str | None) -> str | None:
    if not name:
        return None
    actor = codebook.actors().resolve(name)
    if actor is None:
        stripped = re.sub(r"^(?:[\w’']+['’]s\s+)?(?:Iran(?:ian)?|pro-Iranian)[- ](?:backed|aligned)\s+", "", name)
        actor = codebook.actors().resolve(stripped)
    return actor.id if actor else normalise(name)


def field_equal(name: str, gold: dict, cand) -> bool:
    """Whether one field of a candidate agrees with the gold incident."""
    if name == "date":
        return same_date(gold["date"], gold["date_precision"], cand.date)
    if name == "place":
        return same_place(gold, cand)
    if name == "munition_types":
        return sorted(gold["munition_types"] or []) == sorted(cand.munition_types)
    if name == "perpetrator":
        return _actor(gold["perpetrator"]) == (cand.perpetrator_id or _actor(cand.perpetrator))
    return gold.get(name) == getattr(cand, name)


def _compatible(gold: dict, cand) -> bool:
    g, c = set(gold["munition_types"] or []), set(cand.munition_types)
    return bool(g & c) or "unknown" in g or "unknown" in c or not g or not c or same_place(gold, cand)


def _similarity(gold: dict, cand) -> float:
    g, c = set(gold["munition_types"] or []), set(cand.munition_types)
    jaccard = len(g & c) / len(g | c) if g | c else 0.0
    return (2 * same_place(gold, cand) + jaccard + same_date(gold["date"], gold["date_precision"], cand.date)
            * (gold["date"] is not None) + 0.5 * (gold["country"] == cand.country)
            + 0.5 * (gold.get("mention") == cand.mention))


def match(golds: list[dict], cands: list) -> list[tuple[int, int]]:
    """Greedy one-to-one pairs (gold index, candidate index) of compatible incidents, best first."""
    scored = sorted(((_similarity(g, c), gi, ci) for gi, g in enumerate(golds) for ci, c in enumerate(cands)
                     if _compatible(g, c)), reverse=True)
    used_g, used_c, pairs = set(), set(), []
    for _, gi, ci in scored:
        if gi not in used_g and ci not in used_c:
            used_g.add(gi)
            used_c.add(ci)
            pairs.append((gi, ci))
    return pairs


def _prf(tp: int, fp: int, fn: int) -> dict:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3),
            "tp": tp, "fp": fp, "fn": fn}


def _brief(gold_or_cand) -> dict:
    if isinstance(gold_or_cand, dict):
        keys = ("date", "location", "munition_types", "projectile_count", "mention")
        return {k: gold_or_cand.get(k) for k in keys}
    c = gold_or_cand
    return {"date": c.date, "location": c.location, "munition_types": c.munition_types,
            "projectile_count": c.projectile_count, "mention": c.mention}


def evaluate(gold_path: str | Path, articles_dir: str | Path) -> dict:
    """Incident detection and field accuracy of `extract` on a gold set (see module docstring)."""
    articles_dir = Path(articles_dir)
    records = [json.loads(line) for line in Path(gold_path).read_text(encoding="utf-8").splitlines() if line.strip()]
    scopes = {"incident": [0, 0, 0], "incident_main": [0, 0, 0]}
    hits = {scope: {f: [0, 0] for f in FIELDS} for scope in scopes}
    misses, false_alarms = [], []
    negatives = {"articles": 0, "with_candidates": 0}
    for record in records:
        path = articles_dir / f"{record['id']}.txt"
        if not path.exists():
            continue
        text, url, published = read_article(path)
        cands = extract(text, published=published, url=url)
        golds = record["incidents"]
        if not record.get("relevant", True):
            negatives["articles"] += 1
            negatives["with_candidates"] += bool([c for c in cands if c.mention == "main"])
        pairs = match(golds, cands)
        paired_g = {gi: ci for gi, ci in pairs}
        paired_c = {ci: gi for gi, ci in pairs}
        for gi, ci in pairs:
            for scope in scopes:
                if scope == "incident_main" and golds[gi].get("mention") != "main":
                    continue
                for name in FIELDS:
                    hits[scope][name][0] += field_equal(name, golds[gi], cands[ci])
                    hits[scope][name][1] += 1
        scopes["incident"][0] += len(pairs)
        scopes["incident"][2] += len(golds) - len(pairs)
        scopes["incident"][1] += len(cands) - len(pairs)
        for gi, gold in enumerate(golds):
            main = gold.get("mention") == "main"
            if gi in paired_g:
                scopes["incident_main"][0] += main
            else:
                scopes["incident_main"][2] += main
                misses.append({"id": record["id"], **_brief(gold)})
        for ci, cand in enumerate(cands):
            if ci not in paired_c:
                scopes["incident_main"][1] += cand.mention == "main"
                false_alarms.append({"id": record["id"], **_brief(cand)})
    result = {scope: _prf(*counts) for scope, counts in scopes.items()}
    for scope, key in (("incident", "fields"), ("incident_main", "fields_main")):
        result[key] = {name: round(ok / n, 3) if n else None for name, (ok, n) in hits[scope].items()}
    result["negatives"] = negatives
    result["misses"] = misses
    result["false_alarms"] = false_alarms
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Score salvo.extract against gold incident annotations.")
    parser.add_argument("--gold", required=True, help="gold.jsonl (one record per article)")
    parser.add_argument("--articles", required=True, help="folder of <id>.txt articles")
    parser.add_argument("--brief", action="store_true", help="omit the lists of misses and false alarms")
    args = parser.parse_args(argv)
    result = evaluate(args.gold, args.articles)
    if args.brief:
        result.pop("misses")
        result.pop("false_alarms")
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
