"""The workspace: datasets, saved runs and preferences, in an embedded DuckDB file (default) or,
for a team, a PostgreSQL database (``$RETAIL_DATABASE_URL``; see :mod:`retail.data.backends`).

Each dataset is a table ``ds_<id>`` of canonical rows plus a row in ``datasets`` with its
metadata. Writes happen in one transaction, so a failed import leaves nothing behind. Deleting or
replacing a dataset moves it to the trash (:mod:`retail.data.trash`), restorable for some days.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from retail.data import kinds, schema, trash
from retail.data.backends import DuckDBBackend, PostgresBackend, WorkspaceBusy  # noqa: F401 - public here too
from retail.data.reads import WRITE_LOCK
from retail.data.validation import ValidationReport

logger = logging.getLogger(__name__)

DEFAULT_HOME = Path.home() / ".retail"
DB_FILE = "workspace.duckdb"
DISPLAY = "display"  # preference scope: how a dataset is shown (its currency)
# One writer at a time in this process (DuckDB takes one writing connection); the access layer's
# erasure and retention hold it too, around their own transactions. It counts the writes: the read
# memo (retail/data/reads.py) forgets after each.
write_lock = WRITE_LOCK

_SCHEMA_SQL = """
CREATE SEQUENCE IF NOT EXISTS dataset_ids START 1;
CREATE TABLE IF NOT EXISTS datasets (
    id INTEGER PRIMARY KEY DEFAULT nextval('dataset_ids'),
    name VARCHAR NOT NULL UNIQUE,
    source_file VARCHAR,
    mapping {json},
    report {json},
    rows BIGINT,
    date_min TIMESTAMP,
    date_max TIMESTAMP,
    created_at TIMESTAMP DEFAULT current_timestamp,
    is_sample BOOLEAN DEFAULT FALSE
);
CREATE TABLE IF NOT EXISTS preferences (
    dataset VARCHAR NOT NULL,
    scope VARCHAR NOT NULL,
    settings {json},
    saved_at TIMESTAMP DEFAULT current_timestamp,
    PRIMARY KEY (dataset, scope)
);
CREATE SEQUENCE IF NOT EXISTS run_ids START 1;
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    kind VARCHAR NOT NULL,
    dataset VARCHAR,
    settings {json},
    summary {json},
    tables {json},
    created_at TIMESTAMP DEFAULT current_timestamp
);
"""


def workspace_home() -> Path:
    """The workspace folder: ``$RETAIL_HOME`` or ``~/.retail``."""
    return Path(os.environ.get("RETAIL_HOME") or DEFAULT_HOME).expanduser()


def workspace_location() -> str:
    """Where this process's workspace lives: ``$RETAIL_DATABASE_URL`` (a team's PostgreSQL server)
    or the DuckDB folder :func:`workspace_home`. Also the cache key of the app's workspace."""
    return os.environ.get("RETAIL_DATABASE_URL") or str(workspace_home())


@dataclass(frozen=True)
class DatasetInfo:
    """Metadata of a stored dataset."""

    id: int
    name: str
    source_file: str
    mapping: dict[str, str]
    report: dict[str, Any]
    rows: int
    date_min: pd.Timestamp | None
    date_max: pd.Timestamp | None
    created_at: pd.Timestamp
    is_sample: bool

    @property
    def table(self) -> str:
        return f"ds_{self.id}"

    @property
    def version(self) -> str:
        """Changes whenever the stored rows could have changed (a cache key)."""
        return f"{self.id}:{self.created_at.isoformat()}:{self.rows}"

    @property
    def validation(self) -> ValidationReport:
        return ValidationReport.from_dict(self.report)

    @property
    def kind(self) -> str:
        """What a row means (:mod:`retail.data.kinds`): decided at import, or from the fields."""
        return kinds.kind_of(self.has, self.report.get("file_kind"))

    @property
    def currency(self) -> str | None:
        """The currency code guessed at import (a user's choice is a preference, see :func:`currency_of`)."""
        return self.report.get("currency")

    def has(self, field: str) -> bool:
        """Whether the source file had a column for ``field`` (e.g. customer_id)."""
        return schema.mapping_has(self.mapping, field)


@dataclass(frozen=True)
class RunInfo:
    """Metadata of a stored run (a forecast, say): what produced it and its table names."""

    id: int
    kind: str
    dataset: str
    settings: dict[str, Any]
    summary: dict[str, Any]
    tables: list[str]
    created_at: pd.Timestamp

    @property
    def number(self) -> int:
        """The run's number among its page's runs of the dataset (runs saved before numbering: the id)."""
        return int(self.summary.get("number") or self.id)


class DatasetNotFound(KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


class Workspace:
    """Datasets, runs and preferences in ``<home>/workspace.duckdb`` or a PostgreSQL database.

    Parameters
    ----------
    home : path, optional
        Folder of the DuckDB file; default :func:`workspace_home`.
    url : str, optional
        A PostgreSQL URL (``postgresql://...``); default ``$RETAIL_DATABASE_URL``. When given,
        the workspace lives on that server and ``home`` is not used.
    """

    def __init__(self, home: str | Path | None = None, url: str | None = None) -> None:
        url = url if url is not None else (os.environ.get("RETAIL_DATABASE_URL") if home is None else None)
        if url:
            self.backend: DuckDBBackend | PostgresBackend = PostgresBackend(url)
        else:
            self.home = Path(home) if home is not None else workspace_home()
            self.home.mkdir(parents=True, exist_ok=True, mode=0o700)  # purchase histories: its owner's alone
            self.backend = DuckDBBackend(self.home / DB_FILE)
        self.path = self.backend.location
        with self._connect() as con:
            for statement in filter(str.strip, (_SCHEMA_SQL + ";" + trash.SCHEMA_SQL).format(
                    json=self.backend.json_type).split(";")):
                con.execute(statement)

    @classmethod
    def at(cls, location: str) -> Workspace:
        """The workspace of :func:`workspace_location`: a PostgreSQL URL or a folder."""
        return cls(url=location) if location.startswith(("postgresql://", "postgres://")) else cls(home=location)

    @contextmanager
    def _connect(self) -> Iterator[Any]:
        """A cursor for one operation (see :mod:`retail.data.backends`)."""
        with self.backend.cursor() as cursor:
            yield cursor

    # -- datasets ---------------------------------------------------------------------------
    def list_datasets(self) -> list[DatasetInfo]:
        with self._connect() as con:
            rows = con.execute("SELECT * FROM datasets ORDER BY is_sample DESC, created_at DESC").fetchall()
            columns = [d[0] for d in con.description]
        return [_info(dict(zip(columns, row, strict=True))) for row in rows]

    def get(self, name: str) -> DatasetInfo:
        for info in self.list_datasets():
            if info.name == name:
                return info
        raise DatasetNotFound(f"There is no dataset named {name!r} in the workspace ({self.path}).")

    def save_dataset(self, name: str, frame: pd.DataFrame, report: ValidationReport,
                     replace: bool = False, is_sample: bool = False, by: str = "", *, reason: str = "replaced",
                     expected_id: int | None = None) -> DatasetInfo:
        """Store validated rows as dataset ``name`` in one transaction; a replaced dataset goes to
        the trash (``by`` names who replaced it, ``reason`` says why: replaced, or a new version).

        Raises
        ------
        ValueError
            The name is empty or already used (and ``replace`` is False), or ``expected_id`` is
            given and the stored dataset is no longer that version (someone changed it meanwhile).
        """
        with self.transaction() as con:
            self.write_dataset(con, name, frame, report, replace, is_sample, by, reason, expected_id)
        logger.info("stored dataset %s (%d rows)", name, len(frame))
        return self.get(_check_name(name))

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """A cursor whose writes (:meth:`write_dataset`, :meth:`write_run`) land together or not at all."""
        with write_lock, self._connect() as con:
            con.begin()
            try:
                yield con
                con.commit()
            except BaseException:
                con.rollback()
                raise

    def write_dataset(self, con: Any, name: str, frame: pd.DataFrame, report: ValidationReport,
                      replace: bool = False, is_sample: bool = False, by: str = "", reason: str = "replaced",
                      expected_id: int | None = None) -> int:
        """:meth:`save_dataset` inside the caller's :meth:`transaction`; returns the new version's id."""
        name = _check_name(name)
        missing = [c for c in schema.CANONICAL_COLUMNS if c not in frame.columns]
        if missing:
            raise ValueError(f"The frame lacks canonical columns {missing}; validate it first.")
        existing = con.execute("SELECT id FROM datasets WHERE name = ?", [name]).fetchone()
        if existing and not replace:
            raise ValueError(f"A dataset named {name!r} exists already; choose another name or replace it.")
        if expected_id is not None and (not existing or existing[0] != expected_id):
            raise ValueError(f"Dataset {name!r} was changed by someone else meanwhile; nothing was saved. Try again.")
        if existing:
            trash.move_to_trash(con, existing[0], by, reason, keep_preferences=False)
        dataset_id = con.execute("SELECT nextval('dataset_ids')").fetchone()[0]
        self.backend.create_table(con, f"ds_{dataset_id}", frame)
        dates = frame[schema.DATE]
        con.execute(
            "INSERT INTO datasets (id, name, source_file, mapping, report, rows, date_min, date_max,"
            " is_sample) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [dataset_id, name, report.source, json.dumps(report.mapping),
             json.dumps(report.to_dict(), default=str), len(frame),
             dates.min() if len(frame) else None, dates.max() if len(frame) else None, is_sample],
        )
        return int(dataset_id)

    def load(self, name: str, columns: list[str] | None = None,
             start: pd.Timestamp | None = None, end: pd.Timestamp | None = None) -> pd.DataFrame:
        """Rows of a dataset (optionally some columns and a date range [start, end])."""
        info = self.get(name)
        select = ", ".join(_quote(c) for c in columns) if columns else "*"
        where, params = [], []
        if start is not None:
            where.append("date >= ?")
            params.append(pd.Timestamp(start))
        if end is not None:
            where.append("date <= ?")
            params.append(pd.Timestamp(end))
        sql = f"SELECT {select} FROM {info.table}" + (f" WHERE {' AND '.join(where)}" if where else "")
        with self._connect() as con:
            frame = self.backend.read(con, sql, params)
        if schema.DATE in frame.columns:
            frame[schema.DATE] = frame[schema.DATE].astype("datetime64[ns]")
        return frame

    def rename(self, old: str, new: str) -> DatasetInfo:
        new = _check_name(new)
        with write_lock, self._connect() as con:
            if con.execute("SELECT 1 FROM datasets WHERE name = ?", [new]).fetchone():
                raise ValueError(f"A dataset named {new!r} exists already.")
            con.begin()
            updated = con.execute("UPDATE datasets SET name = ? WHERE name = ? RETURNING id", [new, old]).fetchone()
            for table in ("runs", "preferences"):  # saved runs and settings follow their dataset
                con.execute(f"UPDATE {table} SET dataset = ? WHERE dataset = ?", [new, old])
            con.commit()
        if not updated:
            raise DatasetNotFound(f"There is no dataset named {old!r}.")
        return self.get(new)

    def delete(self, name: str, by: str = "") -> None:
        """Move dataset ``name`` (and its preferences) to the trash; ``by`` names who deleted it."""
        info = self.get(name)
        with write_lock, self._connect() as con:
            con.begin()
            try:
                trash.move_to_trash(con, info.id, by, "deleted", keep_preferences=True)
                con.commit()
            except Exception:
                con.rollback()
                raise

    def currency_of(self, info: DatasetInfo) -> str | None:
        """The dataset's currency: the user's choice (preference ``display``), else the import's guess."""
        return self.preferences(info.name, DISPLAY).get("currency") or info.currency

    # -- the trash: deleted and replaced datasets, kept for trash.trash_days() days ---------------
    def list_trash(self) -> list[trash.TrashItem]:
        """Datasets in the trash, most recently deleted first (expired ones are emptied first)."""
        self.empty_trash(older_than_days=trash.trash_days())
        with self._connect() as con:
            return trash.items(con, _info)

    def restore(self, name: str, trash_id: int | None = None, new_name: str | None = None) -> DatasetInfo:
        """Put the latest trashed dataset ``name`` (or entry ``trash_id``) back, as ``new_name`` if given."""
        item = trash.find(self.list_trash(), name, trash_id)
        target = _check_name(new_name or item.name)
        with write_lock, self._connect() as con:
            trash.restore(con, item.id, target)
        return self.get(target)

    def empty_trash(self, older_than_days: float | None = None) -> list[str]:
        """Drop trashed datasets for good (all, or those older than ``older_than_days``); their names.

        Dropping a table leaves its rows (customers' purchases) in DuckDB's freed blocks, and the trash
        entry's report in PostgreSQL's dead tuples and old statistics, so the workspace is compacted
        after anything was dropped, as an erasure is (:meth:`~retail.data.backends.DuckDBBackend.compact`)."""
        with write_lock, self._connect() as con:
            names = trash.empty(con, older_than_days)
        if names:
            self.backend.compact(["trash", "datasets"])
        return names

    # -- preferences: settings a user chose for one dataset (e.g. the best recommender setting) --
    def save_preferences(self, dataset: str, scope: str, settings: dict[str, Any]) -> None:
        """Keep ``settings`` for ``dataset`` under ``scope`` (replacing what was there)."""
        self.get(dataset)
        with write_lock, self._connect() as con:
            con.execute("INSERT INTO preferences (dataset, scope, settings) VALUES (?, ?, ?) ON CONFLICT "
                        "(dataset, scope) DO UPDATE SET settings = excluded.settings",
                        [dataset, scope, json.dumps(settings, default=str)])

    def preferences(self, dataset: str, scope: str) -> dict[str, Any]:
        """The settings kept for ``dataset`` under ``scope`` (empty when there are none)."""
        with self._connect() as con:
            row = con.execute("SELECT settings FROM preferences WHERE dataset = ? AND scope = ?",
                              [dataset, scope]).fetchone()
        return json.loads(row[0]) if row else {}

    # -- runs (e.g. forecasts): settings, a summary and named result tables --------------------
    def save_run(self, kind: str, dataset: str, settings: dict[str, Any], summary: dict[str, Any],
                 tables: dict[str, pd.DataFrame]) -> RunInfo:
        """Store a result (all tables or none) and return its metadata."""
        with self.transaction() as con:
            run_id = self.write_run(con, kind, dataset, settings, summary, tables)
        return self.get_run(run_id)

    def write_run(self, con: Any, kind: str, dataset: str, settings: dict[str, Any], summary: dict[str, Any],
                  tables: dict[str, pd.DataFrame]) -> int:
        """:meth:`save_run` inside the caller's :meth:`transaction`; returns the run's id."""
        names = list(tables)
        bad = [n for n in names if not re.fullmatch(r"[a-z][a-z0-9_]{0,40}", n)]
        if bad:
            raise ValueError(f"Run table names must be lower-case identifiers; got {bad}.")
        run_id = con.execute("SELECT nextval('run_ids')").fetchone()[0]
        summary = summary | {"number": self._next_number(con, kind, dataset)}
        for name, frame in tables.items():
            self.backend.create_table(con, f"run_{run_id}_{name}", frame)
        con.execute(
            "INSERT INTO runs (id, kind, dataset, settings, summary, tables) VALUES (?, ?, ?, ?, ?, ?)",
            [run_id, kind, dataset, json.dumps(settings, default=str), json.dumps(summary, default=str),
             json.dumps(names)],
        )
        return int(run_id)

    @staticmethod
    def _next_number(con: Any, kind: str, dataset: str) -> int:
        """The run's number on its page: forecasts of a dataset count 1, 2, 3... whatever other pages saved."""
        taken = con.execute("SELECT summary FROM runs WHERE kind = ? AND dataset = ?", [kind, dataset]).fetchall()
        return 1 + max((int(json.loads(text or "{}").get("number") or 0) for (text,) in taken), default=0)

    def list_runs(self, kind: str | None = None, dataset: str | None = None) -> list[RunInfo]:
        """Stored runs, newest first."""
        sql, params = "SELECT * FROM runs WHERE 1=1", []
        if kind:
            sql, params = sql + " AND kind = ?", [*params, kind]
        if dataset:
            sql, params = sql + " AND dataset = ?", [*params, dataset]
        with self._connect() as con:
            rows = con.execute(sql + " ORDER BY id DESC", params).fetchall()
            columns = [d[0] for d in con.description]
        return [_run_info(dict(zip(columns, row, strict=True))) for row in rows]

    def get_run(self, run_id: int) -> RunInfo:
        with self._connect() as con:
            row = con.execute("SELECT * FROM runs WHERE id = ?", [int(run_id)]).fetchone()
            columns = [d[0] for d in con.description]
        if row is None:
            raise DatasetNotFound(f"There is no stored run {run_id}.")
        return _run_info(dict(zip(columns, row, strict=True)))

    def load_run_table(self, run_id: int, name: str) -> pd.DataFrame:
        info = self.get_run(run_id)
        if name not in info.tables:
            raise KeyError(f"Run {run_id} has no table {name!r}; it has {info.tables}.")
        with self._connect() as con:
            return self.backend.read(con, f"SELECT * FROM run_{info.id}_{name}")

    def load_run_tables(self, run: RunInfo, names: Sequence[str]) -> dict[str, pd.DataFrame]:
        """Several tables of one run (``run`` as :meth:`list_runs` gave it) over one connection: opening
        DuckDB costs about 30 ms of CPU, and scoring every saved forecast reads three tables of each."""
        missing = [name for name in names if name not in run.tables]
        if missing:
            raise KeyError(f"Run {run.id} has no table {missing[0]!r}; it has {run.tables}.")
        with self._connect() as con:
            return {name: self.backend.read(con, f"SELECT * FROM run_{int(run.id)}_{name}") for name in names}

    def delete_run(self, run_id: int) -> None:
        """Remove a saved run for good (a deleted run has no trash). A campaign list or campaign results
        hold customers' ids, in the run's tables and settings: the workspace is compacted afterwards, as
        when the trash is emptied, so that their bytes leave the files too."""
        info = self.get_run(run_id)
        with write_lock, self._connect() as con:
            con.begin()
            for name in info.tables:
                con.execute(f"DROP TABLE IF EXISTS run_{info.id}_{name}")
            con.execute("DELETE FROM runs WHERE id = ?", [info.id])
            con.commit()
        self.backend.compact(["runs"])

    @contextmanager
    def connection(self) -> Iterator[Any]:
        """A cursor for read-only SQL over dataset tables (e.g. aggregations)."""
        with self._connect() as con:
            yield con


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValueError("Give the dataset a name.")
    if len(name) > 100 or re.search(r"[\x00-\x1f]", name):
        raise ValueError("A dataset name must be at most 100 printable characters.")
    return name


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _run_info(row: dict[str, Any]) -> RunInfo:
    return RunInfo(id=int(row["id"]), kind=row["kind"], dataset=row["dataset"] or "",
                   settings=json.loads(row["settings"] or "{}"), summary=json.loads(row["summary"] or "{}"),
                   tables=json.loads(row["tables"] or "[]"), created_at=pd.Timestamp(row["created_at"]))


def _info(row: dict[str, Any]) -> DatasetInfo:
    return DatasetInfo(
        id=int(row["id"]), name=row["name"], source_file=row["source_file"] or "",
        mapping=json.loads(row["mapping"] or "{}"), report=json.loads(row["report"] or "{}"),
        rows=int(row["rows"] or 0),
        date_min=pd.Timestamp(row["date_min"]) if row["date_min"] else None,
        date_max=pd.Timestamp(row["date_max"]) if row["date_max"] else None,
        created_at=pd.Timestamp(row["created_at"]), is_sample=bool(row["is_sample"]),
    )
