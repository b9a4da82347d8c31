"""Running a reader beside the writer, so that reading a file overlaps writing it.

An import is a reader (parsing, validating, mapping) feeding a writer (the
database). :func:`prefetch` runs the reader in a thread: the reader's work
happens mostly in polars and the writer's in SQLite, both outside Python's
lock, so the two use two cores. (A reader in a child process was tried for
ACLED files of a million rows: sending the frames through a pipe cost more
than it saved, 27.5 s against 24.6 s.)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from queue import Empty, Queue
from typing import Any, TypeVar

T = TypeVar("T")


def prefetch(items: Iterator, depth: int = 2) -> Iterator:
    """Iterate `items` in a background thread, `depth` ahead, so reading overlaps writing.

    Validation runs mostly in polars and writing mostly in SQLite, both outside
    Python's lock, so the two use both cores. Errors are raised in the caller.
    """
    queue: Queue = Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                queue.put((item, None))
        except BaseException as exc:  # handed over to the consumer
            queue.put((None, exc))
        queue.put((done, None))

    worker = threading.Thread(target=produce, name="salvo-reader", daemon=True)
    worker.start()
    try:
        while True:
            item, error = queue.get()
            if error is not None:
                raise error
            if item is done:
                return
            yield item
    finally:
        stop.set()
        while worker.is_alive():
            try:
                queue.get_nowait()
            except Empty:
                worker.join(0.05)


def in_background(function: Callable[..., T], *args: Any) -> Callable[[], T]:
    """Start ``function(*args)`` in a thread now; the returned callable waits for its result (or error)."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = function(*args)
        except BaseException as exc:  # handed over to the caller
            outcome["error"] = exc

    worker = threading.Thread(target=run, name="salvo-background", daemon=True)
    worker.start()

    def result() -> T:
        worker.join()
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]

    return result
