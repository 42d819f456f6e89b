"""The Help page's sections: one per page, with the glossary terms that page shows.

Every page links to its own section (the Help page opens it first); a term no section lists appears
under "Other terms", so a new glossary entry is never missing from the Help page.
"""

from __future__ import annotations

from dataclasses import dataclass

from retail.glossary import GLOSSARY


@dataclass(frozen=True)
class HelpSection:
    key: str  # the anchor and the pages' link (?section=key)
    title: str
    intro: str
    terms: tuple[str, ...] = ()


SECTIONS: tuple[HelpSection, ...] = (
    HelpSection("this_week", "This week", "The week's exceptions worth a look, ranked by what is at stake, and how "
                "the forecasts in use did against what sold.",
                ("what", "why", "at_stake", "sold", "expected", "promised_wape", "promised_bias", "made_at", "run_id",
                 "steps_scored", "ahead", "checked")),
    HelpSection("overview", "Overview", "Tiles for the chosen period against the period before or the same period "
                "last year, the trend, and the top products, customers and stores. Which tiles show depends on what "
                "a row of the file means (order lines, a basket list, sales totals per product or per store)."),
    HelpSection("forecast", "Forecast", "Every model forecasts periods that already happened (the backtest) and is "
                "scored against what sold; the best one forecasts ahead with ranges. Errors are percentages of actual "
                "demand.", ("backtest", "wape", "wape_vs_baseline", "bias", "coverage_80", "coverage_95", "interval",
                            "in_sample", "mase", "rmse", "seconds", "backtest_seconds", "final_fit_seconds",
                            "series_id", "forecast", "lo_80", "hi_80", "lo_95", "hi_95", "step", "model", "rank",
                            "actual", "adjustment", "statistical", "fva", "naive_error", "statistical_error",
                            "adjusted_error", "statistical_value_added", "adjustment_value_added", "forecasts",
                            "reconciled", "base", "vs_base")),
    HelpSection("recommendations", "Recommendations", "Products suggested per customer, products bought together, "
                "and how well each algorithm would have suggested what customers bought next.",
                ("precision", "recall", "ndcg", "map", "hit_rate", "coverage", "vs_popularity", "fit_seconds",
                 "score_seconds", "customers", "similarity", "co_buyers", "shrinkage", "score", "reasons",
                 "antecedent_name", "antecedent_id", "baskets", "support", "confidence", "rule_lift")),
    HelpSection("replenishment", "Replenishment", "What to order at the next review, proven by replaying past weeks.",
                ("achieved_csl", "fill_rate", "days_of_cover", "order_up_to", "replay")),
    HelpSection("pricing", "Pricing and promotions", "How units respond to price, what promotions added, and what a "
                "price change would do.",
                ("elasticity", "ci_low", "ci_high", "verdict", "identifiable", "settled", "price_levels", "price_changes",
                 "p_elastic", "own_estimate", "own_weight", "category_elasticity", "baseline_units", "current_price",
                 "lowest_price", "highest_price", "sale_days", "promo_days", "identifiable_products", "spread",
                 "discount", "units_sold", "units_at_regular_price", "units_from_discount", "units_from_promotion",
                 "lift", "promotion_lift", "lift_low", "lift_high", "promotion_lift_low", "promotion_lift_high",
                 "events", "store_lift", "store_lift_low", "store_lift_high", "other_days", "sales_per_promo_day",
                 "extra_per_promo_day")),
    HelpSection("customers", "Customers", "Who buys, how recently and how often, who is likely to come back, and "
                "campaign lists.",
                ("recency_days", "orders", "purchase_days", "monetary", "tenure_days", "average_order_value",
                 "rfm_score", "segment", "propensity", "probability_active", "expected_purchases", "expected_spend",
                 "auc", "top_decile_lift", "brier", "predicted_rate", "actual_rate", "purchases_predicted",
                 "purchases_actual", "purchases_error", "spearman", "top_capture", "spend_predicted", "spend_actual",
                 "spend_error", "revenue_share", "customer_share", "average_recency_days", "previous_customers",
                 "change", "last_purchase")),
    HelpSection("experiments", "Experiments", "What a randomised test campaign really did, whom to target next, and "
                "how to split the next wave across offers.",
                ("responses", "response_rate", "difference", "difference_low", "difference_high", "p_value",
                 "extra_responses", "spend_per_customer", "spend_difference", "extra_revenue", "finding",
                 "cramers_v", "qini", "qini_sd", "uplift_at_30", "uplift_at_30_sd", "targeting_score",
                 "predicted_extra_chance", "mean_reward", "reward_sd", "kept_rounds", "regret", "replay_seconds",
                 "chance_best", "next_wave_share", "segment_expected_rate")),
    HelpSection("voice", "Customer voice", "What reviews and service messages talk about, which customers are "
                "unhappy, rising topics, products with more complaints and falling sales, and answers to reuse.",
                ("row", "message_id", "text", "rating", "topic", "topic_name", "words", "unhappy_probability",
                 "unhappy_share", "unhappy_messages", "messages", "average_rating", "top_topics", "stability",
                 "topics", "latest", "latest_share", "trailing_share", "topic_p_value", "rising",
                 "complaints_before", "complaints_recent", "units_before", "units_recent", "units_change", "flagged",
                 "unhappy_auc", "intent_accuracy", "right_answer_in_3", "intent", "answer", "message",
                 "message_similarity")),
    HelpSection("data", "Data", "Adding a file: matching its columns, the validation report, what a row means and "
                "the currency."),
)
OTHER = HelpSection("other", "Other terms", "Words used on several pages.")


def sections() -> list[HelpSection]:
    """The page sections, then "Other terms" holding every glossary entry no section lists."""
    listed = {term for section in SECTIONS for term in section.terms}
    rest = tuple(term for term in GLOSSARY if term not in listed)
    return [*SECTIONS, *([HelpSection(OTHER.key, OTHER.title, OTHER.intro, rest)] if rest else [])]


def matches(query: str, *texts: str) -> bool:
    """Whether every word of ``query`` appears in one of ``texts`` (case-insensitive); an empty query matches."""
    haystack = " ".join(texts).lower()
    return all(word in haystack for word in query.lower().split())
