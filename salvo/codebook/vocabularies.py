"""Controlled vocabularies (munition types, target categories, ...) from vocabularies.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml


@dataclass(frozen=True)
class Term:
    """One code of a vocabulary, with the label shown to users and its definition."""

    code: str
    label: str
    definition: str


@dataclass(frozen=True)
class Vocabulary:
    """A named, ordered list of terms; membership is by exact code."""

    name: str
    description: str
    terms: tuple[Term, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        """The codes in their documented order (the order tables and charts use)."""
        return tuple(term.code for term in self.terms)

    def __contains__(self, code: object) -> bool:
        return code in self.codes

    def label(self, code: str) -> str:
        """The human label of `code`; raises KeyError for a code not in this vocabulary."""
        for term in self.terms:
            if term.code == code:
                return term.label
        article = "an" if self.name[:1].lower() in "aeiou" else "a"
        raise KeyError(f"{code!r} is not {article} {self.name} (expected one of {', '.join(self.codes)})")

    def order(self, code: str) -> int:
        """Position of `code` in the vocabulary, for stable sorting; unknown codes sort last."""
        try:
            return self.codes.index(code)
        except ValueError:
            return len(self.codes)


@cache
def vocabularies() -> dict[str, Vocabulary]:
    """All vocabularies of the codebook, by name, loaded once."""
    text = resources.files(__package__).joinpath("vocabularies.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return {
        name: Vocabulary(
            name=name,
            description=spec["description"],
            terms=tuple(Term(**term) for term in spec["terms"]),
        )
        for name, spec in data.items()
    }


def vocabulary(name: str) -> Vocabulary:
    """One vocabulary by name (e.g. ``"munition_type"``)."""
    try:
        return vocabularies()[name]
    except KeyError:
        raise KeyError(f"no vocabulary named {name!r}; known: {', '.join(vocabularies())}") from None
