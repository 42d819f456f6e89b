"""The test read-out: what each offer did against the control group, overall and per segment, with
95% intervals, the extra outcomes and revenue it brought, and a plain verdict; and the checks that
the test was run as planned (sample-ratio mismatch) and really randomised (balance of customer facts).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from retail.experiments.features import segment_codes
from retail.experiments.intervals import bootstrap_difference, two_proportion_interval, two_proportion_pvalue
from retail.experiments.results import CampaignData

SRM_P = 0.001  # the usual threshold for a sample-ratio mismatch (one false alarm in a thousand tests)
BALANCE_V = 0.1  # Cramer's V from which an arm x fact association is "strong" (Cohen's small effect)
BALANCE_P = 0.001
ROUND_SHARES = tuple(sorted({k / 20 for k in range(1, 20)} | {1 / 3, 2 / 3, 1 / 6, 5 / 6, 1 / 8, 3 / 8, 5 / 8, 7 / 8}))


@dataclass
class ReadOut:
    """Per arm (``arms``) and per segment and arm (``segments``): customers, responses, response rate,
    the difference against control with its interval, p-value, extra responses, spend per customer and
    its difference (bootstrap interval), extra revenue, the finding in words. ``srm`` and ``balance``
    are the checks."""

    outcome: str
    control: str
    level: float
    arms: pd.DataFrame
    segments: pd.DataFrame
    srm: dict[str, Any]
    balance: pd.DataFrame
    warnings: list[str] = field(default_factory=list)

    @property
    def randomised(self) -> bool:
        return not bool(self.balance["flagged"].any()) if len(self.balance) else True

    def summary_dict(self) -> dict[str, Any]:
        rows = self.arms[self.arms["arm"] != self.control]
        return {"outcome": self.outcome, "control": self.control, "randomised": self.randomised,
                "sample_ratio_mismatch": self.srm["mismatch"], "srm_p_value": _number(self.srm["p_value"]),
                "arms": {row["arm"]: {k: _number(row.get(k)) for k in (
                    "customers", "response_rate", "difference", "difference_low", "difference_high",
                    "extra_responses", "extra_revenue")} for row in rows.to_dict("records")},
                "warnings": self.warnings}


def _number(value: Any) -> float | int | None:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return None
    return int(value) if isinstance(value, int | np.integer) else round(float(value), 6)


def verdict(arm: str, control: str, outcome: str, difference: float, low: float, high: float, level: float) -> str:
    """One plain sentence: did the offer change the outcome, by how much, and how sure are we."""
    if not np.isfinite(difference):
        return f"{arm}: too few customers to compare with {control}."
    points = f"{difference * 100:+.1f} points ({level:.0%} interval {low * 100:+.1f} to {high * 100:+.1f})"
    if low > 0:
        return f"{arm} raised {outcome} by {points} against {control}: a real effect."
    if high < 0:
        return f"{arm} lowered {outcome} by {points} against {control}: it did harm."
    return f"{arm}: no measurable difference in {outcome} against {control}, {points}."


def _compare(outcome: np.ndarray, spend: np.ndarray | None, arms: np.ndarray, control: str, names: list[str],
             level: float, resamples: int, seed: int, outcome_name: str) -> list[dict[str, Any]]:
    """One row per arm of one group of customers (all, or one segment)."""
    base = arms == control
    n0, x0 = int(base.sum()), float(outcome[base].sum())
    rows = []
    for index, name in enumerate(names):
        mask = arms == name
        n1, x1 = int(mask.sum()), float(outcome[mask].sum())
        row: dict[str, Any] = {"arm": name, "customers": n1, "responses": x1,
                               "response_rate": x1 / n1 if n1 else np.nan}
        if name != control:
            diff, low, high = two_proportion_interval(x1, n1, x0, n0, level)
            row |= {"difference": diff, "difference_low": low, "difference_high": high,
                    "p_value": two_proportion_pvalue(x1, n1, x0, n0), "extra_responses": diff * n1,
                    "finding": verdict(name, control, outcome_name, diff, low, high, level)}
        if spend is not None:
            row["spend_per_customer"] = spend[mask].mean() if n1 else np.nan
            if name != control:
                diff, low, high = bootstrap_difference(spend[mask], spend[base], level, resamples, seed + index)
                row |= {"spend_difference": diff, "spend_low": low, "spend_high": high, "extra_revenue": diff * n1,
                        "extra_revenue_low": low * n1, "extra_revenue_high": high * n1}
        rows.append(row)
    return rows


def planned_shares(counts: pd.Series, planned: dict[str, float] | None = None) -> tuple[dict[str, float], bool]:
    """The planned share of each arm: as given, else each observed share rounded to a round share (5%
    steps, thirds, sixths, eighths) when those add up to 1, else equal shares. Also: whether assumed."""
    if planned:
        total = sum(planned.values())
        return {arm: planned.get(arm, 0.0) / total for arm in counts.index}, False
    observed = counts / counts.sum()
    rounded = {arm: min(ROUND_SHARES, key=lambda s: abs(s - share)) for arm, share in observed.items()}
    if abs(sum(rounded.values()) - 1.0) < 1e-9:
        return rounded, True
    return dict.fromkeys(counts.index, 1.0 / len(counts)), True


def sample_ratio_check(counts: pd.Series, planned: dict[str, float] | None = None) -> dict[str, Any]:
    """Chi-square test of the arms' sizes against their planned shares (a mismatch means assignment or
    logging went wrong, and the read-out can be biased)."""
    shares, assumed = planned_shares(counts, planned)
    expected = np.array([shares[arm] for arm in counts.index]) * counts.sum()
    if (expected <= 0).any():
        raise ValueError("Every arm needs a planned share above 0.")
    statistic, p_value = stats.chisquare(counts.to_numpy(dtype=float), expected)
    mismatch = bool(p_value < SRM_P)
    seen = " / ".join(f"{arm} {count / counts.sum():.1%}" for arm, count in counts.items())
    plan = " / ".join(f"{shares[arm]:.1%}" for arm in counts.index)
    how = "assumed from the counts" if assumed else "as planned"
    sentence = (f"Sample-ratio mismatch: the arms hold {seen} of the customers where {plan} was expected ({how}; "
                f"p = {p_value:.2g}). Assignment or logging went wrong somewhere: the read-out may be biased."
                if mismatch else f"Arm sizes match the plan ({seen}; {plan} {how}; p = {p_value:.2g}).")
    return {"counts": {str(k): int(v) for k, v in counts.items()}, "planned": shares, "assumed": assumed,
            "chi2": float(statistic), "p_value": float(p_value), "mismatch": mismatch, "sentence": sentence}


def _levels(values: pd.Series) -> pd.Series:
    """A fact as a few levels: quintiles of a number, the ten most frequent values of a text."""
    if values.dtype.kind in "fiub" and values.nunique() > 5:
        bins = pd.qcut(values, 5, duplicates="drop")
        return bins.astype(str).where(values.notna(), "missing")
    text = values.astype(str)
    top = text.value_counts().index[:10]
    return text.where(text.isin(top), "other")


def balance_check(data: CampaignData) -> pd.DataFrame:
    """Per customer fact: how strongly the arms differ across its levels (Cramer's V, chi-square p-value),
    flagged when strong and clear; ``example`` names the level where an arm is most over-represented."""
    arms = data.frame[data.columns.arm]
    facts = list(dict.fromkeys([*data.features, *([data.columns.segment] if data.columns.segment else [])]))
    rows = []
    for fact in facts:
        levels = _levels(data.frame[fact])
        table = pd.crosstab(arms, levels)
        if table.shape[0] < 2 or table.shape[1] < 2:
            continue
        chi2, p_value, _, _ = stats.chi2_contingency(table.to_numpy())
        v = float(np.sqrt(chi2 / (table.to_numpy().sum() * (min(table.shape) - 1))))
        shares = table / table.sum(axis=0)  # per level: which arm its customers got
        overall = table.sum(axis=1) / table.to_numpy().sum()
        gap = shares.sub(overall, axis=0)
        arm, level = gap.stack().idxmax()
        example = (f"{arm} went to {shares.loc[arm, level]:.0%} of the customers with {fact} = {level}, against "
                   f"{overall[arm]:.0%} of all customers")
        rows.append({"fact": fact, "cramers_v": v, "p_value": float(p_value),
                     "flagged": bool(v >= BALANCE_V and p_value < BALANCE_P), "example": example})
    columns = ["fact", "cramers_v", "p_value", "flagged", "example"]
    return pd.DataFrame(rows, columns=columns).sort_values("cramers_v", ascending=False, ignore_index=True)


def not_randomised_warning(balance: pd.DataFrame) -> str | None:
    """The plain warning when offers went to different kinds of customers (None when balanced)."""
    flagged = balance[balance["flagged"]]
    if flagged.empty:
        return None
    first = flagged.iloc[0]
    return (f"The offers were not assigned at random: they differ strongly by {', '.join(flagged['fact'][:3])} "
            f"({first['example']}). Uplift targeting and replay need a randomised test (offers assigned regardless "
            "of who the customer is); their figures here are not trustworthy, and the read-out compares different "
            "kinds of customers.")


def read_out(data: CampaignData, outcome: str | None = None, level: float = 0.95,
             planned: dict[str, float] | None = None, resamples: int = 2000, seed: int = 0) -> ReadOut:
    """The read-out of ``data`` on ``outcome`` (default: the chosen outcome), per arm and per segment.

    Parameters
    ----------
    level : the intervals' level (0.95: 95% intervals).
    planned : arm -> planned share, for the sample-ratio check (default: see :func:`planned_shares`).
    resamples, seed : the spend bootstrap's resamples and random seed.
    """
    outcome = outcome or data.columns.outcome
    if outcome not in data.outcomes:
        raise ValueError(f"{outcome!r} is not a yes / no outcome of this campaign ({', '.join(data.outcomes)}).")
    arms, control, names = data.frame[data.columns.arm].to_numpy(dtype=object), data.columns.control, data.arms
    values, spend = data.outcome(outcome), data.spend()
    overall = pd.DataFrame(_compare(values, spend, arms, control, names, level, resamples, seed, outcome))
    codes, segment_names = segment_codes(data)
    per_segment = []
    for code, name in enumerate(segment_names):
        mask = codes == code
        rows = _compare(values[mask], None if spend is None else spend[mask], arms[mask], control, names, level,
                        resamples, seed + 100 * (code + 1), outcome)
        per_segment += [{"segment": name, **row} for row in rows]
    srm = sample_ratio_check(data.frame[data.columns.arm].value_counts().reindex(names))
    balance = balance_check(data)
    warnings = [srm["sentence"]] if srm["mismatch"] else []
    if (warning := not_randomised_warning(balance)) is not None:
        warnings.append(warning)
    return ReadOut(outcome, control, level, overall, pd.DataFrame(per_segment), srm, balance, warnings)
