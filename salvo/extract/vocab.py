"""The extractor's vocabulary (patterns.yaml), loaded and compiled once."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import yaml


@cache
def patterns() -> dict:
    """The raw patterns.yaml mapping."""
    text = resources.files(__package__).joinpath("patterns.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@cache
def regex(key: str) -> re.Pattern:
    """The case-insensitive compiled regular expression stored under `key`."""
    return re.compile(patterns()[key], re.IGNORECASE)
