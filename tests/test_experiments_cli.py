"""``python -m retail uplift`` and ``python -m retail bandit-replay``."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from retail.access import audit
from retail.cli import main
from retail.data.workspace import Workspace
from retail.experiments.results import campaign_from_frame
from retail.experiments.store import save_results
from tests.experiments_data import CONTROL, campaign, not_randomised

UPLIFT = ["--arm-col", "offer", "--control", CONTROL, "--outcome", "visit"]


@pytest.fixture(scope="module")
def results_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("campaign") / "results.csv"
    campaign(7, customers=5000, effect_scale=2.5)[0].to_csv(path, index=False)
    return path


def test_uplift_json_per_method_with_spread_and_a_targeting_list(results_csv, tmp_path, workspace_home, capsys):
    out = tmp_path / "targets.csv"
    assert main(["uplift", str(results_csv), *UPLIFT, "--splits", "2", "--two-model-logistic-C", "0.5",
                 "--models", "random,response,two-model-logistic", "--out", str(out), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert set(info["methods"]) == {"random", "response", "two-model-logistic"}
    for method in info["methods"].values():
        assert set(method) >= {"qini", "uplift_at_30", "sd"} and set(method["sd"]) == {"qini", "uplift_at_30"}
    assert info["best"] != "random" and info["randomised"] is True and info["splits"] == 2
    table = pd.read_csv(out, dtype={"customer": str})
    assert len(table) == info["targeting"]["customers"] == 1500
    assert table["targeting score"].is_monotonic_decreasing and table["customer"].str.startswith("C").all()


def test_targeting_list_shows_customers_by_pseudonym_and_is_logged(results_csv, tmp_path, workspace_home, capsys):
    assert main(["pseudonymise", "on"]) == 0
    out = tmp_path / "targets.csv"
    assert main(["uplift", str(results_csv), *UPLIFT, "--splits", "2", "--models", "random,response",
                 "--out", str(out)]) == 0
    customers = pd.read_csv(out, dtype={"customer": str})["customer"]
    assert customers.str.fullmatch(r"C-[0-9a-f]{16}").all() and customers.is_unique
    log = audit.read(Workspace())
    assert ("campaign export", "targets.csv") in set(zip(log["action"], log["detail"], strict=True))


def test_uplift_text_output(results_csv, capsys):
    assert main(["uplift", str(results_csv), *UPLIFT, "--splits", "2", "--models", "random,two-model-logistic",
                 "--treatment", "Offer A"]) == 0
    printed = capsys.readouterr().out
    assert "Offer A against the control group" in printed and "two-model logistic regression" in printed
    assert "best on the held-out customers" in printed


def test_bandit_replay_json_per_policy(results_csv, capsys):
    assert main(["bandit-replay", str(results_csv), "--arm-col", "offer", "--outcome", "visit", "--orders", "3",
                 "--epsilon-greedy-epsilon", "0.2", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["orders"] == 3 and info["best_arm"] == "Offer A"
    for policy in info["policies"].values():
        assert set(policy) >= {"mean_reward", "sd", "kept_rounds", "regret"}
    assert info["policies"]["thompson"]["mean_reward"] > info["policies"]["uniform"]["mean_reward"]


def test_a_stored_campaign_is_read_by_name(results_csv, workspace_home, capsys):
    data = campaign_from_frame(pd.read_csv(results_csv))
    save_results(Workspace(), "spring", data)
    assert main(["bandit-replay", "spring", "--arm-col", "offer", "--outcome", "visit", "--orders", "1",
                 "--policies", "uniform,thompson", "--json"]) == 0
    assert set(json.loads(capsys.readouterr().out)["policies"]) == {"uniform", "thompson"}
    assert main(["bandit-replay", "autumn", "--arm-col", "offer", "--outcome", "visit"]) == 2
    assert "no campaign results named 'autumn'" in capsys.readouterr().err


@pytest.mark.parametrize(("argv", "message"), [
    (["--arm-col", "offr", "--control", CONTROL, "--outcome", "visit"], "has no column 'offr'"),
    (["--arm-col", "offer", "--control", "none", "--outcome", "visit"], "'none' is not a value of the column"),
    (["--arm-col", "offer", "--control", CONTROL, "--outcome", "spend"], "must say yes or no"),
    ([*UPLIFT, "--models", "magic"], "Unknown targeting model"),
    ([*UPLIFT, "--out", "x.pdf"], "--out must end in .xlsx or .csv"),
])
def test_a_wrong_column_or_flag_is_one_line_and_exit_2(results_csv, argv, message, capsys):
    assert main(["uplift", str(results_csv), *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_a_campaign_that_was_not_randomised_is_warned_about(tmp_path, capsys):
    path = tmp_path / "biased.csv"
    not_randomised(customers=3000).to_csv(path, index=False)
    assert main(["bandit-replay", str(path), "--arm-col", "offer", "--outcome", "visit", "--orders", "1",
                 "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["randomised"] is False
    assert "warning: The offers were not assigned at random" in captured.err
    assert "need a randomised test" in captured.err
