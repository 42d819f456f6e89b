"""Uplift targeting on the public e-mail campaign and on development campaigns of two kinds (issue 26.4).

* ``--dev``: how the facts' encoding was chosen. Development seeds 100-104 of **both** synthetic
  campaigns (``experiments_synthetic.py``: twelve segments, effects added to the visit chance;
  ``experiments_smooth.py``: effects on the log-odds, smooth in spend and recency, and not where the
  visits are), any mail against none, outcome visit, 3 stratified 70/30 splits each: held-out Qini
  of the learners with skewed facts on a log scale (the default) and as they are, and the oracle's.
* default: the public randomised e-mail campaign (Hillstrom's MineThatData challenge, 64,000
  customers; not in the repository: put it at ``benchmarks/data/hillstrom.csv`` or pass
  ``--public PATH``), read as the app reads it (offer column ``segment``, control ``No E-Mail``,
  outcome ``visit``), every targeting model of the registry through ``compare_uplift``, the app's
  code: 25 distinct 70/30 splits (5 runs of 5), mean ± sd over the splits and the runs' spread. The
  public campaign was measured once, after the choice; nothing was chosen on it.

Run: ``.venv/bin/python benchmarks/bench_uplift.py [--dev] [--public PATH]`` (without the public file: the
development campaigns).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import experiments_smooth  # noqa: E402
import experiments_synthetic  # noqa: E402

from retail.experiments import evaluation  # noqa: E402
from retail.experiments.features import FeatureEncoder  # noqa: E402
from retail.experiments.metrics import qini_coefficient  # noqa: E402
from retail.experiments.registry import BASELINE, RESPONSE, UPLIFT_MODELS  # noqa: E402
from retail.experiments.results import CampaignColumns, read_campaign  # noqa: E402

PUBLIC = Path(__file__).resolve().parent / "data" / "hillstrom.csv"
PUBLIC_COLUMNS = CampaignColumns(arm="segment", control="No E-Mail", outcome="visit")
RUNS, SPLITS = (0, 5, 10, 15, 20), 5  # compare_uplift splits with seed + split: 25 distinct splits
DEV_SEEDS, DEV_SPLITS = (100, 101, 102, 103, 104), 3
GENERATORS = {"segments": experiments_synthetic, "smooth": experiments_smooth}
GOAL = 0.040
BEFORE = "two-model logistic regression, facts as they are (before issue 26)"


def learners() -> list[str]:
    return [m for m in UPLIFT_MODELS.names if not {BASELINE, RESPONSE} & UPLIFT_MODELS.get(m).tags]


class _RawFacts(FeatureEncoder):
    """The encoder before issue 26: every numeric fact as it is."""

    def __init__(self, features, max_levels: int = 20) -> None:
        super().__init__(features, max_levels, log_skewed=False)


def _dev_campaign(kind: str, seed: int):
    frame, truth = GENERATORS[kind].campaign(seed)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "campaign.csv"
        frame.to_csv(path, index=False)
        data = read_campaign(path, CampaignColumns(arm="offer", control="No mail", outcome="visit"))
    return data, truth


def dev_rows(kind: str, seed: int) -> list[dict]:
    data, truth = _dev_campaign(kind, seed)
    frame = data.compared()
    treated, y = data.treated(frame), frame["visit"].to_numpy(dtype=float)
    true_uplift = truth["uplift"].to_numpy()[frame.index.to_numpy()]
    rows = []
    for split in range(DEV_SPLITS):
        held = evaluation.split_customers(frame, data.customer, treated * 2 + y.astype(int), 0.3, seed + split)
        rows.append({"model": "oracle", "facts": "", "qini": qini_coefficient(y[held], true_uplift[held],
                                                                              treated[held])})
        for facts, encoder, names in (("skewed on a log scale (default)", FeatureEncoder, learners()),
                                      # trees split on ranks, which a log does not change: only the line
                                      ("as they are", _RawFacts, ["two-model-logistic"])):
            evaluation.FeatureEncoder = encoder
            models = {m: UPLIFT_MODELS.get(m).build() for m in names}
            scores = evaluation.held_out_scores(data, frame, held, models)
            rows += [{"model": m, "facts": facts, "qini": qini_coefficient(y[held], s, treated[held])}
                     for m, s in scores.items()]
        evaluation.FeatureEncoder = FeatureEncoder
    return [row | {"campaign": kind, "seed": seed} for row in rows]


def development() -> str:
    rows = []
    for kind in GENERATORS:
        for seed in DEV_SEEDS:
            rows += dev_rows(kind, seed)
            print(f"{kind} seed {seed} done", file=sys.stderr, flush=True)
    table = pd.DataFrame(rows).groupby(["model", "facts", "campaign"], sort=False)["qini"].mean().unstack()
    lines = ["| learner | facts | " + " | ".join(f"{k}: Qini" for k in GENERATORS) + " |",
             "|---|---|" + "---:|" * len(GENERATORS)]
    for (model, facts), row in table.iterrows():
        name = "oracle (ranks by the true effect)" if model == "oracle" else UPLIFT_MODELS.label(model)
        lines.append(f"| {name} | {facts} | " + " | ".join(f"{row[k]:.4f}" for k in GENERATORS) + " |")
    return (f"Development seeds {DEV_SEEDS[0]}-{DEV_SEEDS[-1]} of both campaigns, {DEV_SPLITS} splits each, "
            "mean held-out Qini.\n\n" + "\n".join(lines))


def public(path: Path) -> str:
    data = read_campaign(path, PUBLIC_COLUMNS)
    scores, best = [], []
    for run in RUNS:
        started = time.perf_counter()
        result = evaluation.compare_uplift(data, splits=SPLITS, seed=run)
        scores.append(result.scores.assign(run=run))
        best.append(result.best)
        print(f"run {run}: best {result.best}, {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    evaluation.FeatureEncoder = _RawFacts  # the learner as it was before issue 26, for comparison
    for run in RUNS:
        result = evaluation.compare_uplift(data, ["two-model-logistic"], splits=SPLITS, seed=run)
        scores.append(result.scores.assign(run=run, model=BEFORE))
    evaluation.FeatureEncoder = FeatureEncoder
    frame = pd.concat(scores, ignore_index=True)
    order = frame.groupby("model")["qini"].mean().sort_values(ascending=False).index
    lines = ["| targeting model | Qini (25 splits) | per run of 5 splits [min-max] | uplift among the top 30% |",
             "|---|---:|---:|---:|"]
    for model in order:
        part = frame[frame["model"] == model]
        runs = part.groupby("run")["qini"].mean()
        name = model if model == BEFORE else UPLIFT_MODELS.label(model)
        lines.append(f"| {name} | {part['qini'].mean():.3f} ± {part['qini'].std(ddof=1):.3f} | "
                     f"{runs.min():.3f}-{runs.max():.3f} | {part['uplift_at_30'].mean():.3f} |")
    top = frame[frame["model"].isin(learners())].groupby("model")["qini"].mean()
    se = frame[frame["model"] == top.idxmax()]["qini"].std(ddof=1) / np.sqrt(len(RUNS) * SPLITS)
    lines += ["", f"Best uplift learner: {UPLIFT_MODELS.label(top.idxmax())}, Qini {top.max():.3f} "
              f"(standard error of the mean {se:.3f}); goal >= {GOAL:.3f}: "
              f"{'met' if top.max() >= GOAL else '**missed**'}. Chosen on the held-out parts: "
              + ", ".join(UPLIFT_MODELS.label(b) for b in best) + "."]
    return f"Public e-mail campaign ({len(data.frame):,} customers), any mail against none, outcome visit.\n\n" + \
        "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", action="store_true", help="the development campaigns (how the default was chosen)")
    parser.add_argument("--public", type=Path, default=PUBLIC, help="the public campaign's CSV")
    args = parser.parse_args()
    if not args.dev and not args.public.exists():  # a clone has no public file: `make bench` still gets a table
        print(f"{args.public} is missing (the public campaign is not in the repository; see the module): "
              "the development campaigns instead.", file=sys.stderr)
    print(development() if args.dev or not args.public.exists() else public(args.public))


if __name__ == "__main__":
    main()
