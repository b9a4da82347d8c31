"""Whole numbers, dates and coordinates in Salvo's format: read exactly, held to the codebook's limits."""

from __future__ import annotations

import datetime as dt

import pytest

from salvo import codebook
from salvo.analysis import stats
from salvo.importing import ImportRejected, import_file
from salvo.storage.incidents import load_incident
from tests.conftest import write_csv

HEADER = "incident_id,date,country,munition_type,count,intercepted,killed,latitude,longitude"
LIMIT = "is more than 100,000, the largest count the codebook allows (limits.max_count)"


def errors_of(store, path) -> dict[tuple[int, str], str]:
    """The (row, field) -> reason of every error an import of `path` reports; it imports nothing."""
    with pytest.raises(ImportRejected) as caught:
        import_file(store, path)
    return {(e.row, e.field): e.reason for e in caught.value.summary.errors}


def test_whole_numbers_are_stored_exactly_as_written(store, tmp_path):
    source = write_csv(tmp_path / "exact.csv", HEADER,
                       "E1,2024-01-28,IQ,rocket,100000,99999,0,,",
                       "E2,2024-01-29,IQ,uav,3.0,002,,,")  # a spreadsheet's 3.0 is 3; leading zeros are dropped
    import_file(store, source)
    with store.session() as session:
        first, second = load_incident(session, "E1"), load_incident(session, "E2")
    assert (first.munitions[0].count, first.munitions[0].intercepted, first.killed) == (100_000, 99_999, 0)
    assert (second.munitions[0].count, second.munitions[0].intercepted) == (3, 2)


@pytest.mark.parametrize("cell", ["100001", "9007199254740993", "9000000000000000000", "99999999999999999999"])
def test_a_count_past_the_codebook_limit_is_an_error_naming_row_and_field(sqlite_store, tmp_path, cell):
    source = write_csv(tmp_path / "big.csv", HEADER, "B1,2024-01-28,IQ,rocket,1,,,,",
                       f"B2,2024-01-28,IQ,rocket,{cell},,,,", f"B3,2024-01-28,IQ,rocket,1,,{cell},,")
    assert errors_of(sqlite_store, source) == {(3, "count"): LIMIT, (4, "killed"): LIMIT}


@pytest.mark.parametrize("cell", ["1e9", "1E3", "3.5", "3.01", "+3", "1,000", "1 000", "0x10", "٣", "inf", "three"])
def test_scientific_notation_decimals_and_signs_are_not_whole_numbers(sqlite_store, tmp_path, cell):
    source = write_csv(tmp_path / "odd.csv", HEADER, f'N1,2024-01-28,IQ,rocket,"{cell}",,,,')
    assert errors_of(sqlite_store, source) == {(2, "count"): "not a whole number (write digits only, like 12)"}


def test_a_negative_count_must_be_zero_or_more(sqlite_store, tmp_path):
    source = write_csv(tmp_path / "neg.csv", HEADER, "N1,2024-01-28,IQ,rocket,-3,,,,",
                       "N2,2024-01-28,IQ,rocket,4,-0,,,")
    assert errors_of(sqlite_store, source) == {(2, "count"): "must be 0 or more",
                                               (3, "intercepted"): "must be 0 or more"}


def test_totals_of_counts_at_the_limit_are_exact(store, tmp_path):
    largest = codebook.limits().max_count
    rows = [f"T{n},2024-0{m}-01,IQ,{kind},{largest},,,," for n, (m, kind) in
            enumerate([(1, "rocket"), (1, "uav"), (2, "rocket"), (3, "ballistic_missile")])]
    import_file(store, write_csv(tmp_path / "top.csv", HEADER, *rows))
    (row,) = stats(store, by=["year"]).rows
    assert row["count"] == 4 * largest


@pytest.mark.parametrize("cell, reason", [
    ("0001-01-01", "is before 1900-01-01, the earliest date the codebook allows (limits.earliest_date)"),
    ("1899-12-31", "is before 1900-01-01, the earliest date the codebook allows (limits.earliest_date)"),
    ("1899", "is before 1900-01-01, the earliest date the codebook allows (limits.earliest_date)"),
    ("9999-12-31", "is after {latest} (today on the clock furthest ahead, UTC+14): a date cannot be in the future"),
    ("{tomorrow}", "is after {latest} (today on the clock furthest ahead, UTC+14): a date cannot be in the future"),
    ("٢٠٢٤-٠١-٠١", "not a date: write YYYY-MM-DD, YYYY-MM or YYYY"),
])
def test_a_date_outside_the_codebook_range_is_an_error_naming_row_and_field(sqlite_store, tmp_path, cell, reason):
    latest = codebook.limits().latest_date()
    cell = cell.format(tomorrow=latest + dt.timedelta(days=1))
    source = write_csv(tmp_path / "dates.csv", HEADER, "D1,2024-01-28,IQ,rocket,1,,,,", f"D2,{cell},IQ,rocket,1,,,,")
    assert errors_of(sqlite_store, source) == {(3, "date"): reason.format(latest=latest)}


def test_the_first_and_the_last_date_of_the_range_are_accepted(store, tmp_path):
    latest = codebook.limits().latest_date()
    source = write_csv(tmp_path / "edges.csv", HEADER, "F1,1900-01-01,IQ,rocket,1,,,,", f"F2,{latest},IQ,rocket,1,,,,",
                       f"F3,{latest.year},IQ,rocket,1,,,,")
    assert import_file(store, source).added == 3


@pytest.mark.parametrize("cell", ["nan", "NaN", "inf", "-inf"])
def test_a_coordinate_must_be_a_finite_number(sqlite_store, tmp_path, cell):
    source = write_csv(tmp_path / "nan.csv", HEADER, f"C1,2024-01-28,IQ,rocket,1,,,{cell},43.9")
    assert errors_of(sqlite_store, source) == {(2, "latitude"): "not a number"}
