"""The hierarchy of a dataset's levels: which levels, how they add up, the smaller products lumped."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from retail.analytics.aggregate import SERIES_ID, Y, build_panel
from retail.data import schema
from retail.planning.hierarchy import OTHER_STORES, build_hierarchy, hierarchy_levels
from tests.forecast_data import canonical_lines


def lines(products: tuple[str, ...] = ("A", "B", "C", "D"), seed: int = 0) -> pd.DataFrame:
    frame = canonical_lines(n=4000, days=180, products=products, seed=seed)
    frame[schema.CATEGORY] = frame[schema.PRODUCT_ID].map({"A": "cups", "B": "cups"}).fillna("plates")
    return frame


def test_a_product_store_file_has_every_level_top_to_bottom():
    hierarchy = build_hierarchy(lines(), "W", "units")
    assert hierarchy.levels == ("total", "store", "category", "product", "product_store")
    counts = hierarchy.nodes["level"].value_counts()
    assert counts.to_dict() == {"total": 1, "store": 2, "category": 2, "product": 4, "product_store": 8}
    assert list(hierarchy.nodes["level"]).index("product_store") == hierarchy.summing.n_aggregates


def test_every_level_adds_up_to_the_total_in_every_period():
    frame = lines()
    hierarchy = build_hierarchy(frame, "W", "units")
    total = hierarchy.history[hierarchy.rows("total")[0]]
    for level in hierarchy.levels:
        np.testing.assert_allclose(hierarchy.history[hierarchy.rows(level)].sum(axis=0), total)
    # the bottom panel is exactly what a product x store forecast would aggregate
    panel, _ = build_panel(frame, "product_store", "W", "units")
    assert hierarchy.panels["product_store"][Y].sum() == pytest.approx(panel[Y].sum())
    product = hierarchy.panels["product"]
    a = product[product[SERIES_ID] == "A"][Y].to_numpy()
    a_stores = build_panel(frame[frame[schema.PRODUCT_ID] == "A"], "total", "W", "units")[0][Y].to_numpy()
    np.testing.assert_allclose(a, a_stores)


def test_smaller_products_are_added_up_per_category_and_store_so_the_total_is_unchanged():
    frame = lines()
    frame.loc[frame[schema.PRODUCT_ID] == "D", schema.QUANTITY] = 0.5  # D sells least
    whole = build_hierarchy(frame, "W", "units")
    kept = build_hierarchy(frame, "W", "units", top_n=3)
    assert kept.lumped == 1 and "added up" in kept.notes[0]
    products = set(kept.nodes.loc[kept.nodes["level"] == "product", SERIES_ID])
    assert products == {"A", "B", "C", "(other plates products)"}
    assert "(other plates products) | s1" in set(kept.nodes[SERIES_ID])
    np.testing.assert_allclose(kept.history[kept.rows("total")], whole.history[whole.rows("total")])


def test_products_are_ranked_on_the_sales_before_a_date():
    frame = lines()
    late = frame[schema.DATE] >= frame[schema.DATE].max() - pd.Timedelta(days=30)
    frame.loc[late & (frame[schema.PRODUCT_ID] == "D"), schema.QUANTITY] = 1000.0  # D only sells late
    frame.loc[~late & (frame[schema.PRODUCT_ID] == "D"), schema.QUANTITY] = 0.01
    ranked_all = build_hierarchy(frame, "W", "units", top_n=3)
    ranked_early = build_hierarchy(frame, "W", "units", top_n=3, rank_until=frame[schema.DATE].max() - pd.Timedelta(days=30))
    assert "D" in set(ranked_all.nodes[SERIES_ID]) and "D" not in set(ranked_early.nodes[SERIES_ID])


def test_store_totals_give_total_and_stores():
    frame = lines().drop(columns=[schema.PRODUCT_ID]).assign(**{schema.PRODUCT_ID: None})
    frame.loc[frame[schema.STORE_ID] == "s1", schema.REVENUE] *= 2  # s1 is the bigger store
    hierarchy = build_hierarchy(frame, "W", "revenue", top_n=1)
    assert hierarchy.levels == ("total", "store")
    assert set(hierarchy.nodes.loc[hierarchy.nodes["level"] == "store", SERIES_ID]) == {"s1", OTHER_STORES}


def test_exogenous_columns_are_averaged_over_the_series_below():
    frame = lines()
    frame["Promo"] = (frame[schema.STORE_ID] == "s1").astype(float)
    hierarchy = build_hierarchy(frame, "W", "units", exog=["Promo"])
    stores = hierarchy.panels["store"].groupby(SERIES_ID)["Promo"].mean()
    assert stores["s1"] == pytest.approx(1.0) and stores["s2"] == pytest.approx(0.0)
    assert hierarchy.panels["total"]["Promo"].between(0.4, 0.6).all()


def test_no_products_and_no_stores_is_a_plain_error():
    with pytest.raises(ValueError, match="need products or stores"):
        hierarchy_levels(lambda field: field in (schema.DATE, schema.QUANTITY))
