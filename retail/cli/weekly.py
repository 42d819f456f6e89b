"""The weekly cycle from the command line: ``refresh``, ``forecast-accuracy`` and ``this-week``.

``refresh DATASET [FILE]`` adds the new sales (a file, or the query kept with the dataset or given
with ``--query``), reruns the forecast and the order plan with the dataset's latest saved settings,
scores the earlier forecasts, lists the exceptions and writes the weekly pack (``--pack DIR``), all
or nothing. Exit 0: done (or nothing to do); 2: the input cannot be used, another refresh holds the
dataset, or the role may not refresh (nothing changed). Progress goes to stderr; ``--json`` prints
one JSON document on stdout::

    {"dataset", "changed", "run_id" (the new forecast run), "runs": {"forecast", "replenishment",
     "refresh"}, "data_through", "append": {"added", "replaced", "kept", "days", "unchanged", ...},
     "forecast": {...}, "orders": {...}, "tracking": {...}, "exceptions": {"count", "by_kind", "top"},
     "pack": [files], "notes"}

Flags of the exception thresholds (``--<kind>-<threshold>``) and of the sales query come from the
registries of :mod:`retail.planning.registry`.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

from retail.cli.common import (
    add_mapping_arguments,
    add_param_flags,
    date_order,
    entry_params,
    mapping_overrides,
    names,
    progress,
)
from retail.planning.registry import EXCEPTIONS, QUERY_SOURCE, SOURCES


def _records(frame) -> list[dict[str, Any]]:
    """Rows as plain JSON values: dates as ISO text, missing numbers as null."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype.kind == "M":
            out[column] = out[column].dt.strftime("%Y-%m-%d %H:%M:%S").str.removesuffix(" 00:00:00")
    return json.loads(out.to_json(orient="records", date_format="iso")) if len(out) else []


def _query(args: argparse.Namespace, workspace: Any, dataset: str):
    """The sales query given with ``--query`` (kept with ``--keep-query``), else the dataset's kept one; the
    variable's name and the days to re-check default to the kept query's."""
    from retail.planning import sources

    kept = sources.kept_query(workspace, dataset)
    query = getattr(args, "param__query", None)
    if query:
        given = {name: getattr(args, f"param__{name}") for name in SOURCES.get(QUERY_SOURCE).param_names()
                 if getattr(args, f"param__{name}", None) is not None}
        source = sources.QuerySource(**((kept.to_dict() if kept else {}) | given))
        if args.keep_query:
            sources.keep_query(workspace, dataset, source)
        return source
    if kept is None:
        raise ValueError(f"Give the new sales: a FILE, or --query 'SELECT ...' (kept for {dataset!r} with "
                         "--keep-query, so that later refreshes need neither).")
    return kept


def read_new_sales(args: argparse.Namespace, workspace: Any, info: Any):
    """The new sales as a raw table: the FILE, or the query from the dataset's last day (``--since``)."""
    import pandas as pd

    from retail.data import schema
    from retail.planning import sources

    if args.file:
        return sources.read_file(args.file, sheet=args.sheet)
    source = _query(args, workspace, info.name)
    since = pd.Timestamp(args.since) if args.since else source.since(info.date_max)
    progress(0.0, f"asking {source.name} for the sales from {since:%Y-%m-%d}" if since is not None else
             f"asking {source.name} for every sale")
    return source.read(info.mapping.get(schema.DATE), since)


def _pack_files(refreshed: Any, workspace: Any) -> dict[str, bytes]:
    """The weekly pack: the workbook and the stakeholder report, named after the dataset and the week."""
    import pandas as pd

    from retail import reports
    from retail.analytics import overview
    from retail.planning.pack import workbook_bytes

    info = workspace.get(refreshed.dataset)
    code = workspace.currency_of(info)
    frame = refreshed.append.seam.frame
    end = refreshed.data_through
    selection = overview.Selection(end.normalize() - pd.Timedelta(days=27), end)
    measure = overview.measures(info.has, info.kind)[0]
    summary = overview.summarise(frame, selection, "W", measure, kind=info.kind)
    stem = re.sub(r"[^\w\- ]+", "-", refreshed.dataset).strip() + f" {end:%Y-%m-%d}"
    return {f"{stem} weekly pack.xlsx": workbook_bytes(refreshed, code),
            f"{stem} report.html": reports.weekly_report_html(refreshed, summary, selection, measure, code).encode()}


def cmd_refresh(args: argparse.Namespace) -> int:
    from retail.cli.access import guarded
    from retail.planning.lock import refresh_lock
    from retail.planning.pack import write_files
    from retail.planning.refresh import commit_refresh, prepare_refresh

    workspace = guarded()
    for action in ("upload", "analyse"):  # a viewer is refused before anything is read
        workspace.require(action)
    with refresh_lock(workspace.workspace, args.dataset, args.wait, say=lambda message: progress(0.0, message)):
        info = workspace.get(args.dataset)
        raw = read_new_sales(args, workspace, info)
        overrides = mapping_overrides(args) or None
        refreshed = prepare_refresh(workspace, args.dataset, raw, stock=args.stock, overrides=overrides,
                                    dayfirst=date_order(args), progress=progress)
        commit_refresh(workspace, refreshed)
        # After the commit, so the pack names the runs saved; a pack that fails is written by the next refresh
        # of the same file (it finds nothing else to do)
        written = write_files(Path(args.pack), _pack_files(refreshed, workspace)) if args.pack else []
        for path in written:
            workspace.record_export(args.dataset, path.name)
    summary = refreshed.summary_dict() | {"pack": [str(path) for path in written]}
    print(json.dumps(summary, default=str) if args.json else _refresh_text(refreshed, written))
    progress(1.0, "nothing changed" if refreshed.nothing_to_do else "done")
    return 0


def _refresh_text(refreshed: Any, written: list[Path]) -> str:
    lines = [refreshed.append.describe(), *refreshed.notes]
    if not refreshed.nothing_to_do:
        lines.append("saved: " + ", ".join(f"{kind} run {run_id}" for kind, run_id in refreshed.run_ids.items()))
    lines.append(refreshed.week.headline)
    lines += [f"  {row['rank']:>3}. {row['what']}: {row['name']}: {row['why']}"
              for row in refreshed.week.ranked.head(10).to_dict("records")]
    lines += [f"wrote {path}" for path in written]
    return "\n".join(lines)


def cmd_forecast_accuracy(args: argparse.Namespace) -> int:
    from retail.data.workspace import Workspace
    from retail.planning.pack import accuracy_table
    from retail.planning.tracking import track

    workspace = Workspace()
    tracked = track(workspace, args.dataset, workspace.load(args.dataset))
    if args.json:
        print(json.dumps({"dataset": args.dataset, "summary": tracked.summary_dict(), "runs": _records(tracked.by_run),
                          "steps": _records(tracked.by_step), "weeks": _records(tracked.by_week)}))
        return 0
    if tracked.empty:
        print(f"No saved forecast of {args.dataset!r} has met its actual sales yet: add the weeks that followed "
              "(python -m retail import FILE --name ... --append, or refresh).")
        return 0
    print(accuracy_table(tracked).to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    return 0


def _attention_settings(args: argparse.Namespace):
    from retail.planning.attention import AttentionSettings

    thresholds = {spec.name: given for spec in EXCEPTIONS if (given := entry_params(args, spec))}
    return AttentionSettings(off=names(args.off), thresholds=thresholds)


def cmd_this_week(args: argparse.Namespace) -> int:
    from retail.cli.access import guarded
    from retail.planning.attention import keep_settings, kept_settings, this_week
    from retail.planning.exceptions import as_records

    workspace = guarded()
    given = _attention_settings(args)
    kept = kept_settings(workspace, args.dataset)
    settings = given if (args.off or given.thresholds) else kept
    if args.keep:
        keep_settings(workspace, args.dataset, settings)
    week = this_week(workspace, args.dataset, workspace.load(args.dataset), settings)
    if args.json:
        print(json.dumps({"dataset": args.dataset, "headline": week.headline, "settings": settings.to_dict(),
                          "exceptions": as_records(week.ranked)}, default=str))
        return 0
    print(week.headline)
    for row in week.ranked.head(args.top).to_dict("records"):
        print(f"{row['rank']:>4}. {row['what']}: {row['name']}: {row['why']}")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``refresh``, ``forecast-accuracy`` and ``this-week``."""
    refresh = commands.add_parser("refresh", help="the weekly cycle unattended: new sales in, forecast and order plan "
                                                  "rerun, earlier forecasts scored, exceptions and the weekly pack out")
    refresh.add_argument("dataset", metavar="DATASET", help="the stored dataset to refresh")
    refresh.add_argument("file", metavar="FILE", nargs="?", default=None,
                         help="the new sales (CSV, Excel or Parquet); without it, the sales query (below)")
    refresh.add_argument("--pack", metavar="DIR", default=None,
                         help="write the weekly pack here: a workbook (exceptions, orders, forecast, accuracy) and "
                              "the stakeholder report")
    refresh.add_argument("--stock", metavar="FILE", default=None, help="this week's stock file (on hand, on order...)")
    refresh.add_argument("--since", metavar="DATE", default=None,
                         help="with a query: ask for the sales from this day (default: the dataset's last day, "
                              "less the days to re-check)")
    refresh.add_argument("--keep-query", action="store_true", help="keep --query with the dataset for later refreshes")
    refresh.add_argument("--wait", type=float, default=600.0, metavar="SECONDS",
                         help="how long to wait for another refresh of the dataset to finish (default 600)")
    refresh.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    add_mapping_arguments(refresh)
    add_param_flags(refresh, SOURCES, per_entry=False)
    refresh.set_defaults(handler=cmd_refresh)
    accuracy = commands.add_parser("forecast-accuracy", help="how every saved forecast did against the sales that "
                                                             "followed, next to what its backtest promised")
    accuracy.add_argument("dataset", metavar="DATASET")
    accuracy.add_argument("--json", action="store_true", help="print one JSON document (runs, steps, weeks)")
    accuracy.set_defaults(handler=cmd_forecast_accuracy)
    week = commands.add_parser("this-week", help="what needs attention: the ranked exceptions of a dataset")
    week.add_argument("dataset", metavar="DATASET")
    week.add_argument("--off", default="", metavar="KIND,KIND", help="kinds switched off: " + "; ".join(
        f"{spec.name} ({spec.label})" for spec in EXCEPTIONS))
    week.add_argument("--keep", action="store_true", help="keep these thresholds with the dataset")
    week.add_argument("--top", type=int, default=25, help="lines printed (default 25; --json has all)")
    week.add_argument("--json", action="store_true", help="print one JSON document")
    add_param_flags(week, EXCEPTIONS, per_entry=True)
    week.set_defaults(handler=cmd_this_week)
