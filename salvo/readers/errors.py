"""Row errors: what was wrong with which value, where; and the file error of a file that cannot be read at all."""

from __future__ import annotations

from dataclasses import dataclass

from salvo.errors import InputError


@dataclass(frozen=True)
class RowError:
    """One invalid value: the file, the row (as a spreadsheet numbers it), the field, the value and why."""

    file: str
    row: int | None
    field: str | None
    value: str | None
    reason: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.field:
            where += f", field {self.field!r}"
        value = f" = {self.value!r}" if self.value not in (None, "") else ""
        return f"{where}{value}: {self.reason}"


class FieldError(InputError, ValueError):
    """Raised by a field parser; the reader adds file, row and field."""


class FileError(InputError):
    """A file that cannot be read at all (missing column, bad encoding, cut short): nothing of it is imported.

    `error` says where: the file, and the row (or item) and field when the
    fault is in one (the row where a file was cut short).
    """

    def __init__(self, error: RowError):
        super().__init__(str(error))
        self.error = error
