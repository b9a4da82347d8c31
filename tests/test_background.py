"""Running a reader beside the writer: in a thread, or in a child process whose items come back pickled."""

from __future__ import annotations

import polars as pl
import pytest

from salvo.background import ChildFailed, in_child_process, prefetch
from salvo.readers.errors import FileError, RowError


def squares(n: int):
    """A producer the child process can import by name."""
    for i in range(n):
        yield pl.DataFrame({"i": [i], "square": [i * i]})


def unreadable(path: str):
    yield 1
    raise FileError(RowError(path, 3, "date", "31/02", "not a date"))


def broken():
    yield 1
    raise ZeroDivisionError("a bug in the reader")


def test_prefetch_hands_over_items_in_order():
    assert list(prefetch(iter(range(100)))) == list(range(100))


def test_a_child_process_sends_frames_back_in_order():
    frames = list(in_child_process(squares, 5))
    assert [f["square"][0] for f in frames] == [0, 1, 4, 9, 16]


def test_a_file_error_in_the_child_is_a_file_error_here():
    items = in_child_process(unreadable, "events.csv")
    assert next(items) == 1
    with pytest.raises(FileError) as caught:
        next(items)
    assert caught.value.error == RowError("events.csv", 3, "date", "31/02", "not a date")


def test_any_other_error_carries_the_childs_traceback():
    with pytest.raises(ChildFailed, match="ZeroDivisionError: a bug in the reader"):
        list(in_child_process(broken))


def test_stopping_early_ends_the_child():
    items = in_child_process(squares, 10_000)
    assert next(items)["i"][0] == 0
    items.close()
