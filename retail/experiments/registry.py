"""What the experiments domain offers, declared once: the targeting (uplift) models and the
allocation policies of the next wave.

The command line's choices and setting flags, the Experiments page's model and policy lists and
sliders, settings validation and the README tables are generated from :data:`UPLIFT_MODELS` and
:data:`POLICIES`. Adding a model: an :class:`~retail.experiments.uplift.UpliftModel` subclass and
one :class:`Spec`; a policy: a :class:`~retail.experiments.bandits.Policy` subclass and one Spec.
"""

from __future__ import annotations

from retail.registry import Param, Registry, Spec

BASELINE = "baseline"  # tag: the answer without a model (random order, offers at random)
DEFAULT = "default"  # tag: what a run uses unless told otherwise
RESPONSE = "response"  # tag: ranks by who responds, not by who responds because of the contact
CONTEXTUAL = "contextual"  # tag: a policy that looks at the customer before choosing an offer

# Small trees and a slow rate: a campaign has tens of thousands of customers and an effect of a few
# points, which deep trees fit as noise. Chosen on the benchmark's development seeds 100-104
# (benchmarks/bench_experiments.py --sweep), never on the report seeds: 4 leaves and 100 customers per
# leaf gave the best mean Qini of both LightGBM learners (0.046 / 0.047; 16 leaves 0.033-0.039); C made
# no difference to the logistic regressions (0.050 at 0.1, 1 and 10); epsilon 0.1 and optimism 0.5 the
# best replayed rates (0.159; 0.175).
_TREES = (
    Param("n_estimators", "Trees", 200, "Boosting rounds.", kind=int, minimum=10, maximum=5000, ui_range=(50, 1000)),
    Param("learning_rate", "Learning rate", 0.03, "Step size of each tree.", minimum=0.001, maximum=1.0,
          ui_range=(0.005, 0.3), step=0.005),
    Param("num_leaves", "Leaves per tree", 4, "Larger trees find finer customer groups, and fit noise sooner.",
          kind=int, minimum=2, maximum=255, ui_range=(2, 63)),
    Param("min_child_samples", "Customers per leaf", 100, "The fewest customers a leaf may describe: an effect of "
          "a few points needs hundreds of customers to be seen.", kind=int, minimum=5, maximum=10_000,
          ui_range=(20, 2000)),
)
_C = Param("C", "Regularisation (C)", 1.0, "Smaller values keep the weights small (steadier on little data).",
           minimum=1e-4, maximum=1e4, ui_range=(0.01, 10.0), step=0.01)

UPLIFT_MODELS = Registry("targeting model", [
    Spec("random", "random order",
         "Customers in random order: what targeting without a model gives. The baseline every model must beat.",
         "retail.experiments.uplift:RandomOrder", tags=frozenset({BASELINE})),
    Spec("response", "response model",
         "Logistic regression on the contacted customers only: ranks by who responds, including those who would "
         "have responded anyway.", "retail.experiments.uplift:ResponseModel", params=(_C,),
         tags=frozenset({RESPONSE})),
    Spec("two-model-logistic", "two-model logistic regression",
         "One logistic regression on the contacted and one on the control group; the difference of their "
         "predictions is the extra chance the contact gives.", "retail.experiments.uplift:TwoModelLogistic",
         params=(_C,), tags=frozenset({DEFAULT})),
    Spec("two-model-lightgbm", "two-model LightGBM",
         "The same with gradient-boosted trees, which find interactions a straight line misses.",
         "retail.experiments.uplift:TwoModelLightGBM", params=_TREES),
    Spec("x-learner", "extra chance learned directly (X-learner)",
         "Fills in each customer's missing outcome (contacted or not) with the other group's model, then learns "
         "the extra chance directly (Kuenzel et al. 2019), with LightGBM.",
         "retail.experiments.uplift:XLearner", params=_TREES),
])

POLICIES = Registry("allocation policy", [
    Spec("uniform", "offers at random",
         "Every offer equally often, as in the test: the baseline every policy must beat.",
         "retail.experiments.bandits:Uniform", tags=frozenset({BASELINE})),
    Spec("epsilon-greedy", "epsilon-greedy",
         "Sends the offer with the best rate so far, and a random offer to a small share of customers to keep "
         "learning.", "retail.experiments.bandits:EpsilonGreedy", params=(
             Param("epsilon", "Share sent at random", 0.1, "The share of customers who get a random offer.",
                   minimum=0.0, maximum=1.0, ui_range=(0.0, 0.5), step=0.01, share=True),
         )),
    Spec("thompson", "Thompson sampling",
         "Sends each offer as often as it is likely to be the best, given the responses so far: explores while "
         "unsure, then settles on the winner.", "retail.experiments.bandits:Thompson", tags=frozenset({DEFAULT})),
    Spec("segment-thompson", "Thompson sampling per segment",
         "Thompson sampling run separately in every customer segment, so each segment can get its own offer.",
         "retail.experiments.bandits:SegmentThompson", tags=frozenset({CONTEXTUAL})),
    Spec("linucb", "offer chosen from the customer's facts (LinUCB)",
         "A linear model of each offer's response from the customer's facts, choosing the offer with the best "
         "optimistic estimate (Li et al. 2010).", "retail.experiments.bandits:LinUCB", params=(
             Param("alpha", "Optimism", 0.5, "How much the uncertainty of an estimate counts in its favour: higher "
                   "explores more.", minimum=0.0, maximum=10.0, ui_range=(0.0, 2.0), step=0.05),
         ), tags=frozenset({CONTEXTUAL})),
])
