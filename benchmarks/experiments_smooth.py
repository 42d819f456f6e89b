"""A second synthetic e-mail campaign, unlike the first on purpose (issue 26): development data for
the uplift defaults.

The first campaign (``experiments_synthetic.py``) has twelve segments with a fixed effect each,
added to the visit chance, and its customers who visit most without a mail also respond most to
one, so ranking by the response alone is nearly the oracle's order. In this one:

* the mail's effect works on the **log-odds** and changes **smoothly** with the facts: it grows with
  last year's spend (on a log scale: money is skewed), shrinks with the months since the last
  purchase, and is larger for web buyers and for the lines an offer speaks to (offer A: men's,
  offer B: women's);
* the customers who visit most without a mail (multichannel, long-standing, suburban) are **not**
  the ones who respond most, so a response model ranks poorly and only an uplift learner can win;
* spend is skewed harder (lognormal sd 1.0) and a third of the customers have none of the lines.

Same columns as the first campaign and the public one (recency, history, mens, womens, zip_code,
newbie, channel), no segment column, offer A / offer B / no mail uniformly at random. The truth
per customer (``uplift`` of any mail on the visit chance) is known exactly, for the oracle.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from experiments_synthetic import ARMS, SEND_DATE


def _logistic(logit: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-logit))


def _facts(n: int, rng: np.random.Generator) -> pd.DataFrame:
    lines = rng.choice(4, size=n, p=[0.30, 0.30, 0.25, 0.15])  # men's, women's, both, neither
    return pd.DataFrame({
        "recency": rng.integers(1, 13, size=n),
        "history": np.round(rng.lognormal(4.9, 1.0, size=n) + 29.99, 2),
        "mens": np.isin(lines, (0, 2)).astype(int), "womens": np.isin(lines, (1, 2)).astype(int),
        "zip_code": rng.choice(["Urban", "Surburban", "Rural"], size=n, p=[0.40, 0.45, 0.15]),
        "newbie": rng.integers(0, 2, size=n),
        "channel": rng.choice(["Web", "Phone", "Multichannel"], size=n, p=[0.44, 0.44, 0.12]),
    })


def _base_logit(facts: pd.DataFrame) -> np.ndarray:
    """Without a mail: multichannel, long-standing and suburban customers visit most (about 0.10)."""
    return (-2.3 - 0.04 * (facts["recency"] - 1) + 0.55 * (facts["channel"] == "Multichannel")
            + 0.35 * (1 - facts["newbie"]) + 0.20 * (facts["zip_code"] == "Surburban")).to_numpy()


def _effect_logits(facts: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The mail's effect on the log-odds, offer A and offer B: smooth in spend and recency."""
    common = (0.50 + 0.15 * np.log(facts["history"] / 150.0) - 0.025 * (facts["recency"] - 1)
              + 0.12 * (facts["channel"] == "Web") - 0.15 * (facts["channel"] == "Multichannel")).to_numpy()
    return (common + 0.20 * facts["mens"].to_numpy() - 0.05 * facts["womens"].to_numpy(),
            common + 0.15 * facts["womens"].to_numpy() - 0.05 * facts["mens"].to_numpy())


def campaign(seed: int, customers: int = 64_000) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One campaign: the file and the truth per row (``effect_a``, ``effect_b``, ``uplift`` of any mail)."""
    rng = np.random.default_rng(seed)
    facts = _facts(customers, rng)
    base = _logistic(_base_logit(facts))
    lift_a, lift_b = _effect_logits(facts)
    effect = np.column_stack([_logistic(_base_logit(facts) + lift_a) - base,
                              _logistic(_base_logit(facts) + lift_b) - base])
    arm = rng.integers(0, len(ARMS), size=customers)
    chance = base + np.where(arm == 0, effect[:, 0], np.where(arm == 1, effect[:, 1], 0.0))
    visit = rng.random(customers) < chance
    conversion = visit & (rng.random(customers) < 0.08)
    amount = rng.lognormal(np.log(100.0) - 0.5, 1.0, size=customers)
    file = pd.DataFrame({
        "customer_id": [f"S{seed:03d}{i:06d}" for i in range(customers)], **facts.to_dict("series"),
        "offer": np.asarray(ARMS, dtype=object)[arm], "send_date": SEND_DATE, "visit": visit.astype(int),
        "conversion": conversion.astype(int), "spend": np.where(conversion, np.round(amount, 2), 0.0),
    })
    truth = pd.DataFrame({"effect_a": effect[:, 0], "effect_b": effect[:, 1], "uplift": effect.mean(axis=1)})
    return file, truth
