"""One error hierarchy (salvo.errors): every stage's errors are one of its kinds, and the CLI maps kinds to exit codes."""

from __future__ import annotations

import pytest

from salvo import cli, errors
from salvo.analysis.filters import FilterError
from salvo.importing import ImportRejected
from salvo.link.review import ReviewError
from salvo.link.settings import SettingsError
from salvo.link.spark import SparkUnavailable
from salvo.readers.errors import FieldError, FileError
from salvo.storage.queries import CursorError
from salvo.storage.schema import SchemaOutOfDate
from salvo.storage.store import DatabaseUnavailable, WriteLockTimeout


@pytest.mark.parametrize(("error", "kind"), [
    (FileError, errors.InputError), (FieldError, errors.InputError), (ImportRejected, errors.InputError),
    (SettingsError, errors.InputError), (FilterError, errors.InputError), (ReviewError, errors.InputError),
    (CursorError, errors.InputError), (WriteLockTimeout, errors.Conflict), (SchemaOutOfDate, errors.Conflict),
    (DatabaseUnavailable, errors.Unavailable), (SparkUnavailable, errors.Unavailable),
])
def test_each_stage_error_is_a_kind_of_salvo_error(error, kind):
    assert issubclass(error, kind) and issubclass(error, errors.SalvoError)


def test_every_kind_has_its_own_exit_code_and_http_status():
    kinds = [errors.SalvoError, errors.InputError, errors.NotFound, errors.Conflict, errors.Unavailable]
    assert len({k.exit_code for k in kinds}) == len(kinds)
    assert [k.http_status for k in kinds[1:]] == [400, 404, 409, 503]


def test_an_error_no_command_caught_ends_in_one_line_and_its_exit_code(monkeypatch, capsys):
    def failing():
        raise errors.NotFound("no incident 'inc-0000' [in this store]")

    monkeypatch.setattr(cli, "app", failing)
    with pytest.raises(SystemExit) as ended:
        cli.main()
    assert ended.value.code == errors.NotFound.exit_code
    err = capsys.readouterr().err
    assert "no incident 'inc-0000' [in this store]" in err and "Traceback" not in err
