"""Every ``--json`` command prints exactly one JSON document on stdout: logs, progress and what
native code or worker processes print go to stderr (a script pipes stdout straight into a parser)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from retail.cli import main
from retail.cli.main import build_parser
from tests.conftest import ROOT
from tests.customers_data import shop_lines, write_csv
from tests.experiments_data import CONTROL, campaign
from tests.feedback_data import messages
from tests.pricing_data import shop_rows
from tests.rossmann_data import store_days
from tests.weekly_data import sales_lines, split_weeks

SAMPLE = "sample"  # the small slice of the bundled sample (line items, customers, stores)
STORED = "stored"  # "stored:<input>": that input stored as the dataset named "stored" first (commands on a dataset)
RUN = "run"  # "run:<input>": stored, then refreshed with last_week; the command gets the run the refresh made
FAST_FORECAST = ["--top", "5", "--horizon", "2", "--windows", "1", "--models", "snaive,lightgbm"]

# command -> (input file, further arguments); every command with a --json flag must be listed here
JSON_COMMANDS: dict[str, tuple[str, list[str]]] = {
    "validate": (SAMPLE, []),
    "overview": (SAMPLE, []),
    "forecast": (SAMPLE, FAST_FORECAST),
    "recommend": (SAMPLE, ["--customer", "12748", "--n", "3"]),
    "evaluate-recs": (SAMPLE, ["--test-days", "20", "--algorithms", "popularity"]),
    "replenish": (SAMPLE, ["--level", "product", "--top", "4", "--simulate-weeks", "2"]),
    "elasticity": ("till", []),
    "price-scenario": ("till", ["--product", "A", "--change", "-0.1"]),
    "store-promotions": ("stores", []),
    "customers": ("shop", []),
    "campaign": ("shop", ["--top", "5"]),
    "uplift": ("campaign", ["--arm-col", "offer", "--control", CONTROL, "--outcome", "visit", "--splits", "2",
                            "--models", "random,two-model-logistic"]),
    "feedback": ("messages", []),
    "forecast-accuracy": (f"{STORED}:{SAMPLE}", []),
    "this-week": (f"{STORED}:{SAMPLE}", []),
    "refresh": (f"{STORED}:weeks", ["last_week"]),  # 40 weeks of a till, then its last week again
    "fva": (f"{STORED}:{SAMPLE}", []),
    "override": (f"{RUN}:weeks", ["--file", "adjustments"]),
    "bandit-replay": ("campaign", ["--arm-col", "offer", "--outcome", "visit", "--orders", "1",
                                   "--policies", "uniform,thompson"]),
}


def _commands_with_json() -> set[str]:
    parser = build_parser()
    commands = next(action for action in parser._actions if action.__class__.__name__ == "_SubParsersAction")
    return {name for name, sub in commands.choices.items()
            if any("--json" in action.option_strings for action in sub._actions)}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, small_sample_file) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("json_inputs")
    write_csv(shop_lines(customers=120, days=300, seed=4), folder / "shop.csv")
    shop_rows().to_csv(folder / "till.csv", index=False)
    store_days(stores=2, days=200).to_csv(folder / "stores.csv", index=False)
    campaign(7, customers=2000, effect_scale=2.5)[0].to_csv(folder / "campaign.csv", index=False)
    messages(400, 0).to_csv(folder / "messages.csv", index=False)
    weeks = sales_lines(weeks=40, products=4)
    weeks.to_csv(folder / "weeks.csv", index=False)
    split_weeks(weeks, "2024-09-30")[1][-1].to_csv(folder / "last_week.csv", index=False)
    (folder / "adjustments.csv").write_text("series,period,change,reason\n*,*,+10%,promotion\n")
    names = ("shop", "till", "stores", "campaign", "messages", "weeks", "last_week", "adjustments")
    return {SAMPLE: str(small_sample_file), **{name: str(folder / f"{name}.csv") for name in names}}


def test_every_json_command_is_checked_here():
    assert _commands_with_json() == set(JSON_COMMANDS)


@pytest.mark.parametrize("command", sorted(JSON_COMMANDS))
def test_stdout_is_one_json_document(command, inputs, workspace_home, capfd):
    source, extra = JSON_COMMANDS[command]
    kind, _, stored = source.partition(":")
    if kind in (STORED, RUN):
        assert main(["import", inputs[stored], "--name", STORED]) == 0
        capfd.readouterr()
        source = STORED
        if kind == RUN:
            assert main(["refresh", STORED, inputs["last_week"], "--json"]) == 0
            source = str(json.loads(capfd.readouterr().out)["run_id"])
    extra = [inputs.get(argument, argument) for argument in extra]
    assert main([command, inputs.get(source, source), *extra, "--json"]) == 0
    out = capfd.readouterr().out
    json.loads(out)  # one document and nothing else: a second line or a log line fails here


def test_a_dask_cluster_forecast_keeps_stdout_for_the_json(small_sample_file, workspace_home):
    """LightGBM on a Dask cluster prints its network set-up from the worker processes."""
    result = subprocess.run([sys.executable, "-m", "retail", "forecast", str(small_sample_file), *FAST_FORECAST,
                             "--engine", "dask", "--workers", "2", "--json"],
                            capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "lightgbm" in json.loads(result.stdout)["models"]
    assert "[LightGBM]" in result.stderr and "[LightGBM]" not in result.stdout
