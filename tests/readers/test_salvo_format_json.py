"""Salvo's format as JSON: the required keys, the shapes of values, and files that are no incident list."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from salvo.importing import ImportRejected, import_file
from salvo.model import Incident
from salvo.readers.errors import FileError
from salvo.storage.incidents import load_incident
from tests.conftest import shared

LIMIT = "is more than 100,000, the largest count the codebook allows (limits.max_count)"
MISSING = "missing: every incident object needs the keys id, date, munitions (null where unknown)"


def incident(name: str = "J1", **values) -> dict:
    """A valid incident object with the id `name` and `values` changed (a value of ... drops the key)."""
    item = {"id": name, "date": "2024-01-28", "country": "JO", "munitions": [{"munition_type": "uav", "count": 1}],
            "sources": ["https://example.org/j"], **values}
    return {key: value for key, value in item.items() if value is not ...}


def write(path, *items) -> object:
    path.write_text(json.dumps(list(items)), encoding="utf-8")
    return path


def errors_of(store, path) -> list[tuple[int, str, str]]:
    """(row, field, reason) of every error an import of `path` reports; it imports nothing."""
    with pytest.raises(ImportRejected) as caught:
        import_file(store, path)
    assert stored(store) == 0
    return [(e.row, e.field, e.reason) for e in caught.value.summary.errors]


def stored(store) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(Incident))


def test_the_news_gold_file_is_not_taken_for_incidents(sqlite_store, tmp_path):
    gold = shared("news") / "gold.jsonl"
    objects = sum(1 for line in gold.read_text(encoding="utf-8").splitlines() if line.strip())
    errors = errors_of(sqlite_store, gold)
    assert errors == [(row, field, MISSING) for row in range(1, objects + 1) for field in ("date", "munitions")]
    with pytest.raises(ImportRejected) as caught:
        import_file(sqlite_store, gold, skip_invalid=True, rejects_path=tmp_path / "gold.rejected.csv")
    assert caught.value.every_row_rejected and stored(sqlite_store) == 0
    assert not (tmp_path / "gold.rejected.csv").exists()


def test_null_means_unknown(store, tmp_path):
    source = write(tmp_path / "nulls.json", incident(date=None, country=None, sources=None,
                                                     munitions=[{"munition_type": None, "count": None}]))
    assert import_file(store, source).added == 1
    with store.session() as session:
        record = load_incident(session, "J1")
    assert (record.date, record.country, record.sources) == (None, None, [])
    assert [(m.munition_type, m.count) for m in record.munitions] == [("unknown", None)]


def test_a_missing_key_is_an_error_naming_it(sqlite_store, tmp_path):
    source = write(tmp_path / "missing.json", incident("J1", date=...), incident("J2", id=...),
                   incident("J3", munitions=[{"munition_type": "uav", "count": 1}, {"munition_type": "rocket"}]))
    assert errors_of(sqlite_store, source) == [
        (1, "date", MISSING), (2, "id", MISSING),
        (3, "count", "missing from munition object 2: every munition object needs the keys munition_type, count "
                     "(null where unknown)")]


@pytest.mark.parametrize("munitions", ["uav", {"munition_type": "uav", "count": 1}, ["uav"], 5])
def test_munitions_must_be_a_list_of_objects(sqlite_store, tmp_path, munitions):
    source = write(tmp_path / "shapes.json", incident(munitions=munitions))
    assert errors_of(sqlite_store, source) == [(1, "munitions", "must be a list of objects, one per munition type")]


@pytest.mark.parametrize("sources", ["https://example.org/j", [["https://example.org/j"]], 5])
def test_sources_must_be_a_list_of_urls(sqlite_store, tmp_path, sources):
    source = write(tmp_path / "sources.json", incident(sources=sources))
    assert errors_of(sqlite_store, source) == [(1, "sources", "must be a list of URLs (strings)")]


def test_a_list_or_an_object_where_one_value_belongs_is_an_error(sqlite_store, tmp_path):
    source = write(tmp_path / "nested.json", incident(country=["IQ"], date={"year": 2024}),
                   incident("J2", munitions=[{"munition_type": "uav", "count": [1, 2]}]))
    one_value = "must be one value (text, a number, true, false or null), not a list or an object"
    assert errors_of(sqlite_store, source) == [(1, "country", one_value), (1, "date", one_value),
                                               (2, "count", one_value)]


def test_keys_salvo_does_not_know_are_ignored_whatever_they_hold(store, tmp_path):
    source = write(tmp_path / "extra.json", incident(analyst={"name": "A", "shifts": [[1, 2], [3]]}, tags=["x"]))
    assert import_file(store, source).added == 1


def test_numbers_are_read_as_written_not_through_floating_point(sqlite_store, tmp_path):
    source = tmp_path / "numbers.json"
    source.write_text('[{"id": "J1", "date": "2024-01-28", "munitions": [{"munition_type": "uav", "count": 1e9}]},\n'
                      ' {"id": "J2", "date": "2024-01-28", "munitions": [{"munition_type": "uav", '
                      '"count": 9007199254740993}]},\n'
                      ' {"id": "J3", "date": "2024-01-28", "munitions": [{"munition_type": "uav", "count": 3.5}]}]',
                      encoding="utf-8")
    assert errors_of(sqlite_store, source) == [(1, "count", "not a whole number (write digits only, like 12)"),
                                               (2, "count", LIMIT),
                                               (3, "count", "not a whole number (write digits only, like 12)")]


def test_a_whole_number_written_with_a_decimal_zero_is_that_number(store, tmp_path):
    source = tmp_path / "float.json"
    source.write_text('[{"id": "J1", "date": "2024-01-28", "latitude": 33.32, "longitude": 38.70, '
                      '"munitions": [{"munition_type": "uav", "count": 3.0, "intercepted": 0}]}]', encoding="utf-8")
    import_file(store, source)
    with store.session() as session:
        record = load_incident(session, "J1")
    assert (record.latitude, record.munitions[0].count, record.munitions[0].intercepted) == (33.32, 3, 0)


@pytest.mark.parametrize("text", ["5", '"incidents"', "null", "true", '{"incidents": 5}'])
def test_a_file_that_holds_no_list_of_incidents_is_refused(sqlite_store, tmp_path, text):
    source = tmp_path / "scalar.json"
    source.write_text(text, encoding="utf-8")
    with pytest.raises(FileError, match="must hold a list of incident objects"):
        import_file(sqlite_store, source)


def test_deeply_nested_arrays_are_refused_with_a_reason(sqlite_store, tmp_path):
    source = tmp_path / "deep.json"
    source.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(FileError, match="nests lists or objects too deeply"):
        import_file(sqlite_store, source)


def test_a_jsonl_row_is_its_line(sqlite_store, tmp_path):
    source = tmp_path / "lines.jsonl"
    source.write_text("\n".join([json.dumps(incident("L1")), "", json.dumps(incident("L3", date="2024-02-30")),
                                 json.dumps(incident("L4", notes="a line\u2028separator inside a string"))]) + "\n",
                      encoding="utf-8")
    assert errors_of(sqlite_store, source) == [(3, "date", "not a calendar date")]
    source.write_text(json.dumps(incident("L1")) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(FileError, match=r"row 2: is not valid JSON"):
        import_file(sqlite_store, source)
