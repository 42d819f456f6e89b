"""Customer voice benchmark: unhappy-customer detection (held-out AUC), topic stability across seeds, and
seconds for 10,000 messages, running the code the app runs (:mod:`retail.feedback`).

Data (each read through the app's own import, :func:`retail.data.ingest.ingest`):

* ``../shared/data/clothing_reviews`` - 1,000 real clothing reviews with ratings (958 with text);
* ``--extra FILE`` (repeatable) - further review files with ratings, e.g. the public Amazon Echo
  reviews (``amazon_alexa.tsv``; 2,383 distinct reviews after the import drops its repeats);
* synthetic service messages (``benchmarks/feedback_synthetic.py``, 3,000 messages): intents, answers.

Unhappy = rating <= 2 of 5. Each model is trained on 75% of the rated messages and scored on the other
25% (stratified), for three split seeds; the table shows the mean AUC and its spread. "Plain TF-IDF +
LR" is scikit-learn's defaults, the reference the issue names. Word-list models never see the ratings.

    python benchmarks/bench_feedback.py [--extra amazon_alexa.tsv] [--seeds 3] [--speed-messages 10000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from feedback_synthetic import messages  # noqa: E402

from retail.data import schema  # noqa: E402
from retail.data.ingest import ingest  # noqa: E402
from retail.feedback.analysis import find_topics, score_unhappy, unhappy_labels  # noqa: E402
from retail.feedback.answers import evaluate_answers  # noqa: E402
from retail.feedback.settings import FeedbackSettings  # noqa: E402
from retail.feedback.text import message_texts  # noqa: E402
from retail.feedback.topics import TopicModel, matched_overlap, top_word_sets  # noqa: E402
from retail.feedback.unhappy import LexiconModel, RatingsModel, TaughtLexiconModel, held_out_auc  # noqa: E402

CLOTHING = ROOT.parent / "shared" / "data" / "clothing_reviews" / "womens_clothing_reviews_1000.csv"


class PlainTfidfLR:
    """The reference: scikit-learn's TfidfVectorizer and LogisticRegression with their defaults."""

    def fit(self, texts, unhappy=None):
        self.pipeline_ = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000)).fit(list(texts), unhappy)
        return self

    def predict_proba(self, texts):
        return self.pipeline_.predict_proba(list(texts))[:, 1]


MODELS = {
    "plain TF-IDF + LR (reference)": PlainTfidfLR,
    "learned from ratings (default)": RatingsModel,
    "  without letter sequences": lambda: RatingsModel(letters_up_to=0),
    "  without the word list": lambda: RatingsModel(lexicon=False),
    "word list, taught by the file": TaughtLexiconModel,
    "word list (VADER)": LexiconModel,
}


def load(path: Path, name: str) -> tuple[str, np.ndarray, np.ndarray]:
    frame = ingest(str(path), name=name).result.frame
    rated = frame[schema.RATING].notna()
    labels = unhappy_labels(frame.loc[rated, schema.RATING], 2.0).astype(bool).to_numpy()
    return name, message_texts(frame[rated]).to_numpy(dtype=object), labels


def auc_table(datasets, seeds: int) -> pd.DataFrame:
    rows = []
    for name, texts, labels in datasets:
        print(f"{name}: {len(texts):,} rated messages, {labels.mean():.1%} unhappy", file=sys.stderr)
        for model, factory in MODELS.items():
            started = time.perf_counter()
            aucs = [held_out_auc(factory(), texts, labels, seed=seed)["auc"] for seed in range(seeds)]
            rows.append({"data": name, "model": model, "auc": np.mean(aucs), "sd": np.std(aucs),
                         "seconds per split": (time.perf_counter() - started) / seeds})
            print(f"  {model:<32} {np.mean(aucs):.3f} ± {np.std(aucs):.3f}", file=sys.stderr)
    return pd.DataFrame(rows)


def topic_stability(name: str, texts: np.ndarray, seeds: int) -> dict:
    """The chosen number of topics, the random-start stability that chose it, and the share of top words
    the final topics keep when the whole fit is repeated with other seeds."""
    models = [TopicModel(seed=seed).fit(texts) for seed in range(seeds)]
    chosen = [m.chosen_ for m in models]
    same_k = [m for m in models if m.chosen_ == chosen[0]]
    words = [top_word_sets(m.model_.components_, m.words_) for m in same_k]
    kept = [matched_overlap(words[0], other) for other in words[1:]]
    stability = models[0].stability_.set_index("topics")["stability"]
    return {"data": name, "topics chosen (per seed)": ", ".join(map(str, chosen)),
            "stability of that number": float(stability.get(chosen[0], np.nan)),
            "top words kept across seeds": float(np.mean(kept)) if kept else np.nan}


def speed(texts: np.ndarray, labels: np.ndarray, n: int, seed: int = 0) -> dict:
    """Seconds for ``n`` messages: clothing reviews drawn with replacement, each with a random tenth of
    its words dropped (so no two copies are the same text), ratings kept."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(texts), n)
    words = [str(texts[i]).split() for i in picks]
    varied = np.array([" ".join(w for w in ws if rng.random() > 0.1) or ws[0] for ws in words], dtype=object)
    frame = pd.DataFrame({schema.TEXT: varied, schema.TITLE: pd.NA, schema.RATING: np.where(labels[picks], 1.0, 5.0)})
    labels = unhappy_labels(frame[schema.RATING], 2.0)
    load_before = os.getloadavg()[0]
    scores = _timed(lambda: score_unhappy(varied, labels, FeedbackSettings()))
    topics = _timed(lambda: find_topics(varied, FeedbackSettings()))
    lexicon = _timed(lambda: score_unhappy(varied, labels.where(labels.isna()), FeedbackSettings()))
    return {"messages": n, "unhappy scores (trained), s": scores[0], "CPU s": scores[1],
            "unhappy scores (no ratings), s": lexicon[0], "CPU s ": lexicon[1], "topics, s": topics[0],
            "CPU s  ": topics[1], "topics and scores, s": scores[0] + topics[0],
            "load average (1 min) before / after": f"{load_before:.1f} / {os.getloadavg()[0]:.1f}",
            "cores": os.cpu_count()}


def _timed(work) -> tuple[float, float]:
    """Wall-clock and CPU seconds (this process, all its threads) of ``work()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def answers_table(n: int = 3000) -> pd.DataFrame:
    frame = messages(n, seed=7)
    rows = []
    for seed in range(3):
        rows.append(evaluate_answers(frame["Message"], frame["Intent"], frame["Reply"], seed=seed))
    table = pd.DataFrame(rows)
    return pd.DataFrame([{"data": f"synthetic service messages ({n:,})", "held-out messages": table["test_messages"].iloc[0],
                          "intent accuracy": table["intent_accuracy"].mean(),
                          "right answer among 3": table["right_answer_in_3"].mean()}])


def markdown(frame: pd.DataFrame, digits: int = 3) -> str:
    """A Markdown table (numbers rounded to ``digits``)."""
    def cell(value) -> str:
        return f"{value:,.{digits}f}" if isinstance(value, float | np.floating) else str(value)

    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extra", action="append", default=[], help="another review file with ratings")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--speed-messages", type=int, default=10_000)
    parser.add_argument("--skip-auc", action="store_true")
    parser.add_argument("--only-speed", action="store_true")
    args = parser.parse_args()
    datasets = [load(CLOTHING, "clothing reviews")] if CLOTHING.exists() else []
    datasets += [load(Path(path), Path(path).stem) for path in args.extra]
    synthetic = messages(3000, seed=5)
    texts = synthetic["Message"].to_numpy(dtype=object)
    rated = synthetic["Stars"].notna().to_numpy()
    datasets.append(("synthetic service messages", texts[rated], (synthetic["Stars"] <= 2).to_numpy()[rated]))
    if args.only_speed:
        name, texts, labels = datasets[0]
        print(markdown(pd.DataFrame([speed(texts, labels, args.speed_messages)]), 2))
        return
    if not args.skip_auc:
        table = auc_table(datasets, args.seeds)
        print("\n## Unhappy (rating <= 2): AUC on held-out messages\n")
        print(markdown(table))
    print("\n## Topics: stability across seeds\n")
    print(markdown(pd.DataFrame([topic_stability(name, texts, args.seeds) for name, texts, _ in datasets])))
    print("\n## Answer helper (held-out 25%, three seeds)\n")
    print(markdown(answers_table()))
    if datasets and args.speed_messages:
        print(f"\n## Seconds for {args.speed_messages:,} messages\n")
        name, texts, labels = datasets[0]
        print(markdown(pd.DataFrame([speed(texts, labels, args.speed_messages)]), 2))


if __name__ == "__main__":
    main()
