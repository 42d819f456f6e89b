"""The settings of one customer-voice analysis, checked once (a frozen dataclass)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from retail.feedback.registry import DEFAULT, NO_RATINGS, TOPIC_MODELS, UNHAPPY_MODELS

PERIODS = ("D", "W", "M")


@dataclass(frozen=True)
class FeedbackSettings:
    """What to compute and how.

    Parameters
    ----------
    unhappy_model : a name of :data:`UNHAPPY_MODELS`; None: learned from the ratings when the file has
        enough, else the word list taught by the file.
    unhappy_params : settings of that model (checked against the registry).
    topic_model, topic_params : likewise for :data:`TOPIC_MODELS`.
    unhappy_rating : a rating at or below this, on a 5-star scale, is an unhappy customer (scaled for
        0-10 and 0-100 scales).
    period : 'D', 'W' or 'M' for trends; None: from the span of the dates.
    trailing : periods the latest one is compared with for rising topics.
    window_days : days of the recent (and the earlier) window for complaints against sales.
    seed : seed of every random step.
    """

    unhappy_model: str | None = None
    unhappy_params: dict[str, Any] = field(default_factory=dict)
    topic_model: str = field(default_factory=lambda: TOPIC_MODELS.first_tagged(DEFAULT))
    topic_params: dict[str, Any] = field(default_factory=dict)
    unhappy_rating: float = 2.0
    period: str | None = None
    trailing: int = 4
    window_days: int = 28
    seed: int = 0

    def __post_init__(self) -> None:
        if self.unhappy_model is not None:
            object.__setattr__(self, "unhappy_params", UNHAPPY_MODELS.get(self.unhappy_model).check(self.unhappy_params))
        object.__setattr__(self, "topic_params", TOPIC_MODELS.get(self.topic_model).check(self.topic_params))
        if not 0 < self.unhappy_rating < 5:
            raise ValueError(f"The unhappy rating must be between 0 and 5 (stars); got {self.unhappy_rating!r}.")
        if self.period not in (None, *PERIODS):
            raise ValueError(f"The period must be one of {', '.join(PERIODS)}; got {self.period!r}.")
        if self.trailing < 1 or self.window_days < 1:
            raise ValueError("Trailing periods and window days must be at least 1.")

    def model_for(self, rated: int, unhappy: int) -> str:
        """The unhappy-customer model to use with ``rated`` rated messages, ``unhappy`` of them unhappy."""
        if self.unhappy_model is not None:
            return self.unhappy_model
        from retail.feedback.unhappy import MIN_PER_CLASS

        enough = min(unhappy, rated - unhappy) >= MIN_PER_CLASS
        return UNHAPPY_MODELS.first_tagged(DEFAULT if enough else NO_RATINGS)

    def params_for(self, name: str) -> dict[str, Any]:
        return dict(self.unhappy_params) if name == self.unhappy_model else {}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
