"""Weighted blend of other recommenders' per-customer normalised scores."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import numpy as np

from retail.recommend.base import Recommender, Settings, normalise_rows
from retail.recommend.interactions import Interactions
from retail.recommend.registry import HYBRID_WEIGHTS, RECOMMENDERS


def default_components() -> dict[str, Recommender]:
    """The blended algorithms, built from their registry entries with default settings."""
    return {name: RECOMMENDERS.get(name).build() for name in HYBRID_WEIGHTS}


class Hybrid(Recommender):
    """``score = sum_m weight_m * score_m / max(score_m)`` per customer.

    Components are passed in (name -> recommender) and fitted together. The weights and
    every component setting are per-call settings like any other:
    ``recommend(c, weights={...})`` or ``recommend(c, **{"item-knn__k": 20})``.

    Parameters
    ----------
    components
        Name -> unfitted recommender (default: item-knn, user-knn, trending, content, buy-again).
    weights
        Name -> weight >= 0; components without a weight get 0.
    """

    def __init__(self, components: Mapping[str, Recommender] | None = None,
                 weights: Mapping[str, float] = HYBRID_WEIGHTS) -> None:
        self.components = components  # kept as given (scikit-learn's clone rebuilds from them)
        self.weights = weights

    @functools.cached_property
    def members(self) -> dict[str, Recommender]:
        """The blended recommenders by name (the registry's defaults when none were given)."""
        return dict(self.components) if self.components is not None else default_components()

    def blended(self) -> list[str]:
        """The components the default weights blend (fitted with the hybrid)."""
        return [name for name, weight in self.call_defaults()["weights"].items() if weight > 0]

    def sharing(self, fitted: Mapping[str, Recommender]) -> Hybrid:
        """The same blend, with these components (e.g. already fitted on the data it will be fitted on,
        which its fit then keeps) in place of its own."""
        return Hybrid({**self.members, **fitted}, self.weights)

    def call_defaults(self) -> dict[str, Any]:
        """Only the weights: the components' own settings are reached as ``<component>__<setting>``."""
        weights = dict(self.weights)
        if weights == HYBRID_WEIGHTS:  # the registry's blend: the weights of the components present
            weights = {name: weight for name, weight in weights.items() if name in self.members}
        return {"weights": weights}

    def _check(self, settings: dict[str, Any]) -> dict[str, Any]:
        """Own weights (checked against the components) plus ``<component>__<setting>`` keys."""
        nested: dict[str, dict[str, Any]] = {name: {} for name in self.members}
        own = {}
        for key, value in settings.items():
            component, separator, setting = key.partition("__")
            if not separator:
                own[key] = value
            elif component in self.members:
                nested[component][setting] = value
            else:
                raise ValueError(f"No hybrid component {component!r}; the components are {sorted(self.members)}.")
        unknown = sorted(set(own) - {"weights"})
        if unknown:
            raise ValueError(f"hybrid has no setting(s) {unknown}; its settings are ['weights'] and "
                             "'<component>__<setting>'.")
        weights = self._check_weights(dict(own["weights"]))
        return {"weights": weights, "components": {
            name: self.members[name].settings(**values) for name, values in nested.items()}}

    def _check_weights(self, weights: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(weights) - set(self.members))
        if unknown:
            raise ValueError(f"Weights given for {unknown}, which are not hybrid components; "
                             f"the components are {sorted(self.members)}.")
        bad = {k: w for k, w in weights.items() if not np.isfinite(w) or w < 0}
        if bad:
            raise ValueError(f"Hybrid weights must be numbers >= 0; got {bad}.")
        if not any(weights.values()):
            raise ValueError("All hybrid weights are 0: give at least one component a positive weight.")
        return {name: float(w) for name, w in weights.items()}

    def _fit(self, interactions: Interactions, settings: Settings) -> None:
        """Fit the components the default weights use, unless already fitted on these interactions (shared
        with another use); the others are fitted when a call first weighs them (a page opens without paying
        for components that are left out)."""
        for name, component in self.members.items():
            if settings["weights"].get(name, 0.0) > 0 and getattr(component, "interactions_", None) is not interactions:
                component.fit(interactions)

    def _component(self, name: str) -> Recommender:
        """Component ``name``, fitted on the hybrid's interactions (on first use when its default weight is 0)."""
        component = self.members[name]
        if getattr(component, "interactions_", None) is not self._check_fitted():
            component.fit(self.interactions_)  # the same data: the same fitted state whenever it happens
        return component

    def component_scores(self, users: np.ndarray, names: list[str] | None = None,
                         settings: Settings | None = None) -> dict[str, np.ndarray]:
        """Each component's per-customer normalised scores (unweighted), e.g. to tune weights."""
        names = names if names is not None else list(self.members)
        per_component = (settings or self.settings())["components"]
        return {name: normalise_rows(self._component(name).scores(users, **per_component[name])) for name in names}

    def _parts(self, users: np.ndarray, settings: Settings) -> dict[str, np.ndarray]:
        active = {name: w for name, w in settings["weights"].items() if w > 0}
        parts = self.component_scores(users, list(active), settings)
        return {name: active[name] * part for name, part in parts.items()}

    def _scores(self, users: np.ndarray, settings: Settings) -> np.ndarray:
        return np.sum(list(self._parts(users, settings).values()), axis=0)

    def _reasons(self, user: int, items: np.ndarray, settings: Settings) -> list[str]:
        parts = self._parts(np.array([user]), settings)
        names = list(parts)
        stacked = np.vstack([parts[name][0, items] for name in names])  # components x items
        best = np.argmax(stacked, axis=0)
        reasons: list[str] = [""] * len(items)
        for position, name in enumerate(names):
            cols = np.flatnonzero(best == position)
            if len(cols):
                component = self._component(name)
                texts = component._reasons(user, items[cols], settings["components"][name])
                for col, text in zip(cols, texts, strict=True):
                    reasons[col] = text
        return reasons
