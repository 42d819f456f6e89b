"""Models, evaluation, campaigns and exports of the customer domain on seeded data."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

from retail.customers import evaluation
from retail.customers.analysis import CustomerSettings, analyse
from retail.customers.campaign import (
    CampaignSettings,
    attach_recommendations,
    audience,
    build_campaign,
    fit_recommender,
    load_campaign,
    save_campaign,
)
from retail.customers.export import analysis_workbook, campaign_workbook, to_csv_bytes
from retail.customers.history import build_history, outcome
from retail.customers.registry import BASELINE, PROPENSITY_MODELS, VALUE_MODELS
from retail.customers.value import LastPeriod
from retail.data import schema
from retail.data.workspace import Workspace
from tests.customers_data import shop_lines

AS_OF = pd.Timestamp("2023-11-01")


@pytest.fixture(scope="module")
def lines() -> pd.DataFrame:
    return shop_lines(customers=300, days=400, seed=0)


@pytest.fixture(scope="module")
def evaluated(lines):
    return analyse(lines, CustomerSettings(as_of=AS_OF, horizon_days=60, evaluate=True, clusters=True))


def scores_of(result) -> pd.DataFrame:
    columns = ["recency_days", "orders", "monetary", "segment", "propensity", "expected_purchases", "expected_spend"]
    return result.customers[columns]


def test_purchases_after_the_as_of_date_do_not_change_any_score(lines):
    settings = CustomerSettings(as_of=AS_OF, horizon_days=60)
    before = analyse(lines, settings)
    after = lines[lines[schema.DATE] >= AS_OF]
    noisy = after.assign(**{schema.QUANTITY: after[schema.QUANTITY] * 50, schema.REVENUE: after[schema.REVENUE] * 50})
    newcomer = after.head(40).assign(**{schema.CUSTOMER_ID: "NEW", schema.DATE: AS_OF + pd.Timedelta(hours=5)})
    changed = pd.concat([lines[lines[schema.DATE] < AS_OF], noisy, newcomer], ignore_index=True)
    again = analyse(changed, settings)
    pd.testing.assert_frame_equal(scores_of(before), scores_of(again))
    pd.testing.assert_frame_equal(before.segments, again.segments)
    assert "NEW" not in again.customers.index


def test_every_model_fits_and_predicts_per_customer(lines):
    history = build_history(lines)
    for spec in VALUE_MODELS:
        model = spec.build()
        with pytest.raises(NotFittedError):
            model.predict(history, AS_OF, 60)
        table = model.fit(history, AS_OF, 60).predict(history, AS_OF, 60)
        assert (table["expected_purchases"] >= 0).all() and table["expected_spend"].notna().all(), spec.name
    for spec in PROPENSITY_MODELS:
        scores = spec.build().fit(history, AS_OF, 60).predict_proba(history, AS_OF)
        assert scores.between(0, 1).all() and scores.nunique() > 1, spec.name


def test_last_period_repeats_the_last_days_exactly(lines):
    history = build_history(lines)
    predicted = LastPeriod().fit(history, AS_OF, 60).predict(history, AS_OF, 60)
    last = outcome(history, predicted.index, AS_OF - pd.Timedelta(days=60), 60)
    assert predicted["expected_purchases"].tolist() == last["purchases"].astype(float).tolist()


def test_learning_needs_a_history_longer_than_the_horizon(lines):
    history = build_history(lines)
    with pytest.raises(ValueError, match="the history starts"):
        PROPENSITY_MODELS.get("logistic").build().fit(history, history.first_day + pd.Timedelta(days=20), 60)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lift_against_a_reference_and_auc_without_both_classes(seed):
    rng = np.random.default_rng(seed)
    labels = rng.random(400) < 0.3
    scores = np.round(labels * 0.3 + rng.random(400), 2)  # ties included
    assert np.isnan(evaluation.roc_auc(scores, np.zeros(400, bool)))
    top = np.argsort(-scores, kind="stable")[:40]
    assert evaluation.top_decile_lift(scores, labels) == pytest.approx(labels[top].mean() / labels.mean())


def test_purchase_metrics_by_hand():
    predicted = pd.DataFrame({"expected_purchases": [3.0, 1.0, 0.5, 0.1], "expected_spend": [30.0, 10, 5, 1]},
                             index=list("abcd"))
    actual = pd.DataFrame({"purchases": [2, 0, 1], "spend": [20.0, 0, 10]}, index=list("abd"))
    out = evaluation.purchase_metrics(predicted, actual)
    assert out["purchases_predicted"] == pytest.approx(4.6) and out["purchases_actual"] == 3
    assert out["purchases_error"] == pytest.approx(4.6 / 3 - 1)
    assert out["spearman"] == pytest.approx(np.sqrt(0.1))  # ranks 4,3,2,1 against 4,1.5,1.5,3
    assert out["top_capture"] == pytest.approx(2 / 3)  # the top 10% (one customer) made 2 of 3 purchases
    assert out["spend_error"] == pytest.approx(46 / 30 - 1)


def test_evaluation_beside_baselines(evaluated):
    summary = evaluated.summary_dict()
    keys = {"propensity_auc", "top_decile_lift", "purchases_predicted", "purchases_actual", "spearman"}
    assert keys <= set(summary["evaluation"])
    assert set(evaluated.propensity_evaluation["model"]) == set(PROPENSITY_MODELS.names)
    assert set(evaluated.value_evaluation["model"]) == set(VALUE_MODELS.names)
    auc = evaluated.propensity_evaluation.set_index("model")["auc"]
    assert auc["logistic"] > 0.6 and auc["logistic"] >= auc[PROPENSITY_MODELS.first_tagged(BASELINE)] - 0.05
    assert summary["evaluation"]["purchases_actual"] == int(evaluated.customers["actual_purchases"].sum())
    assert len(evaluated.reliability) and set(evaluated.lift["decile"]) == set(range(1, 11))
    assert evaluated.clusters is not None and evaluated.clusters["description"].str.contains("buy").all()
    assert {"r", "alpha", "a", "b", "p", "q", "gamma"} <= set(evaluated.model_details["bgnbd"])


def test_evaluation_needs_the_held_out_days(lines):
    late = pd.Timestamp(lines[schema.DATE].max()) - pd.Timedelta(days=10)
    with pytest.raises(ValueError, match="holds out the 60 days"):
        analyse(lines, CustomerSettings(as_of=late, horizon_days=60, evaluate=True))
    with pytest.raises(ValueError, match="horizon must be"):
        CustomerSettings(horizon_days=2)
    with pytest.raises(ValueError, match="Unknown repeat-purchase model"):
        CustomerSettings(value_model="nope")


def test_settings_round_trip():
    settings = CustomerSettings(as_of="2023-11-01", horizon_days=30, propensity_params={"features": "activity"})
    assert CustomerSettings.from_dict(settings.to_dict()) == settings


class FakeRecommender:
    """The recommend interface the campaign uses, with a formula-like product name."""

    def recommend(self, customer: str, n: int = 10, exclude_purchased=None, **settings) -> pd.DataFrame:
        return pd.DataFrame({"rank": [1, 2], schema.PRODUCT_ID: ["P1", "P2"],
                             schema.PRODUCT_NAME: ["=HYPERLINK(\"http://x\")", "mug"], "score": [2.0, 1.0],
                             "reasons": [f"because of {customer[:0]}mugs", "popular"]}).head(n)


def test_audience_filters_and_orders(evaluated):
    settings = CampaignSettings(segments=("champions", "loyal"), min_propensity=0.3, max_customers=25, products=0)
    table = audience(evaluated, settings)
    assert len(table) <= 25 and set(table["segment"]) <= {"champions", "loyal"}
    assert table["propensity"].ge(0.3).all() and table["expected_spend"].is_monotonic_decreasing
    with pytest.raises(ValueError, match="Unknown segment"):
        CampaignSettings(segments=("vip",))
    with pytest.raises(ValueError, match="propensity band"):
        CampaignSettings(min_propensity=0.8, max_propensity=0.2)


def test_campaign_with_products_exports_safely_and_is_saved(evaluated, workspace_home: Path):
    settings = CampaignSettings(name="=cmd", max_customers=5, products=2)
    table, summary = build_campaign(evaluated, settings, FakeRecommender())
    assert {"product_1", "product_name_2", "why_1"} <= set(table.columns) and summary["customers"] == 5
    csv = to_csv_bytes(table).decode()
    assert "'=HYPERLINK" in csv and "\n=HYPERLINK" not in csv and ",=HYPERLINK" not in csv
    book = openpyxl.load_workbook(io.BytesIO(campaign_workbook(table, settings.to_dict(), summary, "GBP")))
    assert book.sheetnames == ["campaign", "settings"]
    cells = [cell.value for row in book["campaign"].iter_rows() for cell in row]
    assert "'=HYPERLINK(\"http://x\")" in cells and not any(str(c).startswith("=") for c in cells if c)
    money = [c for c in book["campaign"][1] if c.value == "expected spend"][0]
    assert "£" in book["campaign"].cell(row=2, column=money.column).number_format
    chance = [c for c in book["campaign"][1] if c.value == "probability of buying"][0]
    assert book["campaign"].cell(row=2, column=chance.column).number_format == "0.0%"
    written = dict(book["settings"].iter_rows(min_row=2, values_only=True))
    assert written["Campaign"] == "'=cmd" and written["Products per customer"] == 2 and "max_customers" not in written
    assert written["Their expected spend (with or without the campaign)"] == pytest.approx(summary["expected_revenue"])
    workspace = Workspace(workspace_home)
    run = save_campaign(workspace, "shop", settings, table, summary)
    info, stored = load_campaign(workspace, run.id)
    assert info.summary["name"] == "=cmd" and stored["customer_id"].tolist() == table["customer_id"].tolist()


def test_recommendations_through_the_public_interface(lines):
    result = analyse(lines, CustomerSettings(as_of=AS_OF, horizon_days=60))
    table = audience(result, CampaignSettings(max_customers=4, products=3))
    model = fit_recommender(lines[lines[schema.DATE] < AS_OF], CampaignSettings().algorithm)
    with_products = attach_recommendations(table, model, 3)
    offered = with_products[with_products["product_1"].notna()]  # the biggest buyers may have bought everything
    assert len(offered) and offered["why_1"].str.len().gt(0).all()
    for row in offered.itertuples():
        bought = set(lines.loc[(lines[schema.CUSTOMER_ID] == row.customer_id) & (lines[schema.DATE] < AS_OF),
                               schema.PRODUCT_ID])
        assert row.product_1 not in bought


def test_analysis_workbook_sheets(evaluated):
    book = openpyxl.load_workbook(io.BytesIO(analysis_workbook(evaluated, "EUR")))
    assert book.sheetnames == ["customers", "segments", "evaluation", "settings"]
    header = [c.value for c in book["customers"][1]]
    assert header[:3] == ["customer", "segment", "scores (recency, frequency, money)"]
    assert "probability of buying" in header


def test_constructor_defaults_match_the_registry():
    for spec in [*VALUE_MODELS, *PROPENSITY_MODELS]:
        model = spec.resolve()()
        assert {p.name: getattr(model, p.name) for p in spec.params} == spec.defaults(), spec.name


def test_registry_and_segment_tables_are_in_the_readme():
    from retail.customers.registry import segment_markdown
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    assert VALUE_MODELS.markdown_table() in readme and PROPENSITY_MODELS.markdown_table() in readme
    assert segment_markdown() in readme


def test_a_basket_list_with_members_has_no_money_but_still_scores(lines):
    baskets = lines.assign(**{schema.REVENUE: np.nan, schema.UNIT_PRICE: np.nan})
    result = analyse(baskets, CustomerSettings(as_of=AS_OF, horizon_days=60, evaluate=True))
    assert not result.has_money and result.customers["monetary"].isna().all()
    assert result.customers["expected_spend"].isna().all() and result.customers["expected_purchases"].gt(0).any()
    assert result.customers["propensity"].between(0, 1).all() and result.summary_dict()["expected_spend"] is None
    table = audience(result, CampaignSettings(max_customers=10, products=0))
    assert table["propensity"].is_monotonic_decreasing  # ordered by probability without amounts
