"""The forecast models that exist, their labels and their tunable parameters (declared once).

Settings validation, the command line's ``--models`` choices and ``--<model>-<setting>``
flags, the Forecast page's model list and widgets, and the README's model table are all
generated from :data:`FORECASTERS`. Adding a model: a class with the
:class:`~retail.forecast.models.ForecastModel` interface and one :class:`Spec` here.
"""

from __future__ import annotations

from retail.registry import Param, Registry, Spec

BASELINE = "baseline"  # tag: the model every other model is compared with
# tag: in a run's model list unless the user picks others. A model earns it on backtests before the
# benchmark's test windows (benchmarks/bench_forecast.py); the others stay one click away.
DEFAULT = "default"
# tag: combines other models' forecasts instead of learning from sales (needs them in the same run)
COMBINATION = "combination"
BLEND_MEMBERS = ("lightgbm", "topdown", "ets")  # the models the blend weighs (retail.forecast.combination)

FORECASTERS = Registry("forecast model", [
    Spec("snaive", "seasonal naive",
         "Repeats the last season: the same weekday last week, the same week last year. The baseline to beat.",
         "retail.forecast.models:SeasonalNaive.from_context", tags=frozenset({BASELINE, DEFAULT})),
    Spec("ma", "moving average", "The average of the most recent periods, carried flat into the future.",
         "retail.forecast.models:MovingAverage.from_context", params=(
             Param("window", "Periods averaged", None, "How many recent periods are averaged; empty: 28 days, "
                   "4 weeks or 3 months.", kind=int, minimum=1, ui_range=(1, 104), optional=True),
         ), tags=frozenset({DEFAULT})),
    Spec("ets", "exponential smoothing",
         "Holt-Winters with a damped trend and seasonality (statsmodels), fitted to each series on its own.",
         "retail.forecast.models:ExponentialSmoothing.from_context", tags=frozenset({DEFAULT})),
    Spec("linear", "linear regression",
         "Ridge regression on the same lag, rolling-mean and calendar features as LightGBM, across all series.",
         "retail.forecast.ml:LinearForecaster.from_context", params=(
             Param("alpha", "Regularisation", 1.0, "Larger values keep the coefficients small (steadier, "
                   "less detailed forecasts).", minimum=0.0, ui_range=(0.0, 100.0), step=0.5),
         ), tags=frozenset({DEFAULT})),
    Spec("lightgbm", "LightGBM",
         "One gradient-boosted tree model across all series on lags, rolling means, calendar and promotions.",
         "retail.forecast.ml:LightGBMForecaster.from_context", params=(
             Param("objective", "Loss", "tweedie", "What the trees minimise: Tweedie and Poisson suit sales with "
                   "many zero periods; absolute error forecasts the median (lower error, but below average demand).",
                   kind=str, choices=("tweedie", "poisson", "l2", "l1"),
                   choice_labels={"tweedie": "Tweedie (sales with many zeros)", "poisson": "Poisson (counts)",
                                  "l2": "squared error (the mean)", "l1": "absolute error (the median)"},
                   aliases=("--objective",)),
             Param("n_estimators", "Trees", 300, "Boosting rounds: more can fit more detail, and take longer.",
                   kind=int, minimum=10, maximum=5000, ui_range=(50, 1000), step=50),
             Param("learning_rate", "Learning rate", 0.05, "How much each tree corrects the previous ones.",
                   minimum=0.001, maximum=1.0, ui_range=(0.01, 0.3), step=0.01),
             Param("num_leaves", "Leaves per tree", 127, "Larger trees capture more interactions between "
                   "features (chosen on backtests before the benchmark's test windows).",
                   kind=int, minimum=2, maximum=4096, ui_range=(7, 255)),
         ), tags=frozenset({DEFAULT})),
    Spec("topdown", "share of total",
         "Forecasts the total of all series (exponential smoothing) and gives each series its share of the last "
         "eight weeks: steady where single products jump with every large order.",
         "retail.forecast.topdown:ShareOfTotal.from_context", params=(
             Param("share_periods", "Periods of shares", None, "How many recent periods set each series' share of "
                   "the total; empty: eight weeks (56 days, 8 weeks or 2 months).", kind=int, minimum=1,
                   ui_range=(1, 104), optional=True),
         ), tags=frozenset({DEFAULT})),
    Spec("blend", "blend of models",
         "A weighted average of LightGBM, share of total and exponential smoothing (those in the run); the "
         "weights are the ones that were most accurate on the earlier backtest windows.",
         "retail.forecast.combination:Blend.from_context", tags=frozenset({DEFAULT, COMBINATION})),
    Spec("mlp", "neural network",
         "A dense neural network (multi-layer perceptron) across all series on the same features as LightGBM. "
         "Not in the default list: less accurate than LightGBM on this project's benchmark.",
         "retail.forecast.neural:MLPForecaster.from_context", params=(
             Param("hidden_units", "Neurons", 64, "Neurons in the first hidden layer (each further layer has half "
                   "as many): more can learn more patterns, and take longer.", kind=int, minimum=2, maximum=1024,
                   ui_range=(8, 256), step=8),
             Param("layers", "Hidden layers", 2, "Layers of neurons between the features and the forecast.",
                   kind=int, minimum=1, maximum=4),
             Param("alpha", "Regularisation", 0.001, "Larger values keep the weights small (smoother, less "
                   "detailed forecasts).", minimum=0.0, maximum=10.0, ui_range=(0.0, 0.1), step=0.001),
         )),
])
