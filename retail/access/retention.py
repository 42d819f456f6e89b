"""Retention: line-item detail older than N months is rolled up on request.

Rows dated before the cut-off lose what ties them to a person or a basket (customer, order): they
become one row per day, product, store and line type with the units and sales value summed. Totals
per product and day, and so forecasts, stay as they were; customer analyses only see the recent
months. Extra columns of the file (promotions, say) keep their first value of the day.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from retail.data import schema
from retail.data.trash import now
from retail.data.workspace import Workspace, _write_lock

DETAIL = (schema.CUSTOMER_ID, schema.ORDER_ID)
KEYS = [schema.DATE, schema.PRODUCT_ID, schema.STORE_ID, schema.LINE_TYPE]


@dataclass(frozen=True)
class Retained:
    """What one dataset kept: rows rolled up (before) into how many day totals (after)."""

    dataset: str
    rows_before: int
    rows_after: int


def cutoff(months: int, as_of: pd.Timestamp | None = None) -> pd.Timestamp:
    """The first day kept in detail: ``months`` calendar months before ``as_of`` (default today)."""
    if int(months) < 1:
        raise ValueError(f"Keep at least 1 month of detail; got {months}.")
    day = pd.Timestamp(as_of if as_of is not None else now()).normalize()
    return day - pd.DateOffset(months=int(months))


def roll_up(old: pd.DataFrame) -> pd.DataFrame:
    """``old`` line items as day totals: no customer or order, units and sales value summed, the
    unit price the sales value over the units (the mean price where the units sum to zero)."""
    frame = old.assign(**{schema.DATE: old[schema.DATE].dt.normalize()})
    keys = [k for k in KEYS if k in frame.columns]
    # Missing keys (no store, say) form their own group instead of being dropped.
    labels = [frame[k].astype(object).where(frame[k].notna(), _MISSING).rename(k) for k in keys]
    groups = frame.groupby(labels, sort=False)
    summed = groups[[schema.QUANTITY, schema.REVENUE]].sum(min_count=1)
    rest = [c for c in frame.columns if c not in [*keys, schema.QUANTITY, schema.REVENUE, *DETAIL]]
    out = pd.concat([summed, groups[rest].first()], axis=1).reset_index()
    for key in keys:
        out[key] = out[key].where(out[key] != _MISSING, None)
    price = out[schema.REVENUE] / out[schema.QUANTITY].where(out[schema.QUANTITY] != 0)
    out[schema.UNIT_PRICE] = price.fillna(groups[schema.UNIT_PRICE].mean().reset_index(drop=True))
    for column in DETAIL:
        out[column] = None
    out[schema.DATE] = pd.to_datetime(out[schema.DATE]).astype(old[schema.DATE].dtype)
    return out[list(old.columns)]


_MISSING = "\0missing"


def apply_retention(workspace: Workspace, months: int, as_of: pd.Timestamp | None = None) -> list[Retained]:
    """Roll up every dataset's line items dated before :func:`cutoff` (datasets with customers or
    orders only); returns what changed, one entry per dataset."""
    first_kept = cutoff(months, as_of)
    done, tables = [], []
    for info in workspace.list_datasets():
        if not any(info.has(field) for field in DETAIL):
            continue
        with workspace.connection() as con:
            old = workspace.backend.read(con, f"SELECT * FROM {info.table} WHERE date < ?", [first_kept])
        if old.empty:
            continue
        old[schema.DATE] = old[schema.DATE].astype("datetime64[ns]")
        rolled = roll_up(old)
        _replace_old_rows(workspace, info.table, info.id, first_kept, rolled)
        done.append(Retained(info.name, len(old), len(rolled)))
        tables.append(info.table)
    if tables:  # the rolled-up rows' customers and orders leave the database files too
        workspace.backend.compact([*tables, "datasets"])
    return done


def _replace_old_rows(workspace: Workspace, table: str, dataset_id: int, first_kept: pd.Timestamp,
                      rolled: pd.DataFrame) -> None:
    """Swap the rows before ``first_kept`` for ``rolled`` and update the dataset's counts, in one transaction."""
    with _write_lock, workspace.connection() as con:
        con.begin()
        try:
            con.execute(f"DELETE FROM {table} WHERE date < ?", [first_kept])
            workspace.backend.create_table(con, f"{table}_rollup", rolled)
            con.execute(f"INSERT INTO {table} SELECT * FROM {table}_rollup")
            con.execute(f"DROP TABLE {table}_rollup")
            count, first, last = con.execute(f"SELECT count(*), min(date), max(date) FROM {table}").fetchone()
            con.execute("UPDATE datasets SET rows = ?, date_min = ?, date_max = ? WHERE id = ?",
                        [count, first, last, dataset_id])
            con.commit()
        except Exception:
            con.rollback()
            raise
