"""Importing a file of incidents into the store: validate everything, write in one transaction.

A file with any invalid row changes nothing, and every error is reported at
once. With ``skip_invalid`` the valid incidents are imported and the rejected
rows are written, with their reasons, to a side file. Importing the same file
twice leaves the same database.
"""

from __future__ import annotations

import csv
import getpass
import hashlib
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from salvo.readers import salvo_format
from salvo.readers.errors import FileError, RowError
from salvo.storage import Store
from salvo.storage.bulk import write_incidents


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

    def to_json(self) -> dict:
        """The summary as one JSON-ready object (what ``--summary json`` prints)."""
        data = asdict(self)
        data["errors"] = [asdict(e) for e in self.errors]
        data["unresolved_actors"] = dict(self.unresolved_actors.most_common())
        return data


class ImportRejected(Exception):
    """The file had invalid rows and nothing was imported; `summary.errors` lists them all."""

    def __init__(self, summary: ImportSummary):
        super().__init__(f"{summary.file}: {len(summary.errors)} error(s); nothing was imported")
        self.summary = summary


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
    user: str | None = None, default_status: str = "reviewed",
) -> ImportSummary:
    """Import a Salvo-format file (CSV, XLSX or JSON) into `store`.

    Raises :class:`ImportRejected` when rows are invalid and `skip_invalid` is
    false, and :class:`~salvo.readers.errors.FileError` when the file cannot be
    read; in both cases the store is unchanged.
    """
    path = Path(path)
    if not path.is_file():
        raise FileError(RowError(str(path), None, None, None, "no such file"))
    summary = ImportSummary(file=str(path), format="salvo-" + (path.suffix.lstrip(".").lower() or "csv"))
    rejected: list[tuple[int, dict[str, str], str]] = []
    reason = f"import of {path.name} (sha256 {file_digest(path)[:16]})"

    def valid_records():
        for parsed in salvo_format.read(path, default_status=default_status):
            summary.rows += len(parsed.rows)
            if parsed.record is None:
                summary.errors.extend(parsed.errors)
                summary.rejected += 1
                summary.rejected_rows += len(parsed.rows)
                if skip_invalid:
                    by_row = {e.row: e for e in parsed.errors}
                    for number, row in parsed.rows:
                        error = by_row.get(number)
                        note = f"{error.field}: {error.reason}" if error else "another row of this incident is invalid"
                        rejected.append((number, row, note))
                continue
            summary.incidents += 1
            if parsed.actor_unresolved:
                summary.unresolved_actors[parsed.actor_unresolved] += 1
            if summary.errors and not skip_invalid:
                continue  # the import will be rolled back: keep validating, stop writing
            yield parsed.record

    with store.session() as session:
        counts = write_incidents(session, valid_records(), user=user or default_user(), reason=reason)
        if summary.errors and not skip_invalid:
            session.rollback()
            raise ImportRejected(summary)
    summary.added, summary.updated, summary.unchanged = counts.added, counts.updated, counts.unchanged
    summary.committed = True
    if rejected:
        summary.rejects_file = str(_write_rejects(path, rejects_path, rejected))
    return summary


def _write_rejects(path: Path, rejects_path, rejected) -> Path:
    target = Path(rejects_path) if rejects_path else path.with_name(path.stem + ".rejected.csv")
    columns = list(dict.fromkeys(name for _, row, _ in rejected for name in row))
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source_row", *columns, "error"])
        for number, row, note in rejected:
            writer.writerow([number, *(row.get(c, "") for c in columns), note])
    return target
