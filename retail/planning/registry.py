"""What the planning domain offers, declared once: the ways forecasts are made to add up across
levels (:data:`RECONCILERS`) and the reasons a planner gives for adjusting a forecast (:data:`REASONS`).

Settings, the command line's choices, the page's lists and the README's table are generated from
them; adding a reconciliation method is one class with ``fit`` / ``bottom`` and one :class:`Spec`.
"""

from __future__ import annotations

from retail.registry import Param, Registry, Spec

RECONCILERS = Registry("reconciliation method", [
    Spec("bottom-up", "bottom-up",
         "Forecasts the finest level (product x store) and adds those forecasts up to every other level.",
         "retail.planning.reconcile:BottomUp"),
    Spec("top-down", "top-down by proportions",
         "Forecasts the total and splits it by each series' share of past sales (proportions of the "
         "historical averages, Gross and Sohl 1990).",
         "retail.planning.reconcile:TopDown"),
    Spec("mint-shrink", "MinT (shrinkage)",
         "Combines the forecasts of every level, trusting each as much as its backtest misses allow and "
         "allowing for misses that move together (minimum trace, Wickramasuriya, Athanasopoulos and "
         "Hyndman 2019, with the Schaefer-Strimmer shrunk covariance).",
         "retail.planning.reconcile:MinTrace", params=(
             Param("bias", "Count bias as error", True, "Errors are measured around zero, so a level whose "
                   "forecasts run high or low is trusted less (off: around their average, as in the paper).",
                   kind=bool),
             Param("floor", "Smallest error", 0.2, "Each series' typical miss is taken to be at least this share "
                   "of its average sales, so a series that happened never to miss in the backtest cannot take "
                   "all the weight.", minimum=0.0, maximum=5.0, ui_range=(0.0, 1.0), step=0.05),
         )),
])

# Why a planner changed a forecast: name -> what a user reads (the CLI file's `reason` column takes either).
REASONS: dict[str, str] = {
    "promotion": "promotion",
    "event": "event",
    "listing": "listing / delisting",
    "supply": "supply",
    "data_error": "data error",
    "judgement": "judgement",
}
