"""``python -m retail replenish FILE_OR_DATASET ...``: an order plan, proven by replaying history.

Progress goes to stderr; ``--json`` prints one JSON object on stdout (see
:meth:`retail.inventory.result.ReplenishmentResult.summary_dict`)::

    {"items": int, "policy": {"level", "service_level", "review_days", "lead_days", ...},
     "simulation": {"ours": {"achieved_csl", "fill_rate", "days_of_cover", ...}, "baseline": {...}},
     "comparison": {...}, "plan": {"review_date", "items_to_order", "units", "value"}, ...}

The ordering terms (``--service-level``, ``--review-days``, ``--lead-days`` ...) and each policy's
settings are flags generated from :data:`retail.inventory.registry.POLICIES`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from retail.cli.common import SOURCE_HELP, add_param_flags, mapping_overrides, progress, table_out_path
from retail.inventory.registry import POLICIES, TERM_NAMES, baseline, ours

LEVEL_FLAGS = {"product": "product", "product-store": "product_store", "store": "store"}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``replenish`` sub-command to the main parser."""
    p = subparsers.add_parser("replenish", help="order quantities from the forecasts, proven by replaying history "
                                                "against the spreadsheet rule")
    p.add_argument("source", metavar="FILE_OR_DATASET", help=SOURCE_HELP)
    p.add_argument("--level", choices=list(LEVEL_FLAGS), default="product",
                   help="plan per product, per product in each store, or per store (default product)")
    p.add_argument("--top", type=int, default=None, metavar="N",
                   help="only the N items with most units sold before the simulated weeks")
    p.add_argument("--stock", default=None, metavar="FILE",
                   help="stock file: on hand, on order, unit cost and per-item terms (lead time, pack size...)")
    p.add_argument("--stock-map", action="append", metavar="FIELD=COLUMN", default=[],
                   help="map a stock-file field (on_hand, on_order, unit_cost, lead_days, pack_size, product_id, "
                        "store_id ...) to a column (repeatable)")
    p.add_argument("--simulate-from", default=None, metavar="DATE",
                   help="first simulated review day (default: --simulate-weeks before the end of the data)")
    p.add_argument("--simulate-weeks", type=int, default=12, help="weeks of real demand replayed (default 12)")
    p.add_argument("--cost-share", type=float, default=None, metavar="SHARE",
                   help="unit cost as a share of the average selling price, for items without a cost (e.g. 0.6)")
    p.add_argument("--holding-rate", type=float, default=0.25,
                   help="yearly cost of holding stock as a share of its value (default 0.25)")
    p.add_argument("--out", default=None, help="order plan file: .xlsx (orders, simulation, items, curve, settings) "
                                               "or .csv (the orders)")
    p.add_argument("--map", action="append", metavar="FIELD=COLUMN", default=[],
                   help="map a canonical field of the sales file to a source column (repeatable)")
    p.add_argument("--json", action="store_true", help="print one JSON summary object on stdout")
    add_param_flags(p, POLICIES, per_entry=False)
    p.set_defaults(handler=cmd_replenish)


def settings_from(args: argparse.Namespace):
    """The run's :class:`~retail.inventory.settings.ReplenishmentSettings` from the parsed flags."""
    from retail.inventory.settings import ReplenishmentSettings

    given = {key[len("param__"):]: value for key, value in vars(args).items()
             if key.startswith("param__") and value is not None}
    terms = {name: value for name, value in given.items() if name in TERM_NAMES}
    policy_params = {spec.name: params for spec in POLICIES
                     if (params := {k: v for k, v in given.items() if k in spec.param_names() and k not in TERM_NAMES})}
    return ReplenishmentSettings(level=LEVEL_FLAGS[args.level], top_n=args.top, terms=terms,
                                 policy_params=policy_params, simulate_from=args.simulate_from,
                                 simulate_weeks=args.simulate_weeks, cost_share=args.cost_share,
                                 holding_rate=args.holding_rate)


def cmd_replenish(args: argparse.Namespace) -> int:
    """Run the replenish command; returns the exit code (errors propagate as ValueError)."""
    from retail.data.ingest import load_data
    from retail.inventory.demand import load_history
    from retail.inventory.pipeline import run_replenishment, simulation_window
    from retail.inventory.stock import read_stock

    out = table_out_path(args.out)
    settings = settings_from(args)
    progress(0.0, f"loading {args.source}")
    loaded = load_data(args.source, mapping_overrides(args) or None)
    start, _ = simulation_window(loaded.frame, settings)
    history = load_history(loaded.frame, settings.level, settings.top_n, rank_until=start)
    stock = None
    if args.stock:
        stock = read_stock(args.stock, history.ids, settings.level, overrides=parse_stock_map(args.stock_map))
        progress(0.02, f"stock file: {stock.summary()}")
    result = run_replenishment(loaded.frame, settings, stock, loaded.currency, progress, history=history)
    return write_outputs(result, out, args.json, args.source)


def parse_stock_map(pairs: list[str]) -> dict[str, str | None]:
    """``["on_hand=SOH", "unit_cost="]`` -> ``{"on_hand": "SOH", "unit_cost": None}``."""
    overrides: dict[str, str | None] = {}
    for pair in pairs:
        field, sep, column = pair.partition("=")
        if not sep:
            raise ValueError(f"--stock-map takes FIELD=COLUMN, e.g. on_hand=SOH; got {pair!r}.")
        overrides[field.strip()] = column.strip() or None
    return overrides


def write_outputs(result, out: Path | None, as_json: bool, source: str = "") -> int:
    """Write the plan file when asked (logged once written) and print the summary. Returns 0."""
    from retail.cli.access import write_export
    from retail.inventory.export import to_csv_bytes, to_excel_bytes

    if out is not None:
        write_export(out, source, lambda _: to_excel_bytes(result) if out.suffix.lower() == ".xlsx"
                     else to_csv_bytes(result))
    info: dict[str, Any] = result.summary_dict() | {"out": str(out) if out else None}
    if as_json:
        print(json.dumps(info))
    else:
        print_summary(info)
    progress(1.0, f"wrote {out}" if out else "done")
    return 0


def print_summary(info: dict[str, Any]) -> None:
    """The headline in plain words: both policies' replay, and the plan."""
    policy = info["policy"]
    print(f"{info['items']:,} items, review every {policy['review_days']} days, lead time {policy['lead_days']} days, "
          f"target {policy['service_level']:.0%} ({policy['service_measure']} service); "
          f"replayed {policy['simulate_from']} to {policy['simulate_to']}:")
    for role, name in (("ours", ours()), ("baseline", baseline())):
        numbers = info["simulation"][role]
        print(f"  {POLICIES.label(name):<18} cycle service {numbers['achieved_csl']:.1%}, fill rate "
              f"{numbers['fill_rate']:.1%}, {numbers['days_of_cover']:.1f} days of stock, "
              f"{numbers['stockout_cycles']:,} of {numbers['cycles']:,} order cycles ran out")
    saving = info["comparison"].get("stock_saving")
    if saving is not None:
        print(f"  at the spreadsheet's service, {POLICIES.label(ours())} holds {saving:.0%} less stock")
    plan = info["plan"]
    print(f"next review {plan['review_date']}: order {plan['units']:,.0f} units of {plan['items_to_order']:,} items")
    for note in info["warnings"]:
        print(f"note: {note}")
