"""Forecast value added (Gilliland): did each step of the forecasting process make the forecast better?

Once the sales of a forecast's periods have arrived, every forecast run of a dataset (its latest
version: the forecast that counted) is scored step by step, on the same forecasts:

1. the **naive** forecast: the registry's baseline (seasonal naive) fitted on the run's own history;
2. the **statistical** forecast: the run's best model;
3. the **adjusted** forecast: after the planners' changes (the statistical one where nobody changed it).

The error of each step is the WAPE (misses over what sold); the value a step added is how many
points of error it took away (positive: better, negative: worse). Each planner change is credited
with what it did itself (its value before and after, from the run's ``changes``), so the value
added per planner and per reason adds up to the adjustments' total. Tables: overall, per planner,
reason, category and horizon, and one plain sentence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from retail import frequency
from retail.analytics.aggregate import DATE, SERIES_ID, Y, build_panel
from retail.data import schema
from retail.data.workspace import Workspace
from retail.forecast.metrics import MODEL, STEP, YHAT
from retail.forecast.models import build_models
from retail.forecast.registry import BASELINE, FORECASTERS
from retail.forecast.result import RUN_KIND, STATISTICAL, ForecastResult
from retail.planning.registry import REASONS
from retail.planning.versions import root_of

NAIVE = "naive"
STEPS = (NAIVE, STATISTICAL, "adjusted")
GROUPS = ("overall", "planner", "reason", "category", "horizon")
TABLE_COLUMNS = ["group", "value", "forecasts", "actual", "naive_error", "statistical_error", "adjusted_error",
                 "statistical_value_added", "adjustment_value_added"]


def actuals(frame: pd.DataFrame, level: str, freq: str, target: str) -> pd.DataFrame:
    """The actual of every series and complete period (``series_id``, ``date``, ``y``), summed as a forecast
    run sums them. (The weekly cycle's tracking offers the same function; this one stands in until it lands.)"""
    panel, _ = build_panel(frame, level, freq, target, min_periods=1, absence_periods=0, exog=[])
    return panel[[SERIES_ID, DATE, Y]]


def naive_forecast(result: ForecastResult) -> pd.DataFrame:
    """The baseline model fitted on the run's own history, over the run's horizon (series_id, date, naive)."""
    baseline = FORECASTERS.first_tagged(BASELINE)
    settings = type(result.settings)(level=result.settings.level, freq=result.settings.freq,
                                     horizon=result.settings.horizon, models=(baseline,))
    history = result.history.assign(**{DATE: pd.to_datetime(result.history[DATE])})
    forecast = build_models(settings)[baseline].fit(history).predict(result.settings.horizon)
    return forecast.rename(columns={YHAT: NAIVE})


def run_cells(result: ForecastResult, truth: pd.DataFrame, run_id: int) -> pd.DataFrame:
    """One row per forecast of the run whose actual has arrived: naive, statistical, adjusted and y."""
    rows = result.forecasts[result.forecasts[MODEL] == result.best]
    rows = rows.assign(**{DATE: pd.to_datetime(rows[DATE])})
    statistical = rows[STATISTICAL] if STATISTICAL in rows else rows[YHAT]
    cells = pd.DataFrame({SERIES_ID: rows[SERIES_ID].to_numpy(), DATE: rows[DATE].to_numpy(),
                          STEP: rows[STEP].to_numpy(), STATISTICAL: statistical.to_numpy(),
                          "adjusted": rows[YHAT].to_numpy()})
    arrived = cells[cells[DATE] <= truth[DATE].max()] if len(truth) else cells.iloc[:0]
    if arrived.empty:
        return arrived.assign(naive=[], y=[], run_id=[])
    cells = arrived.merge(naive_forecast(result), on=[SERIES_ID, DATE], how="left")
    cells = cells.merge(truth, on=[SERIES_ID, DATE], how="left").fillna({Y: 0.0})  # nothing sold since the run
    return cells.assign(run_id=run_id)


def change_credits(result: ForecastResult, changes: pd.DataFrame, cells: pd.DataFrame) -> pd.DataFrame:
    """Each planner change on a forecast whose actual has arrived: who, why, and the error it took away."""
    if changes.empty or result.adjustments.empty:
        return pd.DataFrame(columns=["run_id", "by", "reason", SERIES_ID, DATE, "before", "after", Y, "gain"])
    log = result.adjustments[["number", "by", "reason"]]
    credited = changes.assign(**{DATE: pd.to_datetime(changes[DATE])}).merge(log, on="number", how="left")
    credited = credited.merge(cells[[SERIES_ID, DATE, Y, "run_id"]], on=[SERIES_ID, DATE], how="inner")
    return credited.assign(gain=(credited[Y] - credited["before"]).abs() - (credited[Y] - credited["after"]).abs())


def _error(rows: pd.DataFrame, column: str) -> float:
    actual = rows[Y].abs().sum()
    return float((rows[Y] - rows[column]).abs().sum() / actual) if actual > 0 else float("nan")


def _stairs(rows: pd.DataFrame, group: str, value: str) -> dict[str, Any]:
    """One row of the table: each step's error on ``rows`` and the points each step took away."""
    naive, statistical, adjusted = (_error(rows, column) for column in STEPS)
    return {"group": group, "value": value, "forecasts": len(rows), "actual": float(rows[Y].sum()),
            "naive_error": naive, "statistical_error": statistical, "adjusted_error": adjusted,
            "statistical_value_added": (naive - statistical) * 100, "adjustment_value_added": (statistical - adjusted) * 100}


def _credited(cells: pd.DataFrame, credits: pd.DataFrame, group: str, column: str,
              label: Any = str) -> list[dict[str, Any]]:
    """Rows per planner (or reason): the forecasts they changed, and the error their changes took away."""
    keys = ["run_id", SERIES_ID, DATE]
    rows = []
    for value, part in credits.groupby(column, sort=True):
        touched = cells.merge(part[keys].drop_duplicates(), on=keys, how="inner")
        row = _stairs(touched, group, label(value))
        actual = touched[Y].abs().sum()
        row["adjustment_value_added"] = float(part["gain"].sum() / actual * 100) if actual > 0 else float("nan")
        row["adjusted_error"] = row["statistical_error"] - row["adjustment_value_added"] / 100
        rows.append(row)
    return rows


def fva_table(cells: pd.DataFrame, credits: pd.DataFrame, freq: str) -> pd.DataFrame:
    """Gilliland's table: overall (and on the forecasts planners changed), per planner, reason, category, horizon."""
    rows = [_stairs(cells, "overall", "all forecasts")]
    keys = ["run_id", SERIES_ID, DATE]
    if len(credits):
        touched = cells.merge(credits[keys].drop_duplicates(), on=keys, how="inner")
        rows.append(_stairs(touched, "overall", "forecasts planners changed"))
    rows += _credited(cells, credits, "planner", "by")
    rows += _credited(cells, credits, "reason", "reason", lambda name: REASONS.get(name, name))
    if "category" in cells and cells["category"].notna().any():
        rows += [_stairs(part, "category", str(value)) for value, part in cells.groupby("category", sort=True)]
    period = frequency.get(freq).period
    rows += [_stairs(part, "horizon", f"{int(step)} {period}{'s' * (int(step) != 1)} ahead")
             for step, part in cells.groupby(STEP, sort=True)]
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def _points(value: float) -> str:
    """``4 points``, ``1 point``, ``0.4 points``."""
    number = f"{abs(value):.0f}" if abs(value) >= 1 else f"{abs(value):.1f}"
    return f"{number} point{'' if number == '1' else 's'}"


def sentence(table: pd.DataFrame) -> str:
    """The table in plain words: what the adjustments did (and per reason), and the model against naive."""
    if table.empty or table["forecasts"].iat[0] == 0:
        return ("No forecast has its actual sales yet: once the weeks a forecast run covers are in the dataset "
                "(add the new sales on the Data page), each step's value is measured here.")
    overall = table.iloc[0]
    model = (f"The statistical forecast was {_points(overall['statistical_value_added'])} "
             f"{'better' if overall['statistical_value_added'] >= 0 else 'worse'} than the naive forecast "
             f"({overall['statistical_error']:.0%} error against {overall['naive_error']:.0%}).")
    changed = table[(table["group"] == "overall") & (table["value"] == "forecasts planners changed")]
    if changed.empty:
        return "No planner has changed a forecast whose sales have arrived yet. " + model
    row = changed.iloc[0]
    added = row["adjustment_value_added"]
    text = (f"Adjustments made the forecasts they changed {'better' if added >= 0 else 'worse'} by "
            f"{_points(added)} on average ({row['adjusted_error']:.0%} error instead of "
            f"{row['statistical_error']:.0%})")
    reasons = table[table["group"] == "reason"].sort_values("adjustment_value_added", ascending=False)
    if len(reasons):
        text += "; " + ", ".join(f"{r['value']} {'helped' if r['adjustment_value_added'] >= 0 else 'did not'} "
                                 f"({r['adjustment_value_added']:+.0f})" for r in reasons.to_dict("records"))
    return f"{text}. {model}"


@dataclass
class ValueAdded:
    """Forecast value added of a dataset's runs: the table, the sentence, and the scored forecasts."""

    table: pd.DataFrame
    sentence: str
    runs: list[int] = field(default_factory=list)
    cells: pd.DataFrame = field(default_factory=pd.DataFrame)
    credits: pd.DataFrame = field(default_factory=pd.DataFrame)

    def summary_dict(self) -> dict[str, Any]:
        """The command line's JSON: the sentence, the runs scored, and the table grouped."""
        def clean(row: dict[str, Any]) -> dict[str, Any]:
            return {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items() if k != "group"}

        return {"sentence": self.sentence, "runs": self.runs, "forecasts": int(len(self.cells)),
                **{group: [clean(r) for r in self.table[self.table["group"] == group].to_dict("records")]
                   for group in GROUPS}}


def latest_versions(workspace: Workspace, dataset: str) -> list[int]:
    """Per forecast run (lineage of versions), the id of its latest version: the forecast that counted."""
    latest: dict[int, tuple[int, int]] = {}
    for info in workspace.list_runs(RUN_KIND, dataset):
        version = int(info.settings.get("version") or 1)
        root = root_of(info)
        if root not in latest or version > latest[root][0]:
            latest[root] = (version, info.id)
    return sorted(run_id for _, run_id in latest.values())


def _categories(frame: pd.DataFrame, result: ForecastResult) -> pd.Series | None:
    """Each series' category (when the data has categories and the run is per product or category)."""
    if schema.CATEGORY not in frame or frame[schema.CATEGORY].isna().all():
        return None
    level = result.settings.level
    if level == "category":
        return pd.Series(result.series_info[SERIES_ID].to_numpy(), index=result.series_info[SERIES_ID].to_numpy())
    if level not in ("product", "product_store") or schema.PRODUCT_ID not in result.series_info:
        return None
    of_product = frame.dropna(subset=[schema.PRODUCT_ID]).groupby(schema.PRODUCT_ID)[schema.CATEGORY].first()
    info = result.series_info
    return pd.Series(info[schema.PRODUCT_ID].astype(str).map(of_product.rename(index=str)).to_numpy(),
                     index=info[SERIES_ID].to_numpy())


def forecast_value_added(workspace: Workspace, dataset: str, frame: pd.DataFrame) -> ValueAdded:
    """FVA of every forecast run of ``dataset`` whose actuals (in ``frame``, the dataset's rows now) have arrived."""
    from retail.forecast.result import load_run

    truths: dict[tuple[str, str, str], pd.DataFrame] = {}
    cells, credits, used = [], [], []
    for run_id in latest_versions(workspace, dataset):
        result = load_run(workspace, run_id)
        key = (result.settings.level, result.settings.freq, result.settings.target)
        if key not in truths:
            truths[key] = actuals(frame, *key)
        history_end = pd.to_datetime(result.history[DATE]).max()
        scored = run_cells(result, truths[key][truths[key][DATE] > history_end], run_id)
        if scored.empty:
            continue
        categories = _categories(frame, result)
        scored["category"] = scored[SERIES_ID].map(categories) if categories is not None else None
        changes = (workspace.load_run_table(run_id, "changes") if "changes" in workspace.get_run(run_id).tables
                   else pd.DataFrame())
        cells.append(scored)
        credits.append(change_credits(result, changes, scored))
        used.append(run_id)
        freq = result.settings.freq
    if not cells:
        return ValueAdded(pd.DataFrame(columns=TABLE_COLUMNS), sentence(pd.DataFrame()))
    cells_frame = pd.concat(cells, ignore_index=True)
    credits_frame = pd.concat([c for c in credits if len(c)], ignore_index=True) if any(len(c) for c in credits) \
        else credits[0]
    table = fva_table(cells_frame, credits_frame, freq)
    return ValueAdded(table, sentence(table), used, cells_frame, credits_frame)
