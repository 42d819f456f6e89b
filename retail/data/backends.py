"""Where a workspace lives: an embedded DuckDB file (the default) or a PostgreSQL server (a team).

Both speak the same small interface to :class:`~retail.data.workspace.Workspace`: a cursor
per operation (``execute`` with ``?`` placeholders, ``fetchone`` / ``fetchall`` /
``description``), explicit transactions, and bulk table writes and reads. Every dataset is
still written in one transaction on either.

DuckDB keeps one connection per file and process, shared by the process's threads (a cursor
each), closed when idle so that another process can take the file lock. PostgreSQL opens a
connection per operation: the server serialises what must be serialised, so several app
processes (or machines) can share one workspace.
"""

from __future__ import annotations

import io
import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

LOCK_RETRY_SECONDS = 10.0
COMPACT_WAIT_SECONDS = 120.0  # other sessions' queries finish first (a long import, say)
_INSERT_BATCH_ROWS = 122_880  # DuckDB's row group: it scans Arrow record batches in parallel


class WorkspaceBusy(ValueError):
    """Another program holds the workspace file longer than we wait for it.

    A ``ValueError`` like the other errors a user can act on, so the command line prints it
    as one line (exit 2) and the pages show it instead of a traceback.
    """


def _busy(exc: Exception, path: Path, waited: float) -> WorkspaceBusy:
    """The plain error for a DuckDB lock conflict, naming the holder DuckDB reports."""
    found = re.search(r"held in (?P<program>.+?) \(PID (?P<pid>\d+)\)", str(exc))
    holder = f"{Path(found['program']).name}, PID {found['pid']}" if found else "another program"
    return WorkspaceBusy(
        f"The workspace is busy: another program ({holder}) is using {path} and did not let go within "
        f"{waited:g} s. Try again when it has finished (or close it)."
    )


def _retry(attempt, path: Path, wait: float | None = None) -> Any:
    """``attempt()`` until it stops raising a lock conflict (another process holds the file), at most ``wait``
    seconds (default :data:`LOCK_RETRY_SECONDS`)."""
    wait = LOCK_RETRY_SECONDS if wait is None else wait
    deadline = time.monotonic() + wait
    while True:
        try:
            return attempt()
        except (duckdb.IOException, BlockingIOError) as exc:
            if isinstance(exc, duckdb.IOException) and "lock" not in str(exc).lower():
                raise
            if time.monotonic() > deadline:
                raise _busy(exc, path, wait) from exc
            time.sleep(0.2)


def _gate(path: Path, exclusive: bool, wait: float | None = None) -> Any:
    """An open ``<file>.lock`` holding an advisory lock: shared by every process that has the workspace
    open, exclusive while :meth:`DuckDBBackend.compact` swaps the file (so nobody opens the old one then).
    Closing it releases the lock. None where the system has no ``flock`` (the swap is then unguarded)."""
    try:
        import fcntl
    except ImportError:  # Windows
        return None
    descriptor = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        _retry(lambda: fcntl.flock(descriptor, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB), path,
               wait)
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


def _release(gate: Any) -> None:
    if gate is not None:
        os.close(gate)


class _OwnerOnlyUmask:
    """The process's umask withholds every right from group and others while any workspace connection is
    open: DuckDB creates the write-ahead log (``.wal``) and its spill folder (``.tmp``) at the first write
    and deletes them at each checkpoint, with the umask's modes (0644 under the usual 022), so a chmod
    after opening cannot reach them. The umask is the process's: files other threads create meanwhile
    are owner-only too (stricter, never looser); the old umask is back when the last connection closes."""

    _lock = threading.Lock()
    _open = 0
    _saved = 0

    @classmethod
    def enter(cls) -> None:
        with cls._lock:
            if cls._open == 0:
                cls._saved = os.umask(0o077)
                os.umask(cls._saved | 0o077)
            cls._open += 1

    @classmethod
    def leave(cls) -> None:
        with cls._lock:
            cls._open -= 1
            if cls._open == 0:
                os.umask(cls._saved)


def _open_duckdb(path: Path) -> duckdb.DuckDBPyConnection:
    """Connect to the file, waiting up to ``LOCK_RETRY_SECONDS`` while another process holds it, under an
    owner-only umask until :func:`_close_duckdb`. The file and a log left by an earlier process are made
    readable by their owner only (purchase histories and the pseudonym key live there)."""
    _OwnerOnlyUmask.enter()
    try:
        connection = _retry(lambda: duckdb.connect(str(path)), path)
    except BaseException:
        _OwnerOnlyUmask.leave()
        raise
    _owner_only(path, Path(f"{path}.wal"))
    return connection


def _close_duckdb(connection: duckdb.DuckDBPyConnection) -> None:
    try:
        connection.close()
    finally:
        _OwnerOnlyUmask.leave()


def _owner_only(*paths: Path) -> None:
    """Owner-only permissions on the files that exist among ``paths`` (another owner's are left as they are)."""
    for path in paths:
        with suppress(FileNotFoundError, PermissionError):
            os.chmod(path, 0o600)


def _to_arrow(frame: pd.DataFrame) -> pa.Table:
    """Arrow table with 32-bit-offset strings and microsecond timestamps (DuckDB's native
    types, so the insert copies no more than it must), in record batches of one DuckDB row
    group (a single 1M-row chunk is scanned on one thread: 0.8 s instead of 0.55 s)."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = pa.Table.from_batches(table.to_batches(max_chunksize=_INSERT_BATCH_ROWS), schema=table.schema)
    fields = []
    for field in table.schema:
        kind = field.type
        if pa.types.is_large_string(kind) or pa.types.is_null(kind):  # a column of only missing text stays text
            kind = pa.string()
        elif pa.types.is_timestamp(kind):
            kind = pa.timestamp("us")
        fields.append(pa.field(field.name, kind))
    return table.cast(pa.schema(fields))


class DuckDBBackend:
    """One workspace file; one connection per process shared by its threads (a cursor each).

    DuckDB's documented pattern is one database instance per process and a cursor per thread:
    threads that each open the file race ("Unique file handle conflict: ... already attached").
    The connection lives while any operation uses it and is closed when the last one ends, so
    between bursts another process (a command-line import) can take the file lock.
    """

    json_type = "JSON"
    _lock = threading.Lock()
    _idle = threading.Condition(_lock)  # told when a file's last cursor closes (compact waits for it)
    _open: dict[Path, tuple[duckdb.DuckDBPyConnection, int, Any]] = {}  # connection, users, gate

    def __init__(self, path: Path) -> None:
        self.path = path.resolve()
        self.location = str(path)

    @contextmanager
    def cursor(self) -> Iterator[Any]:
        cls = type(self)
        with cls._lock:
            connection, users, gate = cls._open.get(self.path) or self._connect()
            cls._open[self.path] = (connection, users + 1, gate)
            cursor = connection.cursor()
        try:
            yield cursor
        finally:
            cursor.close()
            with cls._lock:
                connection, users, gate = cls._open[self.path]
                if users == 1:
                    del cls._open[self.path]
                    _close_duckdb(connection)
                    _release(gate)
                    cls._idle.notify_all()
                else:
                    cls._open[self.path] = (connection, users - 1, gate)

    def _connect(self) -> tuple[duckdb.DuckDBPyConnection, int, Any]:
        gate = _gate(self.path, exclusive=False)
        try:
            return _open_duckdb(self.path), 0, gate
        except BaseException:
            _release(gate)
            raise

    def compact(self, tables: list[str] | None = None) -> None:
        """Rewrite the file with its live rows only (``tables`` is for PostgreSQL; here everything is copied).

        DuckDB keeps deleted rows' bytes in freed blocks that a checkpoint only partly reclaims (an erased
        customer's id stayed in the file), and ``VACUUM`` does not reclaim them: ``COPY FROM DATABASE``
        into a fresh file, which then replaces this one. Every cursor of this process finishes first and
        none opens meanwhile; other processes wait at the file's lock."""
        cls = type(self)
        with cls._idle:
            if not cls._idle.wait_for(lambda: self.path not in cls._open, timeout=COMPACT_WAIT_SECONDS):
                raise WorkspaceBusy(f"The workspace {self.path} stayed busy for {COMPACT_WAIT_SECONDS:g} s: the "
                                    "erasure is done, but deleted rows' bytes remain in the file until it is "
                                    "compacted. Run the command again when the app is idle.")
            gate = _gate(self.path, exclusive=True, wait=COMPACT_WAIT_SECONDS)
            try:
                self._copy_to_fresh_file()
            finally:
                _release(gate)

    def _copy_to_fresh_file(self) -> None:
        fresh = self.path.with_name(self.path.name + ".compacting")
        for leftover in (fresh, Path(f"{fresh}.wal")):
            leftover.unlink(missing_ok=True)
        connection = _open_duckdb(self.path)
        try:
            connection.execute("SET enable_progress_bar = false")  # a long copy drew DuckDB's bar on the terminal
            connection.execute("CHECKPOINT")
            name = connection.execute("SELECT current_database()").fetchone()[0]
            connection.execute(f"ATTACH '{str(fresh).replace(chr(39), chr(39) * 2)}' AS compacted")
            connection.execute(f'COPY FROM DATABASE "{name}" TO compacted')
            connection.execute("DETACH compacted")
        except BaseException:
            _close_duckdb(connection)
            fresh.unlink(missing_ok=True)
            raise
        _close_duckdb(connection)
        _owner_only(fresh)
        Path(f"{self.path}.wal").unlink(missing_ok=True)  # checkpointed above: nothing in it is lost
        os.replace(fresh, self.path)

    def create_table(self, cursor: Any, table: str, frame: pd.DataFrame) -> None:
        cursor.register("incoming", _to_arrow(frame))
        cursor.execute(f"CREATE TABLE {table} AS SELECT * FROM incoming")
        cursor.unregister("incoming")

    def read(self, cursor: Any, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        return cursor.execute(sql, params or []).df()


_PG_TYPES = {"f": "DOUBLE PRECISION", "i": "BIGINT", "u": "BIGINT", "b": "BOOLEAN", "M": "TIMESTAMP"}


class _PostgresCursor:
    """A psycopg cursor that takes the workspace's ``?`` placeholders and DuckDB-style transactions."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self._cursor = connection.cursor()

    def execute(self, sql: str, params: list[Any] | None = None) -> _PostgresCursor:
        self._cursor.execute(sql.replace("?", "%s"), params or None)
        return self

    def fetchone(self) -> tuple | None:
        return self._cursor.fetchone()

    def fetchall(self) -> list[tuple]:
        return self._cursor.fetchall()

    @property
    def description(self) -> Any:
        return self._cursor.description

    def begin(self) -> None:
        self._cursor.execute("BEGIN")

    def commit(self) -> None:
        self._cursor.execute("COMMIT")

    def rollback(self) -> None:
        self._cursor.execute("ROLLBACK")


class PostgresBackend:
    """A workspace in a PostgreSQL database (``postgresql://user:password@host:port/database``)."""

    json_type = "TEXT"

    def __init__(self, url: str) -> None:
        from retail.errors import import_extra

        self._psycopg = import_extra("psycopg", "team", "A workspace on PostgreSQL")  # only when configured
        self.url = url
        self.location = re.sub(r"//[^@/]*@", "//", url)  # never show a password

    @contextmanager
    def cursor(self) -> Iterator[_PostgresCursor]:
        with self._psycopg.connect(self.url, autocommit=True) as connection:
            yield _PostgresCursor(connection)

    def create_table(self, cursor: _PostgresCursor, table: str, frame: pd.DataFrame) -> None:
        columns = ", ".join(f'"{c}" {_PG_TYPES.get(frame[c].dtype.kind, "TEXT")}' for c in frame.columns)
        cursor.execute(f"CREATE TABLE {table} ({columns})")
        if frame.empty:
            return
        buffer = io.StringIO()
        frame.to_csv(buffer, index=False, header=False, date_format="%Y-%m-%d %H:%M:%S.%f", na_rep="\\N")
        with cursor._cursor.copy(f"COPY {table} FROM STDIN WITH (FORMAT csv, NULL '\\N')") as copy:
            copy.write(buffer.getvalue())

    def compact(self, tables: list[str] | None = None) -> None:
        """Rewrite ``tables`` (every table when None) with their live rows only: PostgreSQL keeps a deleted
        or updated row in the table's files as a dead tuple until ``VACUUM FULL`` writes the table anew
        (and drops the old files). The planner's statistics (``pg_statistic``) keep sampled values of a
        table's columns, an erased customer's id among them: they are measured anew from the live rows,
        and the statistics table rewritten too (a superuser's right: a server where the app's role is
        not one skips it with a warning, and leaves those old samples to the server's own vacuum). The
        server's write-ahead log and backups are its administrator's."""
        with self.cursor() as cursor:
            for table in tables or [""]:
                cursor.execute(f"VACUUM (FULL, ANALYZE) {table}")
            cursor.execute("VACUUM FULL pg_catalog.pg_statistic")

    def read(self, cursor: _PostgresCursor, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        cursor.execute(sql, params)
        columns = [d.name for d in cursor.description]
        frame = pd.DataFrame(cursor.fetchall(), columns=columns)
        for column, kind in zip(columns, [d.type_code for d in cursor.description], strict=True):
            if kind in (700, 701, 1700):  # real, double, numeric: NULLs must stay NaN, not None
                frame[column] = pd.to_numeric(frame[column])
            elif kind in (1114, 1184):  # timestamps
                frame[column] = pd.to_datetime(frame[column])
        return frame
