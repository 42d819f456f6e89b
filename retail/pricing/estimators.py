"""The elasticity models: one interface, fitted to a :class:`~retail.pricing.panel.PricePanel`.

Like scikit-learn estimators, ``__init__`` only stores settings and ``fit(panel)`` returns the
model with its learned state in ``estimates_`` (an :class:`Estimates`). Every model reports
each product's own estimate and standard error and the category priors
(:mod:`retail.pricing.shrinkage`); the hierarchical model also reports the shrunk posterior.
A product that is not identifiable (:mod:`retail.pricing.identify`) has its price coefficient
pinned at zero in the fit and gets no elasticity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator
from threadpoolctl import threadpool_limits

from retail.errors import LearnedState
from retail.pricing.design import LOG_PRICE, NO_CONTROLS, DesignOptions, Layout, batches
from retail.pricing.glm import Events, GlmFit, event_spread, fit_counts
from retail.pricing.ols import fit_logs
from retail.pricing.panel import EVENT, PricePanel
from retail.pricing.shrinkage import Pooled, control_precision, pool
from retail.progress import Progress, quiet, scaled

# The spread of promotion-event effects (log sd) a fit starts from, and how far the spread measured
# on the shop's data may be from it before a second pass uses the measured one. The two synthetic
# shops of the benchmark measure 0.10 and 0.15 (development seeds); a wrong start costs little
# (0.1 against 0.2 moved the error by 0.004), a second pass costs a whole fit.
EVENT_SD = 0.15
REFIT_RATIO = 1.5


@dataclass
class Estimates:
    """What a fitted model knows, per product (arrays in the order of ``panel.products``).

    ``coef`` (P, K) / ``cov`` (P, K, K): the model's coefficients and their covariance on
    ``layout.columns`` (log price measured against ``reference``); ``slope`` (P, K): how the
    other coefficients move with the price coefficient; ``own`` / ``own_se``: the
    product's own elasticity (NaN when not identifiable); ``mean`` / ``sd``: the elasticity
    reported (shrunk for the hierarchical model, else the own estimate); ``pooled``: the
    category priors; ``counts``: whether the model predicts units (a count model);
    ``event_sd``: how much one promotion's effect differs from the next (log sd; None when
    promotions share one effect); ``settled`` (P,): whether the fit of each product settled (its
    numbers stopped moving before the iteration cap; False: read its estimate with care).
    """

    layout: Layout
    reference: np.ndarray
    coef: np.ndarray
    cov: np.ndarray
    slope: np.ndarray
    alpha: np.ndarray
    own: np.ndarray
    own_se: np.ndarray
    mean: np.ndarray
    sd: np.ndarray
    pooled: Pooled
    counts: bool
    shrunk: bool
    event_sd: float | None = None
    settled: np.ndarray | None = None

    def price_effect(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The elasticity to use in lifts and scenarios, its sd, and whether it is the product's own.

        Identifiable products use their reported elasticity; the others their category's prior
        (NaN when there is none)."""
        own = np.isfinite(self.mean)
        return (np.where(own, self.mean, self.pooled.prior_mean), np.where(own, self.sd, self.pooled.prior_sd), own)

    def adjusted(self) -> tuple[np.ndarray, np.ndarray]:
        """Coefficients and covariances moved to :meth:`price_effect`'s elasticity.

        The other coefficients follow their regression on the price coefficient (the conditional
        normal of the fit), so a promotion's own lift is re-measured given the elasticity used.
        """
        beta, sd, _ = self.price_effect()
        known = np.isfinite(beta) & np.isfinite(sd)
        shift = np.where(known, beta - self.coef[:, LOG_PRICE], 0.0)
        coef = self.coef + self.slope * shift[:, None]
        outer = self.slope[:, :, None] * self.slope[:, None, :]
        variance = np.where(known, sd ** 2 - self.cov[:, LOG_PRICE, LOG_PRICE], 0.0)
        return coef, self.cov + outer * variance[:, None, None]


@dataclass
class _Fitted:
    """Every product's coefficients, covariances, curvature slopes, dispersion and whether its fit
    settled; with promotion events, each event's effect and information (concatenated over
    products); each batch's fit (the start of a second pass)."""

    coef: np.ndarray
    cov: np.ndarray
    slope: np.ndarray
    alpha: np.ndarray
    settled: np.ndarray
    event_effect: list[np.ndarray]
    event_information: list[np.ndarray]
    batch_fits: list[GlmFit]


class ElasticityModel(LearnedState, BaseEstimator):
    """Base class: a design, a per-chunk fit, and what is reported per product."""

    learned_by = "fit(panel)"
    counts = True
    shrink = False
    events = False  # a random effect per promotion event (count models with a promotion column)
    trend_season = "own"  # "shrunk": trend and season coefficients get the shop's measured spread as prior

    def design(self) -> DesignOptions:
        raise NotImplementedError

    def _fit_batch(self, batch, prior: np.ndarray, event_sd: float | None, start: GlmFit | None = None) -> GlmFit:
        raise NotImplementedError

    def fit(self, panel: PricePanel, progress: Progress = quiet) -> ElasticityModel:
        """Fit every product of ``panel``; returns self with ``estimates_``.

        With promotion events, a first pass starts from :data:`EVENT_SD` and measures how much the
        shop's promotions differ (:func:`~retail.pricing.glm.event_spread`); with ``trend_season``
        "shrunk" it also measures how far the products' trends and seasons stray
        (:func:`~retail.pricing.shrinkage.control_precision`). A second pass uses what was measured
        (always with "shrunk"; with events alone, when the spread is far from the start), starting
        from the first pass's solution.
        """
        layout = Layout(panel, self.design())
        products = panel.products
        identifiable = products["identifiable"].to_numpy(dtype=bool)
        reference = products["current_price"].to_numpy(dtype=np.float64)
        uses_events = self.events and layout.promo is not None and bool((panel.rows[EVENT] >= 0).any())
        event_sd = EVENT_SD if uses_events else None
        first = self._fit_all(panel, layout, identifiable, reference, event_sd, {}, None, scaled(progress, 0, 0.5))
        refit = False
        if uses_events:
            measured = event_spread(np.concatenate(first.event_effect), np.concatenate(first.event_information),
                                    EVENT_SD)
            refit = abs(np.log(measured / EVENT_SD)) > np.log(REFIT_RATIO)
            event_sd = measured
        controls = {}
        if self.trend_season == "shrunk":
            controls = control_precision(layout.columns, first.coef, first.cov, np.diff(panel.offsets()) > 0)
        if refit or controls:
            first = self._fit_all(panel, layout, identifiable, reference, event_sd, controls, first.batch_fits,
                                  scaled(progress, 0.5, 1))
        progress(1.0, f"Fitted {int((np.diff(panel.offsets()) > 0).sum()):,} products")
        self.estimates_ = self._estimates(layout, products, identifiable, reference, first, event_sd)
        return self

    def _fit_all(self, panel: PricePanel, layout: Layout, identifiable: np.ndarray, reference: np.ndarray,
                 event_sd: float | None, controls: dict[int, float], starts: list[GlmFit] | None,
                 progress: Progress) -> _Fitted:
        P, K = panel.n_products, layout.k
        out = _Fitted(np.zeros((P, K)), np.zeros((P, K, K)), np.zeros((P, K)), np.zeros(P), np.ones(P, dtype=bool),
                      [], [], [])
        done, fitted_total = 0, int((np.diff(panel.offsets()) > 0).sum())
        with threadpool_limits(1, user_api="blas"):  # many small products: threads only contend
            for number, batch in enumerate(batches(panel, layout, reference)):
                prior = layout.prior_precision(identifiable[batch.products])
                for column, precision in controls.items():
                    prior[:, column] = precision
                fitted = self._fit_batch(batch, prior, event_sd, starts[number] if starts else None)
                chosen = batch.products
                out.coef[chosen], out.cov[chosen], out.alpha[chosen] = fitted.coef, fitted.cov, fitted.alpha
                out.settled[chosen] = fitted.converged
                out.batch_fits.append(fitted)
                out.slope[chosen] = _price_slope(fitted.hessian)
                if fitted.event_effect is not None:
                    held = batch.event.max(axis=1)[:, None] >= np.arange(fitted.event_effect.shape[1])[None, :]
                    out.event_effect.append(fitted.event_effect[held])
                    out.event_information.append(fitted.event_information[held])
                done += len(batch.products)
                progress(done / max(fitted_total, 1), f"Fitted {done:,} of {fitted_total:,} products")
        return out

    def _estimates(self, layout: Layout, products, identifiable: np.ndarray, reference: np.ndarray,
                   fitted: _Fitted, event_sd: float | None) -> Estimates:
        coef, cov = fitted.coef, fitted.cov
        own = np.where(identifiable, coef[:, LOG_PRICE], np.nan)
        own_se = np.where(identifiable, np.sqrt(np.maximum(cov[:, LOG_PRICE, LOG_PRICE], 0)), np.nan)
        pooled = pool(own, own_se, products["category"].to_numpy(dtype=object), identifiable)
        mean, sd = (pooled.mean, pooled.sd) if self.shrink else (own, own_se)
        return Estimates(layout, reference, coef, cov, fitted.slope, fitted.alpha, own, own_se, mean, sd, pooled,
                         self.counts, self.shrink, event_sd, fitted.settled)


def _price_slope(hessian: np.ndarray) -> np.ndarray:
    """How each coefficient moves per unit of the price coefficient at the fit's optimum
    (the price column of the inverse curvature, divided by its own entry)."""
    column = np.linalg.inv(hessian)[:, :, LOG_PRICE]
    return column / column[:, LOG_PRICE:LOG_PRICE + 1]


class LogLogRegression(ElasticityModel):
    """Least squares of log units on log price over the sale rows (optionally with controls)."""

    counts = False

    def __init__(self, controls: bool = False) -> None:
        self.controls = controls

    @classmethod
    def with_controls(cls) -> LogLogRegression:
        return cls(controls=True)

    def design(self) -> DesignOptions:
        return DesignOptions(trend=False, season="months") if self.controls else NO_CONTROLS

    def _fit_batch(self, batch, prior: np.ndarray, event_sd: float | None, start: GlmFit | None = None) -> GlmFit:
        return fit_logs(batch.X, batch.y, batch.observed & batch.mask, prior)


class CountRegression(ElasticityModel):
    """Poisson or negative binomial regression of units per day, zero days included.

    ``promotions="each"`` gives every promotion event a random effect of its own around the
    product's usual promotion effect (see :mod:`retail.pricing.glm`); ``"shared"``: one effect.
    """

    def __init__(self, family: str = "poisson", season: str = "fourier", trend: bool = True,
                 errors: str = "model", promotions: str = "each", trend_season: str = "shrunk") -> None:
        self.family = family
        self.season = season
        self.trend = trend
        self.errors = errors
        self.promotions = promotions
        self.trend_season = trend_season

    @property
    def events(self) -> bool:
        return self.promotions == "each"

    @classmethod
    def negative_binomial(cls, season: str = "fourier", trend: bool = True, errors: str = "model",
                          promotions: str = "each", trend_season: str = "shrunk") -> CountRegression:
        return cls("negbin", season, trend, errors, promotions, trend_season)

    def design(self) -> DesignOptions:
        return DesignOptions(trend=self.trend, season=self.season)

    def _fit_batch(self, batch, prior: np.ndarray, event_sd: float | None, start: GlmFit | None = None) -> GlmFit:
        events = None if event_sd is None else Events(batch.event, event_sd)
        return fit_counts(batch.X, batch.y, batch.mask, prior, batch.week, self.family, self.errors, events,
                          None if start is None else start.start())


class ShrunkRegression(CountRegression):
    """A count regression per product, shrunk toward its category (empirical Bayes)."""

    shrink = True

    def __init__(self, family: str = "negbin", season: str = "fourier", trend: bool = True,
                 errors: str = "model", promotions: str = "each", trend_season: str = "shrunk") -> None:
        super().__init__(family, season, trend, errors, promotions, trend_season)
