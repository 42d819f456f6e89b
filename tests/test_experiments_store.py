"""Campaign results and targeting lists in the workspace (both backends), customer facts from the sales
data as of the send date, and the targeting list's exports."""

from __future__ import annotations

import io

import numpy as np
import openpyxl
import pandas as pd
import pytest

from retail.data import schema
from retail.data.workspace import DatasetNotFound, Workspace
from retail.experiments.evaluation import compare_uplift
from retail.experiments.features import NO_HISTORY, SEGMENT_FACT, add_customer_facts, customer_facts
from retail.experiments.results import CampaignColumns, campaign_from_frame
from retail.experiments.store import find_results, load_campaign_source, load_results, save_results, stored_results
from retail.experiments.targeting import (
    save_targeting,
    saved_targeting,
    targeted_customers,
    targeting_list,
    to_csv,
    to_excel,
)
from tests.customers_data import shop_lines
from tests.experiments_data import campaign

SEND = pd.Timestamp("2023-12-01")


@pytest.fixture(scope="module")
def shop():
    return shop_lines(customers=400, days=420, seed=8)


def shop_campaign(shop: pd.DataFrame, seed: int = 1) -> pd.DataFrame:
    """A randomised test sent to the shop's customers: recent customers respond to the voucher."""
    facts = customer_facts(shop, SEND)
    rng = np.random.default_rng(seed)
    arm = rng.choice(["voucher", "no mail"], size=len(facts))
    chance = 0.1 + np.where((arm == "voucher") & (facts["days since last purchase"] < 60), 0.4, 0.0)
    return pd.DataFrame({"Customer": facts.index, "Offer": arm, "Sent": "2023-12-01",
                         "Purchased": np.where(rng.random(len(facts)) < chance, "yes", "no")})


def test_campaign_results_round_trip_on_both_backends(workspace_location):
    workspace = Workspace(**workspace_location)
    frame, _ = campaign(3, customers=500)
    frame.loc[0, "channel"] = "=HYPERLINK(1)"  # stored as text, never a formula
    data = campaign_from_frame(frame)
    run = save_results(workspace, "spring test", data, dataset="shop")
    assert run.kind == "campaign_results" and run.summary["rows"] == 500
    assert [r.settings["name"] for r in stored_results(workspace, "shop")] == ["spring test"]
    _, again = load_results(workspace, "spring test")
    assert again.columns == data.columns and again.outcomes == data.outcomes and again.features == data.features
    for column in ("offer", "visit", "spend", "recency", "channel"):
        assert again.frame[column].tolist() == data.frame[column].tolist(), column
    assert again.frame["send_date"].dtype.kind == "M"
    with pytest.raises(ValueError, match="exist already"):
        save_results(workspace, "spring test", data)
    save_results(workspace, "spring test", data, replace_existing=True)
    assert len(stored_results(workspace)) == 1 and find_results(workspace, "spring test") is not None
    chosen = load_campaign_source("spring test", CampaignColumns(outcome="conversion", treatment="Offer B"), workspace)
    assert chosen.columns.outcome == "conversion" and chosen.columns.treatment == "Offer B"
    with pytest.raises(DatasetNotFound, match="no campaign results named 'autumn'"):
        load_results(workspace, "autumn")


def test_targeting_lists_are_kept_for_the_campaign_builder(workspace_location):
    workspace = Workspace(**workspace_location)
    table = pd.DataFrame({"rank": [1, 2], "customer_id": ["c1", "c2"], "targeting_score": [0.2, 0.1]})
    run = save_targeting(workspace, "shop", "spring list", table, {"model": "response", "customers": 2})
    assert [r.id for r in saved_targeting(workspace, "shop")] == [run.id]
    assert targeted_customers(workspace, run.id) == ("c1", "c2")


def test_customer_facts_are_taken_before_the_send_date(shop):
    facts = customer_facts(shop, SEND)
    later = shop[shop[schema.DATE] >= SEND]
    assert not later.empty
    changed = shop.copy()
    changed.loc[later.index, schema.QUANTITY] *= 50  # the campaign's own sales...
    changed.loc[later.index, schema.REVENUE] *= 50
    pd.testing.assert_frame_equal(customer_facts(changed, SEND), facts)  # ...never describe a customer
    assert facts["days since last purchase"].min() >= 1 and facts[SEGMENT_FACT].notna().all()


def test_facts_join_by_customer_and_find_the_effect(shop):
    results = shop_campaign(shop)
    results.loc[len(results)] = ["newcomer", "voucher", "2023-12-01", "no"]  # not in the sales data
    data = add_customer_facts(campaign_from_frame(results), shop, "the shop")
    assert data.columns.segment == SEGMENT_FACT and "days since last purchase" in data.features
    assert data.frame.set_index("Customer").loc["newcomer", SEGMENT_FACT] == NO_HISTORY
    assert "as of 01 Dec 2023" in data.notes[-1]
    result = compare_uplift(data, ["random", "two-model-logistic"], splits=3)
    table = result.summary.set_index("model")
    assert table.loc["two-model-logistic", "qini"] > table.loc["random", "qini"]
    with pytest.raises(ValueError, match="None of the campaign's customer ids"):
        add_customer_facts(campaign_from_frame(results.assign(Customer="x" + results["Customer"])), shop)


def test_targeting_list_exports_are_formula_safe(shop):
    results = shop_campaign(shop)
    results.loc[0, "Customer"] = "=cmd|' /C calc'!A0"
    data = campaign_from_frame(results)
    data = data.with_facts(pd.DataFrame({"score": np.arange(len(results), dtype=float)},
                                        index=data.frame["Customer"].to_numpy()), "facts")
    result = compare_uplift(data, ["two-model-logistic"], splits=1)
    table, headline = targeting_list(data, result, share=1.0)
    assert len(table) == len(results) and headline["customers"] == len(results)
    assert headline["expected_extra_outcomes"] == pytest.approx(headline["measured_uplift"] * len(results))
    text = to_csv(table).decode()
    assert "'=cmd" in text and "\n=cmd" not in text and text.startswith("rank,customer,")
    sheet = openpyxl.load_workbook(io.BytesIO(to_excel(table, headline, "GBP")))["targets"]
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "'=cmd|' /C calc'!A0" in values
