"""Where new sales come from: a file, or a query on the shop's own PostgreSQL database.

Both give a :class:`~retail.data.raw.RawTable`, so the same mapping, validation and append rules
apply. A query's connection string is read from an environment variable when the query runs and
is never kept: the dataset keeps the query, the variable's *name* and the days to re-check
(:func:`keep_query` / :func:`kept_query`), and every message and audit entry names the variable,
not its value. Only the days after the dataset's last day (minus the days to re-check, which are
fetched again and replace what is there) are asked for, unless ``since`` says otherwise.
"""

from __future__ import annotations

import os
import re
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from retail.data.raw import RawTable, require_rows
from retail.data.readers import read_table
from retail.planning.registry import DEFAULT_RECHECK_DAYS, DEFAULT_URL_ENV

SOURCE_SCOPE = "sales source"  # preference scope: the dataset's kept query (never a connection string)
CONNECT_SECONDS = 15


def read_file(source: str | Path | bytes, name: str | None = None, sheet: str | None = None) -> RawTable:
    """A sales file (path, or bytes with their file name), read as an import reads it."""
    return read_table(source, name=name, sheet=sheet)


@dataclass(frozen=True)
class QuerySource:
    """A SQL query on a PostgreSQL database whose address is in the environment variable ``url_env``.

    Parameters
    ----------
    query : one SELECT statement; its columns are matched like a file's.
    url_env : the name of the variable holding ``postgresql://user:password@host:port/database``.
    recheck_days : the last days of the dataset fetched again (late corrections replace them).
    """

    query: str
    url_env: str = DEFAULT_URL_ENV
    recheck_days: int = DEFAULT_RECHECK_DAYS

    def __post_init__(self) -> None:
        query = self.query.strip().rstrip(";").strip()
        if not re.match(r"(?is)^(select|with)\b", query):
            raise ValueError("The sales query must be one SELECT statement (it may start with WITH).")
        if ";" in query:
            raise ValueError("The sales query must be a single statement: remove the semicolons inside it.")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", self.url_env):
            raise ValueError(f"{self.url_env!r} is not an environment variable name (letters, digits, underscores).")
        if not isinstance(self.recheck_days, int) or not 0 <= self.recheck_days <= 366:
            raise ValueError(f"The days to re-check must be a whole number from 0 to 366; got {self.recheck_days!r}.")
        object.__setattr__(self, "query", query)

    @property
    def name(self) -> str:
        """How the source is named in reports and the audit log (the variable, never its value)."""
        return f"the sales query on ${self.url_env}"

    def since(self, last_day: pd.Timestamp | None) -> pd.Timestamp | None:
        """The first day to ask for: the day after ``last_day``, less the days to re-check."""
        if last_day is None:
            return None
        return pd.Timestamp(last_day).normalize() + pd.Timedelta(days=1 - self.recheck_days)

    def read(self, date_column: str | None, since: pd.Timestamp | None = None) -> RawTable:
        """The query's rows (from ``since`` on, by ``date_column``, when given) as a raw table."""
        url = os.environ.get(self.url_env, "").strip()
        if not url:
            raise ValueError(f"Set the environment variable {self.url_env} to the sales database's address "
                             "(postgresql://user:password@host:port/database); it is read when the query runs "
                             "and never saved.")
        frame = _fetch(url, self.query, date_column, since, self.name)
        require_rows(frame, self.name + (f" from {since:%Y-%m-%d}" if since is not None else ""))
        return RawTable(frame=frame, source_name=self.name, file_format="PostgreSQL query")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _fetch(url: str, query: str, date_column: str | None, since: pd.Timestamp | None, name: str) -> pd.DataFrame:
    """Run the query read-only; errors become one plain line without the connection string."""
    import psycopg

    sql, params = f"SELECT * FROM ({query}) AS sales", []
    if since is not None and date_column:
        sql, params = sql + f' WHERE "{date_column.replace(chr(34), chr(34) * 2)}" >= %s', [since.to_pydatetime()]
    try:
        with psycopg.connect(url, connect_timeout=CONNECT_SECONDS) as connection:
            connection.read_only = True
            cursor = connection.execute(sql, params)
            columns = [d.name for d in cursor.description]
            rows = cursor.fetchall()
    except psycopg.Error as exc:
        reason = _scrub(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__, url)
        if date_column and since is not None and "does not exist" in reason and date_column in reason:
            reason += f" (the dataset's date column is '{date_column}': name it so in the query's SELECT)"
        raise ValueError(f"Could not read {name}: {reason}.") from None
    return _typed(pd.DataFrame.from_records(rows, columns=columns))


def _scrub(text: str, url: str) -> str:
    """``text`` without the connection string or its password (a driver may echo either)."""
    password = re.search(r"://[^:/@]*:([^@]*)@", url)
    for secret in filter(None, (url, password.group(1) if password else None)):
        text = text.replace(secret, "***")
    return text


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Database values as a file reader gives them: exact decimals as numbers, dates as timestamps
    (a time zone's local time kept, as an import keeps a file's)."""
    for column in frame.columns:
        present = frame[column].dropna()
        if present.empty or frame[column].dtype != object:
            continue
        first = present.iloc[0]
        if isinstance(first, Decimal):
            frame[column] = pd.to_numeric(frame[column].map(lambda v: None if v is None else float(v)))
        elif hasattr(first, "year") and hasattr(first, "month"):
            frame[column] = pd.to_datetime(frame[column].map(_wall_time))
    return frame


def _wall_time(value: Any) -> Any:
    """A zoned time as the clock on the wall showed it (the zone dropped), so a sale stays on its day."""
    return value.replace(tzinfo=None) if getattr(value, "tzinfo", None) is not None else value


def keep_query(workspace: Any, dataset: str, source: QuerySource) -> None:
    """Keep ``source`` with the dataset for unattended refreshes (the variable's name, not its value)."""
    workspace.save_preferences(dataset, SOURCE_SCOPE, source.to_dict())


def kept_query(workspace: Any, dataset: str) -> QuerySource | None:
    """The query kept with ``dataset``, if any."""
    kept = workspace.preferences(dataset, SOURCE_SCOPE)
    return QuerySource(**kept) if kept.get("query") else None
