"""``python -m retail customers`` (segments, propensity, expected value, evaluation) and
``python -m retail campaign`` (a campaign list with recommended products).

``customers --json`` prints one object::

    {"customers": int, "as_of": "YYYY-MM-DD", "horizon_days": int, "segments": {name: count},
     "value_model": ..., "propensity_model": ..., "expected_purchases": float, "expected_spend": float,
     "evaluation": {"propensity_auc", "top_decile_lift", "purchases_predicted", "purchases_actual",
                    "spearman", "top_capture", "propensity_models": {...}, "value_models": {...}}}

(``evaluation`` with ``--evaluate`` only: it holds out the ``--horizon-days`` after ``--as-of``).
Models, their choices and their ``--<model>-<setting>`` flags come from
:mod:`retail.customers.registry`; the campaign's recommender flags from the recommenders' registry.
Customer ids are printed only where the user asked for a list, never logged.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from retail.cli.common import (
    SOURCE_HELP,
    add_param_flags,
    add_registry_choice,
    chosen_params,
    entry_params,
    mapping_overrides,
    names,
    progress,
    table_out_path,
)
from retail.customers.registry import DEFAULT, PROPENSITY_MODELS, SEGMENT_LABELS, VALUE_MODELS
from retail.data.currency import money
from retail.formatting import count
from retail.recommend.registry import DEFAULT as DEFAULT_RECOMMENDER
from retail.recommend.registry import RECOMMENDERS


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("source", metavar="FILE_OR_DATASET", help=SOURCE_HELP)
    p.add_argument("--as-of", default=None, metavar="DATE",
                   help="score as of this day (default: the day after the last purchase; with --evaluate, "
                        "the horizon before that)")
    p.add_argument("--horizon-days", type=int, default=90, help="how far ahead purchases are predicted (days)")
    add_registry_choice(p, "--value-model", VALUE_MODELS, VALUE_MODELS.first_tagged(DEFAULT), "repeat-purchase model")
    add_registry_choice(p, "--propensity-model", PROPENSITY_MODELS, PROPENSITY_MODELS.first_tagged(DEFAULT),
                        "propensity model")
    p.add_argument("--map", action="append", metavar="FIELD=COLUMN", default=[],
                   help="map a canonical field to a source column (repeatable)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``customers`` and ``campaign``."""
    p = commands.add_parser("customers", help="RFM segments, who will buy again and what they are worth")
    _common(p)
    p.add_argument("--evaluate", action="store_true",
                   help="hold out the horizon after --as-of and measure AUC, lift, purchases and Spearman")
    p.add_argument("--clusters", action="store_true", help="also group customers with k-means (silhouette)")
    p.add_argument("--out", default=None, help="per-customer file: .xlsx (customers, segments, settings) or .csv")
    add_param_flags(p, VALUE_MODELS, per_entry=True)
    add_param_flags(p, PROPENSITY_MODELS, per_entry=True)
    p.set_defaults(handler=cmd_customers)

    c = commands.add_parser("campaign", help="a campaign list: chosen customers, their value and products to offer")
    _common(c)
    c.add_argument("--name", default=None, help="the campaign's name (default: the season of the analysis date, "
                   "e.g. 'winter campaign, Dec 2011')")
    c.add_argument("--segments", default="", metavar="NAME,NAME",
                   help="segments to include (default: all): " + ", ".join(SEGMENT_LABELS))
    c.add_argument("--min-propensity", type=float, default=0.0, help="lowest probability of buying (0-1)")
    c.add_argument("--max-propensity", type=float, default=1.0, help="highest probability of buying (0-1)")
    c.add_argument("--min-value", type=float, default=0.0, help="lowest expected spend over the horizon")
    c.add_argument("--top", type=int, default=None, metavar="N", help="at most N customers, most valuable first")
    c.add_argument("--products", type=int, default=3, help="recommended products per customer (0: none)")
    add_registry_choice(c, "--algorithm", RECOMMENDERS, RECOMMENDERS.first_tagged(DEFAULT_RECOMMENDER), "algorithm")
    c.add_argument("--out", default=None, help="campaign file: .csv or .xlsx (campaign, settings)")
    c.add_argument("--save", action="store_true", help="keep the campaign in the workspace")
    add_param_flags(c, RECOMMENDERS, per_entry=False)
    c.set_defaults(handler=cmd_campaign)


def _analysis(args: argparse.Namespace, evaluate: bool = False, clusters: bool = False):
    """Load the data (refusing data without customers) and run the analysis."""
    from retail.customers.analysis import CustomerSettings, analyse
    from retail.customers.history import why_not
    from retail.data import schema
    from retail.data.ingest import load_data

    loaded = load_data(args.source, mapping_overrides(args) or None)
    reason = why_not(loaded.kind, loaded.has(schema.CUSTOMER_ID), command_line=True)
    if reason:  # one line on stderr and exit 2 (raised before any progress line)
        raise ValueError(reason)
    progress(0.0, f"loaded {args.source}")
    settings = CustomerSettings(
        as_of=args.as_of, horizon_days=args.horizon_days, value_model=args.value_model,
        propensity_model=args.propensity_model, evaluate=evaluate, clusters=clusters,
        value_params=entry_params(args, VALUE_MODELS.get(args.value_model)),
        propensity_params=entry_params(args, PROPENSITY_MODELS.get(args.propensity_model)))
    return loaded, analyse(loaded.frame, settings, progress=progress)


def cmd_customers(args: argparse.Namespace) -> int:
    from retail.cli.access import write_export
    from retail.customers.export import analysis_workbook, to_csv_bytes

    out = table_out_path(args.out)
    loaded, result = _analysis(args, evaluate=args.evaluate, clusters=args.clusters)
    if out is not None:  # customers by pseudonym when an admin chose so; the export is logged

        def build(workspace) -> bytes:
            customers = workspace.export(result.table())
            return (analysis_workbook(result, loaded.currency, customers) if out.suffix.lower() == ".xlsx"
                    else to_csv_bytes(customers))

        write_export(out, args.source, build)
    info = result.summary_dict() | {"currency": loaded.currency, "out": str(out) if out else None}
    if args.json:
        print(json.dumps(info))
    else:
        _print_customers(info)
    progress(1.0, f"wrote {out}" if out else "done")
    return 0


def _print_customers(info: dict[str, Any]) -> None:
    print(f"{info['customers']:,} customers as of {info['as_of']}, next {info['horizon_days']} days")
    for name, customers in info["segments"].items():
        print(f"  {SEGMENT_LABELS[name]:<16} {customers:>8,}")
    print(f"expected purchases ({VALUE_MODELS.label(info['value_model'])}): {info['expected_purchases']:,.0f}"
          + ("" if info["expected_spend"] is None else f", spend {money(info['expected_spend'], info['currency'])}"))
    evaluation = info.get("evaluation")
    if evaluation:
        print(f"held-out check: AUC {evaluation['propensity_auc']:.3f} "
              f"({PROPENSITY_MODELS.label(info['propensity_model'])}), top-decile lift "
              f"{evaluation['top_decile_lift']:.2f}, purchases {evaluation['purchases_predicted']:,.0f} predicted vs "
              f"{evaluation['purchases_actual']:,} actual, Spearman {evaluation['spearman']:.3f}")
    for warning in info["warnings"]:
        print(f"note: {warning}")
    if info["out"]:
        print(f"written to {info['out']}")


def campaign_settings(args: argparse.Namespace):
    from retail.customers.campaign import CampaignSettings

    spec = RECOMMENDERS.get(args.algorithm)
    return CampaignSettings(
        name=args.name or "campaign", segments=names(args.segments), min_propensity=args.min_propensity,
        max_propensity=args.max_propensity, min_value=args.min_value, max_customers=args.top,
        products=args.products, algorithm=args.algorithm, algorithm_params=chosen_params(args, RECOMMENDERS, spec))


def cmd_campaign(args: argparse.Namespace) -> int:
    from retail.cli.access import guarded, write_export
    from retail.customers.campaign import build_campaign, fit_recommender, save_campaign
    from retail.customers.export import campaign_workbook, to_csv_bytes

    out = table_out_path(args.out)
    settings = campaign_settings(args)  # a wrong segment or flag is refused before the long work
    loaded, result = _analysis(args)
    if args.name is None:
        from dataclasses import replace

        from retail.customers.campaign import default_name

        settings = replace(settings, name=default_name(result.as_of))
    recommender = fit_recommender(loaded.frame, settings.algorithm, result.as_of) if settings.products else None
    table, summary = build_campaign(result, settings, recommender, progress=progress)
    dataset = Path(args.source).name if Path(args.source).is_file() else args.source
    if out is not None:  # customers by pseudonym when an admin chose so; the export is logged

        def build(workspace) -> bytes:
            chosen = workspace.export(table)
            return (campaign_workbook(chosen, settings.to_dict(), summary, loaded.currency)
                    if out.suffix.lower() == ".xlsx" else to_csv_bytes(chosen))

        write_export(out, args.source, build, campaign=True)
    run_id = None
    if args.save:  # the local user's role is checked and the run logged, as on the Customers page
        run_id = save_campaign(guarded(), dataset, settings, table, summary, result.settings.to_dict()).id
    info = {"name": settings.name, **summary, "out": str(out) if out else None, "run_id": run_id}
    if args.json:
        print(json.dumps(info))
        return 0
    revenue = ("" if summary["expected_revenue"] is None
               else f"; they are expected to spend {money(summary['expected_revenue'], loaded.currency)}")
    print(f"{settings.name}: {count(summary['customers'], 'customer')} ({summary['share']:.0%} of all){revenue} "
          f"over {summary['horizon_days']} days from {summary['as_of']}, with or without the campaign")
    if out is None:
        print(table.head(20).to_string(index=False))
    else:
        print(f"written to {out}" + (f"; saved as run {run_id}" if run_id else ""))
    return 0
