"""Running a reader beside the writer, so that reading a file overlaps writing it.

An import is a reader (parsing, validating, mapping) feeding a writer (the
database). :func:`prefetch` runs the reader in a thread: enough when the
reader's work happens in polars and the writer's in SQLite, both outside
Python's lock. :func:`in_child_process` runs it in a process of its own, for
readers whose work would otherwise contend with the writer for that lock; its
batches come back pickled (polars frames travel as Arrow IPC).
"""

from __future__ import annotations

import importlib
import os
import pickle
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from queue import Empty, Queue
from typing import Any

from salvo.readers.errors import FileError

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



class ChildFailed(RuntimeError):
    """The reader process failed with an unexpected error; the message holds its traceback."""


def in_child_process(produce: Callable[..., Iterator], *args: Any) -> Iterator:
    """Iterate ``produce(*args)`` in a child Python process, the child working ahead of the caller.

    The child is a fresh interpreter (``python -c``), not a fork (a fork of a
    process running polars' threads may hang) nor a multiprocessing spawn
    (which re-runs the caller's main script). `produce` must be importable by
    name; items come back pickled through a pipe. A FileError in the child is
    raised again here as a FileError; any other error as :class:`ChildFailed`.
    Stopping early ends the child.
    """
    command = [sys.executable, "-c", "from salvo.background import _child_main; _child_main()"]
    # The caller's own work needs a core: the child's polars leaves it one.
    env = {**os.environ, "POLARS_MAX_THREADS": os.environ.get("POLARS_MAX_THREADS",
                                                              str(max(1, (os.cpu_count() or 2) - 1)))}
    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    pickle.dump((produce.__module__, produce.__qualname__, args), child.stdin)
    child.stdin.close()
    # A thread takes the child's items off the pipe as they come, so the child never waits for the caller.
    yield from prefetch(_received(child))


def _received(child: subprocess.Popen) -> Iterator:
    try:
        while True:
            try:
                kind, payload = pickle.load(child.stdout)
            except EOFError:
                error = child.stderr.read().decode("utf-8", errors="replace").strip()
                raise ChildFailed(f"the reader process ended unexpectedly: {error[-2000:]}") from None
            if kind == "item":
                yield payload
            elif kind == "file-error":
                raise FileError(payload)
            elif kind == "error":
                raise ChildFailed(payload)
            else:
                return
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
        for stream in (child.stdout, child.stderr):
            stream.close()


def _child_main() -> None:
    """The child's side of :func:`in_child_process`: run the producer, pickle what it yields to stdout."""
    module, name, args = pickle.load(sys.stdin.buffer)
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # stray prints must not corrupt the stream
    try:
        produce = getattr(importlib.import_module(module), name)
        for item in produce(*args):
            pickle.dump(("item", item), out, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.dump(("done", None), out)
    except FileError as exc:
        pickle.dump(("file-error", exc.error), out)
    except BaseException:  # handed over to the parent
        pickle.dump(("error", traceback.format_exc()), out)
    out.flush()
