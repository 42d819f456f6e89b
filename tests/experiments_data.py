"""Small campaigns for the experiments tests: the benchmark's synthetic randomised campaign (known
effects) at a small size, a campaign that was not randomised, and a uniform replay log."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from experiments_synthetic import ARMS, CONTROL, campaign, true_effects  # noqa: E402

__all__ = ["ARMS", "CONTROL", "campaign", "true_effects", "not_randomised", "exact_log"]


def not_randomised(customers: int = 3000, seed: int = 3) -> pd.DataFrame:
    """A campaign where the offer followed the channel (web customers got offer A, phone customers no mail)."""
    frame, _ = campaign(seed, customers)
    rng = np.random.default_rng(seed)
    web = frame["channel"] == "Web"
    frame["offer"] = np.where(web, np.where(rng.random(len(frame)) < 0.8, "Offer A", CONTROL),
                              np.where(rng.random(len(frame)) < 0.8, CONTROL, "Offer B"))
    return frame


def exact_log(per_arm: int = 300, rates: tuple[float, ...] = (0.1, 0.3, 0.2), seed: int = 0) -> pd.DataFrame:
    """Exactly ``per_arm`` customers per arm with the given response rates (exactly, to the customer)."""
    rng = np.random.default_rng(seed)
    rows = []
    for arm, rate in zip(("none", "A", "B"), rates, strict=True):
        responses = np.zeros(per_arm, dtype=int)
        responses[: int(round(rate * per_arm))] = 1
        rows.append(pd.DataFrame({"arm": arm, "visit": rng.permutation(responses),
                                  "recency": rng.integers(1, 12, per_arm),
                                  "tier": rng.choice(["gold", "silver"], per_arm)}))
    frame = pd.concat(rows, ignore_index=True).sample(frac=1.0, random_state=seed).reset_index(drop=True)
    frame.insert(0, "customer", [f"K{i:05d}" for i in range(len(frame))])
    return frame
