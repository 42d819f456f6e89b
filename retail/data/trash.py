"""The workspace's trash: a deleted or replaced dataset is kept for a number of days, restorable.

Deleting a dataset does not drop its rows: its metadata moves from ``datasets`` to ``trash`` and
its table ``ds_<id>`` stays (dataset ids come from one sequence, so a new dataset never takes a
trashed one's table). Entries older than :func:`trash_days` are emptied the next time the trash
is listed; emptying it before that is an admin's action (see :mod:`retail.access`). The
functions take a cursor of :class:`~retail.data.workspace.Workspace` (which calls them) and use
the ``?`` placeholders both backends take.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

DEFAULT_TRASH_DAYS = 30
DATASET_COLUMNS = ("id", "name", "source_file", "mapping", "report", "rows", "date_min", "date_max",
                   "created_at", "is_sample")

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS trash (
    id INTEGER PRIMARY KEY,
    name VARCHAR NOT NULL,
    source_file VARCHAR,
    mapping {json},
    report {json},
    rows BIGINT,
    date_min TIMESTAMP,
    date_max TIMESTAMP,
    created_at TIMESTAMP,
    is_sample BOOLEAN,
    preferences {json},
    deleted_at TIMESTAMP NOT NULL,
    deleted_by VARCHAR,
    reason VARCHAR
)
"""


def trash_days() -> int:
    """How many days a deleted dataset is kept: ``$RETAIL_TRASH_DAYS`` (default 30)."""
    text = os.environ.get("RETAIL_TRASH_DAYS", "").strip()
    try:
        days = int(text) if text else DEFAULT_TRASH_DAYS
    except ValueError as exc:
        raise ValueError(f"RETAIL_TRASH_DAYS must be a whole number of days; got {text!r}.") from exc
    if days < 0:
        raise ValueError(f"RETAIL_TRASH_DAYS must be 0 or more; got {days}.")
    return days


def now() -> pd.Timestamp:
    """The time stamps of the trash and the audit log: UTC, without a zone (both backends' TIMESTAMP)."""
    return pd.Timestamp.now(tz="UTC").tz_localize(None).floor("us")


@dataclass(frozen=True)
class TrashItem:
    """A dataset in the trash: what it was, when and by whom it was removed, and until when it is kept."""

    info: Any  # the dataset's DatasetInfo (retail.data.workspace imports this module)
    deleted_at: pd.Timestamp
    deleted_by: str
    reason: str
    expires: pd.Timestamp

    @property
    def id(self) -> int:
        return self.info.id

    @property
    def name(self) -> str:
        return self.info.name


def move_to_trash(con: Any, dataset_id: int, by: str, reason: str, keep_preferences: bool) -> None:
    """Move dataset ``dataset_id``'s metadata (and, on a deletion, its preferences) to the trash,
    inside the caller's transaction; its rows stay in their table."""
    columns = ", ".join(DATASET_COLUMNS)
    name = con.execute("SELECT name FROM datasets WHERE id = ?", [dataset_id]).fetchone()[0]
    preferences = {}
    if keep_preferences:
        rows = con.execute("SELECT scope, settings FROM preferences WHERE dataset = ?", [name]).fetchall()
        preferences = {scope: json.loads(settings or "{}") for scope, settings in rows}
        con.execute("DELETE FROM preferences WHERE dataset = ?", [name])
    con.execute(f"INSERT INTO trash ({columns}, preferences, deleted_at, deleted_by, reason) "
                f"SELECT {columns}, ?, ?, ?, ? FROM datasets WHERE id = ?",
                [json.dumps(preferences), now(), by or "local user", reason, dataset_id])
    con.execute("DELETE FROM datasets WHERE id = ?", [dataset_id])


def items(con: Any, to_info: Callable[[dict[str, Any]], Any]) -> list[TrashItem]:
    """The trash, most recently deleted first (``to_info`` turns a row into a dataset's metadata)."""
    rows = con.execute("SELECT * FROM trash ORDER BY deleted_at DESC, id DESC").fetchall()
    columns = [d[0] for d in con.description]
    return [_item(dict(zip(columns, row, strict=True)), to_info) for row in rows]


def find(found: list[TrashItem], name: str, trash_id: int | None = None) -> TrashItem:
    """The latest trashed dataset called ``name`` (or the entry ``trash_id``) among ``found``."""
    chosen = [item for item in found
              if (trash_id is None or item.id == int(trash_id)) and (not name or item.name == name)]
    if not chosen:
        raise ValueError(f"There is no dataset {name or trash_id!r} in the trash; `python -m retail trash` lists it.")
    return chosen[0]


def restore(con: Any, trash_id: int, target: str) -> None:
    """Put trash entry ``trash_id`` back as dataset ``target`` with its preferences, in one transaction."""
    if con.execute("SELECT 1 FROM datasets WHERE name = ?", [target]).fetchone():
        raise ValueError(f"A dataset named {target!r} exists already; restore this one under another name.")
    columns = ", ".join(c for c in DATASET_COLUMNS if c != "name")
    con.begin()
    try:
        con.execute(f"INSERT INTO datasets (name, {columns}) SELECT ?, {columns} FROM trash WHERE id = ?",
                    [target, trash_id])
        row = con.execute("SELECT preferences FROM trash WHERE id = ?", [trash_id]).fetchone()
        for scope, settings in json.loads(row[0] or "{}").items():
            con.execute("INSERT INTO preferences (dataset, scope, settings) VALUES (?, ?, ?) ON CONFLICT "
                        "(dataset, scope) DO NOTHING", [target, scope, json.dumps(settings)])
        con.execute("DELETE FROM trash WHERE id = ?", [trash_id])
        con.commit()
    except Exception:
        con.rollback()
        raise


def empty(con: Any, older_than_days: float | None = None) -> list[str]:
    """Drop trashed datasets for good (all, or those deleted more than ``older_than_days`` ago);
    returns their names."""
    sql, params = "SELECT id, name FROM trash", []
    if older_than_days is not None:
        sql, params = sql + " WHERE deleted_at < ?", [now() - pd.Timedelta(days=older_than_days)]
    doomed = con.execute(sql, params).fetchall()
    if not doomed:
        return []
    con.begin()
    try:
        for dataset_id, _ in doomed:
            con.execute(f"DROP TABLE IF EXISTS ds_{int(dataset_id)}")
            con.execute("DELETE FROM trash WHERE id = ?", [dataset_id])
        con.commit()
    except Exception:
        con.rollback()
        raise
    return [name for _, name in doomed]


def _item(row: dict[str, Any], to_info: Callable[[dict[str, Any]], Any]) -> TrashItem:
    deleted_at = pd.Timestamp(row["deleted_at"])
    return TrashItem(info=to_info(row), deleted_at=deleted_at, deleted_by=row["deleted_by"] or "",
                     reason=row["reason"] or "", expires=deleted_at + pd.Timedelta(days=trash_days()))
