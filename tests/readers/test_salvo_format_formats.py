"""CSV, XLSX and JSON hold the same incidents, so they are held to the same rules, with the same messages."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from salvo.importing import ImportRejected, import_file
from salvo.readers.errors import FileError
from salvo.storage.incidents import load_incident

COLUMNS = ["incident_id", "date", "country", "munition_type", "count", "intercepted"]
BAD = [  # each incident breaks one rule
    ["B1", "2024-01-28", "IQ", "uav", "1e9", ""],
    ["B2", "0001-01-01", "IQ", "uav", "1", ""],
    ["B3", "2024-01-28", "IQ", "hypersonic", "1", ""],
    ["B4", "2024-01-28", "IQ", "uav", "100001", ""],
    ["B5", "2024-01-28", "Atlantis", "uav", "3.5", ""],
    ["B6", "2024-01-28", "IQ", "uav", "2", "3"],
    ["B7", "2024-02-30", "IQ", "uav", "-1", ""],
]


def as_csv(path, rows):
    path.write_text("\n".join(",".join(row) for row in [COLUMNS, *rows]) + "\n", encoding="utf-8")
    return path


def as_xlsx(path, rows):
    from openpyxl import Workbook

    workbook = Workbook()
    for row in [COLUMNS, *rows]:
        workbook.active.append(row)
    workbook.save(path)
    return path


def as_json(path, rows):
    def value(cell: str) -> str:  # numbers as JSON numbers, written as the cell writes them
        return cell if cell.lstrip("-").replace(".", "", 1).replace("e", "", 1).isdigit() else json.dumps(cell)

    objects = []
    for incident_id, date, country, munition_type, count, intercepted in rows:
        outcome = value(intercepted) if intercepted else "null"
        line = f'{{"munition_type": "{munition_type}", "count": {value(count)}, "intercepted": {outcome}}}'
        objects.append(f'{{"id": "{incident_id}", "date": "{date}", "country": "{country}", "munitions": [{line}]}}')
    path.write_text("[" + ",\n".join(objects) + "]", encoding="utf-8")
    return path


WRITERS = {"csv": as_csv, "xlsx": as_xlsx, "json": as_json}


def refused(store, path) -> list[tuple[str, str, str | None, str]]:
    """(incident, field, value, reason) of every error an import reports; an incident is its row's id."""
    with pytest.raises(ImportRejected) as caught:
        import_file(store, path)
    first = 1 if path.suffix == ".json" else 2  # a JSON incident's row is its position, a sheet's row its line
    return [(BAD[e.row - first][0], e.field, e.value, e.reason) for e in caught.value.summary.errors]


def test_every_format_reports_the_same_errors(sqlite_store, tmp_path):
    found = {fmt: refused(sqlite_store, write(tmp_path / f"bad.{fmt}", BAD)) for fmt, write in WRITERS.items()}
    assert found["xlsx"] == found["csv"] == found["json"]
    assert [(incident, field) for incident, field, _, _ in found["csv"]] == [
        ("B1", "count"), ("B2", "date"), ("B3", "munition_type"), ("B4", "count"), ("B5", "country"),
        ("B5", "count"), ("B6", "count"), ("B7", "count"), ("B7", "date")]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_sheet_without_a_required_column_is_refused(sqlite_store, tmp_path, fmt):
    path = WRITERS[fmt](tmp_path / f"short.{fmt}", [["G1", "2024-01-28", "IQ", "uav", "1", ""]])
    if fmt == "csv":
        path.write_text(path.read_text(encoding="utf-8").replace("count", "how_many"), encoding="utf-8")
    else:
        from openpyxl import load_workbook

        workbook = load_workbook(path)
        workbook.active["E1"] = "how_many"
        workbook.save(path)
    with pytest.raises(FileError, match="missing required column"):
        import_file(sqlite_store, path)


def test_spreadsheet_numbers_and_dates_are_read_as_their_cells_show_them(store, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(COLUMNS)
    workbook.active.append(["S1", dt.datetime(2024, 1, 28), "IQ", "uav", 3.0, 0])
    workbook.active.append(["S2", "2024-01-29", "IQ", "uav", 3.5, None])
    workbook.active.append(["S3", "2024-01-30", "IQ", "uav", 1e20, None])
    workbook.save(tmp_path / "typed.xlsx")
    with pytest.raises(ImportRejected) as caught:
        import_file(store, tmp_path / "typed.xlsx")
    assert [(e.row, e.field, e.value) for e in caught.value.summary.errors] == [(3, "count", "3.5"),
                                                                               (4, "count", "1" + "0" * 20)]
    workbook.active.delete_rows(3, 2)
    workbook.save(tmp_path / "typed.xlsx")
    import_file(store, tmp_path / "typed.xlsx")
    with store.session() as session:
        record = load_incident(session, "S1")
    assert (record.date, record.munitions[0].count, record.munitions[0].intercepted) == (dt.date(2024, 1, 28), 3, 0)
