"""Splitting an article into units: sentences, and clauses that report separate events.

Units are spans of the original text (offsets preserved). Titles and page
furniture sit on their own lines, so line breaks split too; ", while" and
semicolons split a sentence that reports two attacks side by side.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from salvo.extract.nlp import pipeline

_CLAUSE = re.compile(r";\s+|,\s+while\s+|\s+\|\s+|\s*<\s*/\s*[Pp]\s*>\s*<\s*[Pp]\s*>\s*")
_ABBREVIATION = re.compile(r"\b(?:Col|Gen|Lt|Maj|Capt|Brig|Sgt|Adm|Rep|Sen|Dr|Mr|Mrs|Ms|St|Gov|Jan|Feb|Aug|Sept?|Oct|Nov|Dec)\.\s*$")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


@dataclass
class Unit:
    """One sentence or clause: its span and text."""

    start: int
    end: int
    text: str
    line: int


def parse(text: str):
    """The spaCy Doc of a text, with curly quotes straightened (same length, same offsets)."""
    return pipeline()(text.translate(_QUOTES))


def units(doc) -> list[Unit]:
    """The sentence and clause units of a parsed document, in order."""
    text = doc.text
    out: list[Unit] = []
    line_starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
    sentences: list[list[int]] = []
    for sent in doc.sents:
        if sentences and _ABBREVIATION.search(text[sentences[-1][0]: sentences[-1][1]]):
            sentences[-1][1] = sent.end_char
        else:
            sentences.append([sent.start_char, sent.end_char])
    for sent_start, sent_end in sentences:
        pieces = _split(text, sent_start, sent_end)
        for s, e in pieces:
            while s < e and text[s].isspace():
                s += 1
            while e > s and text[e - 1].isspace():
                e -= 1
            if e - s > 2:
                line = sum(1 for ls in line_starts if ls <= s) - 1
                out.append(Unit(s, e, text[s:e], line))
    return out


def _split(text: str, start: int, end: int) -> list[tuple[int, int]]:
    pieces: list[tuple[int, int]] = []
    for block in re.finditer(r"[^\n]+", text[start:end]):
        bs, be = start + block.start(), start + block.end()
        cursor = bs
        for m in _CLAUSE.finditer(text, bs, be):
            pieces.append((cursor, m.start()))
            cursor = m.end()
        pieces.append((cursor, be))
    return pieces
