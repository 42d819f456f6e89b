"""The randomised log a replay streams: each customer's arm, reward, segment and standardised facts,
and the chance of keeping a customer of each arm so that the stream is uniform (see
:mod:`retail.experiments.replay`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from retail.experiments.features import FeatureEncoder, segment_codes
from retail.experiments.readout import sample_ratio_check
from retail.experiments.results import CampaignData


@dataclass
class ReplayLog:
    """The randomised log as arrays: each customer's arm (index into ``arm_names``), reward (0 / 1),
    segment code, standardised facts with an intercept (``contexts``), and the chance of keeping a
    customer of each arm so the stream is uniform (all 1 for a uniform log)."""

    arms: np.ndarray
    rewards: np.ndarray
    segments: np.ndarray
    contexts: np.ndarray
    arm_names: list[str]
    segment_names: list[str]
    keep_chance: np.ndarray
    uniform: bool = True

    @property
    def arm_rates(self) -> np.ndarray:
        """Each arm's logged response rate."""
        tries = np.bincount(self.arms, minlength=len(self.arm_names))
        wins = np.bincount(self.arms, weights=self.rewards, minlength=len(self.arm_names))
        return np.divide(wins, tries, out=np.full(len(tries), np.nan), where=tries > 0)


def replay_log(data: CampaignData, outcome: str | None = None, planned: dict[str, float] | None = None) -> ReplayLog:
    """The log of ``data`` on ``outcome``: uniform unless the arm sizes mismatch their plan (then thinned)."""
    arm_values = data.frame[data.columns.arm].to_numpy(dtype=object)
    names = data.arms
    arms = np.array([names.index(v) for v in arm_values], dtype=np.intp)
    segments, segment_names = segment_codes(data)
    X = FeatureEncoder(data.features).fit(data.frame).transform(data.frame)
    spread = X.std(axis=0)
    X = (X - X.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
    contexts = np.hstack([np.ones((len(X), 1)), X[:, spread > 0]])
    counts = pd.Series(np.bincount(arms, minlength=len(names)), index=names)
    check = sample_ratio_check(counts, planned)
    shares = counts / counts.sum()
    # Planned as equal and logged as planned: every customer is kept (the exactness of the replay).
    uniform = not check["mismatch"] and max(check["planned"].values()) - min(check["planned"].values()) < 1e-9
    keep = np.ones(len(names)) if uniform else (shares.min() / shares).to_numpy()
    return ReplayLog(arms, data.outcome(outcome), segments, contexts, names, segment_names, keep, uniform)


