"""The shared spaCy pipeline: a blank English tokenizer with a sentencizer, built once.

No statistical model is used (nothing is downloaded); entity spotting is done
by phrase matchers over the gazetteer and the codebook (see places, actors).
"""

from __future__ import annotations

from functools import cache


@cache
def pipeline():
    """The blank English pipeline with a rule-based sentence splitter."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp
