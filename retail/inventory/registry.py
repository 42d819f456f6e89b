"""The ordering policies that exist, their labels and their settings (declared once).

Both policies are periodic-review, order-up-to policies: every ``review_days`` the order
brings the stock on hand plus on order up to a level S, rounded up to whole packs, and it
arrives ``lead_days`` later. They differ in how S is set:

- ``quantile`` (ours): S is a high quantile of the demand over review + lead days, built
  from a forecast of that total and the forecast's own past misses; the quantile is chosen
  by replaying the last weeks, so that the service the user asks for is the service delivered.
- ``spreadsheet`` (the baseline): "average daily demand x cover days + z x standard
  deviation x sqrt(cover days)", with z from the normal distribution.

Settings validation, the command line's flags (``--service-level``, ``--review-days`` ...),
the Replenishment page's widgets and the README's table are generated from :data:`POLICIES`.
"""

from __future__ import annotations

from retail.forecast.registry import COMBINATION, FORECASTERS
from retail.registry import Param, Registry, Spec

OURS = "ours"  # tag: the policy the page recommends
BASELINE = "baseline"  # tag: the policy every other one is compared with

CYCLE, FILL = "cycle", "fill"
MEASURES: dict[str, str] = {
    CYCLE: "cycle service (share of order cycles without running out)",
    FILL: "fill rate (share of demanded units sold from stock)",
}

# The inputs of the ordering problem: both policies take them, a per-product table can override them.
TERMS: tuple[Param, ...] = (
    Param("service_level", "Target service level", 0.95, "The service to reach: 95% means running out in at "
          "most 1 order cycle in 20 (cycle service) or selling 95% of demanded units from stock (fill rate).",
          minimum=0.5, maximum=0.999, ui_range=(0.5, 0.995), step=0.005, share=True),
    Param("service_measure", "Service measured as", CYCLE, "Cycle service counts order cycles without running "
          "out; fill rate counts the units sold from stock.", kind=str, choices=tuple(MEASURES),
          choice_labels=MEASURES),
    Param("review_days", "Review every (days)", 7, "Days between two orders of the same product.", kind=int,
          minimum=1, maximum=91, ui_range=(1, 28)),
    Param("lead_days", "Lead time (days)", 7, "Days from placing an order to the goods being on the shelf.",
          kind=int, minimum=0, maximum=180, ui_range=(0, 42)),
    Param("lead_days_sd", "Lead time varies by (days)", 0.0, "Standard deviation of the lead time: 0 when "
          "deliveries always take the same time.", minimum=0.0, maximum=60.0, ui_range=(0.0, 14.0), step=0.5),
    Param("pack_size", "Pack size (units)", 1, "Orders are whole packs of this many units.", kind=int,
          minimum=1, maximum=100_000, ui_range=(1, 144)),
    Param("min_order", "Minimum order (units)", 0, "The supplier's minimum order quantity (0: none).", kind=int,
          minimum=0, maximum=1_000_000, ui_range=(0, 1000)),
)
TERM_NAMES: tuple[str, ...] = tuple(param.name for param in TERMS)
# The terms as one entry, for widgets generated from them (not a policy: it is not in POLICIES).
TERMS_SPEC = Spec("terms", "ordering terms", "What every item's orders follow.", dict, params=TERMS)

# Chosen by benchmarks/bench_replenishment.py --choose on the 12-week windows starting 2011-05-23 and
# 2011-06-20 (both end before the benchmark's window): the best mean stock saving among the 96 settings
# that met every target within 2 points on both windows (README, Replenishment). The spreadsheet keeps
# 8 weeks, the window that reproduces the spreadsheet figures.
HISTORY_DAYS = 56
ERROR_WEEKS = 8
CALIBRATION_WEEKS = 8
SPREADSHEET_DAYS = 56
SPREADS: dict[str, str] = {
    "sqrt": "with the square root of the forecast (sales counted in units)",
    "level": "in proportion to the forecast (as the Forecast page's ranges)",
}

QUANTILE_PARAMS: tuple[Param, ...] = (
    Param("forecast_model", "Forecast model", "ma", "The forecasting model whose total over review + lead days "
          "is the middle of the demand range (every review refits it on the sales before that day).", kind=str,
          choices=tuple(spec.name for spec in FORECASTERS if COMBINATION not in spec.tags),  # fitted on sales alone
          choice_labels={spec.name: spec.label for spec in FORECASTERS}),
    Param("history_days", "Days of sales averaged", HISTORY_DAYS, "How many recent days the moving-average "
          "forecast averages (models that learn on their own ignore it).", kind=int, minimum=7, maximum=365,
          ui_range=(14, 182)),
    Param("error_weeks", "Weeks of forecast misses", ERROR_WEEKS, "How many recent weeks of the forecast's own misses "
          "give the width of the demand range.", kind=int, minimum=2, maximum=52, ui_range=(4, 26)),
    Param("calibration_weeks", "Weeks replayed to set the quantile", CALIBRATION_WEEKS, "Before each order, the policy is "
          "replayed on this many past weeks to find the quantile that delivers the target service.", kind=int,
          minimum=2, maximum=52, ui_range=(4, 26)),
    Param("size_classes", "Size classes calibrated apart", 1, "Items are split into this many classes by "
          "recent sales and the quantile is set for each class apart, so big sellers get the target as much as "
          "small ones; it costs stock (1: one quantile for all items, the total meets the target).", kind=int,
          minimum=1, maximum=10, ui_range=(1, 10)),
    Param("spread", "Range grows", "sqrt", "How the demand range widens with the size of the forecast.",
          kind=str, choices=tuple(SPREADS), choice_labels=SPREADS),
)
SPREADSHEET_PARAMS: tuple[Param, ...] = (
    Param("sample_days", "Days in the average", SPREADSHEET_DAYS, "How many recent days give the spreadsheet's "
          "average and standard deviation of daily demand.", kind=int, minimum=7, maximum=365, ui_range=(14, 182)),
)

POLICIES = Registry("ordering policy", [
    Spec("quantile", "forecast quantile", "Orders up to a high quantile of the forecast demand over review + "
         "lead days, the quantile set by replaying recent weeks so the target service is met.",
         "retail.inventory.quantile:QuantilePolicy", params=TERMS + QUANTILE_PARAMS, tags=frozenset({OURS})),
    Spec("spreadsheet", "spreadsheet rule", "Average daily demand x (review + lead days) + z x standard "
         "deviation x square root of those days, z from the normal distribution. The baseline to beat.",
         "retail.inventory.policies:SpreadsheetPolicy", params=TERMS + SPREADSHEET_PARAMS,
         tags=frozenset({BASELINE})),
])


def own_settings(name: str) -> Spec:
    """Policy ``name`` with only its own settings (the terms left out), for widgets and flags."""
    spec = POLICIES.get(name)
    return Spec(spec.name, spec.label, spec.description, spec.factory,
                tuple(param for param in spec.params if param.name not in TERM_NAMES), spec.tags)


def policies_table() -> str:
    """The README's table: each policy and its own settings (the shared terms are listed once, above it)."""
    return Registry(POLICIES.noun, [own_settings(spec.name) for spec in POLICIES]).markdown_table()


def ours() -> str:
    """The name of the recommended policy."""
    return POLICIES.first_tagged(OURS)


def baseline() -> str:
    """The name of the baseline policy."""
    return POLICIES.first_tagged(BASELINE)
