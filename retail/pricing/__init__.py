"""Pricing and promotions: price elasticity with honest uncertainty, promotion lift, price scenarios.

The flow: :func:`retail.pricing.panel.build_price_panel` (zero-filled daily panel, prices and
promotions carried forward, what each product's estimate can rest on) ->
an elasticity model from :data:`retail.pricing.registry.ESTIMATORS` (batched count regressions,
empirical Bayes shrinkage toward the category) -> :func:`retail.pricing.run.run_elasticity`
(elasticities, category pools, promotion lifts, scenario inputs: a :class:`PricingResult`) ->
:mod:`retail.pricing.scenario` (scenarios and recommended prices within guard rails).
"""
