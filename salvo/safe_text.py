"""Text made safe for where it lands: spreadsheet cells, HTML script blocks and error messages.

Salvo's text comes from the public reporting it records, so an actor name, a note or a
chart title may hold anything, including a spreadsheet formula or a ``</script>`` tag.
These are the rules every output applies (docs/format.md, "Exports and spreadsheets"):
pure functions over strings, importing nothing of Salvo's, shared by the stages that
write files and the faces that print errors.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

FORMULA_STARTS = "=+-@\t\r\uff1d\uff0b\uff0d\uff20"
"""Characters that make a spreadsheet read a cell as a formula when they start it: OWASP's
CSV-injection list (= + - @ tab carriage-return) and the full-width = + - @, which
spreadsheets in East Asian locales take for their ASCII forms."""

_CLASS = "[=+\\-@\t\r\uff1d\uff0b\uff0d\uff20]"
_NEEDS_QUOTE = re.compile(f"'*{_CLASS}")

FORMULA_CELL = f"^('*{_CLASS})"
"""A regular expression (valid in Python and in Polars) for a cell :func:`spreadsheet_text`
quotes; replacing it with ``'`` and its group 1 (``"'${1}"`` in Polars) quotes a whole column."""

QUOTED_CELL = f"^'('*{_CLASS})"
"""A regular expression (valid in Python and in Polars) for a cell that
:func:`spreadsheet_text` quoted; replacing it with its group 1 (``r"\\1"``, or ``"${1}"``
in Polars) gives the text back, as :func:`from_spreadsheet_text` does."""


def spreadsheet_text(text: str) -> str:
    """`text` as a CSV cell no spreadsheet runs: a leading ``'`` before formula characters.

    OWASP's rule: a cell that starts with one of :data:`FORMULA_STARTS` gets a single
    quote in front, which spreadsheets read as "this is text". Text that already starts
    with quotes followed by such a character gets one more, so the rule can always be
    undone exactly (:func:`from_spreadsheet_text`) and no text is changed on the way
    back into Salvo.
    """
    return "'" + text if _NEEDS_QUOTE.match(text) else text


def from_spreadsheet_text(text: str) -> str:
    """The text :func:`spreadsheet_text` was given: one leading quote dropped, only where it added one."""
    return text[1:] if text.startswith("'") and _NEEDS_QUOTE.match(text, 1) else text


def starts_like_formula(text: str) -> bool:
    """Whether a spreadsheet would take `text` for a formula if a user typed it into a cell."""
    return bool(text) and text[0] in FORMULA_STARTS


_SCRIPT_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                                 "\u2028": "\\u2028", "\u2029": "\\u2029"})


class ScriptJSONEncoder(json.JSONEncoder):
    """JSON that can stand inside an HTML ``<script>`` element.

    ``<``, ``>`` and ``&`` are written as ``\\u003c``, ``\\u003e`` and ``\\u0026`` (and the
    two Unicode line separators escaped too), so no string in the data can close the
    element, open an HTML comment or start another tag, while the script reads back
    exactly the same values. These characters only occur inside JSON strings, where
    a ``\\u`` escape is always valid.
    """

    def encode(self, o) -> str:
        """The whole document, escaped."""
        return super().encode(o).translate(_SCRIPT_ESCAPES)

    def iterencode(self, o, _one_shot: bool = False):
        """The document in chunks, each escaped (what json.dump writes)."""
        for chunk in super().iterencode(o, _one_shot):
            yield chunk.translate(_SCRIPT_ESCAPES)


def script_json(value, **options) -> str:
    """`value` as JSON to embed in an HTML ``<script>`` element (see :class:`ScriptJSONEncoder`)."""
    return json.dumps(value, cls=ScriptJSONEncoder, **options)


HIDDEN = "***"
_URL_PASSWORD = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@]*):[^\s'\"]*@")
_PASSWORD_SETTING = re.compile(r"(\bpassword\s*=\s*)(?:'[^']*'|\"[^\"]*\"|[^\s&'\"]+)", re.IGNORECASE)


def redact(text: str, *secrets: str | None) -> str:
    """`text` with passwords hidden as ``***``.

    Hidden are every given secret (as written and as percent-encoded in a URL, since a
    database error may quote either form), the password of any ``scheme://user:password@``
    URL and any ``password=...`` setting (a URL's query, a libpq connection string).
    """
    for secret in secrets:
        if secret:
            for form in dict.fromkeys((secret, quote(secret, safe=""), quote(secret))):
                text = text.replace(form, HIDDEN)
    text = _URL_PASSWORD.sub(rf"\1:{HIDDEN}@", text)
    return _PASSWORD_SETTING.sub(rf"\g<1>{HIDDEN}", text)


__all__ = ["FORMULA_STARTS", "HIDDEN", "QUOTED_CELL", "ScriptJSONEncoder", "from_spreadsheet_text", "redact",
           "script_json", "spreadsheet_text", "starts_like_formula"]
