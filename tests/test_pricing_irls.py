"""The batched IRLS of the count models (:mod:`retail.pricing.glm`): settled products leave the batch
without changing anyone's answer, Newton steps land on the negative binomial's fixed point, a second
pass started from the first's solution lands where a cold start does, and a product whose fit did
not settle is flagged, down to the product table, the headline and the verdict in words."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from retail.pricing import glm
from retail.pricing.design import DesignOptions, Layout, batches
from retail.pricing.glm import Events, dispersion, fit_counts, irls
from retail.pricing.panel import build_price_panel
from retail.pricing.run import run_elasticity
from retail.pricing.tables import NOT_SETTLED, verdict_sentence
from tests.pricing_data import canonical, till_rows


def _batch():
    """Four products of very different volume (20 to 0.4 units a day), over-dispersed: they settle at different
    steps."""
    rows = pd.concat([till_rows({"A": -1.5, "B": -0.8}, days=300, seed=5),
                      till_rows({"C": -2.0}, days=300, volume=3.0, seed=6),
                      till_rows({"D": -1.2}, days=300, volume=0.4, seed=7)], ignore_index=True)
    panel = build_price_panel(canonical(rows))
    layout = Layout(panel, DesignOptions(season="none"))
    batch = next(batches(panel, layout, panel.products["current_price"].to_numpy()))
    assert len(batch.products) == 4
    gamma = np.random.default_rng(0).gamma(2.0, 0.5, batch.y.shape)  # over-dispersed: negative binomial alpha 0.5
    batch.y = np.where(batch.mask, np.random.default_rng(1).poisson(batch.y * gamma), 0.0)
    return batch, layout.prior_precision(np.ones(len(batch.products), dtype=bool))


@pytest.mark.parametrize("family", ["poisson", "negbin"])
@pytest.mark.parametrize("with_events", [False, True])
def test_the_active_set_gives_the_full_batch_answer(family, with_events, monkeypatch):
    batch, prior = _batch()
    events = Events(batch.event, 0.3) if with_events else None
    sizes = []
    step = glm._update
    monkeypatch.setattr(glm, "_update", lambda part, *rest: sizes.append(len(part.X)) or step(part, *rest))
    active = irls(batch.X, batch.y, batch.mask, prior, family, events)
    assert sizes[0] == 4 and sizes[-1] < 4  # products did leave the batch
    full = irls(batch.X, batch.y, batch.mask, prior, family, events, active_set=False)
    assert active.converged.all() and full.converged.all()
    np.testing.assert_allclose(active.coef, full.coef, atol=1e-6)
    np.testing.assert_allclose(active.alpha, full.alpha, rtol=1e-6, atol=1e-9)
    if with_events:
        np.testing.assert_allclose(active.event, full.event, atol=1e-6)


def test_newton_steps_land_on_the_negative_binomial_fixed_point():
    """The penalised score is zero at the reported alpha, and alpha is the moment estimate at the fit."""
    batch, prior = _batch()
    fitted = irls(batch.X, batch.y, batch.mask, prior, "negbin")
    mu = np.exp(np.matmul(batch.X, fitted.coef[..., None])[..., 0])
    score = np.matmul(batch.X.transpose(0, 2, 1), ((batch.y - mu) / (1 + fitted.alpha[:, None] * mu)
                                                    * batch.mask)[..., None])[..., 0]
    np.testing.assert_allclose(score - (prior + glm.JITTER) * fitted.coef, 0.0, atol=1e-5)
    np.testing.assert_allclose(fitted.alpha, dispersion(batch.y, mu, batch.mask), rtol=1e-5, atol=1e-9)
    assert (fitted.alpha > 0).any()


def test_a_second_pass_from_the_first_pass_lands_where_a_cold_start_does():
    batch, prior = _batch()
    events = Events(batch.event, 0.3)
    first = fit_counts(batch.X, batch.y, batch.mask, prior, batch.week, "negbin", events=events)
    tighter = prior.copy()
    tighter[:, 3] = 50.0  # the trend kept to a narrower spread, as the shop's measured one does
    warm = fit_counts(batch.X, batch.y, batch.mask, tighter, batch.week, "negbin", events=events, start=first.start())
    cold = fit_counts(batch.X, batch.y, batch.mask, tighter, batch.week, "negbin", events=events)
    assert warm.converged.all() and cold.converged.all()
    np.testing.assert_allclose(warm.coef, cold.coef, atol=1e-6)
    np.testing.assert_allclose(warm.cov, cold.cov, rtol=1e-5, atol=1e-12)
    assert not np.allclose(warm.coef[:, 3], first.coef[:, 3], atol=1e-3)  # the prior did move the trend


def test_a_product_still_moving_at_the_cap_is_flagged():
    batch, prior = _batch()
    needed = np.full(4, -1)
    for cap in range(1, 30):
        settled = irls(batch.X, batch.y, batch.mask, prior, "negbin", max_iter=cap).converged
        needed = np.where((needed < 0) & settled, cap, needed)
    assert (needed > 0).all() and len(set(needed)) > 1  # each settles, at different steps
    capped = irls(batch.X, batch.y, batch.mask, prior, "negbin", max_iter=int(needed.min()))
    np.testing.assert_array_equal(capped.converged, needed == needed.min())  # only the first to settle says so


def test_an_unsettled_estimate_is_flagged_in_the_table_headline_and_words(monkeypatch):
    frame = canonical(till_rows({"A": -1.5, "B": -0.8, "C": -2.0}, days=300, seed=3))
    settled = run_elasticity(frame)
    assert settled.products["settled"].all() and "did not settle" not in settled.headline()
    monkeypatch.setattr(glm, "MAX_ITER", 1)  # one Newton step: no product can settle
    result = run_elasticity(frame)
    measured = result.products[result.products["identifiable"]]
    assert len(measured) == 3 and not measured["settled"].any()
    assert "The estimate did not settle for 3 products" in result.headline()
    assert verdict_sentence(measured.iloc[0]).endswith(NOT_SETTLED)
    assert NOT_SETTLED not in verdict_sentence(settled.products.iloc[0])
