"""Each kind of exception finds exactly the series built to trigger it; thresholds are checked, kept
with the dataset and switchable; the list is ranked by what is at stake."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from retail.access.guard import GuardedWorkspace
from retail.access.roles import Actor, local_actor
from retail.data.ingest import import_file
from retail.data.workspace import Workspace
from retail.planning.attention import AttentionSettings, exceptions, keep_settings, kept_settings
from retail.planning.exceptions import (
    Context,
    describe_counts,
    movers,
    new_products,
    outside_range,
    persistent_bias,
    stock_out,
    stopped_selling,
)
from retail.planning.registry import EXCEPTIONS
from tests.conftest import transactions_csv

WEEKS = pd.date_range("2024-01-01", periods=20, freq="W-MON")


def _panel(series: dict[str, list[float]]) -> pd.DataFrame:
    rows = [pd.DataFrame({"series_id": sid, "date": WEEKS[-len(values):], "y": values})
            for sid, values in series.items()]
    return pd.concat(rows, ignore_index=True)


def _scored(rows: list[tuple[str, str, float, float, float, int]]) -> pd.DataFrame:
    """(series, week, actual, forecast, half-width of the 95% range, run) as scored rows of best models."""
    frame = pd.DataFrame(rows, columns=["series_id", "date", "y", "yhat", "half", "run_id"])
    return frame.assign(date=pd.to_datetime(frame["date"]), best=True, model="ma", step=1, scale=5.0,
                        lo_95=frame["yhat"] - frame["half"], hi_95=frame["yhat"] + frame["half"],
                        lo_80=frame["yhat"] - frame["half"] / 2, hi_80=frame["yhat"] + frame["half"] / 2)


def _context(panel: pd.DataFrame, scored: pd.DataFrame | None = None, plan: pd.DataFrame | None = None) -> Context:
    ids = panel["series_id"].unique()
    info = pd.DataFrame({"series_id": ids, "name": [f"name {i}" for i in ids], "unit_price": 2.0})
    return Context(panel=panel, info=info, freq="W", target="units",
                   scored=scored if scored is not None else pd.DataFrame(), plan=plan, plan_run=7, lead_days=7)


STEADY = [20.0] * 20


def test_outside_the_range_and_a_bias_that_persists():
    last, before = f"{WEEKS[-1]:%Y-%m-%d}", f"{WEEKS[-2]:%Y-%m-%d}"
    scored = _scored([("jump", last, 80, 20, 10, 2), ("fine", last, 22, 20, 10, 2), ("tiny", last, 3, 0.5, 1, 2),
                      ("jump", before, 19, 20, 10, 1), ("drift", before, 12, 20, 10, 1), ("drift", last, 13, 20, 10, 2),
                      ("old", last, 5, 20, 10, 1), ("old", last, 19, 20, 10, 2)])
    context = _context(_panel({"jump": STEADY, "fine": STEADY, "tiny": STEADY, "drift": STEADY, "old": STEADY}),
                       scored)
    found = outside_range(context, coverage=95, min_miss=0.5, min_units=5)
    assert found["series_id"].tolist() == ["jump"] and found["impact"].tolist() == [60.0]
    assert "Sold 80 units in the week of 13 May 2024 against a forecast of 20 (its 95% range: 10 to 30, run 2): " \
           "above the range" in found["why"].iat[0]
    assert outside_range(context, coverage=95, min_miss=0.5, min_units=0)["series_id"].tolist() == ["jump", "tiny"]
    bias = persistent_bias(context, periods=2, min_z=2.0, min_share=0.3, min_units=5)
    assert bias["series_id"].tolist() == ["drift"] and "above the sales in each of the last 2 weeks" in bias["why"].iat[0]
    assert "2.1 times its usual miss" in bias["why"].iat[0]  # 15 against 5 x sqrt(2)
    assert persistent_bias(context, periods=2, min_z=2.5, min_share=0.3, min_units=5).empty


def test_stock_that_runs_out_before_the_delivery():
    plan = pd.DataFrame({"series_id": ["low", "plenty", "unknown"], "name": ["Low", "Plenty", "Unknown"],
                         "review_date": pd.Timestamp("2024-05-20"), "cover_days": 14,
                         "forecast": [140.0, 140.0, 140.0], "on_hand": [30.0, 500.0, 0.0], "on_order": 0.0,
                         "reason": ["r", "r", "r (no stock given: none assumed on hand or on order)"]})
    found = stock_out(_context(_panel({"x": STEADY}), plan=plan))
    assert found["series_id"].tolist() == ["low"] and found["impact"].tolist() == [40.0]  # 10 a day x 7 - 30
    assert found["run_id"].tolist() == [7] and "arrives after 7 days: about 40 units short" in found["why"].iat[0]
    assert stock_out(_context(_panel({"x": STEADY}), plan=plan), margin_days=50)["series_id"].tolist() == ["low",
                                                                                                          "plenty"]


def test_new_products_stopped_selling_and_movers():
    context = _context(_panel({"steady": STEADY, "new": [30.0, 40.0, 50.0], "brand new": [2.0],
                               "gone": [15.0] * 17 + [0.0] * 3, "rare then gone": [0.0, 30.0] * 8 + [0.0] * 4,
                               "up": [20.0] * 16 + [60.0] * 4, "down": [40.0] * 16 + [10.0] * 4}))
    assert new_products(context, max_periods=4, min_units=10)["series_id"].tolist() == ["new"]
    assert stopped_selling(context, quiet_periods=3, before_periods=12, min_share=0.75, min_units=10)[
        "series_id"].tolist() == ["gone"]
    found = movers(context, periods=4, min_change=0.5, top=10)
    assert found["series_id"].tolist() == ["up", "down", "rare then gone", "gone"]  # +40, -30, -15, -11.25 a week
    assert found["why"].iat[0] == "Up 200% over the last 4 weeks against the 4 before (60 against 20 units a week)."
    assert movers(context, periods=4, min_change=0.5, top=1)["series_id"].tolist() == ["up"]


def test_kinds_switched_off_and_the_ranking_by_what_is_at_stake():
    context = _context(_panel({"new": [30.0, 40.0, 50.0], "up": [20.0] * 16 + [60.0] * 4, "steady": STEADY,
                               "gone": [30.0] * 17 + [0.0] * 3}))
    ranked = exceptions(context, AttentionSettings())
    assert ranked["kind"].tolist() == ["new-product", "movers", "stopped"] and ranked["rank"].tolist() == [1, 2, 3]
    assert ranked["at_stake"].tolist() == [80.0, 80.0, 60.0] and ranked["what"].iat[0] == "new product"
    assert ranked["also"].iat[2] == "biggest movers" and ranked["why"].iat[2].endswith("Also: biggest movers.")
    assert exceptions(context, AttentionSettings(off=("movers", "stopped")))["kind"].tolist() == ["new-product"]


def test_thresholds_are_checked_and_kept_with_the_dataset(tmp_path):
    with pytest.raises(ValueError, match=r"Weeks in a row \(periods\) must be >= 2"):
        AttentionSettings(thresholds={"bias": {"periods": 1}})
    with pytest.raises(ValueError, match="Unknown exception"):
        AttentionSettings(off=("hunches",))
    workspace = GuardedWorkspace(Workspace(home=tmp_path), local_actor())
    import_file(workspace.workspace, transactions_csv(["01/02/2024,A,Mug,2,1.50,c1,London,1"]), "shop",
                file_name="shop.csv")
    chosen = AttentionSettings(off=("movers",), thresholds={"outside-range": {"coverage": 80}})
    keep_settings(workspace, "shop", chosen)
    assert kept_settings(workspace, "shop") == chosen
    assert kept_settings(workspace, "shop").params("outside-range") == EXCEPTIONS.get("outside-range").defaults() | {
        "coverage": 80}
    workspace.rename("shop", "my shop")  # thresholds follow the dataset
    assert kept_settings(workspace, "my shop").off == ("movers",)
    viewer = GuardedWorkspace(workspace.workspace, Actor("vic", "viewer"))
    with pytest.raises(PermissionError, match="may not keep settings for a dataset"):
        keep_settings(viewer, "my shop", AttentionSettings())


def test_every_detector_defaults_to_its_registry_thresholds():
    import inspect

    for spec in EXCEPTIONS:
        signature = inspect.signature(spec.resolve())
        assert {name: p.default for name, p in list(signature.parameters.items())[1:]} == spec.defaults(), spec.name


def test_every_detector_takes_exactly_its_registry_thresholds():
    context = _context(_panel({"steady": STEADY}))
    for spec in EXCEPTIONS:
        found = spec.build(context)
        assert list(found.columns[:3]) == ["kind", "series_id", "name"] and found.empty, spec.name
    assert np.isfinite([p.default for spec in EXCEPTIONS for p in spec.params]).all()


def test_the_headline_counts_in_words():
    ranked = pd.DataFrame({"kind": ["new-product"] * 3 + ["stopped"]})
    labels = {"new-product": "new product", "stopped": "stopped selling"}
    assert describe_counts(ranked, labels) == "4 things need attention: 3 new products, 1 stopped selling."
    assert describe_counts(ranked.iloc[:1], labels) == "1 thing needs attention: 1 new product."
