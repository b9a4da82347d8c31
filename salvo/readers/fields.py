"""Small, named, column-at-a-time parsers for cell values.

Each parser takes the frame of text cells and a column name and returns two
polars expressions: the parsed value, and a reason for each invalid cell
(null where the cell is fine). Readers put all of them in one ``select``, so a
batch of rows is validated in one parallel pass.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from salvo import codebook, gazetteer
from salvo.names import normalise

Parser = Callable[[pl.DataFrame, str], tuple[pl.Expr, pl.Expr]]

_TRUE = ["true", "yes", "y", "1", "t"]
_FALSE = ["false", "no", "n", "0", "f", ""]
_PRECISION_RANK = {"day": 0, "week": 1, "month": 2, "year": 3}


def blank(name: str) -> pl.Expr:
    """The cell, or null where it is empty."""
    cell = pl.col(name)
    return pl.when(cell == "").then(None).otherwise(cell)


def text(frame: pl.DataFrame, name: str) -> tuple[pl.Expr, pl.Expr]:
    """Free text; empty means unknown. Never invalid."""
    return blank(name), pl.lit(None, dtype=pl.String)


def count(frame: pl.DataFrame, name: str) -> tuple[pl.Expr, pl.Expr]:
    """A whole number from 0 to the codebook's ``limits.max_count``; empty means unknown.

    Read exactly, as digits, never through floating point: ``3.0`` (a whole number as
    spreadsheets and pandas write it) is 3, while ``3.5``, ``1e9``, ``+3`` and ``1,000`` are refused.
    The usual cell, plain digits within the limit, is settled by one integer cast; only the
    others are looked at further.
    """
    largest = codebook.limits().max_count
    cell = blank(name)
    number = cell.cast(pl.Int64, strict=False)  # digits with an optional sign; null past 2**63
    spreadsheet = cell.str.strip_suffix(".0").cast(pl.Int64, strict=False)
    plain = (number >= 0) & (number <= largest) & ~cell.str.starts_with("+") & ~cell.str.starts_with("-")
    reason = (pl.when(cell.is_null() | plain).then(pl.lit(None, dtype=pl.String))
              .when(~cell.str.contains(r"^-?[0-9]+(?:\.0)?$"))
              .then(pl.lit("not a whole number (write digits only, like 12)"))
              .when(cell.str.starts_with("-")).then(pl.lit("must be 0 or more"))
              .when(spreadsheet.is_null() | (spreadsheet > largest))
              .then(pl.lit(f"is more than {largest:,}, the largest count the codebook allows (limits.max_count)")))
    return pl.when(reason.is_null()).then(pl.coalesce(number, spreadsheet)), reason


def boolean(frame: pl.DataFrame, name: str) -> tuple[pl.Expr, pl.Expr]:
    """true/false (also yes/no, 1/0); empty means false."""
    key = pl.col(name).str.to_lowercase()
    return key.is_in(_TRUE), pl.when(~key.is_in(_TRUE + _FALSE)).then(pl.lit("expected true or false"))


def coordinate(low: float, high: float) -> Parser:
    """A decimal degree between `low` and `high`; empty means unknown."""

    def parse(frame: pl.DataFrame, name: str) -> tuple[pl.Expr, pl.Expr]:
        cell = blank(name)
        number = cell.cast(pl.Float64, strict=False)
        reason = (pl.when(cell.is_not_null() & ~number.is_finite().fill_null(False)).then(pl.lit("not a number"))
                  .when((number < low) | (number > high)).then(pl.lit(f"must be between {low:g} and {high:g}")))
        return pl.when(reason.is_null()).then(number), reason

    return parse


def mapped(frame: pl.DataFrame, name: str, lookup: Callable[[str], str | None], why: str) -> tuple[pl.Expr, pl.Expr]:
    """Map each distinct cell of the frame through `lookup` (called once per distinct value)."""
    distinct = frame.get_column(name).unique().to_list()
    mapping = {value: lookup(value) for value in distinct if value}
    value = pl.col(name).replace_strict(mapping, default=None, return_dtype=pl.String)
    return value, pl.when((pl.col(name) != "") & value.is_null()).then(pl.lit(why))


def code(vocabulary_name: str) -> Parser:
    """A code of one codebook vocabulary (its label is accepted too); empty means unknown."""
    vocab = codebook.vocabulary(vocabulary_name)
    accepted = {term.code: term.code for term in vocab.terms}
    accepted.update({normalise(term.code.replace("_", " ")): term.code for term in vocab.terms})
    accepted.update({normalise(term.label): term.code for term in vocab.terms})

    def lookup(value: str) -> str | None:
        return accepted.get(value) or accepted.get(normalise(value.replace("_", " ")))

    def parse(frame: pl.DataFrame, name: str) -> tuple[pl.Expr, pl.Expr]:
        return mapped(frame, name, lookup, f"not a {vocabulary_name}; expected one of {', '.join(vocab.codes)}")

    return parse


def country(frame: pl.DataFrame, name: str) -> tuple[pl.Expr, pl.Expr]:
    """A country as ISO alpha-2, alpha-3 or name; stored as alpha-2."""

    def lookup(value: str) -> str | None:
        found = gazetteer.country(value)
        return found.code if found else None

    return mapped(frame, name, lookup, "not a known country (use an ISO 3166 code or an English name)")


def urls(frame: pl.DataFrame, name: str) -> tuple[pl.Expr, pl.Expr]:
    """One or more http(s) URLs separated by spaces."""
    found = pl.col(name).str.extract_all(r"\S+")
    lowered = pl.element().str.to_lowercase()
    bad = found.list.eval(pl.element().filter(~(lowered.str.starts_with("http://")
                                                | lowered.str.starts_with("https://")))).list.first()
    reason = pl.when(bad.is_not_null()).then(
        pl.format("'{}' is not an http(s) URL (separate several URLs with spaces)", bad))
    return found, reason


def dates(name: str, stated: pl.Expr) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """ISO dates (YYYY-MM-DD, YYYY-MM or YYYY) with their precision, as the first day of their period.

    `stated` is the stated precision (null: read it from the form of the date). The first day
    of the date as written must lie between the codebook's ``limits.earliest_date`` and
    ``limits.latest_date`` (today). Returns expressions for the dates, their precisions and the reasons.
    """
    limits = codebook.limits()
    earliest, latest = limits.earliest_date, limits.latest_date()
    bound = "limits.latest_date" if limits.latest else "today on the clock furthest ahead, UTC+14"
    cell = blank(name)
    size = cell.str.len_bytes()
    form = (pl.when(size == 10).then(pl.lit("day")).when(size == 7).then(pl.lit("month"))
            .when(size == 4).then(pl.lit("year")))
    shaped = cell.str.contains(r"^[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?$")
    iso = pl.when(size == 10).then(cell).when(size == 7).then(cell + "-01").otherwise(cell + "-01-01")
    parsed = iso.str.to_date("%Y-%m-%d", strict=False)
    chosen = pl.when(cell.is_null()).then(None).otherwise(pl.coalesce(stated, form))
    too_coarse = (form.replace_strict(_PRECISION_RANK, default=None)
                  > chosen.replace_strict(_PRECISION_RANK, default=None))
    reason = (pl.when(cell.is_not_null() & ~shaped)
              .then(pl.lit("not a date: write YYYY-MM-DD, YYYY-MM or YYYY"))
              .when(cell.is_not_null() & parsed.is_null()).then(pl.lit("not a calendar date"))
              .when(parsed < earliest)
              .then(pl.lit(f"is before {earliest}, the earliest date the codebook allows (limits.earliest_date)"))
              .when(parsed > latest).then(pl.lit(f"is after {latest} ({bound}): a date cannot be in the future"))
              .when(too_coarse).then(pl.format("date precision '{}' needs a fuller date", chosen)))
    value = (pl.when(chosen == "month").then(parsed.dt.truncate("1mo"))
             .when(chosen == "year").then(parsed.dt.truncate("1y"))
             .when(chosen == "week").then(parsed.dt.truncate("1w"))
             .otherwise(parsed))
    return value, chosen, reason
