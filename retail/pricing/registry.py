"""The elasticity models and the price-recommendation goals that exist (declared once).

The command line's ``--model`` / ``--goal`` choices and setting flags, the Pricing page's
model list and guard-rail widgets, settings validation and the README tables are generated
from :data:`ESTIMATORS` and :data:`GOALS`. Adding a model: an
:class:`~retail.pricing.estimators.ElasticityModel` subclass and one :class:`Spec` here.
"""

from __future__ import annotations

from retail.registry import Param, Registry, Spec

BASELINE = "baseline"  # tag: the naive answer every model is compared with
DEFAULT = "default"  # tag: the model a run uses unless told otherwise
COUNTS = "counts"  # tag: a count model of units per day (it can measure promotion lifts)
NEEDS_COST = "needs-cost"  # tag: a goal that needs unit costs

SEASON_LABELS = {"fourier": "smooth yearly curve", "months": "month by month", "none": "none"}
ERROR_LABELS = {"robust": "robust (weeks as clusters)", "model": "from the model (Pearson-scaled)"}
PROMOTION_LABELS = {"each": "each promotion its own lift", "shared": "one lift for all promotions"}
TREND_SEASON_LABELS = {"shrunk": "kept to the shop's measured spread", "own": "each product's own"}


def _count_params(family: str | None = None) -> tuple[Param, ...]:
    family_param = () if family is None else (
        Param("family", "Count distribution", family, "Negative binomial allows more day-to-day variation than "
              "Poisson (the usual case); both give the same kind of answer.", kind=str, choices=("negbin", "poisson"),
              choice_labels={"negbin": "negative binomial", "poisson": "Poisson"}),)
    return family_param + (
        Param("season", "Yearly season", "fourier", "How the yearly pattern of demand is taken out before the price "
              "effect is measured (needs a year of data).", kind=str, choices=tuple(SEASON_LABELS),
              choice_labels=SEASON_LABELS),
        Param("trend", "Trend", True, "Take out a steady growth or decline of demand, so that a price rise during a "
              "decline is not blamed for all of it.", kind=bool),
        Param("errors", "Uncertainty", "model", "How the intervals are computed: from the model's own variance "
              "(chosen on the benchmark's development seeds), or robust to demand swings that last several days.",
              kind=str, choices=tuple(ERROR_LABELS), choice_labels=ERROR_LABELS),
        Param("promotions", "Promotion lift", "each", "Whether each promotion may lift sales by its own amount "
              "around the product's usual lift (a better display, a leaflet: measured from the data), so that a "
              "deep promotion that was also well displayed is not read as price response.", kind=str,
              choices=tuple(PROMOTION_LABELS), choice_labels=PROMOTION_LABELS),
        Param("trend_season", "Trend and season per product", "shrunk", "A slow seller's own trend and season rest "
              "on few sales, and a price step is easily read as a trend. Kept to the spread the shop's products "
              "show (measured from the data), a product's noise is not taken for a trend; or each product's own.",
              kind=str, choices=tuple(TREND_SEASON_LABELS), choice_labels=TREND_SEASON_LABELS),
    )


ESTIMATORS = Registry("elasticity model", [
    Spec("naive", "log-log regression (naive)",
         "Log units on log price over the days with sales only: the quick answer, and the baseline to beat.",
         "retail.pricing.estimators:LogLogRegression", tags=frozenset({BASELINE})),
    Spec("controls", "log-log regression with controls",
         "The same with promotion, weekday, month and store taken out; still blind to days without sales.",
         "retail.pricing.estimators:LogLogRegression.with_controls"),
    Spec("poisson", "Poisson regression",
         "Units per day, days without sales included, on log price, promotion, trend, weekday, season and store.",
         "retail.pricing.estimators:CountRegression", params=_count_params(), tags=frozenset({COUNTS})),
    Spec("negbin", "negative binomial regression",
         "The same count model allowing more day-to-day variation than Poisson.",
         "retail.pricing.estimators:CountRegression.negative_binomial", params=_count_params(),
         tags=frozenset({COUNTS})),
    Spec("shrunk", "per product, borrowing from its category",
         "A count model per product; a product with little price history borrows strength from its category, as "
         "much as the data says: how widely products differ within categories is measured (empirical Bayes), so "
         "a precise estimate keeps its own value.", "retail.pricing.estimators:ShrunkRegression",
         params=_count_params("negbin"),
         tags=frozenset({COUNTS, DEFAULT})),
])


def _guard_rails() -> tuple[Param, ...]:
    return (
        Param("max_change", "Largest price change", 0.15, "The recommendation stays within this change from today's "
              "price, up or down.", minimum=0.01, maximum=0.5, ui_range=(0.05, 0.3), step=0.01, share=True),
        Param("ending", "Price ending", "none", "Only prices with this ending are recommended (e.g. 4.99).",
              kind=str, choices=("none", "99", "95", "9"),
              choice_labels={"none": "any price", "99": "x.99", "95": "x.95", "9": "ending in 9 (x.x9)"}),
    )


GOALS = Registry("price goal", [
    Spec("max-revenue", "most sales value", "The price with the highest expected sales value within the guard rails.",
         "retail.pricing.scenario:Goal", params=_guard_rails(), tags=frozenset({DEFAULT})),
    Spec("max-margin", "most margin", "The price with the highest expected margin (price minus unit cost, times units) "
         "within the guard rails, never below cost.", "retail.pricing.scenario:Goal.margin",
         params=_guard_rails(), tags=frozenset({NEEDS_COST})),
])
