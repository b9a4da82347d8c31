"""Salvo's one error hierarchy: every reader, stage and face raises a kind of :class:`SalvoError`.

The kind says what went wrong for the person who asked, so each face maps it
the same way: the CLI to an exit code and a one-line message, the web app to
an HTTP status. A stage's own errors subclass one of these kinds.
"""

from __future__ import annotations


class SalvoError(Exception):
    """Something Salvo was asked to do could not be done; the message says what and where."""

    exit_code = 1
    http_status = 500


class InputError(SalvoError):
    """The input is wrong: a file, a row, a field, an option or a settings key (the message names it)."""

    exit_code = 2
    http_status = 400


class NotFound(SalvoError):
    """What was asked for does not exist: an incident, a report, a pair, a database."""

    exit_code = 3
    http_status = 404


class Conflict(SalvoError):
    """The store changed since it was read, or another writer holds it."""

    exit_code = 4
    http_status = 409


class Unavailable(SalvoError):
    """Something Salvo needs is missing or down: a database server, an optional engine."""

    exit_code = 5
    http_status = 503
