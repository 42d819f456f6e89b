"""Allocation policies for the next wave: which offer each next customer gets, learning from the
responses as they come in (multi-armed bandits).

Every policy has the same small interface, driven by the replay (:mod:`retail.experiments.replay`):
``start(log, rng)`` before the first customer, ``choose(i)`` the offer (an arm index) for customer
``i`` of the log, and ``learn(i, arm, reward)`` after a response was seen. Non-contextual policies
ignore who customer ``i`` is; contextual ones read the log's segment codes or facts. The registry
(:data:`~retail.experiments.registry.POLICIES`) lists them.
"""

from __future__ import annotations

from typing import Self

import numpy as np
from sklearn.base import BaseEstimator

from retail.errors import LearnedState
from retail.experiments.log import ReplayLog


class Policy(LearnedState, BaseEstimator):
    """The shared interface (see the module). Settings are stored by ``__init__``; all learned
    state is set in :meth:`start` (the policy's ``fit``: it returns the policy), so one policy object
    can be replayed many times."""

    learned_by = "start(log, rng)"

    def start(self, log: ReplayLog, rng: np.random.Generator) -> Self:
        self.arms_ = len(log.arm_names)
        self.rng_ = rng
        return self

    def choose(self, i: int) -> int:
        raise NotImplementedError

    def learn(self, i: int, arm: int, reward: float) -> None:
        """Most policies learn; the fixed ones do not."""


class FixedArm(Policy):
    """Always the same offer (for the replay's check and the best-offer reference)."""

    def __init__(self, arm: int = 0) -> None:
        self.arm = arm

    def choose(self, i: int) -> int:
        return self.arm


class Uniform(Policy):
    """Every offer equally often, at random (as in the test)."""

    def start(self, log: ReplayLog, rng: np.random.Generator) -> Self:
        super().start(log, rng)
        self.draws_ = rng.integers(0, self.arms_, size=len(log.rewards))
        return self

    def choose(self, i: int) -> int:
        return int(self.draws_[i])


class _Counts(Policy):
    """Responses and customers per offer (and per segment, for the per-segment policies)."""

    segments = False

    def start(self, log: ReplayLog, rng: np.random.Generator) -> Self:
        super().start(log, rng)
        self.segment_of_ = log.segments if self.segments else np.zeros(len(log.rewards), dtype=np.intp)
        groups = len(log.segment_names) if self.segments else 1
        self.wins_ = np.zeros((groups, self.arms_))
        self.tries_ = np.zeros((groups, self.arms_))
        return self

    def learn(self, i: int, arm: int, reward: float) -> None:
        group = self.segment_of_[i]
        self.wins_[group, arm] += reward
        self.tries_[group, arm] += 1


class EpsilonGreedy(_Counts):
    """The best rate so far; a random offer for a share ``epsilon`` of customers. Offers not tried yet
    come first."""

    def __init__(self, epsilon: float = 0.1) -> None:
        self.epsilon = epsilon

    def start(self, log: ReplayLog, rng: np.random.Generator) -> Self:
        super().start(log, rng)
        n = len(log.rewards)
        self.explore_ = rng.random(n) < self.epsilon
        self.random_arm_ = rng.integers(0, self.arms_, size=n)
        return self

    def choose(self, i: int) -> int:
        if self.explore_[i]:
            return int(self.random_arm_[i])
        tries = self.tries_[0]
        if (tries == 0).any():
            return int(np.argmin(tries))
        return int(np.argmax(self.wins_[0] / tries))


class Thompson(_Counts):
    """Beta(1 + responses, 1 + non-responses) per offer; each customer gets the offer whose draw is highest."""

    def choose(self, i: int) -> int:
        group = self.segment_of_[i]
        wins, tries = self.wins_[group], self.tries_[group]
        return int(np.argmax(self.rng_.beta(1.0 + wins, 1.0 + tries - wins)))


class SegmentThompson(Thompson):
    """Thompson sampling with its own counts in every segment."""

    segments = True


class LinUCB(Policy):
    """Disjoint LinUCB (Li et al. 2010): per offer a ridge regression of the response on the customer's
    facts (standardised, with an intercept); the offer with the highest ``estimate + alpha x its standard
    error`` is chosen. Inverses are updated in place (Sherman-Morrison), so a step costs O(offers x facts^2)."""

    def __init__(self, alpha: float = 0.5) -> None:
        self.alpha = alpha

    def start(self, log: ReplayLog, rng: np.random.Generator) -> Self:
        super().start(log, rng)
        self.contexts_ = log.contexts
        d = log.contexts.shape[1]
        self.inverse_ = np.repeat(np.eye(d)[None, :, :], self.arms_, axis=0)
        self.b_ = np.zeros((self.arms_, d))
        self.theta_ = np.zeros((self.arms_, d))
        return self

    def choose(self, i: int) -> int:
        x = self.contexts_[i]
        spread = self.inverse_ @ x  # (arms, d)
        scores = self.theta_ @ x + self.alpha * np.sqrt(np.maximum(spread @ x, 0.0))
        return int(np.argmax(scores))

    def learn(self, i: int, arm: int, reward: float) -> None:
        x = self.contexts_[i]
        inverse = self.inverse_[arm]
        ax = inverse @ x
        inverse -= np.outer(ax, ax) / (1.0 + x @ ax)
        self.b_[arm] += reward * x
        self.theta_[arm] = inverse @ self.b_[arm]
