"""Normalising names so that spellings of one actor or place compare equal.

Lookups in the codebook and the gazetteer are exact after this normalisation,
never substring or fuzzy matches: "Erbil" must not find "Munsterbilzen".
This module imports nothing of Salvo's, so the reference layer can use it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_ARTICLE = re.compile(r"^(?:the|al|el| al-|el-)\s+")
_INNER_ARTICLE = re.compile(r"\b(?:al|el|ad|ar|as|ash|an|az|at)\s+(?=\w)")
_PUNCT = re.compile(r"[\u2018\u2019'`\u02bc\u02bf\u02be\"“”.,;:()\[\]{}!?/\\]+")
_DASH = re.compile(r"[-\u2010-\u2015_]+")
_SPACE = re.compile(r"\s+")
# Arabic diacritics (harakat), tatweel and the definite article written attached.
_ARABIC_MARKS = re.compile(r"[\u064B-\u065F\u0670\u0640]")
_ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ة": "ه", "ى": "ي", "ی": "ي", "ک": "ك"})


@lru_cache(maxsize=65536)
def normalise(name: str) -> str:
    """Reduce a name to the key under which its spellings are indexed.

    Compatibility forms (fullwidth letters, ligatures), case, diacritics,
    apostrophes, hyphens, the article "al-"/"the" and invisible format
    characters (zero-width spaces and joiners, bidirectional marks, embeddings
    and isolates, soft hyphens) are dropped, so "Ayn al-Asad", "Ain Al Asad"
    and "ain al-asad" share a key, and a pasted "Hez\u200bbollah" is "hezbollah".

    >>> normalise("Kata'ib Hizballah") == normalise("kataib hizballah")
    True
    >>> normalise("Ain al-Asad") == normalise("Ain Al Asad")
    True
    """
    text, previous = _once(name), name
    while text != previous:
        text, previous = _once(text), text
    return text


def _once(name: str) -> str:
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch) and unicodedata.category(ch) != "Cf")
    text = _ARABIC_MARKS.sub("", text).translate(_ARABIC_LETTERS)
    text = text.casefold()
    text = _PUNCT.sub("", text)
    text = _DASH.sub(" ", text)
    text = _SPACE.sub(" ", text).strip()
    text = _ARTICLE.sub("", text)
    text = _INNER_ARTICLE.sub("", text)
    text = re.sub(r"\bال(?=\w)", "", text)
    return _SPACE.sub(" ", text).strip()
