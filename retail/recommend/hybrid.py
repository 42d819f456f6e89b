"""Weighted blend of other recommenders' per-customer normalised scores."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

import numpy as np

from retail.recommend.base import Recommender, normalise_rows
from retail.recommend.content import Content
from retail.recommend.knn import ItemKNN, UserKNN
from retail.recommend.popular import BuyAgain, Trending


def default_components() -> dict[str, Recommender]:
    return {"item-knn": ItemKNN(), "user-knn": UserKNN(), "trending": Trending(), "content": Content(),
            "buy-again": BuyAgain()}


# Tuned on Online Retail's validation window (discovery); buy-again only acts when purchases are shown.
DEFAULT_WEIGHTS: dict[str, float] = {"item-knn": 1.0, "user-knn": 0.0, "trending": 1.0, "content": 0.5,
                                     "buy-again": 1.0}


class Hybrid(Recommender):
    """``score = sum_m weight_m * score_m / max(score_m)`` per customer.

    Components are passed in (name -> recommender) and fitted together; weights and every
    component setting change without refitting (``set_params(weights=...)`` or
    ``set_params(**{"item-knn__k": 20})``).

    Parameters
    ----------
    components
        Name -> unfitted recommender (default: item-knn, user-knn, trending, content, buy-again).
    weights
        Name -> weight >= 0; components without a weight get 0.
    """

    name = "hybrid"

    def __init__(self, components: Mapping[str, Recommender] | None = None,
                 weights: Mapping[str, float] | None = None) -> None:
        self.components = dict(components) if components is not None else default_components()
        self.weights = dict(weights) if weights is not None else {
            k: v for k, v in DEFAULT_WEIGHTS.items() if k in self.components}

    def _validate(self) -> None:
        unknown = sorted(set(self.weights) - set(self.components))
        if unknown:
            raise ValueError(f"Weights given for {unknown}, which are not hybrid components; "
                             f"the components are {sorted(self.components)}.")
        bad = {k: w for k, w in self.weights.items() if not np.isfinite(w) or w < 0}
        if bad:
            raise ValueError(f"Hybrid weights must be numbers >= 0; got {bad}.")
        if not any(self.weights.values()):
            raise ValueError("All hybrid weights are 0: give at least one component a positive weight.")

    def set_params(self, **params: Any) -> Self:
        """Like :meth:`Recommender.set_params`; ``"<component>__<setting>"`` reaches a component."""
        nested = {k: v for k, v in params.items() if "__" in k}
        for key, value in nested.items():
            component, _, setting = key.partition("__")
            if component not in self.components:
                raise ValueError(f"No hybrid component {component!r}; the components are {sorted(self.components)}.")
            self.components[component].set_params(**{setting: value})
        own = {k: v for k, v in params.items() if "__" not in k}
        if "weights" in own:
            own["weights"] = dict(own["weights"])
        return super().set_params(**own)

    def _fit(self, interactions) -> None:
        for component in self.components.values():
            component.fit(interactions)

    def _active(self) -> list[tuple[str, float]]:
        return [(name, w) for name, w in self.weights.items() if w > 0]

    def component_scores(self, users: np.ndarray, names: list[str] | None = None) -> dict[str, np.ndarray]:
        """Each component's per-customer normalised scores (unweighted), e.g. to tune weights."""
        names = names if names is not None else list(self.components)
        return {name: normalise_rows(self.components[name].scores(users)) for name in names}

    def _parts(self, users: np.ndarray) -> dict[str, np.ndarray]:
        active = dict(self._active())
        return {name: active[name] * part for name, part in self.component_scores(users, list(active)).items()}

    def _scores(self, users: np.ndarray) -> np.ndarray:
        return np.sum(list(self._parts(users).values()), axis=0)

    def _reasons(self, user: int, items: np.ndarray) -> list[str]:
        parts = self._parts(np.array([user]))
        names = list(parts)
        stacked = np.vstack([parts[name][0, items] for name in names])  # components x items
        best = np.argmax(stacked, axis=0)
        reasons: list[str] = [""] * len(items)
        for position, name in enumerate(names):
            cols = np.flatnonzero(best == position)
            if len(cols):
                texts = self.components[name]._reasons(user, items[cols])
                for col, text in zip(cols, texts, strict=True):
                    reasons[col] = f"{name}: {text}"
        return reasons
