"""How the default elasticity model's settings were chosen: variants on the development seeds of both files.

Each variant is the default model with one setting changed (``bench_pricing.py --sweep`` prints
the table). The panel is built once per seed, as the app builds it; every variant is fitted on it
and scored on the elasticities it reports (shrunk, with their intervals), and on the products'
own estimates before shrinkage.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
from bench_pricing import FILES, score, seed_frame

from retail.pricing.design import DesignOptions
from retail.pricing.estimators import ShrunkRegression
from retail.pricing.panel import build_price_panel
from retail.pricing.tables import Z95


class _Harmonics(ShrunkRegression):
    """The default model with another number of yearly Fourier harmonics (a design constant)."""

    def __init__(self, terms: int) -> None:
        super().__init__()
        self.terms = terms

    def design(self) -> DesignOptions:
        return DesignOptions(trend=self.trend, season=self.season, yearly_terms=self.terms)


VARIANTS = {
    "default": lambda: ShrunkRegression(),
    "trend and season each product's own (before issue 26.1's second round)": lambda: ShrunkRegression(
        trend_season="own"),
    "one lift for all promotions": lambda: ShrunkRegression(promotions="shared"),
    "Poisson": lambda: ShrunkRegression(family="poisson"),
    "robust intervals (weeks as clusters)": lambda: ShrunkRegression(errors="robust"),
    "season month by month": lambda: ShrunkRegression(season="months"),
    "3 yearly harmonics": lambda: _Harmonics(3),
    "1 yearly harmonic": lambda: _Harmonics(1),
}


def _table(products: pd.DataFrame, mean: np.ndarray, sd: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"product_id": products["product_id"], "elasticity": mean, "ci_low": mean - Z95 * sd,
                         "ci_high": mean + Z95 * sd, "identifiable": products["identifiable"].to_numpy()})


def sweep(files: list[str], seeds: tuple[int, ...], names: list[str] | None = None) -> str:
    variants = {name: VARIANTS[name] for name in names} if names else VARIANTS
    rows = []
    for file in files:
        for seed in seeds:
            frame, truth = seed_frame(file, seed)
            panel = build_price_panel(frame)
            for name, make in variants.items():
                estimates = make().fit(panel).estimates_
                rows.append({"file": file, "variant": name, "what": "reported (shrunk)"}
                            | score(_table(panel.products, estimates.mean, estimates.sd), truth))
                rows.append({"file": file, "variant": name, "what": "own (before shrinkage)"}
                            | score(_table(panel.products, estimates.own, estimates.own_se), truth))
            print(f"{file} seed {seed} done", file=sys.stderr, flush=True)
    scores = pd.DataFrame(rows).groupby(["variant", "what", "file"], sort=False)[["mae", "within", "coverage"]].mean()
    wide = scores.unstack("file")
    lines = ["| variant (default model, one setting changed) | elasticity | " + " | ".join(
        f"{FILES[f][0]}: MAE / within 0.25 / covered" for f in files) + " | mean MAE |",
             "|---|---|" + "---:|" * (len(files) + 1)]
    for (variant, what), row in wide.iterrows():
        cells = [f"{row[('mae', f)]:.3f} / {row[('within', f)]:.0%} / {row[('coverage', f)]:.0%}" for f in files]
        mean = np.mean([row[("mae", f)] for f in files])
        lines.append(f"| {variant} | {what} | " + " | ".join(cells) + f" | {mean:.3f} |")
    return f"Development seeds {seeds[0]}-{seeds[-1]}, mean over the seeds.\n\n" + "\n".join(lines)
