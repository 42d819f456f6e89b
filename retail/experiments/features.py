"""Customer facts for a campaign: from the sales data (RFM, segment, categories bought, all as of
the send date) joined by customer id, or from the campaign file itself; and the numeric design
matrix the models and the contextual policies learn from.

Facts from the sales data come through the customers domain's public functions
(:func:`~retail.customers.history.build_history`, :func:`~retail.customers.segments.rfm`) and use
only purchases *before* the send date: a purchase the mailing caused must not describe the
customer it was sent to.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from retail.customers.history import build_history
from retail.customers.registry import SEGMENT_LABELS
from retail.customers.segments import rfm
from retail.data import schema
from retail.experiments.results import CampaignData

MAX_LEVELS = 20  # one-hot columns per text fact: the most frequent values, the rest together
SKEWED = 1.0  # skewness above which a fact that is never negative is put on a log scale
TOP_CATEGORIES = 5
NO_HISTORY = "no purchase before"
SEGMENT_FACT = "customer segment"
FACTS = {"recency_days": "days since last purchase", "orders": "orders before", "monetary": "money spent before",
         "tenure_days": "days since first purchase", "average_order_value": "average order value before"}


def facts_as_of(data: CampaignData, sales: pd.DataFrame) -> tuple[pd.Timestamp, str | None]:
    """The day facts are taken on: the first send date, else the day after the last sale (with a warning)."""
    if data.columns.send_date:
        return pd.Timestamp(data.frame[data.columns.send_date].min()).normalize(), None
    last = pd.Timestamp(sales[schema.DATE].max()).normalize() + pd.Timedelta(days=1)
    return last, ("The campaign file has no send date, so customer facts use every sale in the data, including "
                  "any the campaign itself caused; add a send date column for honest facts.")


def customer_facts(sales: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """RFM facts, the segment and the share of money per top category per customer, from the sale
    lines before ``as_of``; indexed by customer id (text)."""
    table = rfm(build_history(sales).before(as_of), as_of)
    facts = table[list(FACTS)].rename(columns=FACTS).astype(float)
    facts[SEGMENT_FACT] = table["segment"].map(SEGMENT_LABELS)
    lines = schema.sales_only(sales)
    lines = lines[(lines[schema.DATE] < as_of) & lines[schema.CUSTOMER_ID].notna()]
    if schema.CATEGORY in lines and lines[schema.CATEGORY].notna().any() and lines[schema.REVENUE].notna().any():
        money = lines.groupby([lines[schema.CUSTOMER_ID].astype(str), schema.CATEGORY])[schema.REVENUE].sum()
        shares = money.unstack(fill_value=0.0)
        top = lines.groupby(schema.CATEGORY)[schema.REVENUE].sum().nlargest(TOP_CATEGORIES).index
        shares = shares[top].div(shares.sum(axis=1).replace(0.0, np.nan), axis=0).fillna(0.0)
        facts = facts.join(shares.rename(columns=lambda c: f"share of {c}"))
    return facts.rename_axis(schema.CUSTOMER_ID)


def add_customer_facts(data: CampaignData, sales: pd.DataFrame, dataset: str = "the sales data") -> CampaignData:
    """``data`` with the sales data's customer facts as of the send date, joined by customer id.

    Raises
    ------
    ValueError
        The campaign file has no customer column, or none of its customers is in the sales data.
    """
    if not data.columns.customer:
        raise ValueError("Customer facts from the sales data need a customer column in the campaign file.")
    as_of, warning = facts_as_of(data, sales)
    facts = customer_facts(sales, as_of)
    ids = data.frame[data.columns.customer].astype(str)
    found = ids.isin(facts.index)
    if not found.any():
        raise ValueError(f"None of the campaign's customer ids is a customer of {dataset} before "
                         f"{as_of:%d %b %Y} (e.g. {', '.join(ids.head(3))}); choose the dataset the campaign was "
                         "sent from.")
    facts = facts.reindex(ids.unique())
    facts[SEGMENT_FACT] = facts[SEGMENT_FACT].fillna(NO_HISTORY)
    note = (f"Customer facts from {dataset} as of {as_of:%d %b %Y}: {found.mean():.0%} of the campaign's customers "
            f"bought before; {', '.join(c for c in facts.columns)}.")
    joined = data.with_facts(facts, note)
    if warning:
        joined.notes.append(warning)
    if not data.columns.segment:
        from dataclasses import replace

        joined = replace(joined, columns=replace(joined.columns, segment=SEGMENT_FACT))
    return joined


class FeatureEncoder:
    """Customer facts as numbers: numeric facts as they are (missing: the median, plus a flag), a
    skewed fact that is never negative (money spent, orders) on a log scale, text facts one-hot over
    their most frequent values. Learned on one part, applied to any.

    Why the log: a customer's response moves with the *ratio* of what they spent, not the difference
    (200 against 100 is a step like 2,000 against 1,000), and a straight-line model on raw money is
    ruled by a few big spenders. On the development campaigns of both kinds
    (``benchmarks/bench_experiments.py --sweep``) two-model logistic regression's held-out Qini rose
    from 0.0500 to 0.0503 (segments) and from 0.0556 to 0.0582 (smooth effects); trees do not change.

    Parameters
    ----------
    features : the fact columns.
    max_levels : one-hot columns per text fact at most (the rarer values share none).
    log_skewed : put a fact on a log scale when it is never negative and its skewness exceeds
        :data:`SKEWED` on the part learned from; False: every numeric fact as it is.
    """

    def __init__(self, features: list[str] | tuple[str, ...], max_levels: int = MAX_LEVELS,
                 log_skewed: bool = True) -> None:
        self.features = list(features)
        self.max_levels = max_levels
        self.log_skewed = log_skewed

    def fit(self, frame: pd.DataFrame) -> FeatureEncoder:
        self.medians_: dict[str, float] = {}
        self.flags_: list[str] = []
        self.levels_: dict[str, list[str]] = {}
        self.logged_: list[str] = []
        for column in self.features:
            values = frame[column]
            if values.dtype.kind in "fiub":
                numbers = values.astype(float)
                self.medians_[column] = float(numbers.median()) if numbers.notna().any() else 0.0
                if numbers.isna().any():
                    self.flags_.append(column)
                if self.log_skewed and numbers.min() >= 0 and numbers.skew() > SKEWED:
                    self.logged_.append(column)
            else:
                self.levels_[column] = values.astype(str).value_counts().index[: self.max_levels].tolist()
        self.names_ = [*(f"{c} (log scale)" if c in self.logged_ else c for c in self.medians_),
                       *(f"{c} unknown" for c in self.flags_),
                       *(f"{c} = {level}" for c, levels in self.levels_.items() for level in levels)]
        return self

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        if not hasattr(self, "names_"):
            raise ValueError("Fit the encoder before transforming.")
        parts = [self._number(frame[c], c, median)[:, None] for c, median in self.medians_.items()]
        parts += [frame[c].isna().to_numpy(dtype=float)[:, None] for c in self.flags_]
        for column, levels in self.levels_.items():
            values = frame[column].astype(str).to_numpy()
            parts.append((values[:, None] == np.asarray(levels, dtype=object)[None, :]).astype(float))
        if not parts:
            return np.zeros((len(frame), 0))
        return np.hstack(parts)

    def _number(self, values: pd.Series, column: str, median: float) -> np.ndarray:
        numbers = values.astype(float).fillna(median).to_numpy()
        # clipped: a value below zero in a later part (never seen when learning) stays on the scale
        return np.log1p(np.maximum(numbers, 0.0)) if column in self.logged_ else numbers


def segment_codes(data: CampaignData) -> tuple[np.ndarray, list[str]]:
    """Each row's segment as a code, and the segment names (one "all customers" without a segment)."""
    if not data.columns.segment:
        return np.zeros(len(data.frame), dtype=np.intp), ["all customers"]
    codes, names = pd.factorize(data.frame[data.columns.segment].astype(str), sort=True)
    return codes.astype(np.intp), [str(n) for n in names]
