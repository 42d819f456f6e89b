"""``python -m retail forecast FILE_OR_DATASET ...``: a backtested forecast from the command line.

Progress goes to stderr; ``--json`` prints one JSON object on stdout::

    {"series": int, "horizon": int, "windows": int, "best": "lightgbm",
     "models": {"lightgbm": {"wape", "mase", "rmse", "bias", "seconds", "coverage_80", "coverage_95"}, ...},
     "level": ..., "freq": ..., "target": ..., "out": ..., "summary": ...}
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from retail.analytics.aggregate import FREQS, LEVELS, TARGETS
from retail.forecast.export import to_csv_bytes, to_excel_bytes
from retail.forecast.pipeline import ForecastResult, run_forecast
from retail.forecast.settings import MODEL_NAMES, OBJECTIVES, ForecastSettings

DEFAULT_MODELS = "lightgbm,linear,ets,snaive"


def _names(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``forecast`` sub-command to the main parser."""
    p = subparsers.add_parser("forecast", help="backtest models and forecast demand, export CSV or Excel")
    p.add_argument("source", metavar="FILE_OR_DATASET", help="a data file, or the name of a stored dataset")
    p.add_argument("--level", choices=LEVELS, default="product")
    p.add_argument("--freq", choices=FREQS, default="W", help="D days, W Monday-Sunday weeks, M months")
    p.add_argument("--target", choices=tuple(TARGETS), default="units")
    p.add_argument("--horizon", type=int, default=8, help="periods to forecast")
    p.add_argument("--models", default=DEFAULT_MODELS, help=f"comma-separated, from {','.join(MODEL_NAMES)}")
    p.add_argument("--windows", type=int, default=3, help="rolling-origin backtest windows")
    p.add_argument(
        "--step", type=int, default=None, help="periods between backtest cutoffs (default: horizon)"
    )
    p.add_argument("--top", type=int, default=None, metavar="N", help="only the N largest series")
    p.add_argument(
        "--future-known",
        default="",
        metavar="COL,COL",
        help="source columns whose future values are known (e.g. a promo calendar)",
    )
    p.add_argument("--objective", choices=OBJECTIVES, default="tweedie", help="LightGBM objective")
    p.add_argument("--out", required=True, help="forecast file: .xlsx (forecast, metrics, settings) or .csv")
    p.add_argument("--metrics-out", default=None, help="also write the backtest metrics as JSON")
    p.add_argument(
        "--all-models", action="store_true", help="export every model's forecast, not only the best"
    )
    p.add_argument(
        "--map",
        action="append",
        metavar="FIELD=COLUMN",
        default=[],
        help="map a canonical field to a source column (repeatable)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON summary object on stdout")
    p.set_defaults(handler=cmd_forecast)


def _progress(fraction: float, message: str) -> None:
    print(f"[{fraction * 100:3.0f}%] {message}", file=sys.stderr, flush=True)


def _number(value: Any) -> float | None:
    value = float(value)
    return None if math.isnan(value) else round(value, 6)


def summary(result: ForecastResult) -> dict[str, Any]:
    """The JSON object of ``--json`` (also written by ``--metrics-out``)."""
    models = {}
    for row in result.metrics.to_dict("records"):
        keys = [
            k for k in row if k in ("wape", "mase", "rmse", "bias", "seconds") or k.startswith("coverage_")
        ]
        models[row["model"]] = {k: _number(row[k]) for k in keys} | {"rank": int(row["rank"])}
    s = result.settings
    return {
        "series": int(result.history["series_id"].nunique()),
        "horizon": s.horizon,
        "windows": s.windows,
        "level": s.level,
        "freq": s.freq,
        "target": s.target,
        "models": models,
        "best": result.best,
        "summary": result.summary,
        "warnings": result.warnings,
    }


def cmd_forecast(args: argparse.Namespace) -> int:
    """Run the forecast command; returns the exit code (errors propagate as ValueError)."""
    out = Path(args.out)
    if out.suffix.lower() not in (".xlsx", ".csv"):
        raise ValueError(f"--out must end in .xlsx or .csv, got {args.out!r}.")
    settings = ForecastSettings(
        level=args.level,
        freq=args.freq,
        target=args.target,
        horizon=args.horizon,
        models=_names(args.models),
        windows=args.windows,
        step=args.step,
        top_n=args.top,
        future_known=_names(args.future_known),
        objective=args.objective,
    )
    from retail.data.ingest import load_frame, parse_overrides

    _progress(0.0, f"loading {args.source}")
    frame = load_frame(args.source, parse_overrides(args.map) or None)
    result = run_forecast(frame, settings, progress=_progress)
    return write_outputs(result, out, args.metrics_out, args.json, "all" if args.all_models else None)


def write_outputs(
    result: ForecastResult, out: Path, metrics_out: str | None, as_json: bool, model: str | None = None
) -> int:
    """Write the forecast file (and metrics JSON); print the summary. Returns 0."""
    data = to_excel_bytes(result, model) if out.suffix.lower() == ".xlsx" else to_csv_bytes(result, model)
    out.write_bytes(data)
    info = summary(result) | {"out": str(out)}
    if metrics_out:
        Path(metrics_out).write_text(json.dumps(info, indent=2))
    if as_json:
        print(json.dumps(info))
    else:
        board = result.metrics[["rank", "model", "wape", "mase", "rmse", "bias", "seconds"]]
        print(result.summary)
        print(board.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        print(f"best: {result.best}; forecast written to {out}")
    _progress(1.0, f"wrote {out}")
    return 0
