"""Actors: canonical names, aliases in several scripts, affiliation and parent."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import yaml

from salvo.names import normalise


@dataclass(frozen=True)
class Actor:
    """A canonical actor of the codebook."""

    id: str
    name: str
    affiliation: str
    kind: str
    parent: str | None = None
    country: str | None = None
    aliases: tuple[str, ...] = field(default=())
    note: str = ""


class Actors:
    """The actor list with an exact index from normalised name and alias to actor."""

    def __init__(self, entries: list[Actor]):
        self._by_id = {actor.id: actor for actor in entries}
        self._by_key: dict[str, Actor] = {}
        for actor in entries:
            for name in (actor.id, actor.name, *actor.aliases):
                key = normalise(name)
                other = self._by_key.get(key)
                if other is not None and other.id != actor.id:
                    raise ValueError(f"actor alias {name!r} names both {other.id} and {actor.id}")
                self._by_key[key] = actor
        for actor in entries:
            if actor.parent and actor.parent not in self._by_id:
                raise ValueError(f"actor {actor.id}: parent {actor.parent!r} is not an actor")

    def __iter__(self):
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def get(self, actor_id: str) -> Actor:
        """The actor with this id; KeyError if there is none."""
        return self._by_id[actor_id]

    def resolve(self, name: str | None) -> Actor | None:
        """The actor a name or alias refers to, or None when it names no known actor."""
        if not name:
            return None
        return self._by_key.get(normalise(name))

    def names(self) -> dict[str, str]:
        """Every indexed spelling (normalised) with the id it resolves to; used by text scanners."""
        return {key: actor.id for key, actor in self._by_key.items()}

    def ancestors(self, actor_id: str) -> list[str]:
        """The chain of parents of an actor, nearest first."""
        chain: list[str] = []
        current = self._by_id[actor_id].parent
        while current and current not in chain:
            chain.append(current)
            current = self._by_id[current].parent
        return chain


@cache
def actors() -> Actors:
    """The codebook's actors, loaded once from actors.yaml."""
    text = resources.files(__package__).joinpath("actors.yaml").read_text(encoding="utf-8")
    entries = [
        Actor(**{**entry, "aliases": tuple(entry.get("aliases") or ())})
        for entry in yaml.safe_load(text)
    ]
    return Actors(entries)
