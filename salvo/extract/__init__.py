"""News-text extraction: candidate incidents, each field with its evidence span.

``extract(text)`` is a pure function of one document, so it can run in
parallel over processes. It uses a blank spaCy tokenizer and rule patterns
(patterns.yaml), the codebook's actors and the gazetteer's places; nothing is
downloaded. ``read_article(path)`` reads plain text, HTML, or the development
set's layout and finds the publication date.

>>> from salvo.extract import extract
>>> [c.munition_types for c in extract("Three rockets hit Ain al-Asad air base on Monday.")]
[['rocket']]
"""

from __future__ import annotations

import datetime as dt

from salvo.extract.articles import publication_date, read_article
from salvo.extract.candidates import Candidate, extract_candidates

__all__ = ["Candidate", "extract", "publication_date", "read_article"]


def extract(text: str, *, published: dt.date | None = None, url: str | None = None) -> list[Candidate]:
    """Candidate incidents reported in one article.

    `published` anchors relative dates ("on Monday", "yesterday"); when it is
    None it is looked for in the text and in `url`. Articles that report no
    specific attack give an empty list.
    """
    if published is None:
        published = publication_date(text, url)
    return extract_candidates(text, published)
