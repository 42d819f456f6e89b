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


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``forecast`` sub-command to the main parser."""
    p = subparsers.add_parser("forecast", help="backtest models and forecast demand, export CSV or Excel")
    p.add_argument("source", metavar="FILE_OR_DATASET", help=SOURCE_HELP)
    p.add_argument("--level", choices=list(LEVELS), default=None,
                   help="; ".join(f"{name}: {level.label}" for name, level in LEVELS.items())
                   + " (default: store for store totals, else product)")
    p.add_argument("--freq", choices=list(frequency.CODES), default="W",
                   help="; ".join(f"{f.code}: {f.label}" for f in frequency.FREQUENCIES.values()))
    p.add_argument("--target", choices=list(TARGETS), default=None,
                   help="units or revenue (default: units, or revenue for files with sales but no quantity)")
    p.add_argument("--horizon", type=int, default=8, help="periods to forecast")
    p.add_argument("--models", default=",".join(FORECASTERS.tagged(DEFAULT)),
                   help="comma-separated, from " + "; ".join(f"{s.name} ({s.label})" for s in FORECASTERS)
                   + " (default: " + ",".join(FORECASTERS.tagged(DEFAULT)) + ")")
    p.add_argument("--windows", type=int, default=3, help="rolling-origin backtest windows")
    p.add_argument("--step", type=int, default=None, help="periods between backtest cutoffs (default: horizon)")
    p.add_argument("--top", type=int, default=None, metavar="N", help="only the N largest series")
    p.add_argument("--future-known", default="", metavar="COL,COL",
                   help="source columns whose future values are known (e.g. a promo calendar)")
    p.add_argument("--out", default=None, help="forecast file: .xlsx (forecast, metrics, settings) or .csv")
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
    add_param_flags(p, FORECASTERS, per_entry=True)
    p.set_defaults(handler=cmd_forecast)


def settings_from(args: argparse.Namespace, target: str, level: str):
    """The run's :class:`~retail.forecast.settings.ForecastSettings` from the parsed flags."""
    from retail.forecast.settings import ForecastSettings

    models = names(args.models)
    params = {name: given for name in FORECASTERS.check_names(models)
              if (given := entry_params(args, FORECASTERS.get(name)))}
    return ForecastSettings(level=level, freq=args.freq, target=target, horizon=args.horizon,
                            models=models, model_params=params, windows=args.windows, step=args.step,
                            top_n=args.top, future_known=names(args.future_known))


def cmd_forecast(args: argparse.Namespace) -> int:
    """Run the forecast command; returns the exit code (errors propagate as ValueError)."""
    from retail.analytics.aggregate import available_levels, default_level, default_target
    from retail.data.ingest import load_data
    from retail.forecast.pipeline import run_forecast

    out = table_out_path(args.out)
    progress(0.0, f"loading {args.source}")
    loaded = load_data(args.source, mapping_overrides(args) or None)
    target, reason = default_target(loaded.has)
    if args.target is not None:
        target, reason = args.target, "chosen with --target"
    progress(0.01, f"target: {reason}")
    level = args.level or default_level(loaded.kind, available_levels(loaded.has))
    settings = settings_from(args, target, level)
    if args.engine == "dask":
        from retail.forecast.cluster import dask_client, on_cluster
        from retail.forecast.models import build_models

        progress(0.02, f"starting the Dask engine ({args.scheduler or f'{args.workers} local workers'})")
        with dask_client(args.scheduler, args.workers):
            result = run_forecast(loaded.frame, settings, progress=progress, models=on_cluster(build_models(settings)))
    else:
        result = run_forecast(loaded.frame, settings, progress=progress)
    return write_outputs(result, out, args.metrics_out, args.json, "all" if args.all_models else None,
                         {"target_reason": reason}, source=args.source)


def write_outputs(result, out: Path | None, metrics_out: str | None, as_json: bool, model: str | None = None,
                  extra: dict[str, Any] | None = None, source: str = "") -> int:
    """Write the forecast file (and metrics JSON) when asked; print the summary. Returns 0."""
    from retail.cli.access import write_export
    from retail.forecast.export import to_csv_bytes, to_excel_bytes

    if out is not None:  # logged once written, as a page's download
        write_export(out, source, lambda _: to_excel_bytes(result, model) if out.suffix.lower() == ".xlsx"
                     else to_csv_bytes(result, model))
    info = result.summary_dict() | (extra or {}) | {"out": str(out) if out else None}
    if metrics_out:
        Path(metrics_out).write_text(json.dumps(info, indent=2))
    if as_json:
        print(json.dumps(info))
    else:
        board = result.metrics[["rank", "model", "wape", "mase", "rmse", "bias", "seconds"]]
        print(result.summary)
        print(*result.warnings[1:], sep="\n")
        print(board.assign(model=board["model"].map(FORECASTERS.label)).to_string(
            index=False, float_format=lambda v: f"{v:.3f}"))
        print(f"best: {FORECASTERS.label(result.best)}" + (f"; forecast written to {out}" if out else ""))
    progress(1.0, f"wrote {out}" if out else "done")
    return 0
