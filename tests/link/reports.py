"""Hand-made reports for the linker's tests, written to a store the way dataset imports write them."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl

from salvo.records import REPORT_FIELDS, MunitionRecord, ReportRecord, munition_dict
from salvo.storage.bulk_reports import write_reports
from salvo.storage.report_frames import REPORT_SCHEMA, conform
from salvo.storage.store import prepare_bulk_write

TOWER_22 = {"place_id": "tower_22", "latitude": 33.318, "longitude": 38.7, "location_precision": "site",
            "country": "JO", "location": "Tower 22"}
AIN_AL_ASAD = {"place_id": "ain_al_asad_air_base", "latitude": 33.7856, "longitude": 42.4412,
               "location_precision": "site", "country": "IQ", "location": "Ain al-Asad Air Base"}


def report(dataset: str, key: str, day: str, where: dict, munitions: list[tuple[str, int | None]], **values) -> ReportRecord:
    """A report of `dataset` keyed `key`, on an ISO day or month, at a place, with (type, count) munition lines."""
    if day and len(day) == 7:
        day += "-01"
    return ReportRecord(dataset=dataset, row_key=key, date=dt.date.fromisoformat(day) if day else None,
                        date_precision=values.pop("date_precision", "day") if day else None,
                        munitions=[MunitionRecord(kind, count) for kind, count in munitions], **where, **values)


def add(store, *records: ReportRecord, source: str = "test-reports.csv") -> None:
    """Write records as one dataset import would (bulk, with provenance)."""
    rows = []
    for n, r in enumerate(records, start=2):
        row = {name: getattr(r, name) for name in REPORT_FIELDS}
        row["munitions"] = json.dumps([munition_dict(m) for m in r.munitions])
        row["evidence"] = json.dumps(r.evidence) if r.evidence is not None else None
        rows.append({"dataset": r.dataset, "row_key": r.row_key, "row_number": n,
                     "raw": json.dumps({"key": r.row_key}), **row})
    frame = conform(pl.DataFrame(rows, schema={k: REPORT_SCHEMA[k] for k in rows[0]}))
    with store.session() as session:
        prepare_bulk_write(session)
        write_reports(session, frame, source_file=source)


def report_id(store, dataset: str, key: str) -> int:
    """The stored id of a report."""
    from sqlalchemy import select

    from salvo.model import Report

    with store.session() as session:
        return session.scalars(select(Report.id).where(Report.dataset == dataset, Report.row_key == key)).one()


def incident_of(store, dataset: str, key: str) -> str | None:
    """The incident a report is linked to."""
    from sqlalchemy import select

    from salvo.model import Report

    with store.session() as session:
        return session.scalars(select(Report.incident_id).where(Report.dataset == dataset,
                                                                Report.row_key == key)).one()
