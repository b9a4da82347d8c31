"""The dataset formats Salvo reads, and telling them apart by their header."""

from __future__ import annotations

import csv
from pathlib import Path

from salvo.readers import ucdp_ged

SALVO = "salvo"
DATASETS = {ucdp_ged.FORMAT: ucdp_ged}
FORMATS = (SALVO, *DATASETS)


def header(path: Path) -> list[str]:
    """The first row of a CSV file (empty for other files or an unreadable one)."""
    if path.suffix.lower() not in (".csv", ".tsv", ".txt"):
        return []
    try:
        with path.open("rb") as handle:
            first = handle.readline().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return []
    return [name.strip() for name in next(csv.reader([first]), [])]


def detect(path: Path) -> str:
    """The format of a file, from its header; Salvo's own format when no dataset's header fits."""
    names = header(path)
    for name, module in DATASETS.items():
        if names and module.detect(names):
            return name
    return SALVO
