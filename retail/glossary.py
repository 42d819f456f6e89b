"""The words a user meets on the pages, explained once (tooltips, table headers and the Help page).

Each entry is ``key -> (label, explanation)``: ``key`` is the column or setting name in the
library, ``label`` what a table header says, ``explanation`` one or two plain sentences.
"""

from __future__ import annotations

GLOSSARY: dict[str, tuple[str, str]] = {
    # forecast accuracy
    "wape": ("Error (WAPE)", "All forecast misses added up, as a share of what actually sold (weighted absolute "
             "percentage error, WAPE): 25% means the forecasts were off by 25% of demand; lower is better."),
    "mase": ("Error vs naive (MASE)", "The average miss divided by the average miss of repeating the previous "
             "season one step ahead on the training data. Forecasting several periods ahead is harder than one "
             "step, so values above 1 are common; compare models with each other (the headline compares them "
             "with the seasonal naive model over the same test periods)."),
    "rmse": ("Typical miss (RMSE)", "Root mean squared error, in the forecast's own unit (units or money): "
             "the size of a typical miss, with big misses weighing more."),
    "bias": ("Bias", "Whether forecasts run high or low overall: +10% means 10% too high in total, "
             "-10% means 10% too low (risk of running out)."),
    "wape_vs_baseline": ("vs seasonal naive", "How much lower (negative) or higher the error is than repeating "
                         "last season: -20% means 20% smaller misses."),
    "coverage_80": ("Inside 80% range", "Share of the backtest's actual sales that fell inside the 80% range. "
                    "Close to 80% means the range can be trusted."),
    "coverage_95": ("Inside 95% range", "Share of the backtest's actual sales that fell inside the 95% range. "
                    "Close to 95% means the range can be trusted."),
    "in_sample": ("Range checked on its own data", "Ticked when there was a single backtest window, so the "
                  "ranges were measured on the same errors they were built from (optimistic)."),
    "seconds": ("Seconds", "Time spent fitting and forecasting in the backtest and on all the history (a blend: "
                           "the time of the models it weighs)."),
    "backtest_seconds": ("Backtest seconds", "Time spent fitting and forecasting the test periods."),
    "final_fit_seconds": ("Final fit seconds", "Time spent fitting on all the history for the forecast ahead."),
    "series_id": ("Series", "The product, store or product x store a forecast is for."),
    "last_purchase": ("Last purchase", "Date of the customer's most recent purchase."),
    "backtest": ("Backtest", "The models forecast periods that already happened, from earlier cut-off dates, "
                 "and are scored against what actually sold (rolling-origin evaluation)."),
    "interval": ("80% / 95% range", "The range that should hold the actual sales 8 (or 19) times in 10 (or 20), "
                 "built from the models' own backtest misses."),
    # recommendation accuracy
    "precision": ("Suggestions bought", "Share of the K suggestions that the customer went on to buy (precision@K)."),
    "recall": ("Purchases foreseen", "Share of what the customer went on to buy that was among the K suggestions "
               "(recall@K)."),
    "ndcg": ("Ranking quality", "Like suggestions bought, but a hit at the top of the list counts more than one "
             "further down: 100% is the perfect order (NDCG@K, normalised discounted cumulative gain)."),
    "map": ("Early hits", "Rewards lists whose hits come early (MAP@K, mean average precision)."),
    "hit_rate": ("Customers with a hit", "Share of customers with at least one suggestion they went on to buy "
                 "(hit rate@K)."),
    "coverage": ("Catalogue coverage", "Share of all products that appear in somebody's suggestions."),
    "vs_popularity": ("vs best sellers", "Ranking quality divided by that of simply suggesting the best sellers: "
                      "2.0 means twice as good."),
    "fit_seconds": ("Learning, s", "Seconds to learn from the purchases."),
    "score_seconds": ("Suggesting, s", "Seconds to rank products for every evaluated customer."),
    "customers": ("Customers", "Customers evaluated: they bought before the cut-off and something new after it."),
    "similarity": ("Similarity", "How alike two products (or customers) are, from who bought them."),
    "co_buyers": ("Bought by both", "Customers who bought both products."),
    "shrinkage": ("Caution with few shared buyers", "Makes similarities built on few shared buyers count less "
                  "(shrinkage)."),
    "score": ("Score", "How strongly the algorithm suggests the product (only the order matters)."),
    "reasons": ("Why", "What in the customer's history led to the suggestion."),
    # replenishment
    "achieved_csl": ("Cycle service achieved", "Share of order cycles (the days from one order to the next) in which "
                     "no customer demand was lost because the shelf was empty."),
    "fill_rate": ("Fill rate achieved", "Share of the units customers wanted that were sold from stock."),
    "days_of_cover": ("Days of stock", "Average stock on hand divided by average daily demand: how many days of "
                      "sales the shelf holds on average. Less stock for the same service is better."),
    "order_up_to": ("Order-up-to level", "At each review the order brings stock on hand plus stock on order up to "
                    "this level (rounded up to whole packs)."),
    "replay": ("Replay", "The ordering policy is played day by day over past weeks of real demand, ordering only from "
               "what was known before each order, to see the service and stock it would have given."),
    # customers and campaigns
    "recency_days": ("Days since last purchase", "Days from the customer's last purchase to the as-of date."),
    "orders": ("Orders", "Distinct orders (a customer's purchases on one day count as one when there is no order number)."),
    "purchase_days": ("Purchase days", "Days on which the customer bought something: what the models count."),
    "monetary": ("Money spent", "What the customer paid, less what they returned."),
    "tenure_days": ("Days since first purchase", "How long the customer has been buying."),
    "average_order_value": ("Average order value", "Money spent divided by orders."),
    "rfm_score": ("Scores (recency, frequency, money)", "How recently, how often and how much the customer bought, "
                  "each scored 1 (lowest fifth of customers) to 5 (highest fifth): 5-5-5 is best (an RFM score)."),
    "segment": ("Segment", "The customer's group in the segment rule table (from the recency and frequency scores)."),
    "propensity": ("Probability of buying", "How likely the customer is to buy in the next period, learned from who "
                   "bought in the period before."),
    "probability_active": ("Still a customer", "The repeat-buying model's probability that the customer has not "
                           "silently left."),
    "expected_purchases": ("Expected purchases", "Purchase days the model expects in the next period."),
    "expected_spend": ("Expected spend", "Money the model expects the customer to spend in the next period."),
    "auc": ("AUC", "How often a customer who bought was scored above one who did not: 0.5 is chance, 1 perfect."),
    "top_decile_lift": ("Top-10% lift", "Buy rate of the 10% highest scores divided by the average buy rate: 2.0 "
                        "means twice as likely."),
    "brier": ("Brier score", "Average squared gap between the predicted probability and what happened; lower is better."),
    "predicted_rate": ("Predicted buy rate", "The average predicted probability of buying."),
    "actual_rate": ("Actual buy rate", "The share of customers who bought in the held-out days."),
    "purchases_predicted": ("Purchases predicted", "Purchase days predicted for the held-out days, all customers."),
    "purchases_actual": ("Purchases made", "Purchase days that actually happened in the held-out days."),
    "purchases_error": ("Total off by", "Predicted total against actual: -10% means 10% too few."),
    "spearman": ("Rank correlation", "Spearman correlation of predicted and actual purchases per customer: 1 means "
                 "the model ordered customers perfectly."),
    "top_capture": ("Top-10% share", "Share of all purchases made by the 10% of customers the model expected most from."),
    "spend_predicted": ("Spend predicted", "Money predicted for the held-out days, all customers."),
    "spend_actual": ("Spend made", "Money actually spent in the held-out days."),
    "spend_error": ("Spend off by", "Predicted spend against actual: -10% means 10% too little."),
    "revenue_share": ("Share of revenue", "The segment's share of all money spent."),
    "customer_share": ("Share of customers", "The segment's share of all customers."),
    "average_recency_days": ("Average days since purchase", "How long ago the segment's customers last bought, on average."),
    "previous_customers": ("Customers before", "Customers in the segment one period earlier."),
    "change": ("Change", "Customers now minus customers one period earlier."),
}


def label(key: str) -> str:
    """The table header of ``key`` (the key itself when it is not in the glossary)."""
    return GLOSSARY.get(key, (key, ""))[0]


def explain(key: str) -> str:
    return GLOSSARY.get(key, ("", ""))[1]
GLOSSARY |= {
    # pricing and promotions
    "elasticity": ("Price elasticity", "How units respond to price: -2 means a 1% higher price sells about 2% fewer "
                   "units. Below -1 (elastic) a price cut raises sales value; between -1 and 0 (inelastic) it lowers it."),
    "ci_low": ("Low (95%)", "The lower end of the 95% interval: the elasticity is in the interval 19 times in 20."),
    "ci_high": ("High (95%)", "The upper end of the 95% interval."),
    "verdict": ("Verdict", "Elastic (the whole 95% interval below -1), inelastic (the whole interval above -1), not "
                "sure (the interval includes -1: the data cannot tell which), or not identifiable: the price never "
                "moved outside promotions, or the product sold too rarely, so the data cannot say."),
    "identifiable": ("Measurable", "Whether the price moved outside promotions, so that its effect can be measured."),
    "price_levels": ("Price levels", "Distinct prices seen on days with sales (promotion prices included)."),
    "price_changes": ("Price changes", "Changes of the regular price outside promotions that the estimate rests on."),
    "settled": ("Estimate settled", "Whether the model's fit for the product settled: its numbers stopped moving "
                "before the fit's step limit. No: the estimate did not settle (often a price that barely moved, or "
                "sales in rare large orders); read it with care."),
    "p_elastic": ("Chance elastic", "How likely the product is elastic (below -1), given the data."),
    "own_estimate": ("Own estimate", "The product's elasticity from its own data alone, before borrowing from its "
                     "category."),
    "own_weight": ("Weight of own data", "How much of the shown elasticity comes from the product's own data (1 = "
                   "all); the rest comes from its category."),
    "category_elasticity": ("Category elasticity", "The elasticity the products of the category vary around."),
    "baseline_units": ("Units in a typical week", "Expected units of a week at today's regular price without a "
                       "promotion, in the conditions of the last four weeks."),
    "current_price": ("Today's price", "The median regular price (outside promotions) over the last four weeks with "
                      "sales: the price the product sells at now."),
    "lowest_price": ("Lowest price seen", "The lowest price on a day with sales."),
    "highest_price": ("Highest price seen", "The highest price on a day with sales."),
    "sale_days": ("Store-days with sales", "Days with at least one sale, counted per store."),
    "promo_days": ("Promotion days", "Days with sales on promotion."),
    "identifiable_products": ("Measurable products", "Products of the category whose price moved outside "
                              "promotions."),
    "spread": ("Spread between products", "How far products typically lie from their category's elasticity."),
    "discount": ("Discount", "The average price cut of the promotion against the regular price."),
    "units_sold": ("Units sold", "Units sold during the promotion days."),
    "units_at_regular_price": ("Without the promotion", "Units the same days would have sold at the regular price "
                               "without a promotion (the model's counterfactual)."),
    "units_from_discount": ("From the lower price", "Extra units the lower price alone explains (via the "
                            "elasticity)."),
    "units_from_promotion": ("From the promotion itself", "Extra units beyond what the discount explains: display, "
                             "leaflet, attention."),
    "lift": ("Lift", "Units sold against units without the promotion: +80% means 80% more."),
    "promotion_lift": ("Lift beyond the discount", "Units sold against what the discount alone would have sold: the "
                       "promotion's own effect."),
    "lift_low": ("Lift, low (95%)", "The lower end of the lift's 95% interval."),
    "lift_high": ("Lift, high (95%)", "The upper end of the lift's 95% interval."),
    "promotion_lift_low": ("Beyond the discount, low (95%)", "The lower end of the 95% interval of the lift beyond "
                           "the discount."),
    "promotion_lift_high": ("Beyond the discount, high (95%)", "The upper end of that interval."),
    "events": ("Promotions", "Separate promotion periods of the product."),
    "store_lift": ("Promotion lift", "Sales on the store's promotion days against its other days, with weekday, "
                   "month and trend taken out: +25% means a quarter more sales on a promotion day."),
    "store_lift_low": ("Lift, low (95%)", "The lower end of the lift's 95% interval."),
    "store_lift_high": ("Lift, high (95%)", "The upper end of the lift's 95% interval."),
    "other_days": ("Other days", "Days with sales without a promotion (closed days left out)."),
    "sales_per_promo_day": ("Sales per promotion day", "The store's average sales on a promotion day."),
    "extra_per_promo_day": ("Extra per promotion day", "The part of a promotion day's sales the promotion "
                            "added: sales per promotion day x lift / (1 + lift)."),
    # products bought together (basket rules)
    "antecedent_name": ("Bought", "The product the rule starts from (for a whole basket: the basket's product "
                        "with the strongest rule)."),
    "antecedent_id": ("Bought (code)", "The code of the product the rule starts from."),
    "baskets": ("Baskets together", "Baskets (orders) that held both products."),
    "support": ("Support", "Share of all baskets that held both products: how common the pair is."),
    "confidence": ("Confidence", "Share of the baskets with the first product that also held the second: "
                   "40% means 4 in 10."),
    "rule_lift": ("Lift", "How many times more often the two products share a basket than if customers chose them "
                  "independently: above 1 they go together, 1 is chance."),
}
GLOSSARY |= {
    # campaign experiments: the read-out
    "responses": ("Responses", "Customers of the group whose outcome was yes (a visit, a purchase)."),
    "response_rate": ("Response rate", "Responses divided by the customers of the group."),
    "difference": ("Difference vs control", "The group's response rate minus the control group's: +5 points means 5 "
                   "more responses per 100 customers, caused by the offer (the groups were assigned at random)."),
    "difference_low": ("Low (95%)", "The lower end of the difference's 95% interval (Newcombe's score interval)."),
    "difference_high": ("High (95%)", "The upper end of the difference's 95% interval."),
    "p_value": ("Chance alone (p-value)", "How often a difference at least this large would appear by chance if the "
                "offer did nothing: below 0.05 is usually called significant; '< 0.001' means almost never."),
    "extra_responses": ("Extra responses", "The difference times the group's customers: responses the offer caused."),
    "spend_per_customer": ("Spend per customer", "Money spent in the outcome window divided by the group's customers "
                           "(those who spent nothing included)."),
    "spend_difference": ("Spend difference", "Spend per customer of the group minus the control group's, with a 95% "
                         "bootstrap interval."),
    "extra_revenue": ("Extra revenue", "The spend difference times the group's customers: revenue the offer caused."),
    "finding": ("What it did", "The read-out in words: a real effect when the 95% interval leaves out zero."),
    "cramers_v": ("Strength (Cramer's V)", "How strongly the offers differ across the fact's values: 0 when every "
                  "kind of customer got every offer equally often; from 0.1 the test is suspect."),
    # uplift targeting
    "qini": ("Targeting quality", "How well the ranking puts the customers the contact moves first: 0 is no better "
             "than random order, higher is better (the Qini coefficient: the area between the ranking's curve and "
             "random order, as a share of the perfect ranking's)."),
    "qini_sd": ("Targeting quality spread", "Standard deviation of the targeting quality (Qini) over the random "
                "splits."),
    "uplift_at_30": ("Uplift in top 30%", "Response rate of the contacted minus the control customers among the 30% "
                     "the model ranks highest (held-out customers)."),
    "uplift_at_30_sd": ("Uplift spread", "Standard deviation of the top-30% uplift over the random splits."),
    "targeting_score": ("Targeting score", "How strongly the model says to contact the customer (higher first)."),
    "predicted_extra_chance": ("Predicted extra chance", "The model's estimate of how much the contact raises the "
                               "customer's chance of responding."),
    # next-wave allocation
    "mean_reward": ("Response rate (replay)", "The policy's response rate over the kept rounds of the replay: an "
                    "unbiased estimate of what it would achieve, because the test's offers were random."),
    "reward_sd": ("Spread", "Standard deviation of the replayed response rate over the random stream orders."),
    "kept_rounds": ("Kept rounds", "Customers whose logged offer was the one the policy chose: the replay learns and "
                    "scores on these only (about one in the number of offers)."),
    "regret": ("Regret", "Responses lost against always sending the best single offer over the kept rounds; below "
               "zero: the policy did better (by choosing per customer)."),
    "replay_seconds": ("Seconds", "Time spent replaying the policy over every stream order."),
    "chance_best": ("Chance best", "How likely the offer is the best for the segment, given the test's responses."),
    "next_wave_share": ("Share of the next wave", "The share of the segment's next customers to send this offer."),
    "segment_expected_rate": ("Expected response rate", "The segment's expected response rate with this allocation."),
}
GLOSSARY |= {
    # planners in the loop: adjustments, forecast value added, forecasts that add up
    "adjustment": ("Planner adjustment", "A planner's change to a forecast (a promotion, an event, a listing...) with "
                   "its reason: it makes a new version of the run; the adjusted forecast is what exports, the "
                   "stakeholder report and the order plan use, the statistical one stays beside it."),
    "statistical": ("Statistical forecast", "The model's own forecast, before any planner changed it."),
    "naive_error": ("Naive error", "Error (WAPE) of the naive forecast: the same period last season, or the last "
                    "period, as the seasonal-naive model does."),
    "statistical_error": ("Statistical error", "Error (WAPE) of the model's own forecast."),
    "adjusted_error": ("Adjusted error", "Error (WAPE) of the forecast after the planners' changes."),
    "statistical_value_added": ("Model's value added (points)", "How many points of error the model took away "
                                "against the naive forecast: +12 means 12 points less error; negative means worse."),
    "adjustment_value_added": ("Planners' value added (points)", "How many points of error the planners' changes took "
                               "away from the model's forecast: positive means they helped, negative that they hurt."),
    "forecasts": ("Forecasts", "Forecasts (series x period) scored: their actual sales have arrived."),
    "fva": ("Forecast value added", "Whether each step of forecasting made the forecast better: the model against the "
            "naive forecast, the planners' changes against the model (Gilliland's forecast value added)."),
    "reconciled": ("Adding up", "Forecasts of every level (product x store, product, category, store, total) made to "
                   "add up exactly, by the method that did best on the backtest."),
    "base": ("On its own", "The forecast each level gets from its own best model, before the levels are made to add "
             "up: the products' forecasts need not add up to the total's."),
    "vs_base": ("vs on its own", "The error after reconciliation against the level's own forecast: -0.05 means 5% "
                "smaller misses."),
    # exported forecast tables
    "forecast": ("Forecast", "The model's forecast for the period (the middle of the ranges)."),
    "lo_80": ("Low (80% range)", "The lower end of the range that should hold the actual sales 8 times in 10."),
    "hi_80": ("High (80% range)", "The upper end of the 80% range."),
    "lo_95": ("Low (95% range)", "The lower end of the range that should hold the actual sales 19 times in 20."),
    "hi_95": ("High (95% range)", "The upper end of the 95% range."),
    "step": ("Periods ahead", "How many periods after the last one with data the forecast is for."),
    "model": ("Model", "The forecasting model (the Help page describes each)."),
    "rank": ("Rank", "1 is the model with the smallest error in the backtest."),
    "actual": ("Actual sales in the backtest", "What sold in the backtest periods (units or sales value)."),
}

GLOSSARY |= {
    # customer voice (reviews and service messages)
    "row": ("Row", "The message's position among the file's usable messages (the file has no message id column)."),
    "message_id": ("Message id", "The review's or message's own id in the file (else its position in the file)."),
    "text": ("Message", "What the customer wrote (with the title in front, when there is one)."),
    "rating": ("Rating", "The stars or score the customer gave; empty when the message has none."),
    "topic": ("Topic number", "Which topic the message is mostly about (empty: it has none of the topics' words)."),
    "topic_name": ("Topic", "The topic's three most telling words: what the messages in it talk about."),
    "words": ("Top words", "The words that weigh most in the topic, most telling first."),
    "unhappy_probability": ("Unhappy (probability)", "How likely the message comes from an unhappy customer "
                            "(a low rating), read from its words: 90% means 9 in 10 such messages are unhappy. "
                            "Without ratings in the file it is an estimate from a word list and orders messages "
                            "well, but is not a calibrated chance."),
    "unhappy_share": ("Unhappy share", "Share of the messages that are likely unhappy (probability 0.5 or more)."),
    "unhappy_messages": ("Unhappy messages", "Messages likely from an unhappy customer (probability 0.5 or more)."),
    "messages": ("Messages", "Reviews or messages counted."),
    "average_rating": ("Average rating", "The mean of the ratings given (messages without a rating left out)."),
    "top_topics": ("Top topics", "The topics its messages talk about most."),
    "stability": ("Stability", "How alike the topics come out when the model starts from other random seeds: "
                  "the share of top words they keep (1 = the same topics every time)."),
    "topics": ("Topics", "The number of topics tried."),
    "latest": ("Latest period", "Messages on the topic in the latest complete period."),
    "latest_share": ("Share now", "The topic's share of the latest complete period's messages."),
    "trailing_share": ("Share before", "The topic's share of the messages in the periods before."),
    "topic_p_value": ("Chance it is noise", "The probability of a share this high by chance if nothing had changed "
                "(binomial test, corrected for testing every topic); below 0.05 counts as rising."),
    "rising": ("Rising", "Ticked when the topic's share rose by more than chance allows."),
    "complaints_before": ("Complaints before", "Unhappy messages about the product in the earlier window."),
    "complaints_recent": ("Complaints now", "Unhappy messages about the product in the latest window."),
    "units_before": ("Units before", "Units sold in the earlier window."),
    "units_recent": ("Units now", "Units sold in the latest window."),
    "units_change": ("Sales change", "Units now against units before: -30% means 30% fewer."),
    "flagged": ("Complaints up, sales down", "Ticked when the product's complaints rose while its sales fell."),
    "unhappy_auc": ("AUC", "How well the scores separate unhappy customers from the others on messages the model did not "
            "learn from: 1 = every unhappy message above every other, 0.5 = no better than chance."),
    "intent_accuracy": ("Intent accuracy", "Share of held-out messages whose intent was guessed right."),
    "right_answer_in_3": ("Right answer among 3", "Share of held-out messages for which one of the three most "
                          "similar past messages had the same intent (so its answer is the right kind)."),
    "intent": ("Intent", "What the message is about, as an agent filed it (a question about delivery, a refund...)."),
    "answer": ("Answer sent", "The answer the customer was sent."),
    "message": ("Past message", "A past message like the new one."),
    "message_similarity": ("Similarity", "How alike the two messages' words are (1 = the same words, 0 = none shared)."),
}

GLOSSARY |= {
    # the weekly cycle: forecasts checked against what happened, exceptions
    "promised_wape": ("Error promised (backtest)", "The error the run's backtest measured before the forecast was "
                      "used: what it promised. Compare it with the error measured on the weeks that followed."),
    "promised_bias": ("Bias promised (backtest)", "The bias the run's backtest measured: how high or low it ran then."),
    "made_at": ("Made", "When the forecast run was made (UTC)."),
    "run_id": ("Run", "The saved forecast run (open it on the Forecast page)."),
    "steps_scored": ("Periods ahead scored", "How far ahead the run's forecasts have been checked so far: 1 = only "
                     "its first period has happened yet."),
    "ahead": ("Periods ahead", "How far ahead of the run the forecast period was: 1 = the first period forecast."),
    "checked": ("Forecasts checked", "Forecasts (series x period) whose actual sales are known now."),
    "sold": ("Sold", "What actually sold (units or sales value)."),
    "expected": ("Expected", "What was expected: the forecast, or the sales of the period before."),
    "at_stake": ("At stake", "What the exception is worth per period in sales value (in units where no price is "
                 "known): the size of the miss, the sales lost or gained. The list is ranked by it."),
    "what": ("What", "The kind of exception."),
    "why": ("Why", "Why it is on the list, with the numbers."),
}

# Glossary columns that are shares: pages, reports and exports show them as percentages, never 0.579.
SHARES: frozenset[str] = frozenset({
    "wape", "bias", "wape_vs_baseline", "coverage_80", "coverage_95", "precision", "recall", "ndcg", "map",
    "hit_rate", "coverage", "achieved_csl", "fill_rate", "propensity", "probability_active", "predicted_rate",
    "actual_rate", "purchases_error", "top_capture", "spend_error", "revenue_share", "customer_share", "p_elastic",
    "own_weight", "discount", "lift", "lift_low", "lift_high", "promotion_lift", "promotion_lift_low",
    "promotion_lift_high", "store_lift", "store_lift_low", "store_lift_high", "support", "confidence", "response_rate",
    "uplift_at_30", "uplift_at_30_sd",
    "predicted_extra_chance", "mean_reward", "reward_sd", "chance_best", "next_wave_share", "segment_expected_rate",
    "unhappy_probability", "unhappy_share", "latest_share", "trailing_share", "units_change",
    "intent_accuracy", "right_answer_in_3", "promised_wape", "promised_bias",
})


def is_share(key: str) -> bool:
    """Whether the column ``key`` holds a share (shown as a percentage)."""
    return key in SHARES
