"""The dataset formats Salvo reads, and telling them apart by their header."""

from __future__ import annotations

import csv
import importlib
from pathlib import Path
from types import ModuleType

SALVO = "salvo"
# Format name -> the reader module under salvo.readers (each has FORMAT, detect(header) and read(path)).
_MODULES = {"acled": "acled", "ucdp-ged": "ucdp_ged", "gtd": "gtd", "gdelt": "gdelt", "hfc-alerts": "hfc_alerts",
            "ukmto": "ukmto", "mapped": "mapped"}


def available() -> dict[str, ModuleType]:
    """The dataset readers present in this installation, by format name."""
    found = {}
    for name, module in _MODULES.items():
        try:
            found[name] = importlib.import_module(f"salvo.readers.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"salvo.readers.{module}":
                raise
    return found


def formats() -> tuple[str, ...]:
    """Every format name `salvo import --format` accepts."""
    return (SALVO, *available())


def reader(name: str) -> ModuleType:
    """The reader module of a dataset format."""
    try:
        return available()[name]
    except KeyError:
        raise ValueError(f"no reader for format {name!r}; known: {', '.join(formats())}") from None


def header(path: Path) -> list[str]:
    """The column names of a CSV file's header (skipping an Excel ``sep=`` line); empty for other files."""
    if path.suffix.lower() not in (".csv", ".tsv", ".txt"):
        return []
    try:
        with path.open("rb") as handle:
            first = handle.readline().decode("utf-8-sig")
            separator = ","
            if first.lower().startswith("sep="):
                separator = first.strip()[4:5] or ","
                first = handle.readline().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return []
    if separator == "," and first.count(";") > first.count(","):
        separator = ";"
    return [name.strip() for name in next(csv.reader([first], delimiter=separator), [])]


def detect(path: Path) -> str:
    """The format of a file, from its header (or, for JSON, its shape); Salvo's own format when none fits."""
    names = header(path)
    for name, module in available().items():
        if hasattr(module, "detect_file"):
            if module.detect_file(path):
                return name
        elif names and module.detect(names):
            return name
    return SALVO
