"""One customer analysis: RFM segments, propensity, expected purchases and value, and (optionally)
their evaluation on the days after the as-of date.

:func:`analyse` is the one entry point of the page, the command line and the benchmark. Every
score is computed from ``history.before(as_of)``; the held-out days are read only by the
evaluation, after all models are fitted. The result is plain frames (:class:`CustomerResult`)
that a campaign, an export or the workspace can use.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from retail.customers import evaluation, segments
from retail.customers.history import History, default_as_of, outcome
from retail.customers.registry import DEFAULT, PROPENSITY_MODELS, SEGMENT_LABELS, SEGMENTS, VALUE_MODELS
from retail.progress import Progress, quiet

MIN_HORIZON, MAX_HORIZON = 7, 366
CUSTOMER_COLUMNS = ["customer_id", "segment", "rfm_score", "recency_days", "orders", "purchase_days", "monetary",
                    "average_order_value", "tenure_days", "first_purchase", "last_purchase", "propensity",
                    "probability_active", "expected_purchases", "expected_spend", "cluster", "actual_purchases",
                    "actual_spend"]


@dataclass(frozen=True)
class CustomerSettings:
    """What to compute: the as-of date (None: the day after the last purchase, or ``horizon_days``
    before that when evaluating), the horizon, the models and their settings, evaluation and groups."""

    as_of: pd.Timestamp | None = None
    horizon_days: int = 90
    value_model: str = field(default_factory=lambda: VALUE_MODELS.first_tagged(DEFAULT))
    propensity_model: str = field(default_factory=lambda: PROPENSITY_MODELS.first_tagged(DEFAULT))
    value_params: dict[str, Any] = field(default_factory=dict)
    propensity_params: dict[str, Any] = field(default_factory=dict)
    evaluate: bool = False
    clusters: bool = False

    def __post_init__(self) -> None:
        if self.as_of is not None:
            object.__setattr__(self, "as_of", pd.Timestamp(self.as_of).normalize())
        if not MIN_HORIZON <= int(self.horizon_days) <= MAX_HORIZON:
            raise ValueError(f"The horizon must be {MIN_HORIZON} to {MAX_HORIZON} days; got {self.horizon_days}.")
        object.__setattr__(self, "horizon_days", int(self.horizon_days))
        object.__setattr__(self, "value_params", VALUE_MODELS.get(self.value_model).check(self.value_params))
        object.__setattr__(self, "propensity_params",
                           PROPENSITY_MODELS.get(self.propensity_model).check(self.propensity_params))

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["as_of"] = None if self.as_of is None else str(self.as_of.date())
        return out

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> CustomerSettings:
        return cls(**{key: value for key, value in values.items() if key in cls.__dataclass_fields__})

    def resolve_as_of(self, history: History) -> pd.Timestamp:
        """The as-of date used (see the class), checked against the data."""
        last = default_as_of(history)
        as_of = self.as_of or (last - pd.Timedelta(days=self.horizon_days) if self.evaluate else last)
        if as_of <= history.first_day:
            raise ValueError(f"The as-of date {as_of:%d %b %Y} is on or before the first purchase "
                             f"({history.first_day:%d %b %Y}); choose a later date.")
        if self.evaluate and as_of + pd.Timedelta(days=self.horizon_days) > last:
            latest = last - pd.Timedelta(days=self.horizon_days)
            raise ValueError(f"The evaluation holds out the {self.horizon_days} days after the as-of date, and the "
                             f"data end on {history.last_day:%d %b %Y}: choose an as-of date on or before "
                             f"{latest:%d %b %Y} (or a shorter horizon).")
        return as_of


@dataclass
class CustomerResult:
    """Everything an analysis produced. ``customers`` is indexed by customer id."""

    settings: CustomerSettings
    as_of: pd.Timestamp
    customers: pd.DataFrame  # RFM, scores, segment, propensity, expected purchases / spend (chosen models)
    segments: pd.DataFrame  # one row per segment: customers, revenue, share, change
    movement: pd.DataFrame | None  # previous segment x current segment
    predictions: pd.DataFrame  # long: model, customer_id, expected_purchases, expected_spend
    clusters: pd.DataFrame | None = None
    propensity_evaluation: pd.DataFrame | None = None  # per model: auc, lift, brier, rates
    value_evaluation: pd.DataFrame | None = None  # per model: predicted vs actual, spearman, capture
    reliability: pd.DataFrame | None = None  # long: model, predicted, actual
    lift: pd.DataFrame | None = None  # long: model, decile, buy_rate, lift, buyers_reached
    model_details: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    has_money: bool = True

    @property
    def horizon(self) -> int:
        return self.settings.horizon_days

    @property
    def previous_as_of(self) -> pd.Timestamp:
        """The date the segments are compared with: one horizon earlier."""
        return self.as_of - pd.Timedelta(days=self.horizon)

    def headline(self) -> dict[str, Any]:
        """Customers, expected buyers (sum of probabilities), expected purchases and spend (None without amounts)."""
        spend = self.customers["expected_spend"].sum(min_count=1)
        return {"customers": len(self.customers), "expected_buyers": float(self.customers["propensity"].sum()),
                "expected_purchases": float(self.customers["expected_purchases"].sum()),
                "expected_spend": None if pd.isna(spend) else float(spend)}

    def table(self) -> pd.DataFrame:
        """One row per customer, most valuable first, segments by their labels (the page's and the export's)."""
        order = "expected_spend" if self.has_money else "propensity"
        table = self.customers.reset_index().sort_values([order, "customer_id"], ascending=[False, True],
                                                         kind="stable")
        table["segment"] = table["segment"].map(SEGMENT_LABELS)
        return table[[c for c in CUSTOMER_COLUMNS if c in table.columns]].reset_index(drop=True)

    def find(self, text: str = "", segments: tuple[str, ...] | list[str] = ()) -> pd.DataFrame:
        """:meth:`table` rows whose customer id contains ``text`` (any case) and whose segment is one of
        ``segments`` (rule names; empty: any)."""
        table = self.table()
        if text.strip():
            table = table[table["customer_id"].str.contains(text.strip(), case=False, regex=False)]
        if segments:
            table = table[table["segment"].isin([SEGMENT_LABELS[name] for name in segments])]
        return table.reset_index(drop=True)

    def card(self, customer: str) -> dict[str, Any]:
        """Everything known about one customer (``ValueError`` when the id is not among the customers)."""
        if customer not in self.customers.index:
            raise ValueError(f"No customer with that id bought anything before {self.as_of:%d %b %Y}.")
        row = self.customers.loc[customer]
        return {**row.to_dict(), "customer_id": customer, "segment_label": SEGMENT_LABELS[row["segment"]],
                "segment_rule": next(rule for rule in SEGMENTS if rule.name == row["segment"])}

    def summary_dict(self) -> dict[str, Any]:
        """The headline (the command line's JSON): customers, as-of date, segment counts, evaluation."""
        out: dict[str, Any] = {
            "customers": int(len(self.customers)), "as_of": str(self.as_of.date()), "horizon_days": self.horizon,
            "segments": {row.segment: int(row.customers) for row in self.segments.itertuples()},
            "value_model": self.settings.value_model, "propensity_model": self.settings.propensity_model,
            "expected_purchases": round(float(self.customers["expected_purchases"].sum()), 2),
            "expected_spend": _number(self.customers["expected_spend"].sum(min_count=1)),
            "warnings": self.warnings,
        }
        if self.propensity_evaluation is not None and self.value_evaluation is not None:
            out["evaluation"] = self.evaluation_dict()
        return out

    def evaluation_dict(self) -> dict[str, Any]:
        chosen_p = self.propensity_evaluation.set_index("model").loc[self.settings.propensity_model]
        chosen_v = self.value_evaluation.set_index("model").loc[self.settings.value_model]
        return {
            "propensity_auc": _number(chosen_p["auc"]), "top_decile_lift": _number(chosen_p["top_decile_lift"]),
            "purchases_predicted": _number(chosen_v["purchases_predicted"]),
            "purchases_actual": int(chosen_v["purchases_actual"]), "spearman": _number(chosen_v["spearman"]),
            "top_capture": _number(chosen_v["top_capture"]),
            "propensity_models": _records(self.propensity_evaluation),
            "value_models": _records(self.value_evaluation),
        }


def _number(value: Any) -> float | None:
    value = float(value)
    return None if value != value else round(value, 6)


def _records(table: pd.DataFrame) -> dict[str, dict[str, float | None]]:
    return {row["model"]: {k: _number(v) for k, v in row.items() if k != "model"} for row in table.to_dict("records")}


def _scoring_models(history: History, as_of: pd.Timestamp, settings: CustomerSettings, progress: Progress,
                    names: tuple[str, ...], registry, params: dict[str, Any], chosen: str,
                    warnings: list[str]) -> dict[str, Any]:
    """Fitted models by name (the chosen one with its settings); a model that cannot learn from this
    history is left out with a warning, except the chosen one (its error says what to change)."""
    fitted = {}
    for index, name in enumerate(names):
        spec = registry.get(name)
        progress(index / max(len(names), 1), f"Learning: {spec.label}")
        try:
            fitted[name] = spec.build(**(params if name == chosen else {})).fit(history, as_of, settings.horizon_days)
        except ValueError as exc:
            if name == chosen:
                raise
            warnings.append(f"{spec.label} left out: {exc}")
    return fitted


def analyse(data: pd.DataFrame | History, settings: CustomerSettings | None = None,
            progress: Progress = quiet) -> CustomerResult:
    """Segments, propensity and expected value per customer at the as-of date (and their evaluation).

    Parameters
    ----------
    data : canonical rows (see :mod:`retail.data.schema`) or a :class:`History` built from them.
    settings : what to compute; defaults to :class:`CustomerSettings` ().
    progress : ``progress(fraction, message)`` for long work.

    Raises
    ------
    ValueError
        No customer column, a date outside the data, a horizon the history cannot learn from.
    """
    from retail.customers.history import build_history

    settings = settings or CustomerSettings()
    progress(0.0, "Reading the customers' purchases")
    history = data if isinstance(data, History) else build_history(data)
    as_of = settings.resolve_as_of(history)
    known = history.before(as_of)  # every score below sees only this
    progress(0.1, "Scoring recency, frequency and money")
    table = segments.rfm(known, as_of)
    previous_day = as_of - pd.Timedelta(days=settings.horizon_days)
    previous = segments.rfm(known, previous_day) if known.first_day < previous_day else None
    warnings: list[str] = []
    value, details = _value_predictions(known, as_of, settings, progress, warnings)
    propensities = _propensities(known, as_of, settings, progress, warnings)
    chosen = value[settings.value_model]
    customers = table.assign(
        propensity=propensities[settings.propensity_model].reindex(table.index),
        expected_purchases=chosen["expected_purchases"].reindex(table.index),
        expected_spend=chosen["expected_spend"].reindex(table.index))
    if "probability_active" in chosen:
        customers["probability_active"] = chosen["probability_active"].reindex(table.index)
    result = CustomerResult(
        settings=settings, as_of=as_of, customers=customers,
        segments=segments.overview(table, previous),
        movement=segments.movement(table, previous) if previous is not None else None,
        predictions=_long_predictions(value), warnings=warnings, has_money=known.has_money,
        model_details=details)
    if settings.clusters:
        progress(0.85, "Grouping customers (k-means)")
        _add_clusters(result, warnings)
    if settings.evaluate:
        progress(0.9, f"Checking against the {settings.horizon_days} days after {as_of:%d %b %Y}")
        _evaluate(result, history, value, propensities)
    progress(1.0, f"{len(customers):,} customers as of {as_of:%d %b %Y}")
    return result


def _value_predictions(known: History, as_of: pd.Timestamp, settings: CustomerSettings, progress: Progress,
                       warnings: list[str]) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Predictions of every value model that can learn from this history, and the fitted parameters
    of those that describe themselves (BG/NBD's r, alpha, a, b)."""
    from retail.progress import scaled

    fitted = _scoring_models(known, as_of, settings, scaled(progress, 0.2, 0.5), VALUE_MODELS.names, VALUE_MODELS,
                             settings.value_params, settings.value_model, warnings)
    predictions = {name: model.predict(known, as_of, settings.horizon_days) for name, model in fitted.items()}
    details = {name: model.describe() for name, model in fitted.items() if hasattr(model, "describe")}
    return predictions, details


def _propensities(known: History, as_of: pd.Timestamp, settings: CustomerSettings, progress: Progress,
                  warnings: list[str]) -> dict[str, pd.Series]:
    from retail.progress import scaled

    names = PROPENSITY_MODELS.names if settings.evaluate else (settings.propensity_model,)
    fitted = _scoring_models(known, as_of, settings, scaled(progress, 0.5, 0.85), names, PROPENSITY_MODELS,
                             settings.propensity_params, settings.propensity_model, warnings)
    return {name: model.predict_proba(known, as_of) for name, model in fitted.items()}


def _long_predictions(value: dict[str, pd.DataFrame]) -> pd.DataFrame:
    frames = [table[["expected_purchases", "expected_spend"]].assign(model=name).reset_index()
              for name, table in value.items()]
    return pd.concat(frames, ignore_index=True)[["model", "customer_id", "expected_purchases", "expected_spend"]]


def _add_clusters(result: CustomerResult, warnings: list[str]) -> None:
    from retail.customers.clusters import cluster

    try:
        groups, described = cluster(result.customers)
    except ValueError as exc:
        warnings.append(f"No customer groups: {exc}")
        return
    result.customers["cluster"] = groups
    result.clusters = described


def _evaluate(result: CustomerResult, history: History, value: dict[str, pd.DataFrame],
              propensities: dict[str, pd.Series]) -> None:
    """Score every fitted model on the held-out days (read here and nowhere else)."""
    happened = outcome(history, result.customers.index, result.as_of, result.horizon)
    result.customers["actual_purchases"] = happened["purchases"]
    result.customers["actual_spend"] = happened["spend"]
    result.propensity_evaluation = pd.DataFrame(
        [{"model": name, **evaluation.propensity_metrics(scores, happened["bought"])}
         for name, scores in propensities.items()])
    result.value_evaluation = pd.DataFrame(
        [{"model": name, **evaluation.purchase_metrics(table, happened)} for name, table in value.items()])
    result.reliability = pd.concat([evaluation.reliability(scores, happened["bought"]).assign(model=name)
                                    for name, scores in propensities.items()], ignore_index=True)
    result.lift = pd.concat([evaluation.lift_table(scores, happened["bought"]).assign(model=name)
                             for name, scores in propensities.items()], ignore_index=True)


