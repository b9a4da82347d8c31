"""Running one measured operation in a fresh process: its wall time, peak memory and result.

Every figure the benchmarks print comes from a child process started for that
one operation, so that peak memory (the child's own ``ru_maxrss``, read with
``os.wait4``) is the operation's and not left over from an earlier one, and no
tool profits from another's warm interpreter. Children run either a command
(the ``sqlite-utils`` and ``salvo`` CLIs) or a task of :mod:`tasks` through
``python -c``; tasks print their result as one JSON line.
"""

from __future__ import annotations

import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
PYTHON = sys.executable
RESULT_PREFIX = "BENCH_RESULT "


@dataclass
class Run:
    """One child process: how long it took, its peak resident memory, its output and its result."""

    argv: list[str]
    wall: float
    peak_mb: float
    returncode: int
    stdout: str
    stderr: str
    result: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the child exited with status 0 and reported no error."""
        return self.returncode == 0 and "error" not in self.result

    def failure(self) -> str:
        """A one-paragraph account of why the child failed (its error, or the tail of its stderr)."""
        if "error" in self.result:
            return str(self.result["error"])
        tail = self.stderr.strip().splitlines()[-12:]
        return f"exit status {self.returncode}: " + "\n".join(tail)


def run(argv: list[str], *, env: dict | None = None, cwd: str | Path | None = None) -> Run:
    """Run `argv` to completion and measure it (peak memory from the child's own rusage)."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as out, tempfile.TemporaryFile("w+", encoding="utf-8") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, env=env, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    result = {}
    for line in stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            result = json.loads(line[len(RESULT_PREFIX):])
    return Run(argv, wall, usage.ru_maxrss / 1024, proc.returncode, stdout, stderr, result)


def run_task(name: str, env: dict | None = None, **kwargs) -> Run:
    """Run the function `name` of bench/tasks.py in a fresh `python -c` process with these arguments."""
    code = (f"import sys; sys.path.insert(0, {str(BENCH_DIR)!r}); import tasks; "
            f"tasks.main({name!r}, {json.dumps(kwargs)!r})")
    return run([PYTHON, "-c", code], env=env, cwd=REPO)


def child_env(**extra: str) -> dict:
    """The environment for children: this one, with caches under bench/.data/ and `extra` set."""
    env = dict(os.environ)
    cache = BENCH_DIR / ".data" / "cache"
    env["XDG_CACHE_HOME"] = str(cache / "xdg")
    env["SALVO_CACHE_DIR"] = str(cache / "salvo")
    env["PYTHONHASHSEED"] = "0"
    env.update(extra)
    return env


def median(values) -> float | None:
    """The median of the values that are not None, or None when there are none."""
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def tool_version(argv: list[str]) -> str:
    """The first line a `--version` command prints, or '?'."""
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"
    return out.splitlines()[0] if out else "?"


def source_digest(root: Path = REPO / "salvo") -> str:
    """A short digest of the Salvo package's source files, to tell whether it changed during a run."""
    digest = hashlib.sha1()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        try:
            data = path.read_bytes()
        except OSError:  # removed while we looked
            continue
        digest.update(str(path.relative_to(root)).encode() + b"\0" + data + b"\0")
    return digest.hexdigest()[:12]
