"""``python -m retail overview FILE_OR_DATASET [--from DATE] [--to DATE] [--gross] [--json]``.

The Overview page's headline numbers for scripts and store managers::

    {"file_kind": ..., "currency": ..., "from": ..., "to": ..., "revenue_net": ..., "revenue_gross": ...,
     "units": ..., "orders": ..., "customers": ..., "kpis": {label: {"value", "change"}},
     "top_products": [{"product_id", "product", "revenue", "units"}, ...]}
"""

from __future__ import annotations

import argparse
import json

from retail.cli.common import SOURCE_HELP, mapping_overrides


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``overview``."""
    p = commands.add_parser("overview", help="the headline sales figures (net and gross) and the top products")
    p.add_argument("source", metavar="FILE_OR_DATASET", help=SOURCE_HELP)
    p.add_argument("--from", dest="start", default=None, help="first day (default: the data's first)")
    p.add_argument("--to", dest="end", default=None, help="last day (default: the data's last)")
    p.add_argument("--top", type=int, default=10, help="how many top products")
    p.add_argument("--map", action="append", metavar="FIELD=COLUMN", default=[],
                   help="map a canonical field to a source column (repeatable)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=cmd_overview)


def figures(loaded, start: str | None, end: str | None, top: int) -> dict:
    """The JSON object of ``overview --json``."""
    import pandas as pd

    from retail.analytics import overview
    from retail.data import schema

    frame, kind = loaded.frame, loaded.kind
    dates = frame[schema.DATE]
    selection = overview.Selection(pd.Timestamp(start) if start else dates.min(), pd.Timestamp(end) if end else dates.max())
    chosen = overview.filter_sales(frame, selection)
    net = overview.summarise(frame, selection, top=top, kind=kind)
    gross = overview.kpis(frame, overview.Selection(selection.start, selection.end, gross=True), kind)
    totals = {k.label: k.value for k in net.kpis}
    products = net.products[[schema.PRODUCT_ID, "product", "revenue", "units"]] if loaded.has(schema.PRODUCT_ID) else None
    revenue = {gross: schema.sales_only(chosen, gross)[schema.REVENUE].sum(min_count=1) for gross in (False, True)}
    return {
        "file_kind": kind, "currency": loaded.currency,
        "from": str(selection.start.date()), "to": str(selection.end.date()),
        "revenue_net": _number(revenue[False]), "revenue_gross": _number(revenue[True]),
        "units": _number(schema.sales_only(chosen)[schema.QUANTITY].sum()),
        "orders": _number(totals.get("Orders", totals.get("Baskets"))),
        "customers": _number(totals.get("Customers")),
        "kpis": {k.label: {"value": _number(k.value), "change": k.change, "text": k.formatted(loaded.currency)}
                 for k in net.kpis},
        "gross_kpis": {k.label: _number(k.value) for k in gross},
        "top_products": [] if products is None else products.to_dict(orient="records"),
    }


def _number(value) -> float | None:
    import math

    return None if value is None or (isinstance(value, float) and math.isnan(value)) else round(float(value), 2)


def cmd_overview(args: argparse.Namespace) -> int:
    from retail.data.ingest import load_data

    info = figures(load_data(args.source, mapping_overrides(args) or None), args.start, args.end, args.top)
    if args.json:
        print(json.dumps(info, default=str))
        return 0
    print(text(info))
    return 0


def text(info: dict) -> str:
    """The figures in words, as the Overview shows them: what a row means, the tiles, net and gross sales only
    when some sales were undone later, the top products only when there are products."""
    from retail.analytics.overview import measure_label
    from retail.data import kinds

    lines = [f"{kinds.KINDS[info['file_kind']].label.capitalize()}, {info['from']} .. {info['to']}"
             + (f", amounts in {info['currency']}" if info["currency"] else "")]
    lines += [f"  {label}: {kpi['text']}" for label, kpi in info["kpis"].items()]
    if info["revenue_gross"] is not None and info["revenue_gross"] != info["revenue_net"]:
        lines.append(f"  {measure_label('revenue', info['file_kind'])} net {info['revenue_net']:,.2f} / gross "
                     f"{info['revenue_gross']:,.2f} (sales undone later left out / counted)")
    word = measure_label("units", info["file_kind"]).split()[0].lower()
    lines += [f"  {rank:>2}. {product['product']}"
              + (f" ({product['product_id']})" if str(product["product_id"]) != str(product["product"]) else "")
              + f": {product['units']:,.0f} {word}" for rank, product in enumerate(info["top_products"], start=1)]
    return "\n".join(lines)
