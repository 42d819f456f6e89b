"""A synthetic randomised e-mail campaign with known effects (issue 18's benchmark and the tests).

Shaped like the public e-mail campaign the issue measured its reference on (64,000 customers;
offer A, offer B or no mail, assigned uniformly at random; a visit within two weeks, a purchase,
spend), with customer facts in the file (months since last purchase, last year's spend, bought
men's / women's lines, zip code, newbie, channel) and a marketing segment column.

The truth is known exactly: the chance of a visit is ``base(facts) + effect[segment, arm]``
(additive, never outside 0..1), a visitor buys with a per-segment chance, and spends a per-segment
lognormal amount. So the effect of each offer per segment on visits is ``effect``, on spend
``effect x buy chance x mean amount``, and each customer's true uplift is known (the oracle).

Run ``python benchmarks/experiments_synthetic.py OUT.csv [SEED]`` to write one campaign, and
``python benchmarks/experiments_synthetic.py --demo`` to rewrite ``sample_data/demo_campaign.csv``: the
app's demo, a synthetic test campaign sent to the bundled sample's customers on 1 November 2011
(a 10% voucher, free shipping or no mail; a purchase within 14 days and its amount), whose effects
depend on the customers' RFM segment (so customer facts from the sales data find them).
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

ARMS = ("Offer A", "Offer B", "No mail")
CONTROL = "No mail"
SEND_DATE = "2024-03-04"
# Segment = buyer type x recency band x newbie; effects of (offer A, offer B) on the visit chance.
BUYERS = ("men's only", "women's only", "both lines")
EFFECTS: dict[tuple[str, str, int], tuple[float, float]] = {
    ("men's only", "recent", 0): (0.14, 0.01), ("men's only", "recent", 1): (0.11, 0.00),
    ("men's only", "lapsed", 0): (0.09, 0.02), ("men's only", "lapsed", 1): (0.06, 0.00),
    ("women's only", "recent", 0): (0.03, 0.10), ("women's only", "recent", 1): (0.02, 0.07),
    ("women's only", "lapsed", 0): (0.01, 0.06), ("women's only", "lapsed", 1): (0.00, 0.04),
    ("both lines", "recent", 0): (0.13, 0.09), ("both lines", "recent", 1): (0.10, 0.06),
    ("both lines", "lapsed", 0): (0.07, 0.05), ("both lines", "lapsed", 1): (0.04, 0.03),
}
BUY_CHANCE = {"men's only": 0.07, "women's only": 0.09, "both lines": 0.11}  # of a visitor
MEAN_AMOUNT = {"recent": 120.0, "lapsed": 90.0}  # of a purchase
AMOUNT_SIGMA = 0.6


def segment_name(buyer: str, band: str, newbie: int) -> str:
    return f"{buyer}, {band}" + (", new" if newbie else "")


def _facts(n: int, rng: np.random.Generator) -> pd.DataFrame:
    buyer = rng.choice(len(BUYERS), size=n, p=[0.40, 0.40, 0.20])
    recency = rng.choice(np.arange(1, 13), size=n, p=np.linspace(2.0, 0.8, 12) / np.linspace(2.0, 0.8, 12).sum())
    return pd.DataFrame({
        "recency": recency,
        "history": np.round(rng.lognormal(5.0, 0.8, size=n) + 29.99, 2),
        "mens": (buyer != 1).astype(int), "womens": (buyer != 0).astype(int),
        "zip_code": rng.choice(["Urban", "Suburban", "Rural"], size=n, p=[0.40, 0.45, 0.15]),
        "newbie": rng.integers(0, 2, size=n),
        "channel": rng.choice(["Web", "Phone", "Multichannel"], size=n, p=[0.44, 0.44, 0.12]),
        "_buyer": np.asarray(BUYERS, dtype=object)[buyer],
    })


def _base_chance(facts: pd.DataFrame) -> np.ndarray:
    """The visit chance without a mail: higher for recent, big and multichannel customers (about 0.10)."""
    logit = (-1.55 - 0.09 * (facts["recency"] - 1) + 0.25 * np.log(facts["history"] / 150.0)
             + 0.35 * (facts["channel"] == "Multichannel") + 0.15 * (facts["zip_code"] == "Rural")
             - 0.10 * facts["newbie"])
    return (1.0 / (1.0 + np.exp(-logit))).to_numpy() * 0.75


def campaign(seed: int, customers: int = 64_000, effect_scale: float = 1.0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One randomised campaign: the file (as a marketing team would export it) and the truth per row
    (``effect_a``, ``effect_b``, ``uplift`` of any mail, ``spend_effect_a`` / ``_b``, ``segment``).
    ``effect_scale`` multiplies every effect (small test campaigns use stronger effects)."""
    rng = np.random.default_rng(seed)
    facts = _facts(customers, rng)
    band = np.where(facts["recency"] <= 4, "recent", "lapsed")
    keys = list(zip(facts["_buyer"], band, facts["newbie"], strict=True))
    effect = np.array([EFFECTS[key] for key in keys]) * effect_scale
    arm = rng.integers(0, len(ARMS), size=customers)  # uniform: the replay needs it
    lift = np.where(arm == 0, effect[:, 0], np.where(arm == 1, effect[:, 1], 0.0))
    visit = rng.random(customers) < _base_chance(facts) + lift
    buy_chance = facts["_buyer"].map(BUY_CHANCE).to_numpy()
    conversion = visit & (rng.random(customers) < buy_chance)
    mean_amount = pd.Series(band).map(MEAN_AMOUNT).to_numpy()
    amount = rng.lognormal(np.log(mean_amount) - AMOUNT_SIGMA**2 / 2, AMOUNT_SIGMA)
    segment = [segment_name(*key) for key in keys]
    file = pd.DataFrame({
        "customer_id": [f"C{seed:03d}{i:06d}" for i in range(customers)],
        **facts.drop(columns=["_buyer"]).to_dict("series"), "segment": segment,
        "offer": np.asarray(ARMS, dtype=object)[arm], "send_date": SEND_DATE,
        "visit": visit.astype(int), "conversion": conversion.astype(int),
        "spend": np.where(conversion, np.round(amount, 2), 0.0),
    })
    truth = pd.DataFrame({"segment": segment, "effect_a": effect[:, 0], "effect_b": effect[:, 1],
                          "uplift": effect.mean(axis=1),  # any mail = offer A or B, equally often
                          "spend_effect_a": effect[:, 0] * buy_chance * mean_amount,
                          "spend_effect_b": effect[:, 1] * buy_chance * mean_amount})
    return file, truth


def true_effects(truth: pd.DataFrame) -> pd.DataFrame:
    """Per segment and overall: each offer's true effect on the visit chance and on spend per customer
    (overall = the average over this campaign's customers, the population the read-out measures)."""
    rows = []
    for segment, group in [*truth.groupby("segment"), ("(all customers)", truth)]:
        for arm, suffix in (("Offer A", "a"), ("Offer B", "b")):
            rows.append({"segment": segment, "arm": arm, "visit_effect": group[f"effect_{suffix}"].mean(),
                         "spend_effect": group[f"spend_effect_{suffix}"].mean()})
    return pd.DataFrame(rows)


DEMO_SEND = "2011-11-01"
DEMO_ARMS = ("10% voucher", "free shipping", "no mail")
# Effects of (voucher, free shipping) on the chance of a purchase within 14 days, per RFM segment.
DEMO_EFFECTS = {"champions": (0.02, 0.03), "loyal": (0.05, 0.04), "new": (0.04, 0.09), "promising": (0.05, 0.08),
                "needs attention": (0.09, 0.04), "can't lose": (0.14, 0.05), "at risk": (0.11, 0.04),
                "hibernating": (0.04, 0.02), "lost": (0.02, 0.01)}


def demo_campaign(sales: pd.DataFrame, seed: int = 7) -> pd.DataFrame:
    """The demo campaign file over the customers of ``sales`` (canonical rows) who bought before the send date."""
    from retail.experiments.features import SEGMENT_FACT, customer_facts

    facts = customer_facts(sales, pd.Timestamp(DEMO_SEND))
    rng = np.random.default_rng(seed)
    n = len(facts)
    logit = -0.9 - 0.012 * facts["days since last purchase"] + 0.35 * np.log1p(facts["orders before"])
    base = 1.0 / (1.0 + np.exp(-logit.to_numpy()))
    effect = np.array([DEMO_EFFECTS[segment] for segment in facts[SEGMENT_FACT]])
    arm = rng.integers(0, len(DEMO_ARMS), size=n)
    lift = np.where(arm == 0, effect[:, 0], np.where(arm == 1, effect[:, 1], 0.0))
    bought = rng.random(n) < np.clip(base + lift, 0.0, 1.0)
    basket = facts["average order value before"].clip(10, 1000).fillna(50).to_numpy()
    amount = np.round(basket * rng.lognormal(-0.18, 0.6, size=n) * np.where(arm == 0, 0.9, 1.0), 2)
    return pd.DataFrame({"Customer": facts.index, "Offer": np.asarray(DEMO_ARMS, dtype=object)[arm],
                         "Sent": DEMO_SEND, "Purchased": np.where(bought, "yes", "no"),
                         "Amount": np.where(bought, amount, 0.0)})


if __name__ == "__main__":
    if sys.argv[1:] == ["--demo"]:
        from pathlib import Path

        from retail.data.ingest import load_data

        root = Path(__file__).resolve().parent.parent
        demo = demo_campaign(load_data(str(root / "sample_data" / "online_retail.parquet")).frame)
        demo.to_csv(root / "sample_data" / "demo_campaign.csv", index=False)
        print(f"wrote {len(demo):,} customers to sample_data/demo_campaign.csv")
    else:
        frame, _ = campaign(int(sys.argv[2]) if len(sys.argv) > 2 else 0)
        frame.to_csv(sys.argv[1], index=False)
        print(f"wrote {len(frame):,} customers to {sys.argv[1]}")
