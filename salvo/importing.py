"""Importing a file into the store, in one transaction: incidents (Salvo's format) or reports (a dataset's).

:func:`import_file` reads Salvo's interchange format: a file with any invalid
row changes nothing, and every error is reported at once; with
``skip_invalid`` the valid incidents are imported and the rejected rows are
written, with their reasons, to a side file (never over the input or, unless
forced, any existing file). A file whose every row is rejected is a failed
import, with either reader. Every incident it writes rests
on a report, an analyst's entry (dataset ``salvo``, keyed by the incident
id, linked to its incident), with the file, row and raw row(s) as its
provenance. :func:`import_reports` reads a
public dataset's file (salvo.readers.formats) into reports with provenance:
unreadable rows are reported and skipped, an unreadable file changes nothing.
Importing the same file twice leaves the same database.
"""

from __future__ import annotations

import getpass
import os
import uuid
import hashlib
from collections import Counter
from dataclasses import asdict, dataclass, field
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import polars as pl

from salvo.errors import InputError
from salvo.model import ImportRun
from salvo.readers import salvo_format
from salvo.readers.errors import FileError, RowError
from salvo.storage import Store
from salvo.storage.store import prepare_bulk_write
from salvo.background import in_background, prefetch
from salvo.storage.bulk import WriteCounts, has_incidents, prepare, write_prepared
from salvo.storage.bulk_reports import has_reports, insert_beside_incidents, write_reports
from salvo.safe_text import FORMULA_CELL


@dataclass
class ImportSummary:
    """The outcome of one import."""

    file: str
    format: str
    rows: int = 0
    incidents: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejected_rows: int = 0
    committed: bool = False
    errors: list[RowError] = field(default_factory=list)
    unresolved_actors: Counter = field(default_factory=Counter)
    rejects_file: str | None = None
    withdrawn: int = 0
    out_of_scope: int = 0

    def to_json(self) -> dict:
        """The summary as one JSON-ready object (what ``--summary json`` prints)."""
        data = asdict(self)
        data["errors"] = [asdict(e) for e in self.errors]
        data["unresolved_actors"] = dict(self.unresolved_actors.most_common())
        return data


Progress = Callable[[int, int, int], None]
"""Called as progress(rows read, bytes read, file size) while an import runs."""


class ImportRejected(InputError):
    """Nothing was imported: the file had invalid rows, or no valid one; `summary.errors` lists them all.

    `every_row_rejected` tells the second case: the import skipped invalid rows and none was left.
    """

    def __init__(self, summary: ImportSummary, *, every_row_rejected: bool = False):
        what = "every row was rejected" if every_row_rejected else "invalid rows"
        super().__init__(f"{summary.file}: {what} ({len(summary.errors)} error(s)); nothing was imported")
        self.summary = summary
        self.every_row_rejected = every_row_rejected


def default_user() -> str:
    """The name recorded in the audit log when none is given."""
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "salvo"


def file_digest(path: Path) -> str:
    """SHA-256 of a file, recorded with each import so it can be traced to exact bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def import_file(
    store: Store, path: str | Path, *, skip_invalid: bool = False, rejects_path: str | Path | None = None,
    force: bool = False, user: str | None = None, default_status: str = "reviewed", progress: Progress | None = None,
) -> ImportSummary:
    """Import a Salvo-format file (CSV, XLSX or JSON) into `store`.

    With `skip_invalid`, rejected rows go to `rejects_path` (default
    ``FILE.rejected.csv``), which is checked before anything is read
    (:func:`check_rejects_path`; `force` lets it replace an existing file).
    `progress`, when given, is called after each batch with the rows read so
    far, the bytes read so far and the file's size. Raises
    :class:`ImportRejected` when rows are invalid and `skip_invalid` is false,
    or when every row is invalid, and :class:`~salvo.readers.errors.FileError`
    when the file cannot be read or the rejects path cannot be written; in
    every case the store is unchanged.
    """
    path = Path(path)
    if not path.is_file():
        raise FileError(RowError(str(path), None, None, None, "no such file"))
    target = Path(rejects_path) if rejects_path else path.with_name(path.stem + ".rejected.csv")
    if skip_invalid:
        check_rejects_path(target, [path, *_database_files(store)], force=force)
    summary = ImportSummary(file=str(path), format="salvo-" + (path.suffix.lstrip(".").lower() or "csv"))
    rejected: list = []
    digest = file_digest(path)
    reason = f"import of {path.name} (sha256 {digest[:16]})"
    user = user or default_user()

    counts = WriteCounts()
    with store.session() as session:
        prepare_bulk_write(session)
        fresh = not has_incidents(session)
        reports_fresh = not has_reports(session, ANALYST_DATASET)
        run = ImportRun(id=uuid.uuid4().hex, file=str(path), sha256=digest, format=summary.format, user=user)
        session.add(run)
        session.flush()
        size = path.stat().st_size
        batches = _with_reports(salvo_format.read(path, default_status=default_status), skip_invalid=skip_invalid)
        # One batch ahead, not two: a batch's reports carry its raw rows (a million incidents then stay
        # under 500 MB).
        for batch, reports in prefetch(batches, depth=1):
            summary.rows += batch.rows
            if progress:
                progress(summary.rows, batch.position, size)
            summary.errors.extend(batch.errors)
            summary.rejected += batch.rejected_incidents
            summary.incidents += batch.incidents.height
            summary.unresolved_actors.update(batch.unresolved_actors)
            if batch.rejected_rows is not None:
                summary.rejected_rows += batch.rejected_rows.height
                if skip_invalid:
                    rejected.append(batch.rejected_rows)
            if summary.errors and not skip_invalid:
                continue  # the import will be rolled back: keep validating, stop writing
            prepared = prepare(batch.incidents, batch.lines, sqlite=store.is_sqlite, import_id=run.id)
            written = write_prepared(session, prepared, user=user, reason=reason, fresh=fresh)
            # Every incident written rests on its analyst's report. When no such report is stored yet,
            # each is new and goes in beside its incident, from the same insert tuples; otherwise each is
            # looked up, and added, updated or left alone like any dataset's report.
            if reports_fresh:
                insert_beside_incidents(session, prepared, reports, source_file=str(path))
            else:
                write_reports(session, reports, source_file=str(path))
            counts.added += written.added
            counts.updated += written.updated
            counts.unchanged += written.unchanged
            del prepared, reports, batch  # before the next batch arrives: its insert tuples take memory
        if summary.errors and not skip_invalid:
            session.rollback()
            raise ImportRejected(summary)
        if summary.rejected and not summary.incidents:
            session.rollback()
            raise ImportRejected(summary, every_row_rejected=True)
        run.rows, run.rejected = summary.rows, summary.rejected
        run.added, run.updated, run.unchanged = counts.added, counts.updated, counts.unchanged
    summary.added, summary.updated, summary.unchanged = counts.added, counts.updated, counts.unchanged
    summary.committed = True
    if rejected:
        with target.open("w" if force else "x", encoding="utf-8", newline="") as handle:
            rows = pl.concat(rejected, how="diagonal")
            rows.with_columns(pl.col(pl.String).str.replace(FORMULA_CELL, "'${1}")).write_csv(handle)
        summary.rejects_file = str(target)
    return summary


def check_rejects_path(rejects: Path, inputs: Iterable[Path], *, force: bool = False) -> None:
    """Refuse, with a FileError, a rejects path that would overwrite something or could not be written.

    Checked before an import reads a row, so that a bad path costs nothing: it may not be one of
    `inputs` (the file being imported, the database), nor, unless `force`, any existing file, and
    its folder must exist and be writable.
    """
    def refuse(reason: str) -> None:
        raise FileError(RowError(str(rejects), None, None, None, reason))

    if any(_same_file(rejects, other) for other in inputs):
        refuse("is a file this import reads or writes; rejected rows must go to a file of their own")
    if rejects.is_dir():
        refuse("is a folder; name a file for the rejected rows")
    if rejects.exists() and not force:
        refuse("already exists; rejected rows are not written over it unless forced (--force)")
    folder = rejects.parent
    if not folder.is_dir():
        refuse(f"cannot be written: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        refuse(f"cannot be written: the folder {folder} is not writable")


def _same_file(path: Path, other: Path) -> bool:
    if path.exists() and other.exists():
        return os.path.samefile(path, other)
    return path.resolve() == other.resolve()


def _database_files(store: Store) -> list[Path]:
    """The file of a SQLite store (none for a server or an in-memory database)."""
    database = store.engine.url.database
    return [Path(database)] if store.is_sqlite and database and database != ":memory:" else []


ANALYST_DATASET = "salvo"
"""The dataset of the reports behind incidents imported from Salvo's own format: analysts' entries."""
_EVIDENCE = ("status", "notes", "killed_low", "killed_high", "injured_low", "injured_high", "sources")
_REPORT_VALUES = ("date", "date_precision", "country", "location", "place_id", "latitude", "longitude",
                  "location_precision", "target", "target_category", "actor_id", "actor_name", "attribution",
                  "killed", "injured")


def _with_reports(batches: Iterator, *, skip_invalid: bool) -> Iterator[tuple]:
    """Each batch with the frame of the reports behind its incidents, built in the reader's thread.

    Once a row is invalid and nothing will be written, no more are built.
    """
    failed = False
    for batch in batches:
        failed = failed or (bool(batch.errors) and not skip_invalid)
        yield batch, None if failed else analyst_reports(batch.incidents, batch.lines, batch.raw)


def analyst_reports(incidents: pl.DataFrame, lines: pl.DataFrame, where: pl.DataFrame) -> pl.DataFrame:
    """The analyst's report behind each incident, as a reports frame (salvo.storage.report_frames) with hashes.

    One report per incident, of dataset ``salvo`` and keyed by the incident
    id, with an ``incident_id`` column that links it to its incident. Its
    values are the incident's: munition lines as
    :func:`~salvo.records.munition_dict` gives them, the first source as its
    url, and as evidence the incident's values a report has no field for
    (status, notes, casualty ranges, every source), only those stated, so that
    the incident can be derived again from its report alone. `where` gives each
    incident's first row number and raw row(s) (salvo_format.Batch.raw).
    Built with polars expressions only: it runs beside reading, for a million incidents.
    """
    from salvo.storage.report_frames import REPORT_SCHEMA, value_hashes

    def number(name: str) -> pl.Expr:
        return pl.col(name).cast(pl.String)

    def string(name: str) -> pl.Expr:  # a JSON string or list, escaped by polars, spaced as json.dumps spaces it
        encoded = pl.struct(name).struct.json_encode().str.slice(len(name) + 4).str.strip_suffix("}")
        return encoded.str.replace_all('","', '", "', literal=True) if name == "sources" else encoded

    def text(*parts) -> pl.Expr:  # literal text and expressions, concatenated (no template to parse)
        return pl.concat_str([pl.lit(part) if isinstance(part, str) else part for part in parts])

    figures = [pl.when(pl.col(name).is_not_null()).then(text(f', "{name}": ', number(name)))
               for name in ("intercepted", "impacted", "failed")]
    line = text('{"munition_type": "', pl.col("munition_type"), '", "count": ', number("count").fill_null("null"),
                pl.when(pl.col("count_estimate")).then(pl.lit(', "count_estimate": true')).otherwise(pl.lit("")),
                pl.concat_str(figures, ignore_nulls=True), "}")
    # One incident's lines are adjacent: most incidents have one, and only the others need grouping.
    key = pl.col("incident_id")
    texts = lines.select("incident_id", "position", line.alias("line"),
                         key.ne_missing(key.shift(1)).alias("first"), key.eq_missing(key.shift(-1)).alias("more"))
    line_json = texts.filter("first").select("incident_id", pl.when(~pl.col("more")).then(
        text("[", pl.col("line"), "]")).alias("munitions"))
    several = texts.filter(pl.col("more") | ~pl.col("first"))
    if several.height:
        joined = several.group_by("incident_id", maintain_order=True).agg(
            text("[", pl.col("line").sort_by("position").str.join(", "), "]").alias("joined"))
        line_json = line_json.join(joined, on="incident_id", how="left", maintain_order="left").select(
            "incident_id", pl.coalesce("munitions", "joined").alias("munitions"))
    stated = {"sources": pl.col("sources").list.len() > 0}
    evidence = text("{", pl.concat_str([
        pl.when(stated.get(name, pl.col(name).is_not_null())).then(
            text(f'"{name}": ', string(name) if name in ("status", "notes", "sources") else number(name)))
        for name in _EVIDENCE], separator=", ", ignore_nulls=True), "}")
    frame = incidents.with_columns(_aligned(incidents, line_json, "incident_id", "munitions"),
                                   *(_aligned(incidents, where, "id", name) for name in ("row_number", "raw")))
    frame = frame.select(
        pl.lit(ANALYST_DATASET).alias("dataset"), pl.col("id").alias("row_key"), "row_number", "raw",
        pl.col("sources").list.first().alias("url"), pl.lit(True).alias("in_scope"),
        *_REPORT_VALUES, pl.col("munitions").fill_null("[]"), evidence.alias("evidence"),
        pl.col("id").alias("incident_id"),
    )
    frame = frame.select(  # the columns of a reports frame, in its order; casting only what differs
        *(pl.lit(None, dtype).alias(name) if name not in frame.columns
          else pl.col(name) if frame.schema[name] == dtype else pl.col(name).cast(dtype)
          for name, dtype in REPORT_SCHEMA.items()), "incident_id")
    # The raw digest covers the row number too: an incident that moved in the file refreshes its entry.
    raw_hash = pl.concat_str(pl.col("row_number").cast(pl.String), "raw", separator="\x1f").hash(seed=0x5E9047)
    return frame.with_columns(value_hashes(frame), raw_hash.cast(pl.String).alias("raw_hash"))


def _aligned(incidents: pl.DataFrame, other: pl.DataFrame, key: str, name: str) -> pl.Series:
    """Column `name` of `other`, one row per incident in the incidents' order (as the reader gives it, or joined)."""
    if other[key].equals(incidents["id"], check_names=False):
        return other[name]
    return incidents.select("id").join(other.select(pl.col(key).alias("id"), name), on="id", how="left",
                                       maintain_order="left")[name]


def import_reports(
    store: Store, path: str | Path, fmt: str, *, user: str | None = None, progress: Progress | None = None,
    **options,
) -> ImportSummary:
    """Read a public dataset's file (format `fmt`, see salvo.readers.formats) into reports.

    Every row becomes a report keyed by the dataset's own event id, with its
    provenance (file, row, raw values, time); rows out of the tracker's scope
    are kept, marked. Re-reading a newer release updates changed reports,
    adds new ones and marks withdrawn those its file no longer has. Unreadable
    rows, and rows repeating a key already read, are reported and skipped.
    `options` go to the reader (``mapping=`` for the mapped format). One
    transaction: a file that cannot be read (FileError), or whose every row
    is rejected (ImportRejected), changes nothing.
    """
    from salvo.readers.formats import reader as dataset_reader
    from salvo.storage.bulk_reports import withdraw_missing

    path = Path(path)
    if not path.is_file():
        raise FileError(RowError(str(path), None, None, None, "no such file"))
    reader = dataset_reader(fmt)
    summary = ImportSummary(file=str(path), format=fmt)
    seen: dict[str, set[str]] = {}
    fresh: dict[str, bool] = {}
    size = path.stat().st_size
    with store.session() as session:
        prepare_bulk_write(session)
        digest = in_background(file_digest, path)  # hashing the bytes overlaps reading them
        run = ImportRun(id=uuid.uuid4().hex, file=str(path), sha256="", format=fmt, user=user or default_user())
        session.add(run)
        session.flush()
        for batch in prefetch(report_batches(reader.read(path, **options))):
            frame = _first_of_each_key(batch, seen, summary)
            summary.rows += batch.rows
            summary.rejected += len({(e.row, e.file) for e in batch.errors})
            summary.errors.extend(batch.errors)
            if progress:
                progress(summary.rows, batch.position or 0, size if batch.position else 0)
            datasets = frame["dataset"].unique().to_list()
            for dataset in datasets:
                if dataset not in fresh:
                    fresh[dataset] = not has_reports(session, dataset)
            first_reading = all(fresh[d] for d in datasets)
            written = write_reports(session, frame, source_file=str(path), fresh=first_reading)
            summary.added += written.added
            summary.updated += written.updated
            summary.unchanged += written.unchanged
            summary.incidents += frame.height
            summary.out_of_scope += frame.height - int(frame["in_scope"].sum())
            unresolved = frame.filter(pl.col("actor_name").is_not_null() & pl.col("actor_id").is_null())
            summary.unresolved_actors.update(dict(unresolved["actor_name"].value_counts().iter_rows()))
        if summary.rejected and not summary.incidents:
            raise ImportRejected(summary, every_row_rejected=True)  # leaving the block rolls back
        for dataset, keys in seen.items():
            if not fresh.get(dataset, True):
                summary.withdrawn += withdraw_missing(session, dataset, str(path), keys)
        run.rows, run.rejected = summary.rows, summary.rejected
        run.added, run.updated, run.unchanged = summary.added, summary.updated, summary.unchanged
        run.sha256 = digest()
    summary.committed = True
    return summary


def report_batches(items: Iterator, size: int = 5000) -> Iterator:
    """Group a reader's ReportRecord and RowError items into ReportBatch frames; batches pass through."""
    from salvo.readers.report_rows import ReportBatch
    from salvo.storage.report_frames import conform, from_records, with_hashes

    records: list = []
    errors: list[RowError] = []
    count = 0

    def flush() -> ReportBatch:
        nonlocal records, errors, count
        batch = ReportBatch(with_hashes(from_records(records)), errors, count)
        records, errors, count = [], [], 0
        return batch

    for item in items:
        if isinstance(item, ReportBatch):
            if count:
                yield flush()
            yield ReportBatch(with_hashes(conform(item.frame)), item.errors, item.rows, item.position)
            continue
        count += 1
        if isinstance(item, RowError):
            errors.append(item)
        else:
            records.append(item)
        if count >= size:
            yield flush()
    if count:
        yield flush()


def _first_of_each_key(batch, seen: dict[str, set[str]], summary: ImportSummary) -> pl.DataFrame:
    """The batch's reports without those whose key an earlier row of the file already had (each an error).

    The keys read so far are kept for the whole import (about 100 bytes each),
    the one thing that grows with the file.
    """
    frame = batch.frame
    if frame.height and frame["dataset"].n_unique() == 1:
        known = seen.setdefault(frame["dataset"][0], set())
        keys = frame["row_key"].to_list()
        new = set(keys)
        if len(new) == len(keys) and known.isdisjoint(new):
            known |= new  # every key new: the usual case, checked without a loop over the rows
            return frame
    keep = []
    for dataset, key, number in frame.select("dataset", "row_key", "row_number").iter_rows():
        known = seen.setdefault(dataset, set())
        keep.append(key not in known)
        if key in known:
            batch.errors.append(RowError(summary.file, number, "row key", key, "repeats the key of an earlier row"))
        known.add(key)
    return frame.filter(pl.Series(keep, dtype=pl.Boolean))
