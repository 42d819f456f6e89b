"""Planners in the loop, from the command line: ``override`` (adjust a saved forecast run from a file),
``fva`` (forecast value added) and ``forecast --reconcile`` (forecasts that add up, every level).

``override RUN --file adjustments.csv`` stores a new version of the run (as the local user; a viewer is
refused) and prints it; ``--json`` prints ``{"run_id", "version", "based_on", "adjusted", "changes",
"forecasts_changed"}``. ``fva DATASET [--json]`` prints the value each step added and one sentence.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from retail.cli.common import progress


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``override`` and ``fva``."""
    p = subparsers.add_parser("override", help="adjust a saved forecast run from a file (a new version of the run)")
    p.add_argument("run", type=int, metavar="RUN", help="the saved forecast run (its id, e.g. from the Forecast page)")
    p.add_argument("--file", required=True, metavar="adjustments.csv",
                   help="CSV or Excel with columns series, period, change, reason (and optionally note): change is "
                   "a number of units (120), units to add or remove (+20, -20) or a percentage (+20%%, -15%%); * in "
                   "series or period means all (85123* every series starting so)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.set_defaults(handler=cmd_override)
    p = subparsers.add_parser("fva", help="forecast value added: naive vs statistical vs adjusted forecasts")
    p.add_argument("dataset", metavar="DATASET", help="a stored dataset (its saved forecast runs are scored)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.set_defaults(handler=cmd_fva)


def cmd_override(args: argparse.Namespace) -> int:
    from retail.cli.access import guarded
    from retail.planning.overrides import read_adjustments
    from retail.planning.versions import adjust_run

    path = Path(args.file)
    if not path.is_file():
        raise FileNotFoundError(f"no adjustments file at {path}.")
    adjustments = read_adjustments(path)
    workspace = guarded()
    run = adjust_run(workspace, args.run, adjustments, workspace.actor.name)
    changes = workspace.load_run_table(run.id, "adjustments")
    latest = changes[changes["version"] == run.settings["version"]]
    info = {"run_id": run.id, "version": run.settings["version"], "based_on": run.settings["based_on"],
            "adjusted": run.summary["adjusted"], "changes": len(latest),
            "forecasts_changed": int(latest["forecasts"].sum())}
    if args.json:
        print(json.dumps(info))
    else:
        print(f"run {run.id}: {info['adjusted']}; {info['forecasts_changed']:,} forecasts changed.")
    return 0


def cmd_fva(args: argparse.Namespace) -> int:
    from retail.data.workspace import Workspace
    from retail.planning.fva import forecast_value_added

    workspace = Workspace()
    workspace.get(args.dataset)
    progress(0.0, f"loading {args.dataset}")
    frame = workspace.load(args.dataset)
    progress(0.5, "scoring the saved forecast runs")
    result = forecast_value_added(workspace, args.dataset, frame)
    if args.json:
        print(json.dumps(result.summary_dict(), default=str))
    else:
        print(result.sentence)
        if not result.table.empty:
            print(result.table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    progress(1.0, "done")
    return 0


def cmd_reconcile(args: argparse.Namespace, frame, settings, out: Path | None) -> int:
    """``forecast ... --reconcile``: every level forecast, reconciled; ``--out`` one sheet per level."""
    from retail.cli.access import write_export
    from retail.planning.levels import run_reconciled
    from retail.planning.levels_export import to_csv_bytes, to_excel_bytes

    methods = tuple(m.strip() for m in args.reconcile_methods.split(",") if m.strip()) or None
    result = run_reconciled(frame, settings, methods=methods, progress=progress)
    if out is not None:  # logged once written, as a page's download
        write_export(out, args.source, lambda _: to_excel_bytes(result) if out.suffix.lower() == ".xlsx"
                     else to_csv_bytes(result))
    info = result.summary_dict() | {"out": str(out) if out else None}
    if args.json:
        print(json.dumps(info))
    else:
        print(result.summary)
        print(*result.notes, sep="\n")
        print(result.headline())
        table = result.accuracy.pivot(index="level", columns="method", values="wape").reindex(result.levels)
        print(table.to_string(float_format=lambda v: f"{v:.3f}"))
        if out:
            print(f"forecast of every level written to {out}")
    progress(1.0, f"wrote {out}" if out else "done")
    return 0
