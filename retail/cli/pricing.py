"""``python -m retail elasticity ...`` and ``python -m retail price-scenario ...``.

``elasticity`` prints one row per product (or category) with ``product_id`` (or ``category``),
``elasticity`` (empty when not identifiable), ``ci_low``, ``ci_high``, ``identifiable``,
``price_levels``, ``verdict`` and what the estimate rests on; ``--json`` prints one object::

    {"level": ..., "model": ..., "headline": ..., "notes": [...], "seconds": ..., "items": [{...}, ...]}

``store-promotions`` measures, for a file of sales totals per store with a promotion column (no prices),
the promotion lift of every store and of the chain with 95% intervals.

``price-scenario`` predicts a typical week at other prices for one product or category (units,
sales value and, with unit costs, margin, with 95% intervals) and recommends a price within
guard rails. Models, goals and their flags come from :mod:`retail.pricing.registry`. A dataset
without prices is refused with one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import json

from retail.cli.common import (
    SOURCE_HELP,
    add_param_flags,
    add_registry_choice,
    chosen_params,
    mapping_overrides,
    table_out_path,
)
from retail.pricing.registry import DEFAULT, ESTIMATORS, GOALS


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("source", metavar="FILE_OR_DATASET", help=SOURCE_HELP)
    p.add_argument("--promo-column", default=None, metavar="COLUMN",
                   help="the extra column flagging promotions (above 0 = promotion); default: a column named like "
                        "'promo', if any")
    p.add_argument("--min-sale-days", type=int, default=30, help="products with fewer days with sales get no elasticity")
    add_registry_choice(p, "--model", ESTIMATORS, ESTIMATORS.first_tagged(DEFAULT), "elasticity model")
    add_param_flags(p, ESTIMATORS, per_entry=False)
    p.add_argument("--map", action="append", metavar="FIELD=COLUMN", default=[],
                   help="map a canonical field to a source column (repeatable)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``elasticity`` and ``price-scenario``."""
    p = commands.add_parser("elasticity", help="price elasticity per product or category, with 95%% intervals")
    _common(p)
    p.add_argument("--level", choices=["product", "category"], default="product", help="one row per product or category")
    p.add_argument("--out", default=None, help="write the table: .csv (this level) or .xlsx (every table)")
    p.set_defaults(handler=cmd_elasticity)

    q = commands.add_parser("store-promotions", help="promotion lift per store with 95%% intervals (sales totals per "
                            "store with a promotion column, no prices needed)")
    q.add_argument("source", metavar="FILE_OR_DATASET", help=SOURCE_HELP)
    q.add_argument("--promo-column", default=None, metavar="COLUMN",
                   help="the column flagging promotions (above 0 = promotion); default: a column named like 'promo'")
    q.add_argument("--out", default=None, help="write the table per store: .csv or .xlsx")
    q.add_argument("--map", action="append", metavar="FIELD=COLUMN", default=[],
                   help="map a canonical field to a source column (repeatable)")
    q.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    q.set_defaults(handler=cmd_store_promotions)

    s = commands.add_parser("price-scenario", help="units, sales value and margin at other prices; a recommended price")
    _common(s)
    target = s.add_mutually_exclusive_group(required=True)
    target.add_argument("--product", help="product code")
    target.add_argument("--category", help="category (every product's price changes by the same share)")
    s.add_argument("--change", action="append", type=float, default=[], metavar="SHARE",
                   help="price change to simulate, e.g. -0.1 for 10%% cheaper (repeatable; default: a grid "
                        "within the largest change)")
    add_registry_choice(s, "--goal", GOALS, GOALS.first_tagged(DEFAULT), "recommendation goal")
    for param in GOALS.get(GOALS.first_tagged(DEFAULT)).params:
        s.add_argument(*param.cli_flags(), dest=f"goal__{param.name}", type=type(param.default),
                       choices=param.choices or None, default=None, help=f"{param.help} (default {param.default})")
    s.add_argument("--cost-column", default=None, metavar="COLUMN", help="a numeric column with unit costs")
    s.add_argument("--cost-file", default=None, metavar="FILE", help="a CSV or Excel table: product code, unit cost")
    s.set_defaults(handler=cmd_scenario)


def _run(args: argparse.Namespace):
    from retail.cli.common import progress
    from retail.data.ingest import load_data
    from retail.pricing.run import run_elasticity
    from retail.pricing.settings import PricingSettings

    loaded = load_data(args.source, mapping_overrides(args) or None)
    spec = ESTIMATORS.get(args.model)
    settings = PricingSettings(model=args.model, model_params=chosen_params(args, ESTIMATORS, spec),
                               promo_column=args.promo_column, min_sale_days=args.min_sale_days)
    return loaded, run_elasticity(loaded.frame, settings, progress=progress)


def cmd_elasticity(args: argparse.Namespace) -> int:
    """Run the elasticity command; returns the exit code (errors propagate as ValueError)."""
    from retail.cli.access import write_export
    from retail.exports import Sheet, text_table
    from retail.pricing.export import HEADERS, elasticity_table, to_csv_bytes, to_excel_bytes
    from retail.pricing.result import records

    out = table_out_path(args.out)
    loaded, result = _run(args)
    table = elasticity_table(result, args.level)
    if out is not None:  # logged once written, as a page's download
        write_export(out, args.source, lambda _: to_excel_bytes(result, loaded.currency)
                     if out.suffix.lower() == ".xlsx" else to_csv_bytes(result, args.level))
    if args.json:
        print(json.dumps({"level": args.level, "model": result.settings.model, "headline": result.headline(),
                          "notes": result.notes, "seconds": round(result.seconds, 2), "items": records(table)}))
        return 0
    print(result.headline())
    print(*result.notes, sep="\n")
    key = "product_id" if args.level == "product" else "category"
    shown = table[[key, "elasticity", "ci_low", "ci_high", "identifiable", "price_levels", "price_changes", "verdict"]]
    print(text_table(Sheet(shown, headers=HEADERS)))
    if out is not None:
        print(f"written to {out}")
    return 0


def _costs(args: argparse.Namespace, frame):
    from retail.pricing.costs import costs_from_column, costs_from_table

    if args.cost_column:
        return costs_from_column(frame, args.cost_column)
    if args.cost_file:
        from retail.data.readers import read_table

        return costs_from_table(read_table(args.cost_file).frame)
    return None


def cmd_scenario(args: argparse.Namespace) -> int:
    """Run the price-scenario command; returns the exit code."""
    import numpy as np

    from retail.pricing.result import records
    from retail.pricing.scenario import Draws, scenario_items, simulate

    loaded, result = _run(args)
    rows = result.category_products(args.category) if args.category else result.products.iloc[
        [result.products.index.get_loc(result.product(args.product).name)]]
    items = scenario_items(rows, _costs(args, loaded.frame))
    goal_params = {k[len("goal__"):]: v for k, v in vars(args).items() if k.startswith("goal__") and v is not None}
    goal = GOALS.get(args.goal).build(**goal_params)
    changes = args.change or list(np.round(np.linspace(-goal.max_change, goal.max_change, 7), 4))
    draws = Draws.of(items)
    table = simulate(items, changes, draws)
    recommendation = goal.recommend(items, draws)
    info = {"product": args.product, "category": args.category, "products": len(items),
            "currency": loaded.currency, "scenarios": records(table),
            "recommendation": {"goal": args.goal, "change": recommendation.change, "price": recommendation.price,
                               "expected": recommendation.expected, "low": recommendation.low,
                               "high": recommendation.high, "today": recommendation.today,
                               "chance_better": recommendation.chance_better, "warnings": recommendation.warnings,
                               "on_guard_rail": recommendation.rail, "margin_known": recommendation.margin_known,
                               "text": recommendation.describe(loaded.currency)}}
    if args.json:
        print(json.dumps(info))
        return 0
    columns = [c for c in ("change", "price", "units", "units_low", "units_high", "revenue", "revenue_low",
                           "revenue_high", "margin") if c in table and table[c].notna().any()]
    print(table[columns].to_string(index=False, float_format=lambda v: f"{v:,.2f}"))
    print(recommendation.describe(loaded.currency))
    print(*recommendation.warnings, sep="\n")
    return 0


def cmd_store_promotions(args: argparse.Namespace) -> int:
    """The promotion lift of every store (``--json``: headline, chain lift with its interval, one item per store)."""
    from retail import exports
    from retail.analytics.overview import promo_column
    from retail.cli.access import write_export
    from retail.data import schema
    from retail.data.ingest import load_data
    from retail.pricing.result import records
    from retail.pricing.store_promotions import store_promotion_lift

    out = table_out_path(args.out)
    loaded = load_data(args.source, mapping_overrides(args) or None)
    column = args.promo_column or promo_column(loaded.frame)
    if column is None:
        raise ValueError("No column named like 'promo' was found: name the promotion column with --promo-column.")
    result = store_promotion_lift(loaded.frame, column)
    sheet = exports.Sheet(result.stores, money=["sales_per_promo_day", "extra_per_promo_day"],
                          headers={"store_id": schema.store_word(loaded.mapping)})
    if out is not None:  # logged once written, as a page's download
        write_export(out, args.source, lambda _: exports.workbook({"promotion lift": sheet}, loaded.currency)
                     if out.suffix.lower() == ".xlsx" else exports.csv_bytes(sheet))
    if args.json:
        lift, low, high = result.chain
        print(json.dumps({"promo_column": column, "period": result.period, "headline": result.headline(),
                          "chain": {"lift": lift, "low": low, "high": high}, "notes": list(result.notes),
                          "stores": records(result.stores)}))
        return 0
    print(result.headline(), *result.notes, exports.text_table(sheet), sep="\n")
    return 0
