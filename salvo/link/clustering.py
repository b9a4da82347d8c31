"""Grouping linked pairs into incidents, under the constraints that datasets and analysts impose.

Best pairs first (constrained single-link clustering): each pair above the
link threshold, in order of falling probability, joins its two groups
unless that would put two reports of one exclusive key together (two rows of
a dataset that de-duplicates its own events, two incidents extracted from one
article) or join two reports an analyst kept apart. Reports of one
``together`` group, reports of one existing incident (on an incremental run)
and pairs an analyst accepted are joined first, whatever their scores.
"""

from __future__ import annotations

from collections.abc import Iterable


class Groups:
    """Union–find over report ids, with each group's exclusive keys and the pairs kept apart."""

    def __init__(self, ids: Iterable[int], exclusive: dict[int, str | None], apart: Iterable[tuple[int, int]] = ()):
        self.parent: dict[int, int] = {i: i for i in ids}
        self.keys: dict[int, set[str]] = {i: ({key} if key else set()) for i, key in exclusive.items()}
        self.apart: dict[int, set[int]] = {}
        for a, b in apart:
            self.apart.setdefault(a, set()).add(b)
            self.apart.setdefault(b, set()).add(a)
        self.members: dict[int, list[int]] = {}

    def find(self, item: int) -> int:
        """The group of a report (path-halving union–find)."""
        parent = self.parent
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    def _members(self, root: int) -> list[int]:
        return self.members.get(root) or [root]

    def allowed(self, a: int, b: int) -> bool:
        """Whether the groups of a and b may become one."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if self.keys.get(ra, set()) & self.keys.get(rb, set()):
            return False
        small, other = (ra, rb) if len(self._members(ra)) <= len(self._members(rb)) else (rb, ra)
        for member in self._members(small):
            for partner in self.apart.get(member, ()):
                if self.find(partner) == other:
                    return False
        return True

    def join(self, a: int, b: int) -> bool:
        """Make the groups of a and b one (the larger absorbs the smaller); False when they already were."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        if len(self._members(ra)) < len(self._members(rb)):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.members[ra] = self._members(ra) + self._members(rb)
        self.members.pop(rb, None)
        self.keys[ra] = self.keys.get(ra, set()) | self.keys.pop(rb, set())
        return True

    def labels(self) -> dict[int, int]:
        """Each report's group, named by one of its members."""
        return {item: self.find(item) for item in self.parent}


def cluster(ids: list[int], exclusive: dict[int, str | None], edges: Iterable[tuple[int, int]], *,
            together: Iterable[tuple[int, int]] = (), apart: Iterable[tuple[int, int]] = ()) -> tuple[dict[int, int], int]:
    """Group reports: `together` pairs first, then `edges` (best first) where the constraints allow.

    Returns each report's group and how many edges the constraints refused.
    """
    groups = Groups(ids, exclusive, apart)
    for a, b in together:
        groups.join(a, b)
    refused = 0
    for a, b in edges:
        if groups.find(a) == groups.find(b):
            continue
        if groups.allowed(a, b):
            groups.join(a, b)
        else:
            refused += 1
    return groups.labels(), refused
