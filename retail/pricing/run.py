"""One elasticity run: panel, model, lifts and tables (:func:`run_elasticity`)."""

from __future__ import annotations

import logging
import time

import numpy as np
import pandas as pd

from retail.pricing.fitted import linear_predictor
from retail.pricing.lift import promotion_lifts
from retail.pricing.panel import build_price_panel
from retail.pricing.result import PricingResult
from retail.pricing.settings import PricingSettings
from retail.pricing.tables import baseline_units, category_table, daily_table, product_table, response_points
from retail.progress import Progress, quiet, scaled

logger = logging.getLogger(__name__)


def run_elasticity(frame: pd.DataFrame, settings: PricingSettings | None = None,
                   progress: Progress = quiet) -> PricingResult:
    """Elasticities per product and category, promotion lifts and what scenarios need.

    Raises ``ValueError`` in plain words when the data has no prices or products.
    """
    settings = settings or PricingSettings()
    started = time.perf_counter()
    progress(0.0, "Building the daily panel (days without sales count as zero)")
    panel = build_price_panel(frame, settings.promo_column, settings.min_sale_days, price_step=settings.price_step)
    progress(0.1, f"Fitting {panel.n_products:,} products")
    model = settings.build().fit(panel, scaled(progress, 0.1, 0.7))
    estimates = model.estimates_
    notes = panel.notes + (["Less than 18 months of data: no yearly season is taken out (it could not be told "
                            "apart from the trend and the price changes)."] if estimates.layout.season_dropped else [])
    if estimates.event_sd is not None:
        notes.append(f"Promotions differ: one promotion's own lift varies by about {np.expm1(estimates.event_sd):.0%} "
                     "around the product's usual (measured from the data), so each promotion gets its own and the "
                     "price effect rests on price differences, not on how well a promotion was displayed.")
    progress(0.7, "Measuring promotion lifts")
    eta = linear_predictor(panel, estimates)
    events, lifts = promotion_lifts(panel, estimates, eta)
    progress(0.9, "Preparing the tables")
    baseline = baseline_units(panel, estimates, eta)
    products = product_table(panel, estimates, baseline)
    result = PricingResult(
        settings=settings, products=products, categories=category_table(panel, estimates),
        events=_named(events, products), lifts=_named(lifts, products),
        daily=_named(daily_table(panel, eta if estimates.counts else eta * np.nan), products),
        points=_named(response_points(panel, estimates, eta, baseline), products), notes=notes,
        promo_column=panel.promo_column, freq=panel.freq, seconds=time.perf_counter() - started)
    progress(1.0, result.headline())
    return result


def _named(table: pd.DataFrame, products: pd.DataFrame) -> pd.DataFrame:
    """``table`` with the product code in place of the internal position."""
    codes = products["product_id"].to_numpy()
    out = table.copy()
    out.insert(0, "product_id", codes[out.pop("product").to_numpy(dtype=int)] if len(out) else [])
    return out
