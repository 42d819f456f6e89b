"""What an elasticity run produced, as plain frames a workspace can store and reopen.

:class:`PricingResult` converts to a dict of frames (:meth:`~PricingResult.to_frames`) and
back; :meth:`~PricingResult.summary_dict` is its headline (the command line's JSON, the stored
run's summary). :func:`save_run` / :func:`load_run` keep runs in the workspace.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from retail.data import schema
from retail.data.workspace import RunInfo, Workspace
from retail.formatting import count
from retail.pricing.registry import ESTIMATORS
from retail.pricing.settings import PricingSettings

RUN_KIND = "pricing"
TABLES = ("products", "categories", "events", "lifts", "daily", "points")


@dataclass
class PricingResult:
    """Everything an elasticity run produced (all frames long and plain)."""

    settings: PricingSettings
    products: pd.DataFrame  # one row per product: elasticity, interval, verdict, evidence, baseline
    categories: pd.DataFrame  # one row per category: pooled elasticity and interval
    events: pd.DataFrame  # one row per promotion event: actual, baseline, from discount, extra, lifts
    lifts: pd.DataFrame  # one row per product with promotions: the same over all its events
    daily: pd.DataFrame  # product_id, date, units, expected, price, regular_price, promo
    points: pd.DataFrame  # product_id, week, price, units (scaled to today's conditions)
    notes: list[str] = field(default_factory=list)
    promo_column: str | None = None
    freq: str = "D"
    seconds: float = 0.0

    def headline(self) -> str:
        """One sentence: how many products have an elasticity, the median, and how many do not."""
        table = self.products
        known = table[table["identifiable"]]
        if known.empty:
            return (f"None of the {len(table):,} products has a measurable price elasticity: "
                    "their prices never moved outside promotions, or they sold too rarely.")
        verdicts = known["verdict"].value_counts()
        missing = len(table) - len(known)
        text = (f"{len(known):,} of {len(table):,} products have a measurable price elasticity "
                f"(median {known['elasticity'].median():.2f}; {verdicts.get('elastic', 0):,} elastic, "
                f"{verdicts.get('inelastic', 0):,} inelastic, {verdicts.get('not sure', 0):,} not sure: their 95% "
                "interval includes -1)")
        text += f"; {missing:,} are not identifiable." if missing else "."
        unsettled = int((~known["settled"].astype(bool)).sum()) if "settled" in known else 0
        return text + (f" The estimate did not settle for {count(unsettled, 'product')} (marked 'no' under "
                       "Estimate settled; read those with care)." if unsettled else "")

    def product(self, product_id: str) -> pd.Series:
        """The elasticity row of one product; ``ValueError`` naming a few known codes when absent."""
        match = self.products[self.products[schema.PRODUCT_ID].astype(str) == str(product_id)]
        if match.empty:
            sample = ", ".join(self.products[schema.PRODUCT_ID].astype(str).head(5))
            raise ValueError(f"Product {product_id!r} is not in this run (products include {sample}).")
        return match.iloc[0]

    def product_choices(self) -> dict[str, str]:
        """Product code -> "name (code) · verdict": measurable products first, best sellers first within."""
        table = self.products.sort_values(["identifiable", "units"], ascending=False, kind="stable")
        names = table[schema.PRODUCT_NAME].astype(str)
        codes = table[schema.PRODUCT_ID].astype(str)
        labels = np.where(names == codes, codes, names + " (" + codes + ")") + " · " + table["verdict"]
        return dict(zip(codes, labels, strict=True))

    def product_view(self, product_id: str) -> dict[str, Any]:
        """Everything the product view shows: its ``row``, ``daily`` series, response ``points`` and ``events``."""
        row = self.product(product_id)

        def pick(table: pd.DataFrame) -> pd.DataFrame:
            return table[table[schema.PRODUCT_ID].astype(str) == str(product_id)] if len(table) else table

        return {"row": row, "daily": pick(self.daily), "points": pick(self.points), "events": pick(self.events)}

    def _with_names(self, table: pd.DataFrame) -> pd.DataFrame:
        names = self.products[[schema.PRODUCT_ID, schema.PRODUCT_NAME]]
        out = table.merge(names, on=schema.PRODUCT_ID, how="left")
        return out[[schema.PRODUCT_ID, schema.PRODUCT_NAME, *[c for c in table.columns if c != schema.PRODUCT_ID]]]

    def lifts_view(self) -> pd.DataFrame:
        """The lift per product with its name, biggest promotions first."""
        return self._with_names(self.lifts).sort_values("units_sold", ascending=False, kind="stable")

    def events_view(self) -> pd.DataFrame:
        """Every promotion event with the product's name, latest first."""
        return self._with_names(self.events).sort_values("start", ascending=False, kind="stable")

    def category_products(self, category: str) -> pd.DataFrame:
        rows = self.products[category_names(self.products[schema.CATEGORY]) == str(category)]
        if rows.empty:
            known = ", ".join(self.categories["category"].astype(str).head(8))
            raise ValueError(f"Category {category!r} is not in this run (categories: {known}).")
        return rows

    def to_frames(self) -> dict[str, pd.DataFrame]:
        meta = pd.DataFrame({"key": ["settings", "notes", "promo_column", "freq", "seconds"],
                             "value": [self.settings.to_json(), json.dumps(self.notes),
                                       json.dumps(self.promo_column), self.freq, str(self.seconds)]})
        return {"meta": meta} | {name: getattr(self, name) for name in TABLES}

    @classmethod
    def from_frames(cls, frames: dict[str, pd.DataFrame]) -> PricingResult:
        missing = [name for name in ("meta", "products") if name not in frames]
        if missing:
            raise ValueError(f"a stored pricing run needs tables {missing}; was it saved with to_frames()?")
        meta = dict(zip(frames["meta"]["key"], frames["meta"]["value"], strict=True))
        tables = {name: frames.get(name, pd.DataFrame()) for name in TABLES}
        products = tables["products"]
        if schema.CATEGORY in products:  # an all-empty text column comes back from storage as numbers
            tables["products"] = products.assign(**{schema.CATEGORY: products[schema.CATEGORY].astype(object).where(
                products[schema.CATEGORY].notna(), None)})
        return cls(settings=PricingSettings.from_dict(json.loads(meta["settings"])), **tables,
                   notes=json.loads(meta.get("notes", "[]")), promo_column=json.loads(meta.get("promo_column", "null")),
                   freq=meta.get("freq", "D"), seconds=float(meta.get("seconds", 0)))

    def summary_dict(self) -> dict[str, Any]:
        """The run's headline numbers (the command line's JSON, the stored run's summary)."""
        known = self.products[self.products["identifiable"]]
        return {"model": self.settings.model, "model_label": ESTIMATORS.label(self.settings.model),
                "products": len(self.products), "identifiable": len(known),
                "median_elasticity": _number(known["elasticity"].median()) if len(known) else None,
                "promotion_events": len(self.events), "headline": self.headline(), "notes": self.notes,
                "seconds": round(self.seconds, 2)}


def category_names(values: pd.Series) -> pd.Series:
    """Categories as text, "(none)" where missing (whatever dtype a stored empty column came back with)."""
    return values.astype(object).where(values.notna(), "(none)").astype(str)


def _number(value: Any) -> float | None:
    value = float(value)
    return None if math.isnan(value) else round(value, 6)


def records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows: NaN as None, numpy scalars as Python numbers, dates as ISO text."""
    clean = table.astype(object).where(table.notna(), None)
    out = []
    for row in clean.to_dict(orient="records"):
        out.append({k: (v.isoformat()[:10] if isinstance(v, pd.Timestamp) else
                        v.item() if isinstance(v, np.generic) else v) for k, v in row.items()})
    return out


def save_run(workspace: Workspace, dataset: str, result: PricingResult) -> RunInfo:
    """Store a run (its settings, headline and every table) in the workspace, all or nothing."""
    summary = {k: v for k, v in result.summary_dict().items() if k in ("model", "products", "identifiable",
                                                                        "median_elasticity")}
    return workspace.save_run(RUN_KIND, dataset, result.settings.to_dict(), summary, result.to_frames())


def load_run(workspace: Workspace, run_id: int) -> PricingResult:
    info = workspace.get_run(run_id)
    return PricingResult.from_frames({name: workspace.load_run_table(run_id, name) for name in info.tables})
