"""Munition types named in a dataset row's own text (mappings/munition_words.yaml)."""

from __future__ import annotations

from salvo.readers.munition_text import munition_lines


def munitions_in(text: str | None) -> list[str]:
    """The munition types a text names, in codebook order; ``unknown`` only when no specific type is named."""
    return [line["munition_type"] for line in munition_lines(text)]
