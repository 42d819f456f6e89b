"""Offline replay of allocation policies on a randomised campaign (Li, Chu, Langford and Wang 2011,
"Unbiased offline evaluation of contextual-bandit-based news article recommendation algorithms").

The logged customers are streamed in a random order. At each one the policy chooses an offer; when
it is the offer the customer really got, the logged response is the policy's reward and the policy
learns from it (a *kept* round); otherwise the customer is skipped. Because the logged offers were
uniformly random, the kept rounds are an unbiased sample of what the policy would have met, and the
mean reward estimates its response rate. A log whose offers were not equally likely is first thinned
(each customer kept with chance smallest share / its offer's share: rejection sampling), which makes
it uniform. Replaying a fixed offer on a uniform log keeps exactly that offer's customers, so its
value is exactly their logged rate (a test checks it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from retail.experiments.bandits import FixedArm, Policy
from retail.experiments.log import ReplayLog, replay_log
from retail.experiments.registry import CONTEXTUAL, POLICIES
from retail.experiments.results import CampaignData
from retail.progress import Progress, quiet

CURVE_POINTS = 200
MAX_ORDERS = 200


def replay(log: ReplayLog, policy: Policy, order: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The rewards of the kept rounds, in stream order, of ``policy`` replayed over ``order``."""
    if not log.uniform:
        order = order[rng.random(len(order)) < log.keep_chance[log.arms[order]]]
    policy.start(log, rng)
    arms, rewards = log.arms.tolist(), log.rewards.tolist()  # Python numbers: this loop runs per customer
    choose, learn = policy.choose, policy.learn
    kept: list[float] = []
    for i in order.tolist():
        arm = arms[i]
        if choose(i) == arm:
            reward = rewards[i]
            learn(i, arm, reward)
            kept.append(reward)
    return np.asarray(kept, dtype=float)


@dataclass
class ReplayComparison:
    """Per policy (``summary``): mean reward and its spread over stream orders, kept rounds, regret
    against the best fixed offer; the mean regret curves (``curves``); the references from the log."""

    outcome: str
    summary: pd.DataFrame
    per_order: pd.DataFrame
    curves: pd.DataFrame
    arm_rates: dict[str, float]
    best_arm: str
    uniform_value: float
    best_per_segment: float
    orders: int
    customers: int
    uniform_log: bool
    warnings: list[str] = field(default_factory=list)

    def verdict(self) -> str:
        """One plain sentence: does any policy beat always sending the best single offer?"""
        best = self.summary.sort_values("mean_reward", ascending=False).iloc[0]
        fixed = self.arm_rates[self.best_arm]
        if best["mean_reward"] <= fixed:
            return (f"No allocation policy beat always sending {self.best_arm} in this replay "
                    f"({best['mean_reward']:.1%} at best against {fixed:.1%}): its exploration cost more than it "
                    "learned in this test.")
        return (f"{best['label']} beat always sending {self.best_arm} by "
                f"{100 * (best['mean_reward'] - fixed):.1f} points ({best['mean_reward']:.1%} against {fixed:.1%}).")

    def summary_dict(self) -> dict[str, Any]:
        """The command line's JSON: per policy ``mean_reward``, ``sd``, ``kept_rounds``, ``regret``."""
        policies = {row["policy"]: {"label": POLICIES.label(row["policy"]), "mean_reward": _round(row["mean_reward"]),
                                    "sd": _round(row["reward_sd"]), "kept_rounds": _round(row["kept_rounds"]),
                                    "regret": _round(row["regret"])} for row in self.summary.to_dict("records")}
        return {"outcome": self.outcome, "customers": self.customers, "orders": self.orders,
                "uniform_log": self.uniform_log, "arm_rates": {k: _round(v) for k, v in self.arm_rates.items()},
                "best_arm": self.best_arm, "best_arm_rate": _round(self.arm_rates[self.best_arm]),
                "uniform_value": _round(self.uniform_value), "best_per_segment": _round(self.best_per_segment),
                "policies": policies, "warnings": self.warnings}


def _round(value: Any) -> float | None:
    value = float(value)
    return None if not np.isfinite(value) else round(value, 6)


def best_per_segment(log: ReplayLog) -> float:
    """The response rate of sending each segment its best offer, chosen in hindsight (a ceiling)."""
    total = 0.0
    for code in range(len(log.segment_names)):
        mask = log.segments == code
        tries = np.bincount(log.arms[mask], minlength=len(log.arm_names))
        wins = np.bincount(log.arms[mask], weights=log.rewards[mask], minlength=len(log.arm_names))
        rates = np.divide(wins, tries, out=np.zeros(len(tries)), where=tries > 0)
        total += rates.max() * mask.sum()
    return total / len(log.rewards)


def _curve(runs: list[np.ndarray], best_rate: float) -> pd.DataFrame:
    """Mean regret against the best fixed offer after t kept rounds, t up to the shortest run."""
    shortest = min(len(run) for run in runs)
    if shortest == 0:
        return pd.DataFrame({"round": [], "regret": []})
    at = np.unique(np.linspace(1, shortest, min(CURVE_POINTS, shortest)).astype(int))
    regrets = np.array([at * best_rate - np.cumsum(run)[at - 1] for run in runs])
    return pd.DataFrame({"round": at, "regret": regrets.mean(axis=0)})


def compare_policies(data: CampaignData, policies: tuple[str, ...] | list[str] | None = None,
                     params: dict[str, dict[str, Any]] | None = None, orders: int = 20, seed: int = 0,
                     outcome: str | None = None, progress: Progress = quiet) -> ReplayComparison:
    """Every policy of ``policies`` (default: all registered) replayed over ``orders`` random stream
    orders of the log (the same orders for every policy).

    Raises
    ------
    ValueError
        Unknown policies or settings, an order count outside 1..200, an outcome that is not yes / no.
    """
    names = POLICIES.check_names(list(policies) if policies else list(POLICIES.names))
    params = {name: POLICIES.get(name).check(values) for name, values in (params or {}).items() if name in names}
    if not 1 <= int(orders) <= MAX_ORDERS:
        raise ValueError(f"Stream orders must be 1 to {MAX_ORDERS}; got {orders}.")
    log = replay_log(data, outcome)
    rates = log.arm_rates
    best = int(np.nanargmax(rates))
    streams = [np.random.default_rng([seed, k]).permutation(len(log.rewards)) for k in range(int(orders))]
    rows, curves = [], []
    for index, name in enumerate(names):
        progress(index / len(names), f"Replaying {POLICIES.label(name)} over {orders} orders")
        policy, runs = POLICIES.get(name).build(**params.get(name, {})), []
        for k, order in enumerate(streams):
            started = time.perf_counter()
            run = replay(log, policy, order, np.random.default_rng([seed, k, index + 1]))
            runs.append(run)
            rows.append({"policy": name, "order": k, "mean_reward": run.mean() if len(run) else np.nan,
                         "kept_rounds": len(run), "regret": len(run) * rates[best] - run.sum(),
                         "seconds": time.perf_counter() - started})
        curves.append(_curve(runs, rates[best]).assign(policy=name))
    progress(1.0, "Policies replayed")
    per_order = pd.DataFrame(rows)
    return _policy_comparison(data, log, per_order, pd.concat(curves, ignore_index=True), int(orders), outcome)


def _policy_comparison(data: CampaignData, log: ReplayLog, per_order: pd.DataFrame, curves: pd.DataFrame,
                       orders: int, outcome: str | None) -> ReplayComparison:
    grouped = per_order.groupby("policy", sort=False)
    summary = pd.DataFrame({"mean_reward": grouped["mean_reward"].mean(),
                            "reward_sd": grouped["mean_reward"].std(ddof=1),
                            "kept_rounds": grouped["kept_rounds"].mean(), "regret": grouped["regret"].mean(),
                            "replay_seconds": grouped["seconds"].sum()}).reset_index()
    summary.insert(1, "label", summary["policy"].map(POLICIES.label))
    rates = log.arm_rates
    best = log.arm_names[int(np.nanargmax(rates))]
    warnings = [] if log.uniform else [
        "The offers were not sent equally often, so the log was thinned to a uniform one before the replay "
        "(rejection sampling): fewer kept rounds, still unbiased if the offers were assigned at random."]
    if len(log.segment_names) == 1 and any(CONTEXTUAL in POLICIES.get(p).tags for p in summary["policy"]):
        warnings.append("There is no segment column, so per-segment policies learn one allocation for everyone.")
    uniform_value = float(np.nanmean(rates))  # offers at random: each offer's rate, equally often
    return ReplayComparison(outcome or data.columns.outcome, summary, per_order, curves,
                            dict(zip(log.arm_names, map(float, rates), strict=True)), best, uniform_value,
                            best_per_segment(log), orders, len(log.rewards), log.uniform, warnings)


def fixed_arm_value(log: ReplayLog, arm: int, seed: int = 0) -> tuple[float, int]:
    """The replayed response rate and kept rounds of always sending offer ``arm`` (one stream order)."""
    rng = np.random.default_rng(seed)
    run = replay(log, FixedArm(arm), rng.permutation(len(log.rewards)), rng)
    return float(run.mean()), len(run)


def allocation(data: CampaignData, outcome: str | None = None, draws: int = 4000, seed: int = 0) -> pd.DataFrame:
    """The next wave's allocation per segment (Thompson's rule on everything the test showed): each
    offer's share = the chance it is the segment's best, from Beta(1 + responses, 1 + non-responses).

    Columns: segment, customers, arm, response_rate (logged), chance_best, next_wave_share (of the
    segment's customers), segment_expected_rate (of the segment under this allocation).
    """
    log = replay_log(data, outcome)
    rng = np.random.default_rng(seed)
    rows = []
    for code, segment in enumerate(log.segment_names):
        mask = log.segments == code
        tries = np.bincount(log.arms[mask], minlength=len(log.arm_names)).astype(float)
        wins = np.bincount(log.arms[mask], weights=log.rewards[mask], minlength=len(log.arm_names))
        sampled = rng.beta(1.0 + wins, 1.0 + tries - wins, size=(draws, len(tries)))
        chance = np.bincount(sampled.argmax(axis=1), minlength=len(tries)) / draws
        rate = np.divide(wins, tries, out=np.full(len(tries), np.nan), where=tries > 0)
        expected = float(np.nansum(chance * (1.0 + wins) / (2.0 + tries)))
        rows += [{"segment": segment, "customers": int(mask.sum()), "arm": arm, "response_rate": rate[a],
                  "chance_best": chance[a], "next_wave_share": chance[a], "segment_expected_rate": expected}
                 for a, arm in enumerate(log.arm_names)]
    return pd.DataFrame(rows)
