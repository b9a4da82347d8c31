"""Reading the items of a large JSON array one at a time, in constant memory.

Dataset APIs answer with one JSON document holding an array of records,
either bare (``[{...}, ...]``) or under a key of an envelope object (ACLED:
``{"status": 200, "count": 4046, "data": [{...}, ...]}``). The file is decoded
a block at a time and each item parsed as soon as it is complete; the
envelope's other values (``count``) are kept for checks. A file that ends
inside an item, before its array is closed or before the document around the
array is, was cut short: a FileError names the byte where it ends (and the item
cut), raised before the caller has seen the end of the items.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from salvo.readers.errors import FileError, RowError

BLOCK = 1 << 20
_SPACE = re.compile(r"[\s,]*")


class JsonArray:
    """The items of the array at `key` of a JSON file's top-level object (or of a top-level array).

    Iterate it for the items; `position` is how many bytes have been read, and
    `envelope` (complete after iteration) holds the top-level object's other
    values.
    """

    def __init__(self, path: Path, key: str | None = None, block: int = BLOCK):
        self.path, self.key, self.block = Path(path), key, block
        self.position = 0
        self.envelope: dict[str, Any] = {}

    def __iter__(self) -> Iterator[Any]:
        decoder = json.JSONDecoder()
        file = str(self.path)
        with self.path.open("rb") as handle:
            text_decoder = codecs.getincrementaldecoder("utf-8-sig")()
            buffer, at, done = "", 0, False

            def more() -> bool:
                nonlocal buffer, at, done
                if done:
                    return False
                data = handle.read(self.block)
                self.position += len(data)
                try:
                    text = text_decoder.decode(data, final=not data)
                except UnicodeDecodeError as exc:
                    raise FileError(RowError(file, None, None, None,
                                             f"is not UTF-8 text near byte {self.position} ({exc.reason})")) from None
                done = not data
                buffer, at = buffer[at:] + text, 0
                return True

            start = None
            while start is None:
                start = self._array_start(buffer)
                if start is None and not more():
                    raise FileError(RowError(file, None, self.key, None, self._missing()))
            prefix, at = buffer[:start], start
            number = 0
            while True:
                at = _SPACE.match(buffer, at).end()
                if at >= len(buffer):
                    if not more():
                        raise self._cut(None, f"the {self._what()} is not closed after item {number}")
                    continue
                if buffer[at] == "]":
                    at += 1
                    break
                try:
                    item, end = decoder.raw_decode(buffer, at)
                except json.JSONDecodeError as exc:
                    # The item may go on in the next block: its error is at the end of what is read so far.
                    going_on = exc.msg.startswith("Unterminated string") or exc.pos >= len(buffer) - 16
                    if going_on and more():
                        continue
                    if going_on:
                        raise self._cut(number + 1, f"item {number + 1} of the {self._what()} is not complete "
                                                    f"({exc.msg})") from None
                    raise FileError(RowError(file, number + 1, None, None,
                                             f"is not valid JSON in item {number + 1} of the {self._what()} "
                                             f"({exc.msg})")) from None
                if end == len(buffer) and more():
                    continue  # a number or literal cut at the block's end may go on
                number += 1
                at = end
                yield item
            while more():
                pass
            self.envelope = self._envelope(prefix, buffer[at:])

    def _what(self) -> str:
        return "array" if self.key is None else f"{self.key!r} array"

    def _cut(self, row: int | None, what: str) -> FileError:
        """The error for a file that ends too soon: where (the byte, the item) and what is left open."""
        return FileError(RowError(str(self.path), row, None, None, f"is cut short at byte {self.position}: {what}"))

    def _array_start(self, buffer: str) -> int | None:
        """Where the array's first item may begin, once the buffer holds the array's opening bracket."""
        if self.key is None:
            stripped = buffer.lstrip()
            if not stripped:
                return None
            if stripped[0] != "[":
                raise FileError(RowError(str(self.path), None, None, None, "is not a JSON array"))
            return len(buffer) - len(stripped) + 1
        match = re.search(rf'"{re.escape(self.key)}"\s*:\s*\[', buffer)
        return match.end() if match else None

    def _missing(self) -> str:
        return "holds no JSON array" if self.key is None else f"has no {self.key!r} array"

    def _envelope(self, prefix: str, suffix: str) -> dict[str, Any]:
        """The top-level object's other values, from the text around the array.

        The text after the array must close the document: a file cut after
        the array is as truncated as one cut inside it.
        """
        file = str(self.path)
        tail = suffix.strip()
        if self.key is None:
            if tail:
                raise FileError(RowError(file, None, None, None, "has text after the JSON array"))
            return {}
        head = re.sub(rf'"{re.escape(self.key)}"\s*:\s*\[$', "", prefix.rstrip()).rstrip().rstrip(",")
        rest = "{" + tail.removeprefix(",")
        try:
            values = json.loads(head + "}") if head.strip() != "{" else {}
            values.update(json.loads(rest))
        except json.JSONDecodeError as exc:
            if exc.doc is rest and (exc.pos >= len(rest) or exc.msg.startswith("Unterminated string")):
                raise self._cut(None, f"the document is not closed after the {self._what()}") from None
            raise FileError(RowError(file, None, None, None,
                                     f"is not valid JSON around the {self._what()} ({exc.msg})")) from None
        return values
