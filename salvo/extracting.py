"""Running the extractor over articles and keeping what it proposes as candidate reports.

`salvo extract` composes the extraction stage (a pure function of one text)
with the store: each candidate becomes a report of dataset ``news`` keyed by
the article (its URL, or a digest of its text) and the candidate's position,
with the evidence spans and the text they point into.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from salvo.extract import Candidate, extract, read_article
from salvo.storage import Store
from salvo.storage.reports import save_report

ARTICLE_SUFFIXES = (".txt", ".html", ".htm", ".md")


@dataclass
class Article:
    """One article read for extraction."""

    path: str
    text: str
    url: str | None
    published: dt.date | None


def articles(paths: list[str], *, published: dt.date | None = None, url: str | None = None,
             stdin_text: str | None = None) -> Iterator[Article]:
    """The articles named by `paths` (files, folders of them, or "-" for `stdin_text`)."""
    for name in paths:
        if name == "-":
            yield Article("-", stdin_text or "", url, published)
            continue
        path = Path(name)
        files = sorted(p for p in path.rglob("*") if p.suffix.lower() in ARTICLE_SUFFIXES) if path.is_dir() else [path]
        for file in files:
            text, found_url, found_date = read_article(file, published)
            yield Article(str(file), text, url or found_url, published or found_date)


def candidates(article: Article) -> list[Candidate]:
    """What the extractor proposes for one article."""
    return extract(article.text, published=article.published, url=article.url)


def candidate_json(article: Article, candidate: Candidate) -> dict:
    """A candidate as JSON, with the article it came from and the evidence text of each span."""
    data = dataclasses.asdict(candidate)
    data["evidence"] = {
        name: [{"start": s, "end": e, "text": article.text[s:e]} for s, e in spans]
        for name, spans in candidate.evidence.items()
    }
    return {"article": article.path, "url": article.url,
            "published": article.published.isoformat() if article.published else None, **data}


def _date(candidate: Candidate) -> dt.date | None:
    value = candidate.date
    if not value:
        return None
    parts = [int(p) for p in value.split("-")] + [1, 1]
    return dt.date(*parts[:3])


def report_values(article: Article, candidate: Candidate) -> dict:
    """The stored values of a candidate report."""
    single = len(candidate.munition_types) == 1
    return {
        "url": article.url, "published_at": article.published, "date": _date(candidate),
        "date_precision": candidate.date_precision, "country": candidate.country_code,
        "location": candidate.location, "latitude": candidate.latitude, "longitude": candidate.longitude,
        "target": candidate.target, "target_category": candidate.target_category,
        "actor_id": candidate.perpetrator_id, "actor_name": candidate.perpetrator,
        "attribution": candidate.attribution, "killed": candidate.casualties_killed,
        "injured": candidate.casualties_injured,
        "munitions": [{"munition_type": kind, "count": candidate.projectile_count if single else None,
                       "intercepted": candidate.intercepted_count if single else None}
                      for kind in candidate.munition_types],
        "evidence": {name: [list(span) for span in spans] for name, spans in candidate.evidence.items()},
        "in_scope": True, "text": article.text,
    }


def store_candidates(store: Store, article: Article, found: list[Candidate]) -> list[str]:
    """Save an article's candidates as reports; returns "added"/"updated"/"unchanged" for each."""
    key = article.url or "sha256:" + hashlib.sha256(article.text.encode("utf-8")).hexdigest()[:32]
    with store.session() as session:
        return [
            save_report(session, dataset="news", row_key=f"{key}#{n}", values=report_values(article, candidate),
                        source_file=article.path, row_number=n,
                        raw={"mention": candidate.mention, "date": candidate.date})
            for n, candidate in enumerate(found)
        ]
