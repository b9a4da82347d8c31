"""A file cut short is refused whole: every dataset reader names the file and where it was cut, and nothing is imported.

A copy or a download that stops early leaves a file that ends inside a row, inside a quoted cell or
inside a JSON document. Reading it as it is would import a partial row (a GTD row with 126 of its
135 cells) or silently drop the rest, so each reader refuses it as a FileError, before anything is
committed. The files are real: the shared data sets (read here, never committed) and the fixtures.
Every one of them ends each row with a line break, which is what tells a cut last row.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from salvo.importing import import_reports
from salvo.model import ImportRun
from salvo.readers import formats
from salvo.readers.errors import FileError
from salvo.readers.report_rows import ReportBatch
from salvo.storage.reports import reports
from tests.conftest import shared

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def gtd_2021():
    return shared("gtd-2021h1-mideast") / "gtd_2021H1_mideast.csv"


def gdelt_renamed():
    return shared("gdelt-2020-11-sample") / "gdelt_events_mentions_2020-11-13_15_mideast.csv"


def ukmto_raw():
    return shared("ukmto-incidents-2026") / "ukmto_incidents_raw.csv"


def ukmto_geocoded():
    return shared("ukmto-incidents-2026") / "ukmto_incidents_geocoded.csv"


def ucdp():
    return shared("ucdp-ged-iraq-hdx") / "ucdp_ged_iraq_2015-2018_hdx.csv"


def acled_response():
    return shared("acled-mena-2024-01") / "acled_api_mena_2024-01-01_to_2024-01-30.json"


def alert_history():
    return shared("israel-hfc-alerts") / "alertHistory.json"


# (format, the file, the column a quoted cell of the last row is cut in; None: the format never quotes)
TABLES = {
    "gtd 2021 release": ("gtd", gtd_2021, "summary"),
    "gtd-shaped table (sep=;, CRLF)": ("gtd", lambda: FIXTURES / "gtd_sample.csv", "summary"),
    "gdelt official export": ("gdelt", lambda: FIXTURES / "gdelt_sample.tsv", None),
    "gdelt renamed csv": ("gdelt", gdelt_renamed, "Source_URL"),
    "ukmto raw": ("ukmto", ukmto_raw, "details"),
    "ukmto geocoded": ("ukmto", ukmto_geocoded, "details"),
    "ucdp ged (hdx)": ("ucdp-ged", ucdp, "source_headline"),
    "acled export": ("acled", lambda: FIXTURES / "acled_sample.csv", "notes"),
}


def table(name):
    fmt, source, column = TABLES[name]
    return fmt, source(), column


def cut(tmp_path: Path, data: bytes, end: int, name: str) -> Path:
    """The first `end` bytes of a file's content, written under the file's own name."""
    path = tmp_path / name
    path.write_bytes(data[:end])
    return path


def refused(store, path: Path, fmt: str):
    """The file error importing `path` raises; the store is left as it was, without even an import run."""
    with pytest.raises(FileError) as caught:
        import_reports(store, path, fmt)
    error = caught.value.error
    assert error.file == str(path) and str(path) in str(caught.value)
    with store.session() as session:
        assert reports(session) == [] and session.scalars(select(ImportRun)).all() == []
    return error


def last_row_start(data: bytes) -> int:
    """Where the last row of a CSV file's bytes begins (its rows hold no line breaks inside quotes)."""
    return data.rstrip(b"\r\n").rfind(b"\n") + 1


# --- tables ----------------------------------------------------------------------


@pytest.mark.parametrize("name", TABLES)
def test_a_file_cut_inside_its_last_row_is_refused_naming_the_byte(store, tmp_path, name):
    fmt, source, _ = table(name)
    data = source.read_bytes()
    start = last_row_start(data)
    path = cut(tmp_path, data, (start + len(data)) // 2, source.name)
    error = refused(store, path, fmt)
    assert f"cut short at byte {path.stat().st_size}" in error.reason


@pytest.mark.parametrize("name", TABLES)
def test_a_file_cut_inside_its_last_cell_is_refused(store, tmp_path, name):
    # The row has all its cells, but its last one lost its end with the line break after it.
    fmt, source, _ = table(name)
    data = source.read_bytes()
    path = cut(tmp_path, data, len(data.rstrip(b"\r\n")) - 1, source.name)
    error = refused(store, path, fmt)
    assert "no line break after it" in error.reason and f"byte {path.stat().st_size}" in error.reason


@pytest.mark.parametrize("name", [name for name, (_, _, column) in TABLES.items() if column])
def test_a_file_cut_inside_a_quoted_cell_after_a_line_break_in_it_is_refused(store, tmp_path, name):
    # The file ends with a line break, but inside the quotes of a cell that runs over two lines.
    fmt, source, column = table(name)
    text = source.read_text(encoding="utf-8-sig")
    preamble = text[:text.index("\n") + 1] if text.startswith("sep=") else ""
    delimiter = ";" if preamble else ","
    rows = list(csv.reader(io.StringIO(text[len(preamble):], newline=""), delimiter=delimiter))
    rows[-1][rows[0].index(column)] = "The first line of the cell,\nand the cut second line"
    written = io.StringIO(newline="")
    csv.writer(written, delimiter=delimiter, lineterminator="\n").writerows(rows)
    whole = (preamble + written.getvalue()).encode("utf-8")
    end = whole.index(b"and the cut second line")
    path = cut(tmp_path, whole, end, source.name)
    error = refused(store, path, fmt)
    if fmt == "acled":  # read in blocks (salvo_files): the cut shows as a last row short of cells
        assert "cells where the header has 31" in error.reason
    else:
        assert error.reason == f"is cut short at byte {end}: a quoted cell of this row is never closed"
    assert error.row == len(rows) + (1 if preamble else 0)  # the header is row 1 (row 2 after a sep= line)


@pytest.mark.parametrize("name", TABLES)
def test_a_file_cut_half_way_is_refused(store, tmp_path, name):
    fmt, source, _ = table(name)
    data = source.read_bytes()
    end = len(data) // 2
    while data[end - 1:end] in (b"\n", b"\r"):  # a cut right after a row's end cannot be told from a shorter file
        end += 1
    refused(store, cut(tmp_path, data, end, source.name), fmt)


def test_a_gtd_file_cut_inside_its_last_row_names_the_row_and_the_cells_it_kept(store, tmp_path):
    # Cut where the issue found it: after the 126th of the last row's 135 cells.
    source = gtd_2021()
    data = source.read_bytes()
    start = last_row_start(data)
    path = cut(tmp_path, data, start + separator(data[start:], 126), source.name)
    error = refused(store, path, "gtd")
    rows = sum(1 for _ in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert error.row == rows == 1224
    assert error.reason == (f"is cut short at byte {path.stat().st_size}: the row has 126 of 135 cells "
                            "and no line break after it")


def separator(row: bytes, number: int) -> int:
    """Where the `number`th comma outside quotes of a CSV row is."""
    quoted, seen = False, 0
    for at, byte in enumerate(row):
        if byte == ord('"'):
            quoted = not quoted
        elif byte == ord(",") and not quoted:
            seen += 1
            if seen == number:
                return at
    raise ValueError(f"the row has fewer than {number} commas")


def test_a_ucdp_file_cut_mid_row_is_a_file_error_not_a_traceback(store, tmp_path):
    source = ucdp()
    data = source.read_bytes()
    middle = data.index(b"\n", len(data) // 2) + 200  # inside the row after the middle
    error = refused(store, cut(tmp_path, data, middle, source.name), "ucdp-ged")
    assert error.row is not None and "of 45 cells" in error.reason


def test_a_row_short_of_cells_inside_a_file_is_refused_naming_it(store, tmp_path):
    source = ukmto_raw()
    with source.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[10] = rows[10][:-2]  # an export that lost two cells of one row
    path = tmp_path / source.name
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    error = refused(store, path, "ukmto")
    assert error.row == 11 and error.reason.startswith("has 6 cells where the header has 8")


# Rows each complete file gives (the UCDP file's HXL tag row is not an event).
COMPLETE = {"gtd 2021 release": 1223, "gtd-shaped table (sep=;, CRLF)": 15, "gdelt official export": 16,
            "gdelt renamed csv": 1662, "ukmto raw": 55, "ukmto geocoded": 45, "ucdp ged (hdx)": 2265,
            "acled export": 14}


@pytest.mark.parametrize("name", TABLES)
def test_a_complete_file_is_read_to_its_last_row(name):
    # The checks refuse no complete file: every row of each real file is read, its last one too.
    fmt, source, _ = table(name)
    items = list(formats.reader(fmt).read(source))
    assert sum(item.frame.height if isinstance(item, ReportBatch) else 1 for item in items) == COMPLETE[name]


# --- JSON documents ----------------------------------------------------------------


def test_an_acled_response_cut_anywhere_is_refused_naming_the_byte(store, tmp_path):
    source = acled_response()
    data = source.read_bytes()
    array_end = data.rindex(b"]")
    last_item = data.rindex(b'{"event_id_cnty"')
    for end in (len(data) // 2,  # inside an item
                last_item - 1,  # after an item and its comma
                last_item + 40,  # inside the last item
                array_end,  # every item, but the array not closed
                array_end + 1,  # the array closed, the document not
                len(data) - 10,  # inside the envelope's last value
                len(data) - 1):  # all but the closing brace
        path = cut(tmp_path, data, end, source.name)
        error = refused(store, path, "acled")
        assert error.reason.startswith(f"is cut short at byte {end}:"), (end, error.reason)


def test_an_acled_response_cut_inside_an_item_names_the_item(store, tmp_path):
    source = acled_response()
    data = source.read_bytes()
    path = cut(tmp_path, data, data.rindex(b'{"event_id_cnty"') + 40, source.name)
    error = refused(store, path, "acled")
    assert error.row == json.loads(data)["count"]  # the 4,046th item is the one cut
    assert "item 4046 of the 'data' array is not complete" in error.reason


def test_an_alert_history_cut_half_way_is_refused_naming_the_byte(store, tmp_path):
    source = alert_history()
    data = source.read_bytes()
    path = cut(tmp_path, data, len(data) // 2, source.name)
    error = refused(store, path, "hfc-alerts")
    assert error.row is not None and f"at byte {len(data) // 2}" in error.reason


def test_an_alert_history_whose_alerts_all_lack_their_category_is_refused_naming_the_field(store, tmp_path):
    alerts = json.loads(alert_history().read_text(encoding="utf-8"))
    for item in alerts:
        del item["cat"]
    path = tmp_path / "alertHistory.json"
    path.write_text(json.dumps(alerts, ensure_ascii=False), encoding="utf-8")
    error = refused(store, path, "hfc-alerts")
    assert error.field == "cat" and f"no alert of the {len(alerts)} has this field" in error.reason


def test_a_zipped_export_whose_file_was_cut_before_zipping_is_refused_naming_the_byte(store, tmp_path):
    # GDELT ships each export zipped: the archive is whole, the export in it ends inside its last row.
    data = (FIXTURES / "gdelt_sample.tsv").read_bytes()
    end = len(data) - 40
    path = tmp_path / "20201113001500.export.CSV.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("20201113001500.export.CSV", data[:end])
    error = refused(store, path, "gdelt")
    assert error.row == 16 and error.reason.startswith(f"is cut short at byte {end}:")
