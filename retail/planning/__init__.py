"""The weekly cycle: new sales in, last week's forecasts checked against what happened, exceptions out,
unattended.

Modules (each usable on its own; nothing here imports Streamlit):

* :mod:`~retail.planning.append`: add new sales to a dataset (:func:`prepare_append` shows what would
  happen, :func:`apply_append` stores the new version in one transaction; idempotent).
* :mod:`~retail.planning.sources`: where new sales come from (a file, or a query on the shop's
  PostgreSQL database whose address is read from an environment variable, never saved).
* :mod:`~retail.planning.tracking`: every saved forecast run scored as its actuals arrive. The
  interface for other planning work (overrides, forecast value added)::

      runs = tracking.saved_forecasts(workspace, dataset)   # forecasts + the backtest's promise per run
      truth = tracking.actuals(frame, level, freq, target)  # series_id, date, y per complete period
      rows = tracking.scored(runs, frame)                   # run x model x series x period with y
      tracking.accuracy(rows, by=[...])                     # WAPE, bias, 80%/95% coverage per group
      tracking.track(workspace, dataset, frame)             # all of it (by step, run and week)

  ``accuracy`` takes any frame with ``y``, ``yhat`` (and ``lo_80`` ... ``hi_95`` when there are
  ranges), so an adjusted forecast is scored exactly like a model's.
* :mod:`~retail.planning.exceptions` and :mod:`~retail.planning.attention`: what needs attention
  this week, one detector per kind of :data:`~retail.planning.registry.EXCEPTIONS`, thresholds kept
  with the dataset, ranked by what is at stake.
* :mod:`~retail.planning.refresh`, :mod:`~retail.planning.lock`, :mod:`~retail.planning.pack`: the
  unattended refresh (all in one transaction, one refresh of a dataset at a time) and its weekly pack.
"""
