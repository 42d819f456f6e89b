"""Campaign experiments: intervals against Newcombe's published table, Qini against a hand-computed example, splits
without leakage, the replay of fixed and uniform policies against their known values, column
inference, customer facts as of the send date, and campaign results kept on both backends."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from retail.experiments import metrics
from retail.experiments.bandits import FixedArm, Uniform
from retail.experiments.evaluation import compare_uplift, held_out_scores, split_customers
from retail.experiments.intervals import bootstrap_difference, two_proportion_interval, two_proportion_pvalue
from retail.experiments.readout import planned_shares, read_out, sample_ratio_check
from retail.experiments.registry import POLICIES, UPLIFT_MODELS
from retail.experiments.replay import allocation, compare_policies, fixed_arm_value, replay, replay_log
from retail.experiments.results import CampaignColumns, campaign_from_frame, guess_columns, read_campaign
from tests.experiments_data import CONTROL, campaign, exact_log, not_randomised, true_effects


@pytest.fixture(scope="module")
def small():
    frame, truth = campaign(11, customers=6000, effect_scale=2.5)
    return campaign_from_frame(frame), truth


# -- intervals ------------------------------------------------------------------------------------
# Newcombe (1998), Statistics in Medicine 17: 873-890, Table II, method 10 (hybrid score), to four decimals
NEWCOMBE_TABLE_II = [((56, 70, 48, 80), (0.0524, 0.3339)), ((9, 10, 3, 10), (0.1705, 0.8090)),
                     ((6, 7, 2, 7), (0.0582, 0.8062)), ((5, 56, 0, 29), (-0.0381, 0.1926)),
                     ((0, 10, 0, 20), (-0.1611, 0.2775)), ((0, 10, 0, 10), (-0.2775, 0.2775)),
                     ((10, 10, 0, 20), (0.6791, 1.0000))]


@pytest.mark.parametrize(("counts", "published"), NEWCOMBE_TABLE_II)
def test_two_proportion_interval_equals_newcombes_table(counts, published):
    diff, low, high = two_proportion_interval(*counts)
    assert diff == pytest.approx(counts[0] / counts[1] - counts[2] / counts[3])
    assert (round(low, 4), round(high, 4)) == published


def test_wald_interval_and_pvalue_by_hand():
    diff, low, high = two_proportion_interval(30, 100, 20, 110, method="wald")
    half = 1.959964 * np.sqrt(0.3 * 0.7 / 100 + (2 / 11) * (9 / 11) / 110)
    assert (low, high) == pytest.approx((diff - half, diff + half), abs=1e-6)
    pooled = 50 / 210
    z = (0.3 - 2 / 11) / np.sqrt(pooled * (1 - pooled) * (1 / 100 + 1 / 110))
    assert two_proportion_pvalue(30, 100, 20, 110) == pytest.approx(2 * norm.sf(z))
    assert two_proportion_pvalue(0, 10, 0, 12) == 1.0
    with pytest.raises(ValueError, match="level must be between 0 and 1"):
        two_proportion_interval(1, 10, 2, 10, level=95)
    with pytest.raises(ValueError, match="Unknown interval method"):
        two_proportion_interval(1, 10, 2, 10, method="exact")


def test_bootstrap_of_sparse_spend_matches_the_plain_bootstrap():
    rng = np.random.default_rng(1)
    treated = np.where(rng.random(4000) < 0.03, rng.lognormal(4, 1, 4000), 0.0)
    control = np.where(rng.random(4000) < 0.02, rng.lognormal(4, 1, 4000), 0.0)
    diff, low, high = bootstrap_difference(treated, control, resamples=4000, seed=2)
    plain = (treated[rng.integers(0, 4000, (4000, 4000))].mean(axis=1)
             - control[rng.integers(0, 4000, (4000, 4000))].mean(axis=1))
    assert diff == pytest.approx(treated.mean() - control.mean())
    assert (low, high) == pytest.approx(tuple(np.quantile(plain, [0.025, 0.975])), abs=0.06)


# -- Qini and uplift@k ------------------------------------------------------------------------------
Y = np.array([1, 0, 1, 0, 1, 0])
T = np.array([1, 1, 0, 0, 1, 0])
SCORE = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])


def test_qini_curve_and_coefficient_by_hand():
    # Ranked as given: treated responders minus control responders x treated / control, after each customer:
    # 1 - 0 = 1; 1 - 0 = 1; 1 - 1 x 2/1 = -1; 1 - 1 x 2/2 = 0; 2 - 1 x 3/2 = 0.5; 2 - 1 x 3/3 = 1.
    x, curve = metrics.qini_curve(Y, SCORE, T)
    assert list(x) == [0, 1, 2, 3, 4, 5, 6]
    assert list(curve) == pytest.approx([0, 1, 1, -1, 0, 0.5, 1])
    # Perfect order (score y*t - y*(1-t) = 1, 0, -1, 0, 1, 0; ties move together): the two treated
    # responders (2), then the three zeros (2 - 0 x 3/2 = 2), then the control responder (2 - 1 x 3/3 = 1).
    x_best, best = metrics.perfect_qini_curve(Y, T)
    assert list(x_best) == [0, 2, 5, 6] and list(best) == pytest.approx([0, 2, 2, 1])
    # Areas: actual 0.5 + 1 + 0 - 0.5 + 0.25 + 0.75 = 2; perfect 2 + 6 + 1.5 = 9.5; random line 6 x 1 / 2 = 3.
    assert metrics.qini_coefficient(Y, SCORE, T) == pytest.approx((2.0 - 3.0) / (9.5 - 3.0))
    assert metrics.qini_coefficient(Y, Y * T - Y * (1 - T), T) == pytest.approx(1.0)


def test_uplift_at_k_by_hand():
    # Top half: customers 1-3: treated 1 and 0 (rate 0.5), control 1 (rate 1) -> -0.5.
    assert metrics.uplift_at_k(Y, SCORE, T, 0.5) == pytest.approx(-0.5)
    assert metrics.uplift_at_k(Y, SCORE, T, 1.0) == pytest.approx(2 / 3 - 1 / 3)
    assert np.isnan(metrics.uplift_at_k(Y, SCORE, T, 2 / 6))  # only treated customers in the top third
    shares = np.array([0.5, 1.0])
    assert metrics.uplift_by_share(Y, SCORE, T, shares) == pytest.approx([-0.5, 1 / 3])
    with pytest.raises(ValueError, match="yes / no outcome"):
        metrics.qini_coefficient(Y * 2.5, SCORE, T)


# -- splits and the comparison -------------------------------------------------------------------------
def test_split_keeps_customers_whole_and_strata_balanced():
    frame = pd.DataFrame({"customer": np.repeat([f"c{i}" for i in range(500)], 2), "x": np.arange(1000)})
    strata = np.repeat(np.arange(500) % 4, 2)
    held = split_customers(frame, "customer", strata, 0.3, seed=5)
    assert held.mean() == pytest.approx(0.3, abs=0.01)
    assert not set(frame["customer"][held]) & set(frame["customer"][~held])
    assert pd.Series(held).groupby(strata).mean().between(0.28, 0.32).all()
    with pytest.raises(ValueError, match="held-out share"):
        split_customers(frame, "customer", strata, 0.95, seed=5)


def test_no_leakage_from_the_held_out_part(small):
    data, _ = small
    frame = data.compared()
    held = split_customers(frame, data.customer, data.treated(frame), 0.3, seed=1)
    models = {name: UPLIFT_MODELS.get(name).build() for name in UPLIFT_MODELS.names}
    before = held_out_scores(data, frame, held, models)
    flipped = frame.copy()
    flipped.loc[held, "visit"] = 1 - flipped.loc[held, "visit"]  # every held-out outcome changes...
    after = held_out_scores(data, flipped, held, models)
    for name in models:
        assert np.array_equal(before[name], after[name]), name  # ...and no model notices
    learned = frame.copy()
    learned.loc[~held, "visit"] = 1 - learned.loc[~held, "visit"]
    changed = held_out_scores(data, learned, held, {"two-model-logistic": models["two-model-logistic"]})
    assert not np.allclose(changed["two-model-logistic"], before["two-model-logistic"])


def test_uplift_models_rank_better_than_random_and_the_best_is_chosen(small):
    data, truth = small
    result = compare_uplift(data, splits=2, seed=0)
    table = result.summary.set_index("model")
    assert set(table.index) == set(UPLIFT_MODELS.names)
    assert table.loc["two-model-logistic", "qini"] > table.loc["random", "qini"] + 0.01
    assert result.best != "random" and result.best == table.drop(index="random")["qini"].idxmax()
    info = result.summary_dict()
    assert set(info["methods"]["x-learner"]) >= {"qini", "uplift_at_30", "sd", "qini_sd", "uplift_at_30_sd"}
    assert info["methods"]["x-learner"]["sd"]["qini"] == info["methods"]["x-learner"]["qini_sd"]
    assert result.curves.groupby("model")["share"].max().eq(1.0).all()
    with pytest.raises(ValueError, match="Splits must be"):
        compare_uplift(data, splits=0)
    with pytest.raises(ValueError, match="Unknown targeting model"):
        compare_uplift(data, models=["magic"])


def test_a_best_model_is_claimed_only_when_it_beats_random_order_beyond_the_noise():
    models = ["random", "two-model-logistic", "response"]
    effects, _ = campaign(11, customers=6000, effect_scale=2.5)
    found = compare_uplift(campaign_from_frame(effects), models=models, splits=3, seed=0)
    assert found.reliable and not found.warnings and found.summary_dict()["reliable"] is True
    no_effect, _ = campaign(11, customers=6000, effect_scale=0.0)  # the contact works alike for everyone
    chance = compare_uplift(campaign_from_frame(no_effect), models=models, splits=3, seed=0)
    assert not chance.reliable and "reliably better than random order" in chance.warnings[0]


def test_targeting_needs_facts():
    frame = exact_log()[["customer", "arm", "visit"]]
    data = campaign_from_frame(frame, CampaignColumns(arm="arm", control="none"))
    with pytest.raises(ValueError, match="Targeting needs customer facts"):
        compare_uplift(data, splits=1)


@pytest.mark.parametrize("spec", [*UPLIFT_MODELS, *POLICIES], ids=lambda spec: spec.name)
def test_constructor_defaults_match_the_registry(spec):
    model = spec.resolve()()
    for param in spec.params:
        assert getattr(model, param.name) == param.default, param.name



# -- replay (Li et al. 2011) ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def uniform_log():
    data = campaign_from_frame(exact_log(per_arm=300, rates=(0.1, 0.3, 0.2)), CampaignColumns(arm="arm",
                                                                                             control="none"))
    return data, replay_log(data)


def test_replay_of_a_fixed_policy_equals_that_arms_logged_rate_exactly(uniform_log):
    data, log = uniform_log
    assert log.uniform and list(log.keep_chance) == [1.0, 1.0, 1.0]
    for arm, rate in enumerate((0.1, 0.3, 0.2)):
        for seed in range(3):
            value, kept = fixed_arm_value(log, arm, seed)
            assert value == rate and kept == 300  # exactly: every customer of the arm, none other


def test_replay_of_the_uniform_policy_has_its_known_value(uniform_log):
    _, log = uniform_log
    values, kept = [], []
    for seed in range(200):
        rng = np.random.default_rng(seed)
        run = replay(log, Uniform(), rng.permutation(len(log.rewards)), rng)
        values.append(run.mean())
        kept.append(len(run))
    # Each customer is kept with chance 1/3 whatever the response: the mean of the three arms' rates.
    assert np.mean(values) == pytest.approx(0.2, abs=0.004)
    assert np.mean(kept) == pytest.approx(300, abs=3)


def test_a_log_not_sent_equally_is_thinned_to_a_uniform_one():
    frame = exact_log(per_arm=400, rates=(0.1, 0.3, 0.2))
    frame = frame[~((frame["arm"] == "A") & (frame.index % 2 == 0))]  # offer A went to half as many
    data = campaign_from_frame(frame, CampaignColumns(arm="arm", control="none"))
    log = replay_log(data, planned=None)
    assert not log.uniform and log.keep_chance.min() < 1.0
    values = [replay(log, FixedArm(2), np.random.default_rng(s).permutation(len(log.rewards)),
                     np.random.default_rng(s)).mean() for s in range(100)]
    assert np.mean(values) == pytest.approx(log.arm_rates[2], abs=0.01)


def test_policies_beat_random_offers_and_the_json_has_the_issue_keys(small):
    data, _ = small
    result = compare_policies(data, orders=3, seed=1)
    table = result.summary.set_index("policy")
    assert set(table.index) == set(POLICIES.names)
    assert table.loc["thompson", "mean_reward"] > table.loc["uniform", "mean_reward"]
    assert table.loc["uniform", "regret"] > table.loc["thompson", "regret"]
    info = result.summary_dict()
    assert set(info["policies"]["thompson"]) >= {"mean_reward", "sd", "kept_rounds", "regret"}
    assert info["best_arm"] == "Offer A" and info["best_per_segment"] >= info["best_arm_rate"]
    assert set(result.curves["policy"]) == set(POLICIES.names)


def test_the_verdict_says_whether_any_policy_beat_the_best_single_offer(small):
    data, _ = small
    result = compare_policies(data, orders=3, seed=1)
    best = result.summary["mean_reward"].max()
    fixed = result.arm_rates[result.best_arm]
    expected = "beat always sending" if best > fixed else "No allocation policy beat"
    assert expected in result.verdict()
    result.arm_rates[result.best_arm] = best + 0.01  # the best offer made clearly better than every policy
    assert result.verdict().startswith("No allocation policy beat always sending Offer A")


def test_next_wave_allocation_sums_to_one_per_segment(small):
    data, _ = small
    table = allocation(data)
    assert table.groupby("segment")["next_wave_share"].sum().round(9).eq(1.0).all()
    assert set(table["segment"]) == set(data.frame["segment"])


# -- the read-out -----------------------------------------------------------------------------------------
def test_read_out_intervals_cover_the_true_effects():
    frame, truth = campaign(21, customers=30_000)
    data = campaign_from_frame(frame)
    result = read_out(data, resamples=1000)
    effects = true_effects(truth)
    overall = result.arms.assign(segment="(all customers)")
    rows = pd.concat([overall, result.segments]).merge(effects, on=["segment", "arm"])
    assert len(rows) == 26  # 12 segments and everyone, two offers each
    visits = (rows["difference_low"] < rows["visit_effect"]) & (rows["visit_effect"] < rows["difference_high"])
    spend = (rows["spend_low"] < rows["spend_effect"]) & (rows["spend_effect"] < rows["spend_high"])
    # 95% intervals: a loose floor here (26 intervals; a segment's spend rests on a few dozen purchases); the
    # benchmark measures the rate over five campaigns of 64,000 customers.
    assert visits.mean() >= 0.85 and spend.mean() >= 0.75
    assert visits[rows["segment"] == "(all customers)"].all()
    assert result.arms.set_index("arm").loc["Offer A", "finding"].endswith("a real effect.")
    assert result.randomised and not result.srm["mismatch"]


def test_sample_ratio_mismatch_is_caught():
    counts = pd.Series({"control": 10_000, "A": 10_600})
    assert sample_ratio_check(counts)["mismatch"]  # 48.5% / 51.5% of 20,600 planned 50 / 50: p = 0.00003
    assert not sample_ratio_check(pd.Series({"control": 10_000, "A": 10_050}))["mismatch"]
    assert planned_shares(pd.Series({"control": 1000, "A": 9000}))[0] == {"control": 0.1, "A": 0.9}
    check = sample_ratio_check(pd.Series({"control": 1000, "A": 9000}), planned={"control": 0.5, "A": 0.5})
    assert check["mismatch"] and "Sample-ratio mismatch" in check["sentence"]


def test_a_campaign_that_was_not_randomised_gets_the_plain_warning():
    data = campaign_from_frame(not_randomised())
    result = read_out(data, resamples=200)
    assert not result.randomised
    warning = next(w for w in result.warnings if "not assigned at random" in w)
    assert "channel" in warning and "need a randomised test" in warning


# -- reading campaign results -------------------------------------------------------------------------------
def test_columns_are_recognised_in_a_file(tmp_path):
    frame, _ = campaign(2, customers=600)
    path = tmp_path / "results.csv"
    frame.to_csv(path, index=False, sep=";", decimal=",")
    data = read_campaign(path)
    columns = data.columns
    assert (columns.arm, columns.control, columns.outcome, columns.customer) == ("offer", CONTROL, "visit",
                                                                                 "customer_id")
    assert (columns.spend, columns.send_date, columns.segment) == ("spend", "send_date", "segment")
    assert data.outcomes == ["visit", "conversion"]
    assert "conversion" not in data.features and "spend" not in data.features  # measured after the mailing
    assert data.frame["history"].dtype.kind == "f" and data.frame["spend"].sum() == pytest.approx(frame["spend"].sum())
    assert data.arms[0] == CONTROL and set(data.offers) == {"Offer A", "Offer B"}


def test_a_hillstrom_like_file_without_customer_ids():
    frame, _ = campaign(4, customers=300)
    frame = frame.drop(columns=["customer_id", "send_date"]).rename(columns={"offer": "segment", "segment": "tier"})
    frame["segment"] = frame["segment"].map({"Offer A": "Mens E-Mail", "Offer B": "Womens E-Mail",
                                             CONTROL: "No E-Mail"})
    data = campaign_from_frame(frame, CampaignColumns(arm="segment", control="No E-Mail", outcome="visit"))
    assert data.columns.customer is None and data.customer == "__row" and data.frame["__row"].is_unique
    assert guess_columns(frame).control == "No E-Mail"


@pytest.mark.parametrize(("columns", "message"), [
    (CampaignColumns(arm="offerr"), "has no column 'offerr' \\(arm\\); its columns are customer_id, recency"),
    (CampaignColumns(outcome="visits"), "has no column 'visits' \\(outcome\\)"),
    (CampaignColumns(control="Offer C"), "'Offer C' is not a value of the column 'offer'"),
    (CampaignColumns(outcome="history"), "must say yes or no"),
    (CampaignColumns(treatment="Offer C"), "'Offer C' is not an offer"),
])
def test_a_missing_or_wrong_column_is_one_plain_error(columns, message):
    frame, _ = campaign(5, customers=200)
    with pytest.raises(ValueError, match=message):
        campaign_from_frame(frame, columns)


def test_without_an_arm_column_the_error_says_what_to_do():
    with pytest.raises(ValueError, match="Which column says what each customer was sent"):
        campaign_from_frame(pd.DataFrame({"customer": ["a", "b"], "visit": [1, 0]}))
    with pytest.raises(ValueError, match="Which value of the column 'offer' is the control group"):
        campaign_from_frame(pd.DataFrame({"offer": ["x", "y"], "visit": [1, 0]}))
