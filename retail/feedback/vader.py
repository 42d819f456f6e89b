"""VADER's compound score, the same numbers as vaderSentiment, several times faster.

vaderSentiment re-lowercases every word of a message for each sentiment word and each of the three
words before it (``_negation_check``, ``_special_idioms_check``) and tests negation against a list:
quadratic in the message's length, and most of the cost on reviews. :class:`FastVader` overrides only
those helpers, lowercasing a message's words once and testing negation against a set; every rule and
constant is vaderSentiment's own, so the scores are identical (``tests/test_feedback_vader.py``
checks them against the library on real reviews and on sentences made to trigger each rule).
"""

from __future__ import annotations

import threading

from vaderSentiment import vaderSentiment as vader

_NEGATIONS = frozenset(vader.NEGATE)


def _negated(word_lower: str) -> bool:
    """vaderSentiment's ``negated([word])`` for one lowercased word."""
    return word_lower in _NEGATIONS or "n't" in word_lower


class FastVader(vader.SentimentIntensityAnalyzer):
    """``SentimentIntensityAnalyzer`` with its per-word helpers made linear (same results). One instance may
    serve several threads (Streamlit sessions): the message being scored is kept per thread."""

    def __init__(self) -> None:
        super().__init__()
        self._emoji_characters = frozenset(key for key in self.emojis if len(key) == 1)
        self._message = threading.local()

    def _lowered(self, words: list[str]) -> list[str]:
        """The message's words lowercased, computed once per message (the list object is the message's)."""
        message = self._message
        if getattr(message, "words", None) is not words:
            message.words, message.lower = words, [str(w).lower() for w in words]
        return message.lower

    def polarity_scores(self, text: str) -> dict[str, float]:
        """vaderSentiment's scores; a text without emojis skips its letter-by-letter emoji rewrite (which
        would copy it unchanged)."""
        self._message.words = None  # a new message: never reuse the last one's words, even at a reused address
        if not self._emoji_characters.isdisjoint(text):
            return super().polarity_scores(text)
        text = text.strip()
        sentitext = vader.SentiText(text)
        words = sentitext.words_and_emoticons
        sentiments: list[float] = []
        for i, item in enumerate(words):
            item_lower = item.lower()
            if item_lower in vader.BOOSTER_DICT or (
                    i < len(words) - 1 and item_lower == "kind" and words[i + 1].lower() == "of"):
                sentiments.append(0)
                continue
            sentiments = self.sentiment_valence(0, sentitext, item, i, sentiments)
        return self.score_valence(self._but_check(words, sentiments), text)

    def _negation_check(self, valence: float, words: list[str], start_i: int, i: int) -> float:
        lower = self._lowered(words)
        before = lower[i - (start_i + 1)]
        if start_i == 0:
            return valence * vader.N_SCALAR if _negated(before) else valence
        if start_i == 1:
            if lower[i - 2] == "never" and lower[i - 1] in ("so", "this"):
                return valence * 1.25
            if lower[i - 2] == "without" and lower[i - 1] == "doubt":
                return valence
            return valence * vader.N_SCALAR if _negated(before) else valence
        if start_i == 2:
            if (lower[i - 3] == "never" and lower[i - 2] in ("so", "this")) or lower[i - 1] in ("so", "this"):
                return valence * 1.25
            if lower[i - 3] == "without" and (lower[i - 2] == "doubt" or lower[i - 1] == "doubt"):
                return valence
            return valence * vader.N_SCALAR if _negated(before) else valence
        return valence

    def _special_idioms_check(self, valence: float, words: list[str], i: int) -> float:
        lower = self._lowered(words)
        # called only for the third word back (i >= 3), so every index below exists
        three, two, one, zero = lower[i - 3], lower[i - 2], lower[i - 1], lower[i]
        for sequence in (f"{one} {zero}", f"{two} {one} {zero}", f"{two} {one}", f"{three} {two} {one}",
                         f"{three} {two}"):
            if sequence in vader.SPECIAL_CASES:
                valence = vader.SPECIAL_CASES[sequence]
                break
        if len(lower) - 1 > i and (after := f"{zero} {lower[i + 1]}") in vader.SPECIAL_CASES:
            valence = vader.SPECIAL_CASES[after]
        if len(lower) - 1 > i + 1 and (after := f"{zero} {lower[i + 1]} {lower[i + 2]}") in vader.SPECIAL_CASES:
            valence = vader.SPECIAL_CASES[after]
        for n_gram in (f"{three} {two} {one}", f"{three} {two}", f"{two} {one}"):
            if n_gram in vader.BOOSTER_DICT:
                valence = valence + vader.BOOSTER_DICT[n_gram]
        return valence
