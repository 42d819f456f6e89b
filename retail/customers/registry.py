"""What the customer domain offers, declared once: the repeat-purchase (value) models, the purchase
propensity models, and the rule table that names RFM segments.

The command line's choices and setting flags, the Customers page's model lists and sliders,
settings validation and the README's tables are generated from :data:`VALUE_MODELS`,
:data:`PROPENSITY_MODELS` and :data:`SEGMENTS`. Adding a model: a
:class:`~retail.customers.value.ValueModel` or :class:`~retail.customers.propensity.PropensityModel`
subclass and one :class:`Spec` here.
"""

from __future__ import annotations

from dataclasses import dataclass

from retail.registry import Param, Registry, Spec

BASELINE = "baseline"  # tag: the simple rule every model is shown beside
DEFAULT = "default"  # tag: the model used when none is chosen

# LightGBM settings shared by the value and propensity models: small trees and a slow learning rate,
# because a shop has a few thousand customers, not millions. Defaults (here and below) chosen by
# benchmarks/bench_customers_defaults.py on development windows of two kinds of data (four of Online
# Retail before its test window, eight of a synthetic Pareto/NBD shop), each source counting equally:
# propensity, the best mean AUC: logistic regression on the activity facts with C = 0.1 (0.769; the
# count model 0.768, best on Online Retail alone); repeat purchases, the smallest total error, then the
# best Spearman: the trees anchored on BG/NBD with 4 leaves (BG/NBD's totals; Spearman 0.555 against
# 0.547 for BG/NBD and 0.550 for 7 leaves).
_TREES = (
    Param("n_estimators", "Trees", 300, "Boosting rounds.", kind=int, minimum=10, maximum=5000, ui_range=(50, 1000)),
    Param("learning_rate", "Learning rate", 0.03, "Step size of each tree.", minimum=0.001, maximum=1.0,
          ui_range=(0.005, 0.3), step=0.005),
    Param("num_leaves", "Leaves per tree", 4, "Larger trees find finer customer groups, and overfit sooner.",
          kind=int, minimum=2, maximum=255, ui_range=(2, 63)),
)
_PENALTY = Param("penalizer", "Penalty", 0.0, "Pulls BG/NBD's fitted parameters towards 1 when the data are thin "
                 "(0: plain maximum likelihood, as in the paper).", minimum=0.0, maximum=10.0, ui_range=(0.0, 1.0),
                 step=0.01)
FEATURE_SETS: dict[str, str] = {
    "rfm": "recency, frequency, money and tenure",
    "activity": "recency, frequency, money and tenure, plus the last 30 / 90 / 180 days and regularity",
}

VALUE_MODELS = Registry("repeat-purchase model", [
    Spec("bgnbd", "repeat-buying model (BG/NBD)",
         "The published probabilistic model of repeat buying (customers buy at their own pace until they "
         "silently leave) with the Gamma-Gamma model of spend per purchase.",
         "retail.customers.value:BGNBDValue", params=(_PENALTY,)),
    Spec("lightgbm-value", "LightGBM on customer features",
         "Gradient-boosted trees learn next-period purchases and spend from RFM-style facts, trained on the "
         "period before the as-of date.",
         "retail.customers.value:LightGBMValue", params=_TREES),
    Spec("anchored", "LightGBM anchored on BG/NBD",
         "Gradient-boosted trees rank customers from their facts and BG/NBD's own forecast of each of them; the "
         "totals (purchases, spend) are set to BG/NBD + Gamma-Gamma's, the closest on earlier periods.",
         "retail.customers.anchored:AnchoredValue", params=(*_TREES, _PENALTY), tags=frozenset({DEFAULT})),
    Spec("last-period", "same as the last period",
         "Each customer buys as often and as much as in the period of the same length just before. The baseline.",
         "retail.customers.value:LastPeriod", tags=frozenset({BASELINE})),
])

PROPENSITY_MODELS = Registry("propensity model", [
    Spec("logistic", "logistic regression",
         "Probability of buying from the customer's facts (scaled), calibrated on the period before the as-of date.",
         "retail.customers.propensity:LogisticPropensity", params=(
             Param("features", "Customer facts", "activity", "Which facts the model weighs.", kind=str,
                   choices=tuple(FEATURE_SETS), choice_labels=FEATURE_SETS),
             Param("C", "Regularisation (C)", 0.1, "Smaller values keep the weights small (steadier on little data).",
                   minimum=1e-4, maximum=1e4, ui_range=(0.01, 10.0), step=0.01),
         ), tags=frozenset({DEFAULT})),
    Spec("lightgbm-propensity", "LightGBM classifier",
         "Gradient-boosted trees on the same facts plus recent activity; finds interactions a straight line misses.",
         "retail.customers.propensity:LightGBMPropensity", params=_TREES),
    Spec("purchase-count", "expected purchases (LightGBM)",
         "The chance of at least one purchase from trees that learn how many purchases customers make (from "
         "their facts and BG/NBD's forecast), calibrated on the period before the as-of date.",
         "retail.customers.anchored:CountPropensity", params=_TREES),
    Spec("recency", "recency alone",
         "The more recent the last purchase, the likelier the next. The baseline every model must beat.",
         "retail.customers.propensity:RecencyPropensity", tags=frozenset({BASELINE})),
])


@dataclass(frozen=True)
class SegmentRule:
    """One named segment: the recency and frequency scores (1-5, 5 = best) it covers.

    Rules are read top to bottom and the first that matches names the customer, so the table
    is complete and without overlap (a test checks every score pair lands in exactly one).
    """

    name: str
    label: str
    recency: tuple[int, int]
    frequency: tuple[int, int]
    description: str
    action: str

    def matches(self, recency: int, frequency: int) -> bool:
        return self.recency[0] <= recency <= self.recency[1] and self.frequency[0] <= frequency <= self.frequency[1]


SEGMENTS: tuple[SegmentRule, ...] = (
    SegmentRule("champions", "champions", (5, 5), (4, 5), "Bought very recently and buy often.",
                "Reward them; ask for reviews; first to see new products."),
    SegmentRule("loyal", "loyal", (3, 5), (3, 5), "Buy regularly and bought not long ago.",
                "Offer more of what they like; loyalty rewards."),
    SegmentRule("new", "new", (5, 5), (1, 1), "First purchase very recently.",
                "Welcome them; help with the second purchase."),
    SegmentRule("promising", "promising", (4, 5), (1, 2), "Bought recently, but not often yet.",
                "Build the habit: suggestions close to what they bought."),
    SegmentRule("needs_attention", "needs attention", (3, 3), (1, 2), "A while since their few purchases.",
                "A limited-time offer before they slip away."),
    SegmentRule("cant_lose", "can't lose", (1, 2), (5, 5), "Used to buy very often, but not for a long time.",
                "Win them back personally: call, a strong offer."),
    SegmentRule("at_risk", "at risk", (1, 2), (3, 4), "Bought regularly, but a long time ago.",
                "Reactivate: what is new since their last visit."),
    SegmentRule("hibernating", "hibernating", (2, 2), (1, 2), "Few purchases, long ago.",
                "Cheap reminders only; do not overspend."),
    SegmentRule("lost", "lost", (1, 1), (1, 2), "Few purchases, longest ago.",
                "Leave out of paid campaigns, or one last try."),
)
SEGMENT_LABELS: dict[str, str] = {rule.name: rule.label for rule in SEGMENTS}


def segment_markdown() -> str:
    """The rule table as Markdown (the README and the Help text)."""
    lines = ["| segment | recency score | frequency score | who they are | what to do |", "|---|---|---|---|---|"]
    for rule in SEGMENTS:
        r = "-".join(map(str, sorted(set(rule.recency))))
        f = "-".join(map(str, sorted(set(rule.frequency))))
        lines.append(f"| {rule.label} | {r} | {f} | {rule.description} | {rule.action} |")
    return "\n".join(lines)
