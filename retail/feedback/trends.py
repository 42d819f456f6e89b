"""Topics over time: messages per topic per period, and the topics that are rising.

A topic is *rising* when its share of the latest complete period's messages is above its share of
the trailing periods by more than chance allows: a one-sided binomial test of the latest count
against the trailing share, with Holm's correction for testing every topic at once. A raw ratio
would flag 2 messages against 1 as "doubled".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import binomtest

from retail.data import schema

PERIODS = {"D": "day", "W": "week", "M": "month"}


def choose_period(dates: pd.Series) -> str:
    """'D', 'W' or 'M': enough periods to see a trend (a week once the messages span two months)."""
    present = dates.dropna()
    span = (present.max() - present.min()).days if len(present) else 0
    return "M" if span > 540 else "W" if span > 56 else "D"


def _period_start(dates: pd.Series, freq: str) -> pd.Series:
    return dates.dt.to_period(freq).dt.start_time


def topic_volume(frame: pd.DataFrame, topics: np.ndarray, names: dict[int, str], freq: str) -> pd.DataFrame:
    """Messages per period and topic (long: period, topic, topic_name, messages, share)."""
    dated = pd.DataFrame({"period": _period_start(frame[schema.DATE], freq), "topic": topics}).dropna()
    counts = dated.groupby(["period", "topic"]).size().rename("messages").reset_index()
    totals = counts.groupby("period")["messages"].transform("sum")
    counts["share"] = counts["messages"] / totals
    counts["topic_name"] = counts["topic"].map(names)
    return counts[["period", "topic", "topic_name", "messages", "share"]]


def rising_topics(volume: pd.DataFrame, trailing: int = 4, alpha: float = 0.05) -> pd.DataFrame:
    """Each topic's latest-period count against its trailing share; ``rising`` where significant.

    The latest period is the last one in ``volume``: call it on complete periods only.
    """
    columns = ["topic", "topic_name", "latest", "latest_share", "trailing_share", "topic_p_value", "rising"]
    periods = np.sort(volume["period"].unique())
    if len(periods) < 2:
        return pd.DataFrame(columns=columns)
    latest, before = periods[-1], periods[-1 - trailing:-1]
    now = volume[volume["period"] == latest].set_index("topic")["messages"]
    past = volume[volume["period"].isin(before)].groupby("topic")["messages"].sum()
    table = pd.DataFrame({"latest": now, "trailing": past}).fillna(0)
    n_now, n_past = table["latest"].sum(), table["trailing"].sum()
    table["latest_share"] = table["latest"] / max(n_now, 1)
    table["trailing_share"] = (table["trailing"] + 0.5) / (n_past + 0.5 * len(table))  # never a zero share
    table["topic_p_value"] = [binomtest(int(k), int(n_now), min(p, 1.0), alternative="greater").pvalue
                        for k, p in zip(table["latest"], table["trailing_share"], strict=True)]
    table["topic_p_value"] = _holm(table["topic_p_value"].to_numpy())
    table["rising"] = (table["topic_p_value"] < alpha) & (table["latest_share"] > table["trailing_share"])
    names = volume.drop_duplicates("topic").set_index("topic")["topic_name"]
    table = table.assign(topic_name=names.reindex(table.index).to_numpy()).rename_axis("topic").reset_index()
    return table[columns].sort_values(["rising", "topic_p_value"], ascending=[False, True]).reset_index(drop=True)


def _holm(p_values: np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment: p-values that stay valid when many topics are tested at once."""
    order = np.argsort(p_values)
    adjusted = np.maximum.accumulate((len(p_values) - np.arange(len(p_values))) * p_values[order])
    out = np.empty_like(p_values)
    out[order] = np.minimum(adjusted, 1.0)
    return out


def complete_periods(frame: pd.DataFrame, freq: str) -> pd.DataFrame:
    """``frame`` without its last period when that period is not over yet (its counts would look low)."""
    dates = frame[schema.DATE]
    if dates.notna().sum() == 0:
        return frame
    last = dates.max()
    period = last.to_period(freq)
    if last.normalize() < period.end_time.normalize():
        return frame[_period_start(dates, freq) < period.start_time]
    return frame
