"""Running the extractor over articles and keeping what it proposes as candidate reports.

`salvo extract` composes the extraction stage (a pure function of one text)
with the store: each candidate becomes a report (a ReportRecord) of dataset
``news`` keyed by the article (its URL, or a digest of its text) and the
candidate's position, with the evidence spans, the article's key (so the linker
can tell two candidates of one article apart) and the text the spans point into.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from salvo.extract import Candidate, extract, read_article
from salvo.records import MunitionRecord, ReportRecord
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


def article_key(article: Article) -> str:
    """What names an article in its reports' keys: its URL, or a digest of its text when it has none."""
    return article.url or "sha256:" + hashlib.sha256(article.text.encode("utf-8")).hexdigest()[:32]


def report_record(article: Article, candidate: Candidate, *, position: int) -> ReportRecord:
    """A candidate as a report of dataset ``news``: the `position`-th candidate of its article.

    The candidate's fields map onto the record's (perpetrator -> actor,
    casualties -> killed and injured); its projectile and intercepted counts go
    on the munition line only when it names one munition type, since the
    extractor does not say which type they count.
    """
    key = article_key(article)
    single = len(candidate.munition_types) == 1
    lines = [MunitionRecord(kind, count=candidate.projectile_count if single else None,
                            intercepted=candidate.intercepted_count if single else None)
             for kind in candidate.munition_types]
    spans = {name: [list(span) for span in spans] for name, spans in candidate.evidence.items()}
    return ReportRecord(
        "news", f"{key}#{position}", row_number=position, raw={"mention": candidate.mention, "date": candidate.date},
        url=article.url, published_at=article.published, date=_date(candidate),
        date_precision=candidate.date_precision, country=candidate.country_code, location=candidate.location,
        place_id=candidate.place_id, latitude=candidate.latitude, longitude=candidate.longitude,
        location_precision=candidate.location_precision, target=candidate.target,
        target_category=candidate.target_category, actor_id=candidate.perpetrator_id,
        actor_name=candidate.perpetrator, attribution=candidate.attribution, killed=candidate.casualties_killed,
        injured=candidate.casualties_injured, munitions=lines, evidence={**spans, "article": key}, in_scope=True,
        text=article.text,
    )


def store_candidates(store: Store, article: Article, found: list[Candidate]) -> list[str]:
    """Save an article's candidates as reports; returns "added"/"updated"/"unchanged" for each."""
    with store.session() as session:
        return [save_report(session, report_record(article, candidate, position=n), source_file=article.path)
                for n, candidate in enumerate(found)]
