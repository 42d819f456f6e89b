"""Campaign lists: who to contact (segments, propensity band, expected value), what they are worth,
and which products to put in front of each of them (from the recommenders, with the reason).

Recommendations come through the recommend domain's public interface only: a registry entry
of :data:`~retail.recommend.registry.RECOMMENDERS`, :func:`~retail.recommend.interactions.build_interactions`
and a fitted recommender's ``recommend(customer, n, exclude_purchased, **settings)``. A campaign is
stored in the workspace as a run of kind ``campaign`` (its settings, headline and list).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from retail.customers.analysis import CustomerResult
from retail.customers.registry import SEGMENT_LABELS
from retail.data import schema
from retail.data.workspace import RunInfo, Workspace
from retail.progress import Progress, quiet
from retail.recommend.registry import DEFAULT as DEFAULT_RECOMMENDER
from retail.recommend.registry import RECOMMENDERS

RUN_KIND = "campaign"
MAX_PRODUCTS = 10
AUDIENCE_COLUMNS = ["customer_id", "segment", "propensity", "expected_purchases", "expected_spend",
                    "recency_days", "orders", "monetary"]


@dataclass(frozen=True)
class CampaignSettings:
    """Who is in the campaign and what they are offered.

    Parameters
    ----------
    name : what the campaign is called (its file and its entry in the workspace).
    segments : segment names (:data:`~retail.customers.registry.SEGMENTS`); empty: every segment.
    min_propensity, max_propensity : the band of purchase probability (0..1) to keep.
    min_value : keep customers expected to spend at least this much over the horizon.
    max_customers : keep only this many, highest expected spend first (None: all).
    products : recommended products per customer (0: none).
    algorithm, algorithm_params : the recommender and its settings.
    customers, customers_from : keep only these customer ids (e.g. a targeting list of the Experiments
        page) and what that list is; empty: no such filter.
    """

    name: str = "campaign"
    segments: tuple[str, ...] = ()
    min_propensity: float = 0.0
    max_propensity: float = 1.0
    min_value: float = 0.0
    max_customers: int | None = None
    products: int = 3
    algorithm: str = field(default_factory=lambda: RECOMMENDERS.first_tagged(DEFAULT_RECOMMENDER))
    algorithm_params: dict[str, Any] = field(default_factory=dict)
    customers: tuple[str, ...] = ()
    customers_from: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "segments", tuple(self.segments))
        object.__setattr__(self, "customers", tuple(map(str, self.customers)))
        unknown = [s for s in self.segments if s not in SEGMENT_LABELS]
        if unknown:
            raise ValueError(f"Unknown segment(s) {unknown}; choose from {', '.join(SEGMENT_LABELS)}.")
        if not 0.0 <= self.min_propensity <= self.max_propensity <= 1.0:
            raise ValueError("The propensity band must satisfy 0 <= lowest <= highest <= 1; got "
                             f"{self.min_propensity} to {self.max_propensity}.")
        if not 0 <= int(self.products) <= MAX_PRODUCTS:
            raise ValueError(f"Products per customer must be 0 to {MAX_PRODUCTS}; got {self.products}.")
        if self.max_customers is not None and int(self.max_customers) < 1:
            raise ValueError(f"The largest audience must be at least 1 customer; got {self.max_customers}.")
        if not str(self.name).strip():
            raise ValueError("Give the campaign a name.")
        object.__setattr__(self, "algorithm_params", RECOMMENDERS.get(self.algorithm).check(self.algorithm_params))

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["segments"] = list(self.segments)
        listed, source = out.pop("customers"), out.pop("customers_from")
        if listed:  # the ids themselves are the campaign's list: the settings say where they came from
            out |= {"customers_from": source, "customers_listed": len(listed)}
        return out

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> CampaignSettings:
        return cls(**{key: value for key, value in values.items() if key in cls.__dataclass_fields__})


def audience(result: CustomerResult, settings: CampaignSettings) -> pd.DataFrame:
    """The customers the settings select, highest expected spend first (propensity without amounts)."""
    table = result.customers
    keep = table["propensity"].between(settings.min_propensity, settings.max_propensity)
    if settings.segments:
        keep &= table["segment"].isin(settings.segments)
    if settings.min_value > 0:
        keep &= table["expected_spend"].fillna(0) >= settings.min_value
    if settings.customers:
        keep &= table.index.astype(str).isin(settings.customers)
    chosen = table[keep].reset_index()
    order = "expected_spend" if result.has_money else "propensity"
    chosen = chosen.sort_values([order, "propensity", "customer_id"], ascending=[False, False, True],
                                kind="stable")
    if settings.max_customers is not None:
        chosen = chosen.head(int(settings.max_customers))
    chosen = chosen.assign(segment=chosen["segment"].map(SEGMENT_LABELS))
    return chosen[AUDIENCE_COLUMNS].reset_index(drop=True)


SEASONS = {12: "winter", 1: "winter", 2: "winter", 3: "spring", 4: "spring", 5: "spring", 6: "summer", 7: "summer",
           8: "summer", 9: "autumn", 10: "autumn", 11: "autumn"}
SPEND_LABEL = "Their expected spend"
SPEND_HELP = ("What the chosen customers are expected to spend in the period anyway, with or without the campaign: "
              "not what the campaign adds. What a campaign adds is measured by a test with a control group "
              "(Experiments page); a targeting list from such a test ranks customers by it.")


def default_name(as_of: pd.Timestamp) -> str:
    """A campaign's starting name from the season of the analysis date ("winter campaign, Dec 2011")."""
    as_of = pd.Timestamp(as_of)
    return f"{SEASONS[as_of.month]} campaign, {as_of:%b %Y}"


def headline(table: pd.DataFrame, result: CustomerResult) -> dict[str, Any]:
    """Audience size, its share of all customers, expected buyers and expected revenue over the horizon."""
    return {
        "customers": int(len(table)), "share": len(table) / max(len(result.customers), 1),
        "expected_buyers": float(table["propensity"].sum()),
        "expected_purchases": float(table["expected_purchases"].sum()),
        "expected_revenue": float(table["expected_spend"].sum()) if result.has_money else None,
        "horizon_days": result.horizon, "as_of": str(result.as_of.date()),
    }


def fit_recommender(frame: pd.DataFrame, algorithm: str, as_of: pd.Timestamp | None = None):
    """A recommender of ``algorithm`` fitted on the purchases of ``frame`` before ``as_of`` (None: all);
    its settings are given per call."""
    from retail.recommend.interactions import InteractionSettings, build_interactions

    return RECOMMENDERS.get(algorithm).build().fit(build_interactions(frame, InteractionSettings(cutoff=as_of)))


def attach_recommendations(table: pd.DataFrame, recommender: Any, n: int, progress: Progress = quiet,
                           **settings: Any) -> pd.DataFrame:
    """``table`` with ``product_<i>``, ``product_name_<i>`` and ``why_<i>`` for i = 1..n (the customer's
    top-n products, never one they bought already unless the algorithm is about buying again)."""
    if n <= 0 or table.empty:
        return table
    columns: dict[str, list[Any]] = {f"{kind}_{i}": [] for i in range(1, n + 1)
                                     for kind in ("product", "product_name", "why")}
    step = max(1, len(table) // 20)
    for position, customer in enumerate(table["customer_id"]):
        if position % step == 0:
            progress(position / len(table), f"Choosing products: {position:,} of {len(table):,} customers")
        picks = recommender.recommend(str(customer), n=n, **settings)
        for i in range(1, n + 1):
            row = picks.iloc[i - 1] if i <= len(picks) else None
            columns[f"product_{i}"].append(None if row is None else row[schema.PRODUCT_ID])
            columns[f"product_name_{i}"].append(None if row is None else row[schema.PRODUCT_NAME])
            columns[f"why_{i}"].append(None if row is None else row["reasons"])
    progress(1.0, f"Products chosen for {len(table):,} customers")
    return table.assign(**columns)


def build_campaign(result: CustomerResult, settings: CampaignSettings, recommender: Any = None,
                   progress: Progress = quiet) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The campaign list and its headline; ``recommender`` (fitted) is needed when products > 0."""
    table = audience(result, settings)
    if settings.products and recommender is not None:
        table = attach_recommendations(table, recommender, settings.products, progress, **settings.algorithm_params)
    return table, headline(table, result)


def save_campaign(workspace: Workspace, dataset: str, settings: CampaignSettings, table: pd.DataFrame,
                  summary: dict[str, Any], analysis: dict[str, Any] | None = None) -> RunInfo:
    """Store the campaign (settings, headline, list) in the workspace as one run."""
    stored = {**settings.to_dict(), "analysis": analysis or {}}
    text = [c for c in table.columns if table[c].dtype == object]
    clean = table.astype(dict.fromkeys(text, "string"))  # a column of only empty cells still has a type
    return workspace.save_run(RUN_KIND, dataset, stored, {"name": settings.name, **summary}, {"audience": clean})


def load_campaign(workspace: Workspace, run_id: int) -> tuple[RunInfo, pd.DataFrame]:
    """A stored campaign's metadata and list."""
    info = workspace.get_run(run_id)
    if info.kind != RUN_KIND:
        raise ValueError(f"Run {run_id} is a {info.kind} run, not a campaign.")
    return info, workspace.load_run_table(run_id, "audience")
