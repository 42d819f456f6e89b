"""Planning: the work a planner does around a forecast run (forecasts that add up across levels,
adjustments with reasons, the value those adjustments added).

It consumes the forecast and inventory domains through their public functions; what exists
(reconciliation methods, adjustment reasons) is declared in :mod:`retail.planning.registry`.
"""
