"""Promotion lift per store for files of sales totals per store (no prices): a known lift is found,
with an interval that holds it; closed days do not count; weekly files work too."""

from __future__ import annotations

import numpy as np
import pytest

from retail.data.ingest import ingest
from retail.pricing.store_promotions import store_promotion_lift
from tests.rossmann_data import LIFT, store_days, write_store_days


@pytest.fixture(scope="module")
def rossmann(tmp_path_factory):
    result = ingest(write_store_days(tmp_path_factory.mktemp("ross") / "rossmann.csv"))
    assert result.result.report.file_kind == "store_totals"
    return result.result.frame


def test_a_known_lift_is_found_per_store_and_for_the_chain(rossmann):
    found = store_promotion_lift(rossmann, "Promo")
    assert len(found.stores) == 4 and found.stores["store_lift"].notna().all()
    assert (found.stores["store_lift_low"] < LIFT).all() and (found.stores["store_lift_high"] > LIFT).all()
    lift, low, high = found.chain
    assert low < LIFT < high and high - low < 0.05 and abs(lift - LIFT) < 0.02
    assert "sales were +2" in found.headline() and "weekday, month and trend taken out" in found.headline()
    closed = rossmann[rossmann["revenue"] == 0]
    assert len(closed) and (found.stores["other_days"] + found.stores["promo_days"]
                            == (rossmann["revenue"] > 0).groupby(rossmann["store_id"]).sum().to_numpy()).all()
    extra = found.stores["sales_per_promo_day"] * LIFT / (1 + LIFT)
    np.testing.assert_allclose(found.stores["extra_per_promo_day"], extra, rtol=0.1)


def test_no_effect_gives_an_interval_around_zero(tmp_path):
    frame = ingest(write_store_days(tmp_path / "flat.csv", lift=0.0, stores=2)).result.frame
    lift, low, high = store_promotion_lift(frame, "Promo").chain
    assert low < 0 < high


def test_weekly_totals_and_thin_stores(tmp_path):
    daily = store_days(stores=3, days=700)
    daily["Date"] = daily["Date"].astype("datetime64[ns]")
    weekly = daily.groupby(["Store", daily["Date"].dt.to_period("W").dt.start_time]).agg(
        Sales=("Sales", "sum"), Promo=("Promo", "max")).reset_index()
    weekly.loc[weekly["Store"] == 3, "Promo"] = 0  # one store never had a promotion
    path = tmp_path / "weekly.csv"
    weekly.to_csv(path, index=False)
    found = store_promotion_lift(ingest(path).result.frame, "Promo")
    assert found.period == "week" and "weekday" not in found.headline()
    assert found.stores.set_index("store_id")["store_lift"].isna().to_dict() == {"1": False, "2": False, "3": True}
    assert "1 store had fewer than 8 weeks" in found.notes[0]
    with pytest.raises(ValueError, match="There is no column 'Discount'"):
        store_promotion_lift(ingest(path).result.frame, "Discount")
