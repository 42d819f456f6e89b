"""``python -m retail forecast FILE_OR_DATASET ...``: a backtested forecast from the command line.

Progress goes to stderr; ``--json`` prints one JSON object on stdout (see
:meth:`retail.forecast.result.ForecastResult.summary_dict`)::

    {"series": int, "horizon": int, "windows": int, "best": "lightgbm", "wape": float,
     "models": {"lightgbm": {"wape", "mase", "rmse", "bias", "seconds", "backtest_seconds",
                             "final_fit_seconds", "coverage_80", "coverage_95"}, ...},
     "level": ..., "freq": ..., "target": ..., "target_reason": ..., "out": ..., "summary": ...}

A model's ``seconds`` is what it cost the run: its backtest fits (``backtest_seconds``) plus
its fit and forecast on all history (``final_fit_seconds``).

Models, their choices and their ``--<model>-<setting>`` flags come from
:data:`retail.forecast.registry.FORECASTERS`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from retail import frequency
from retail.analytics.aggregate import LEVELS, TARGETS
from retail.cli.common import (
    SOURCE_HELP,
    add_param_flags,
    entry_params,
    mapping_overrides,
    names,
    progress,
    table_out_path,
)
from retail.forecast.registry import DEFAULT, FORECASTERS
from retail.planning.registry import RECONCILERS


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``forecast`` sub-command to the main parser."""
    p = subparsers.add_parser("forecast", help="backtest models and forecast demand, export CSV or Excel")
    p.add_argument("source", metavar="FILE_OR_DATASET", help=SOURCE_HELP)
    p.add_argument("--level", choices=list(LEVELS), default=None,
                   help="; ".join(f"{name}: {level.label}" for name, level in LEVELS.items())
                   + " (default: store for store totals, else product)")
    p.add_argument("--freq", choices=list(frequency.CODES), default=None,
                   help="; ".join(f"{f.code}: {f.label}" for f in frequency.FREQUENCIES.values())
                   + " (default: weekly, or daily when the data is too short for weekly)")
    p.add_argument("--target", choices=list(TARGETS), default=None,
                   help="units or revenue (default: units, or revenue for files with sales but no quantity)")
    p.add_argument("--horizon", type=int, default=None,
                   help="periods to forecast (default: 8 weeks or 14 days, fewer when the data is short)")
    p.add_argument("--models", default=",".join(FORECASTERS.tagged(DEFAULT)),
                   help="comma-separated, from " + "; ".join(f"{s.name} ({s.label})" for s in FORECASTERS)
                   + " (default: " + ",".join(FORECASTERS.tagged(DEFAULT)) + ")")
    p.add_argument("--windows", type=int, default=None,
                   help="rolling-origin backtest windows (default: 3, fewer when the data is short)")
    p.add_argument("--step", type=int, default=None, help="periods between backtest cutoffs (default: horizon)")
    p.add_argument("--top", type=int, default=None, metavar="N", help="only the N largest series")
    p.add_argument("--future-known", default="", metavar="COL,COL",
                   help="source columns whose future values are known (e.g. a promo calendar)")
    p.add_argument("--calendar", default=None, metavar="FILE",
                   help="promotion calendar for the periods ahead (CSV or Excel: start, end, optional store_id, "
                        "then one column per --future-known column)")
    p.add_argument("--out", default=None, help="forecast file: .xlsx (summary, forecast, accuracy, settings) or .csv")
    p.add_argument("--metrics-out", default=None, help="also write the backtest metrics as JSON")
    p.add_argument("--all-models", action="store_true", help="export every model's forecast, not only the best")
    p.add_argument("--map", action="append", metavar="FIELD=COLUMN", default=[],
                   help="map a canonical field to a source column (repeatable)")
    p.add_argument("--json", action="store_true", help="print one JSON summary object on stdout")
    p.add_argument("--engine", choices=("local", "dask"), default="local",
                   help="local: this process (default); dask: spread the work over a Dask cluster")
    p.add_argument("--scheduler", default=None, metavar="tcp://HOST:8786",
                   help="with --engine dask: the cluster's scheduler (default: start a local cluster)")
    p.add_argument("--workers", type=int, default=2, help="with --engine dask and no --scheduler: local workers")
    p.add_argument("--reconcile", action="store_true",
                   help="forecast every level the data has (total, store, category, product, product x store) so "
                   "they add up to the cent; --out F.xlsx writes one sheet per level (series, period, forecast); "
                   "--top N keeps N products by name, the rest as other products")
    p.add_argument("--reconcile-methods", default="", metavar="M,M",
                   help="with --reconcile: the methods to choose from on the backtest (default all: "
                   + ", ".join(f"{s.name} ({s.label})" for s in RECONCILERS) + ")")
    add_param_flags(p, FORECASTERS, per_entry=True)
    p.set_defaults(handler=cmd_forecast)


def settings_from(args: argparse.Namespace, target: str, level: str, suggested=None):
    """The run's :class:`~retail.forecast.settings.ForecastSettings` from the parsed flags; frequency,
    horizon and windows not given come from ``suggested`` (:func:`retail.forecast.defaults.suggest`)."""
    from retail.forecast.settings import ForecastSettings

    models = names(args.models)
    params = {name: given for name in FORECASTERS.check_names(models)
              if (given := entry_params(args, FORECASTERS.get(name)))}
    freq = args.freq or (suggested.freq if suggested else "W")
    fits = suggested is not None and suggested.freq == freq
    horizon = args.horizon or (suggested.horizon if fits else 8)
    windows = args.windows or (suggested.windows if fits else 3)
    return ForecastSettings(level=level, freq=freq, target=target, horizon=horizon,
                            models=models, model_params=params, windows=windows, step=args.step,
                            top_n=args.top, future_known=names(args.future_known))


def read_calendar(path: str | None):
    """The promotion calendar file of ``--calendar`` (None without one)."""
    if path is None:
        return None
    import pandas as pd

    reader = pd.read_excel if path.lower().endswith((".xlsx", ".xls")) else pd.read_csv
    calendar = reader(path)
    return calendar.rename(columns={c: str(c).strip().lower() for c in calendar.columns
                                    if str(c).strip().lower() in ("start", "end", "store_id", "store")}).rename(
        columns={"store": "store_id"})


def cmd_forecast(args: argparse.Namespace) -> int:
    """Run the forecast command; returns the exit code (errors propagate as ValueError)."""
    from retail.analytics.aggregate import available_levels, default_level, default_target
    from retail.data import schema
    from retail.data.ingest import load_data
    from retail.forecast.defaults import suggest
    from retail.forecast.pipeline import run_forecast

    out = table_out_path(args.out)
    progress(0.0, f"loading {args.source}")
    loaded = load_data(args.source, mapping_overrides(args) or None)
    target, reason = default_target(loaded.has)
    if args.target is not None:
        target, reason = args.target, "chosen with --target"
    progress(0.01, f"target: {reason}")
    level = args.level or default_level(loaded.kind, available_levels(loaded.has))
    suggested = suggest(loaded.frame, loaded.kind)
    if None in (args.freq, args.horizon, args.windows):
        progress(0.01, suggested.reason)
    settings = settings_from(args, target, level, suggested)
    if args.reconcile:
        from retail.cli.planning import cmd_reconcile

        return cmd_reconcile(args, loaded.frame, settings, out)
    calendar = read_calendar(args.calendar)
    if args.engine == "dask":
        from retail.forecast.cluster import dask_client, on_cluster
        from retail.forecast.models import build_models

        progress(0.02, f"starting the Dask engine ({args.scheduler or f'{args.workers} local workers'})")
        with dask_client(args.scheduler, args.workers):
            result = run_forecast(loaded.frame, settings, progress=progress, models=on_cluster(build_models(settings)),
                                  calendar=calendar)
    else:
        result = run_forecast(loaded.frame, settings, progress=progress, calendar=calendar)
    return write_outputs(result, out, args.metrics_out, args.json, "all" if args.all_models else None,
                         {"target_reason": reason, "defaults_reason": suggested.reason}, loaded.currency,
                         schema.store_word(loaded.mapping), source=args.source)


def write_outputs(result, out: Path | None, metrics_out: str | None, as_json: bool, model: str | None = None,
                  extra: dict[str, Any] | None = None, currency_code: str | None = None, store: str = "store",
                  source: str = "") -> int:
    """Write the forecast file (and metrics JSON) when asked; print the summary. Returns 0."""
    from retail.cli.access import write_export
    from retail.data.files import write_owner_only
    from retail.forecast.export import to_csv_bytes, to_excel_bytes

    if out is not None:  # logged once written, as a page's download
        write_export(out, source, lambda _: to_excel_bytes(result, model, currency_code, store)
                     if out.suffix.lower() == ".xlsx" else to_csv_bytes(result, model, store))
    info = result.summary_dict() | (extra or {}) | {"out": str(out) if out else None}
    if metrics_out:
        write_owner_only(metrics_out, json.dumps(info, indent=2).encode())
    if as_json:
        print(json.dumps(info))
    else:
        print(result.summary)
        print(*result.warnings[1:], sep="\n")
        print(leaderboard_text(result))
        print(f"best: {FORECASTERS.label(result.best)}" + (f"; forecast written to {out}" if out else ""))
    progress(1.0, f"wrote {out}" if out else "done")
    return 0


def leaderboard_text(result) -> str:
    """The models' backtest accuracy as the page shows it: errors and bias in percent, seconds rounded."""
    from retail.formatting import percent

    board = result.metrics
    rows = [{"rank": int(row["rank"]), "model": FORECASTERS.label(row["model"]), "error (WAPE)": percent(row["wape"]),
             "vs seasonal naive": percent(row.get("wape_vs_baseline"), signed=True), "bias": percent(row["bias"],
             signed=True), "seconds": f"{row['seconds']:.1f}"} for row in board.to_dict("records")]
    import pandas as pd

    return pd.DataFrame(rows).to_string(index=False)
