"""What the Forecast page needs to adjust a run: the forecast as an editable grid (series x periods), the
edited cells as adjustments, and a selection (products, stores, categories, periods) as one adjustment."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from retail.analytics.aggregate import DATE, SERIES_ID
from retail.data import schema
from retail.forecast.metrics import MODEL, YHAT
from retail.forecast.result import ForecastResult
from retail.planning.overrides import SET, Adjustment, Change

NAME = "name"


def series_attributes(result: ForecastResult, frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per forecast series: ``series_id``, ``name``, and its ``product``, ``store`` and ``category``
    where the level has them (a category from the dataset's rows)."""
    info = result.series_info
    out = pd.DataFrame({SERIES_ID: info[SERIES_ID].astype(str), NAME: info[NAME].astype(str)})
    level = result.settings.level
    if schema.PRODUCT_ID in info:
        out["product"] = info[schema.PRODUCT_ID].astype(str)
    if schema.STORE_ID in info or level == "store":
        out["store"] = (info[schema.STORE_ID] if schema.STORE_ID in info else info[SERIES_ID]).astype(str)
    if level == "category":
        out["category"] = out[SERIES_ID]
    elif "product" in out and frame is not None and schema.CATEGORY in frame and frame[schema.CATEGORY].notna().any():
        of_product = frame.dropna(subset=[schema.PRODUCT_ID]).groupby(schema.PRODUCT_ID)[schema.CATEGORY].first()
        out["category"] = out["product"].map(of_product.rename(index=str)).fillna("(none)").astype(str)
    return out


def select_series(attributes: pd.DataFrame, products: Sequence[str] = (), stores: Sequence[str] = (),
                  categories: Sequence[str] = ()) -> tuple[list[str], str]:
    """The series in every chosen product, store and category (an empty choice means all), and the choice in words."""
    keep = np.ones(len(attributes), dtype=bool)
    words = []
    named = attributes.drop_duplicates("product").set_index("product")[NAME] if "product" in attributes and \
        attributes["product"].is_unique else pd.Series(dtype=object)  # a product's name, at the product level
    for column, chosen, noun in (("product", products, "products"), ("store", stores, "stores"),
                                 ("category", categories, "categories")):
        if chosen and column in attributes:
            keep &= attributes[column].isin([str(c) for c in chosen]).to_numpy()
            shown = [str(named.get(str(c), c)) if column == "product" else str(c) for c in list(chosen)[:3]]
            words.append(f"{noun}: {', '.join(shown)}{' ...' if len(chosen) > 3 else ''}")
    return list(attributes.loc[keep, SERIES_ID]), "; ".join(words) or "every series"


def grid(result: ForecastResult, series: Sequence[str] | None = None) -> pd.DataFrame:
    """The run's forecast (the adjusted one when there is one) as series x periods, named, biggest first."""
    rows = result.forecasts[result.forecasts[MODEL] == result.best]
    if series is not None:
        rows = rows[rows[SERIES_ID].isin(list(series))]
    wide = rows.pivot(index=SERIES_ID, columns=DATE, values=YHAT)
    wide.columns = [f"{pd.Timestamp(c):%Y-%m-%d}" for c in wide.columns]
    wide = wide.loc[wide.sum(axis=1).sort_values(ascending=False, kind="stable").index]
    names = result.series_info.set_index(SERIES_ID)[NAME].reindex(wide.index).fillna(pd.Series(wide.index,
                                                                                              index=wide.index))
    wide.insert(0, NAME, names.astype(str))
    wide.index = wide.index.astype(str)
    return wide


def edited_cells(before: pd.DataFrame, after: pd.DataFrame, reason: str, note: str = "") -> list[Adjustment]:
    """One adjustment (set to the new number) per cell of the grid that was changed."""
    periods = [c for c in before.columns if c != NAME]
    old = before[periods].to_numpy(dtype=np.float64)
    new = after.reindex(index=before.index, columns=periods).to_numpy(dtype=np.float64)
    changed = np.argwhere(~np.isclose(old, new, rtol=0, atol=1e-6) & ~np.isnan(new))
    if len(changed) and (new[tuple(changed.T)] < 0).any():
        raise ValueError("a forecast cannot be below zero; type 0 for no sales.")
    return [Adjustment((str(before.index[i]),), (periods[j],), Change(SET, float(new[i, j])), reason, note,
                       label=str(before[NAME].iat[i])) for i, j in changed]
