"""The codebook: Salvo's controlled vocabularies, its actors and the limits on imported values, kept as data.

Everything here is loaded once from YAML files in this package and cached.
Nothing in this package imports the rest of Salvo.

>>> from salvo import codebook
>>> codebook.vocabulary("munition_type").label("uav")
'Drone (UAV)'
>>> codebook.actors().resolve("Kata'ib Hizballah").id
'kataib_hezbollah'
>>> codebook.limits().max_count
100000
"""

from __future__ import annotations

from salvo.codebook.actors import Actor, Actors, actors
from salvo.codebook.limits import Limits, limits
from salvo.codebook.vocabularies import Term, Vocabulary, vocabularies, vocabulary

__all__ = ["Actor", "Actors", "Limits", "Term", "Vocabulary", "actors", "limits", "vocabularies", "vocabulary"]
