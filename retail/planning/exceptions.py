"""What needs attention this week: one detector per kind of exception (:data:`~retail.planning.registry.
EXCEPTIONS`), each a pure function of the :class:`Context` and its thresholds.

Every detector returns the rows of :data:`COLUMNS`: the series, the period concerned, a sentence
saying why (with the numbers), the actual and expected values, and ``impact``: what is at stake per
period in the forecast's unit, turned into sales value by :func:`rank` where a price is known, so
that different kinds of exception can be ranked on one scale.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from retail import frequency
from retail.analytics.aggregate import DATE, SERIES_ID, TARGETS, Y
from retail.forecast.intervals import bound_names
from retail.forecast.metrics import YHAT
from retail.formatting import plural
from retail.inventory.plan import stock_known
from retail.planning.registry import FORECAST_PAGE, OVERVIEW_PAGE, PLAN_PAGE
from retail.planning.tracking import BEST, RUN, SCALE

COLUMNS = ["kind", SERIES_ID, "name", "period", "actual", "expected", "impact", "why", "page", "run_id"]


@dataclass
class Context:
    """What the detectors read about one dataset (built by :func:`retail.planning.attention.context`).

    Attributes
    ----------
    panel : actuals of every series (``series_id``, ``date``, ``y``) per complete period, at the latest
        forecast's level, frequency and target.
    info : per series: ``name`` and ``unit_price`` (average price paid; NaN when unknown).
    scored : the scored rows of every saved run's recommended model (:func:`retail.planning.tracking.scored`).
    plan : the latest order plan (:mod:`retail.inventory.plan`), its run id and lead time in days.
    """

    panel: pd.DataFrame
    info: pd.DataFrame
    freq: str
    target: str
    scored: pd.DataFrame = field(default_factory=pd.DataFrame)
    latest_run: int | None = None
    plan: pd.DataFrame | None = None
    plan_run: int | None = None
    lead_days: int = 0

    @property
    def period(self) -> str:
        return frequency.get(self.freq).period

    @property
    def unit(self) -> str:
        return TARGETS[self.target].unit

    @property
    def last(self) -> pd.Timestamp | None:
        return self.panel[DATE].max() if len(self.panel) else None

    def wide(self) -> pd.DataFrame:
        """Series x periods of actuals (zero before a series' first sale)."""
        return self.panel.pivot(index=SERIES_ID, columns=DATE, values=Y).fillna(0.0)


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=COLUMNS)


def _rows(kind: str, found: pd.DataFrame, why: list[str], page: str, run_id: int | None) -> pd.DataFrame:
    if found.empty:
        return _empty()
    runs = found[RUN].to_numpy() if run_id is None and RUN in found else run_id
    return pd.DataFrame({"kind": kind, SERIES_ID: found[SERIES_ID].to_numpy(),
                         "name": found["name"].to_numpy() if "name" in found else None,
                         "period": found["period"].to_numpy(), "actual": found["actual"].to_numpy(dtype=float),
                         "expected": found["expected"].to_numpy(dtype=float),
                         "impact": found["impact"].to_numpy(dtype=float), "why": why, "page": page, "run_id": runs})


def _n(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 else f"{value:,.1f}"


def _latest_forecasts(context: Context) -> pd.DataFrame:
    """For every series and period, the most recent forecast made for it (the recommended model's)."""
    rows = context.scored
    if rows.empty:
        return rows
    rows = rows[rows[BEST]]
    return rows[rows.groupby([SERIES_ID, DATE])[RUN].transform("max") == rows[RUN]]


def outside_range(context: Context, coverage: int = 95, min_miss: float = 0.5, min_units: float = 5.0) -> pd.DataFrame:
    """Series whose latest period's actual fell outside the latest forecast's ``coverage``% range."""
    latest = _latest_forecasts(context)
    if latest.empty or context.last is None:
        return _empty()
    rows = latest[latest[DATE] == context.last]
    lo, hi = bound_names(coverage / 100)
    miss = (rows[Y] - rows[YHAT]).abs()
    outside = (rows[Y] < rows[lo]) | (rows[Y] > rows[hi])
    big = (miss >= min_miss * rows[YHAT]) & (np.maximum(rows[Y], rows[YHAT]) >= min_units)
    found = rows[outside & big].assign(period=lambda f: f[DATE], actual=lambda f: f[Y], expected=lambda f: f[YHAT],
                                       impact=miss[outside & big])
    why = [f"Sold {_n(r[Y])} {context.unit} in the {context.period} of {r[DATE]:%d %b %Y} against a forecast of "
           f"{_n(r[YHAT])} (its {coverage}% range: {_n(r[lo])} to {_n(r[hi])}, run {int(r[RUN])}): "
           + ("above the range: a promotion, a level shift, or rows counted twice?" if r[Y] > r[hi] else
              "below the range: a stock-out, a delisting, or sales missing from the data?")
           for r in found.to_dict("records")]
    return _rows("outside-range", found, why, FORECAST_PAGE, None)


def persistent_bias(context: Context, periods: int = 3, min_z: float = 1.0, min_share: float = 0.5,
                    min_units: float = 5.0) -> pd.DataFrame:
    """Series whose last ``periods`` forecast errors (each period's latest forecast) all have one sign and
    add up to at least ``min_z`` times the series' usual miss (its backtest's, over as many periods) and
    ``min_share`` of its sales: a level that moved, not the everyday ups and downs."""
    latest = _latest_forecasts(context)
    if latest.empty:
        return _empty()
    recent = latest[latest[DATE] > context.last - periods * frequency.get(context.freq).offset]
    error = recent[YHAT] - recent[Y]
    square = recent[SCALE] ** 2 if SCALE in recent else np.nan  # runs saved without a backtest have no scale
    sums = recent.assign(error=error, over=error > 0, under=error < 0, square=square).groupby(
        SERIES_ID).agg(n=(Y, "size"), actual=(Y, "sum"), expected=(YHAT, "sum"), error=("error", "sum"),
                       over=("over", "all"), under=("under", "all"), square=("square", "sum"), run=(RUN, "max"))
    base = np.maximum(sums["actual"], sums["expected"])
    usual = np.sqrt(sums["square"])
    z = sums["error"].abs() / usual.where(usual > 0)
    keep = ((sums["n"] == periods) & (sums["over"] | sums["under"]) & (sums["error"].abs() >= min_share * base)
            & ~(z < min_z) & (base / periods >= min_units))
    found = sums[keep].reset_index().assign(period=context.last, impact=lambda f: f["error"].abs() / periods,
                                           z=z[keep].to_numpy())
    found[RUN] = found["run"]
    why = [f"The forecast was {'above' if r['error'] > 0 else 'below'} the sales in each of the last {periods} "
           f"{context.period}s (forecast {_n(r['expected'])}, sold {_n(r['actual'])} {context.unit}"
           + (f", {r['z']:.1f} times its usual miss" if np.isfinite(r["z"]) else "") + "): the level has "
           f"{'dropped' if r['error'] > 0 else 'risen'} and the forecast has not caught up."
           for r in found.to_dict("records")]
    return _rows("bias", found, why, FORECAST_PAGE, None)


def stock_out(context: Context, margin_days: int = 0) -> pd.DataFrame:
    """Items whose stock on hand runs out before an order placed at the next review arrives."""
    plan = context.plan
    if plan is None or plan.empty:
        return _empty()
    plan = plan[stock_known(plan)]
    daily = plan["forecast"] / plan["cover_days"].clip(lower=1)
    until = context.lead_days + margin_days
    lasts = plan["on_hand"] / daily.where(daily > 0)
    short = daily * until - plan["on_hand"]
    keep = plan["on_hand"].notna() & (daily > 0) & (lasts < until)
    found = plan[keep].assign(period=plan["review_date"], actual=plan["on_hand"], expected=daily * until,
                              impact=short[keep], lasts=lasts[keep], daily=daily[keep])
    why = [f"{_n(r['on_hand'])} units on hand last about {r['lasts']:.0f} days at {_n(r['daily'])} a day; an order "
           f"placed at the review on {pd.Timestamp(r['period']):%d %b} arrives after {until} days: about "
           f"{_n(r['impact'])} units short." for r in found.to_dict("records")]
    return _rows("stock-out", found, why, PLAN_PAGE, context.plan_run)


def new_products(context: Context, max_periods: int = 4, min_units: float = 10.0) -> pd.DataFrame:
    """Series first sold within the latest ``max_periods`` periods and selling in the latest one: far
    too little history for a forecast run (which needs its backtest windows' worth)."""
    wide = context.wide()
    if wide.empty:
        return _empty()
    sold = wide.to_numpy() > 0
    first = np.where(sold.any(axis=1), sold.argmax(axis=1), wide.shape[1])
    age = wide.shape[1] - first
    mean = wide.sum(axis=1).to_numpy() / np.maximum(age, 1)
    keep = sold[:, -1] & (age <= max_periods) & (mean >= min_units)
    found = pd.DataFrame({SERIES_ID: wide.index[keep], "period": wide.columns[first[keep]], "actual": mean[keep],
                          "expected": np.nan, "impact": mean[keep], "age": age[keep]})
    why = [f"First sold in the {context.period} of {r['period']:%d %b %Y}: {r['age']} {context.period}"
           f"{'s' if r['age'] > 1 else ''} at about {_n(r['actual'])} {context.unit} a {context.period}, too little "
           "history to forecast; watch its stock by hand." for r in found.to_dict("records")]
    return _rows("new-product", found, why, OVERVIEW_PAGE, None)


def stopped_selling(context: Context, quiet_periods: int = 3, before_periods: int = 12,
                    min_share: float = 0.75, min_units: float = 10.0) -> pd.DataFrame:
    """Series without a sale in the latest ``quiet_periods`` that sold in most periods before them."""
    wide = context.wide()
    if wide.shape[1] < quiet_periods + before_periods:
        return _empty()
    values = wide.to_numpy()
    quiet = values[:, -quiet_periods:].sum(axis=1) == 0
    before = values[:, -(quiet_periods + before_periods):-quiet_periods]
    selling = (before > 0).mean(axis=1)
    mean = before.mean(axis=1)
    keep = quiet & (selling >= min_share) & (mean >= min_units)
    found = pd.DataFrame({SERIES_ID: wide.index[keep], "period": wide.columns[-quiet_periods], "actual": 0.0,
                          "expected": mean[keep], "impact": mean[keep], "share": selling[keep]})
    why = [f"No sale in the last {quiet_periods} {context.period}s after selling in {r['share']:.0%} of the "
           f"{before_periods} before (about {_n(r['expected'])} {context.unit} a {context.period}): out of stock, "
           "delisted, or missing from the data?" for r in found.to_dict("records")]
    return _rows("stopped", found, why, OVERVIEW_PAGE, None)


def movers(context: Context, periods: int = 4, min_change: float = 0.5, top: int = 10) -> pd.DataFrame:
    """The ``top`` largest changes of the latest ``periods`` against as many before them (in sales value
    where prices are known), among series that sold before both (new products have a kind of their own)."""
    wide = context.wide()
    if wide.shape[1] < 2 * periods + 1:
        return _empty()
    values = wide.to_numpy()
    recent, before = values[:, -periods:].mean(axis=1), values[:, -2 * periods:-periods].mean(axis=1)
    older = values[:, :-2 * periods].sum(axis=1) > 0
    change = recent - before
    relative = change / np.where(before > 0, before, np.nan)
    found = pd.DataFrame({SERIES_ID: wide.index, "period": wide.columns[-periods], "actual": recent,
                          "expected": before, "change": change, "relative": relative})
    found = found[older & (before > 0) & (np.abs(relative) >= min_change)]
    price = context.info.set_index(SERIES_ID)["unit_price"].reindex(found[SERIES_ID]).fillna(1.0).to_numpy()
    found = found.assign(impact=found["change"].abs(), order=found["change"].abs() * price)
    found = found.sort_values("order", ascending=False, kind="stable").head(top)
    why = [f"{'Up' if r['change'] > 0 else 'Down'} {abs(r['relative']):.0%} over the last {periods} {context.period}s "
           f"against the {periods} before ({_n(r['actual'])} against {_n(r['expected'])} {context.unit} a "
           f"{context.period})." for r in found.to_dict("records")]
    return _rows("movers", found, why, OVERVIEW_PAGE, None)


def rank(found: pd.DataFrame, context: Context, labels: dict[str, str]) -> pd.DataFrame:
    """All exceptions on one list, biggest first, one line per series: ``at_stake`` is ``impact`` in sales
    value per period where a price is known (units otherwise); ``what`` is the kind in words; a series
    flagged by several kinds keeps its biggest, and ``also`` names the others (its ``why`` says so too)."""
    if found.empty:
        return _empty().assign(rank=[], what=[], at_stake=[], also=[])
    info = context.info.set_index(SERIES_ID)
    price = info["unit_price"].reindex(found[SERIES_ID]).to_numpy(dtype=float) if context.target == "units" else 1.0
    at_stake = found["impact"].to_numpy(dtype=float) * np.where(np.isfinite(price), price, 1.0)
    names = info["name"].reindex(found[SERIES_ID]).to_numpy(dtype=object)
    names = np.where(pd.isna(names), found["name"].fillna(found[SERIES_ID]).to_numpy(dtype=object), names)
    out = found.assign(name=names, what=found["kind"].map(labels), at_stake=at_stake)
    out = out.sort_values("at_stake", ascending=False, kind="stable").reset_index(drop=True)
    others = out.groupby(SERIES_ID, sort=False)["what"].agg(lambda kinds: ", ".join(kinds.iloc[1:]))
    out = out.drop_duplicates(SERIES_ID).reset_index(drop=True)
    out["also"] = others.reindex(out[SERIES_ID]).to_numpy()
    out["why"] = np.where(out["also"] != "", out["why"] + " Also: " + out["also"] + ".", out["why"])
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out


NOUN_LABELS = {"new-product"}  # kinds whose label is a noun: "19 new products"; the others read as they are


def describe_counts(ranked: pd.DataFrame, labels: dict[str, str]) -> str:
    """'12 things need attention: 5 outside the forecast's range, 3 new products ...'."""
    if ranked.empty:
        return "Nothing needs attention this week."
    counts = ranked["kind"].value_counts()
    words = {kind: labels.get(kind, kind) for kind in counts.index}
    parts = [f"{count} {plural(words[kind], count) if kind in NOUN_LABELS else words[kind]}"
             for kind, count in counts.items()]
    return f"{len(ranked)} thing{'s' if len(ranked) != 1 else ''} need{'' if len(ranked) != 1 else 's'} " \
           f"attention: {', '.join(parts)}."


def as_records(ranked: pd.DataFrame) -> list[dict[str, Any]]:
    """The list as plain JSON values (the command line's ``--json``)."""
    keep = ["rank", "kind", "what", SERIES_ID, "name", "period", "actual", "expected", "at_stake", "why", "page",
            "run_id"]
    out = ranked[[c for c in keep if c in ranked]].copy()
    out["period"] = pd.to_datetime(out["period"]).dt.strftime("%Y-%m-%d")
    return [{k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in row.items()}
            for row in out.to_dict("records")]
