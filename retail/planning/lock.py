"""One refresh of a dataset at a time, across processes and machines.

A DuckDB workspace is one file on one machine: the lock is an operating-system lock
(``flock``) on a file beside it. A PostgreSQL workspace is shared by machines: the lock is a
session advisory lock on the server. Either way the lock belongs to the process holding it and
is let go when that process ends, however it ends (a killed refresh never leaves a stale lock).
A second refresh waits up to ``wait`` seconds, saying who holds the lock, then gives up with
:class:`RefreshBusy` (nothing changed).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from retail.data.backends import PostgresBackend
from retail.data.trash import now

POLL_SECONDS = 0.5


class RefreshBusy(ValueError):
    """Another refresh of the same dataset holds the lock longer than we wait (nothing was changed)."""


def _key(dataset: str) -> int:
    """A signed 64-bit number for the dataset (PostgreSQL's advisory lock key)."""
    return int.from_bytes(hashlib.sha256(f"retail refresh {dataset}".encode()).digest()[:8], "big", signed=True)


def _holder() -> str:
    return f"process {os.getpid()} on {socket.gethostname()}, since {now():%Y-%m-%d %H:%M:%S} UTC"


def _wait(try_lock: Callable[[], bool], who: Callable[[], str], dataset: str, wait: float,
          say: Callable[[str], None]) -> None:
    deadline, said = time.monotonic() + wait, False
    while not try_lock():
        if time.monotonic() >= deadline:
            raise RefreshBusy(f"Another refresh of {dataset!r} is running ({who()}); nothing was changed. "
                              "Try again when it has finished.")
        if not said:
            say(f"waiting for the refresh of {dataset!r} held by {who()}")
            said = True
        time.sleep(POLL_SECONDS)


@contextmanager
def _file_lock(folder: Path, dataset: str, wait: float, say: Callable[[str], None]) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"refresh-{_key(dataset) & 0xFFFFFFFFFFFF:012x}.lock"
    with open(path, "a+") as handle:
        def try_lock() -> bool:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True

        def who() -> str:
            handle.seek(0)
            return handle.read().strip() or "another process"

        _wait(try_lock, who, dataset, wait, say)
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(_holder())
            handle.flush()
            yield
        finally:
            with contextlib.suppress(OSError):
                handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def _advisory_lock(backend: PostgresBackend, dataset: str, wait: float, say: Callable[[str], None]) -> Iterator[None]:
    import psycopg

    key = _key(dataset)
    with psycopg.connect(backend.url, autocommit=True, application_name=f"retail refresh: {_holder()}"[:63]) as con:
        def try_lock() -> bool:
            return bool(con.execute("SELECT pg_try_advisory_lock(%s)", [key]).fetchone()[0])

        def who() -> str:
            row = con.execute("SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                              "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s AND l.objid = %s",
                              [(key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF]).fetchone()
            return row[0].removeprefix("retail refresh: ") if row and row[0] else "another process"

        _wait(try_lock, who, dataset, wait, say)
        try:
            yield
        finally:
            con.execute("SELECT pg_advisory_unlock(%s)", [key])


def refresh_lock(workspace: Any, dataset: str, wait: float = 0.0,
                 say: Callable[[str], None] = lambda _message: None) -> contextlib.AbstractContextManager[None]:
    """Hold the refresh lock of ``dataset`` in ``workspace`` (a :class:`~retail.data.workspace.Workspace`)
    for a ``with`` block; ``say`` hears once that we wait, and for whom."""
    backend = workspace.backend
    if isinstance(backend, PostgresBackend):
        return _advisory_lock(backend, dataset, wait, say)
    return _file_lock(Path(backend.path).parent / "locks", dataset, wait, say)
