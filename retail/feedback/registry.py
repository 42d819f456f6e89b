"""What the customer-voice domain offers, declared once: the models that find unhappy customers and
the topic models.

The command line's choices and flags, the Customer voice page's lists and sliders, settings
validation and the README tables are generated from :data:`UNHAPPY_MODELS` and :data:`TOPIC_MODELS`.

Defaults were chosen on two kinds of review data with 5-fold and repeated held-out splits
(``benchmarks/bench_feedback.py --compare``): the 1,000 clothing reviews and a public file of
Amazon Echo reviews (another retailer, other products, shorter texts). Blending the word list into
the trained model raised its held-out AUC on both (0.930 -> 0.944 on the Echo reviews); letter
sequences added a little on both (0.897 -> 0.910 on clothing); without ratings, teaching a TF-IDF
model with the word list's surest messages beat the word list alone on both (0.781 -> 0.840 and
0.815 -> 0.867), with the same shares on both (20% unhappy, 50% happy, half weight).
"""

from __future__ import annotations

from retail.registry import Param, Registry, Spec

NEEDS_RATINGS = "needs_ratings"  # tag: learns from the file's ratings
DEFAULT = "default"  # tag: the choice when the file has ratings enough (else the first NO_RATINGS one)
NO_RATINGS = "no_ratings_default"  # tag: the choice without ratings

UNHAPPY_MODELS = Registry("unhappy-customer model", [
    Spec("ratings", "Learned from the ratings",
         "TF-IDF of words and letter sequences and a logistic regression trained on the file's own ratings "
         "(regularisation chosen by cross-validation on the training messages), calibrated, with the VADER word "
         "list blended in. Needs a few rated messages of each kind.",
         "retail.feedback.unhappy:RatingsModel",
         params=(
             Param("letters_up_to", "Letter sequences up to", 5000, "Also read 3-5 letter sequences, so misspellings "
                   "and word forms count, when the file has at most this many rated messages (they add a little "
                   "accuracy and much time); 0: never.", kind=int, minimum=0, maximum=10_000_000,
                   ui_range=(0, 50_000), step=1000),
             Param("lexicon", "Blend in the word list", True, "Blend VADER's word-list score into the probability, "
                   "weighted by how much it helps on the training messages.", kind=bool),
         ), tags=frozenset({NEEDS_RATINGS, DEFAULT})),
    Spec("taught-lexicon", "Word list, taught by the file",
         "VADER's word list scores every message; a TF-IDF model then learns this file's own words of complaint "
         "from the messages the list is surest about, and both are blended. Needs no ratings.",
         "retail.feedback.unhappy:TaughtLexiconModel",
         params=(
             Param("unhappy_share", "Surely unhappy share", 0.2, "Share of the most negative messages taken as "
                   "unhappy examples.", minimum=0.02, maximum=0.5, step=0.01),
             Param("happy_share", "Surely happy share", 0.5, "Share of the most positive messages taken as happy "
                   "examples.", minimum=0.05, maximum=0.9, step=0.05),
             Param("lexicon_weight", "Word-list weight", 0.5, "Weight of the word list in the blend (the rest: the "
                   "model taught by the file).", minimum=0.0, maximum=1.0, step=0.05),
         ), tags=frozenset({NO_RATINGS})),
    Spec("lexicon", "Word list (VADER)",
         "VADER's English word list with rules for negation, 'but' and intensifiers: the same score for the same "
         "words in any file. No training.", "retail.feedback.unhappy:LexiconModel"),
])

_TOPIC_PARAMS = (
    Param("n_topics", "Number of topics", None, "How many topics to find; empty: the number whose topics come back "
          "the same from other random starts (most stable).", kind=int, minimum=2, maximum=30, optional=True),
    Param("max_topics", "Most topics tried", 10, "The largest number of topics the stability check tries.", kind=int,
          minimum=3, maximum=30),
)
TOPIC_MODELS = Registry("topic model", [
    Spec("nmf", "Topics by word weights (NMF)",
         "TF-IDF of words and word pairs, split into topics by non-negative matrix factorisation: sharp topics "
         "on short texts.", "retail.feedback.topics:nmf_topics", params=_TOPIC_PARAMS, tags=frozenset({DEFAULT})),
    Spec("lda", "Topics by word counts (LDA)",
         "Word counts split into topics by latent Dirichlet allocation, the classic topic model: each message a "
         "mix of topics.", "retail.feedback.topics:lda_topics", params=_TOPIC_PARAMS),
])
