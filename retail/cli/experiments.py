"""``python -m retail uplift`` (targeting models compared on held-out customers) and
``python -m retail bandit-replay`` (allocation policies replayed on a randomised campaign).

``uplift --json`` prints one object::

    {"outcome", "treatment", "customers", "test_customers", "splits", "best",
     "reliable" (the best beats random order beyond the splits' noise), "randomised",
     "methods": {name: {"label", "qini", "uplift_at_30", "sd": {"qini", "uplift_at_30"}, "qini_sd",
                        "uplift_at_30_sd"}}, "targeting": {...} (with --out), "warnings": [...]}

``bandit-replay --json`` prints::

    {"outcome", "customers", "orders", "uniform_log", "arm_rates", "best_arm", "best_arm_rate",
     "uniform_value", "best_per_segment", "randomised",
     "policies": {name: {"label", "mean_reward", "sd", "kept_rounds", "regret"}}, "warnings": [...]}

FILE_OR_DATASET is a campaign results file (CSV, Excel, Parquet) or the name of campaign results kept
in the workspace. A file whose offers were not assigned at random gets a plain warning on stderr (and
``"randomised": false``). Models, policies and their ``--<entry>-<setting>`` flags come from
:mod:`retail.experiments.registry`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from retail.cli.common import SOURCE_HELP, add_param_flags, entry_params, names, progress, table_out_path
from retail.experiments.registry import POLICIES, UPLIFT_MODELS


def _columns(p: argparse.ArgumentParser, control_required: bool) -> None:
    p.add_argument("source", metavar="FILE_OR_DATASET", help=SOURCE_HELP.replace("data file", "campaign results file"))
    p.add_argument("--arm-col", required=True, metavar="COL", help="the column saying which offer (or control) each "
                   "customer got")
    p.add_argument("--control", required=control_required, default=None, metavar="VALUE",
                   help="the value of the arm column that marks the control group (not contacted)")
    p.add_argument("--outcome", required=True, metavar="COL", help="the yes / no outcome column (e.g. visit)")
    p.add_argument("--customer-col", default=None, metavar="COL", help="customer id column (default: recognised "
                   "by name, else one row = one customer)")
    p.add_argument("--segment-col", default=None, metavar="COL", help="customer segment column (default: "
                   "recognised by name, or the RFM segment with --sales)")
    p.add_argument("--spend-col", default=None, metavar="COL", help="spend column (default: recognised by name)")
    p.add_argument("--date-col", default=None, metavar="COL", help="send date column (default: recognised by name)")
    p.add_argument("--sales", default=None, metavar="FILE_OR_DATASET",
                   help="add customer facts (RFM, segment, categories) from this sales data, as of the send date")
    p.add_argument("--seed", type=int, default=0, help="random seed of the splits / stream orders")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``uplift`` and ``bandit-replay``."""
    u = commands.add_parser("uplift", help="compare targeting (uplift) models on a randomised campaign's held-out "
                            "customers")
    _columns(u, control_required=True)
    u.add_argument("--treatment", default=None, metavar="VALUE", help="one offer against the control group "
                   "(default: any offer)")
    u.add_argument("--models", default=",".join(UPLIFT_MODELS.names), metavar="NAME,NAME",
                   help="targeting models: " + "; ".join(f"{s.name}: {s.label}" for s in UPLIFT_MODELS))
    u.add_argument("--splits", type=int, default=5, help="random learning / held-out splits")
    u.add_argument("--test-share", type=float, default=0.3, help="share of customers held out in each split")
    u.add_argument("--top-share", type=float, default=0.3, help="share of customers in the targeting list (--out)")
    u.add_argument("--out", default=None, help="targeting list of the best model: .csv or .xlsx")
    add_param_flags(u, UPLIFT_MODELS, per_entry=True)
    u.set_defaults(handler=cmd_uplift)

    b = commands.add_parser("bandit-replay", help="replay allocation policies (bandits) on a randomised campaign")
    _columns(b, control_required=False)
    b.add_argument("--orders", type=int, default=20, help="random stream orders replayed per policy")
    b.add_argument("--policies", default=",".join(POLICIES.names), metavar="NAME,NAME",
                   help="allocation policies: " + "; ".join(f"{s.name}: {s.label}" for s in POLICIES))
    add_param_flags(b, POLICIES, per_entry=True)
    b.set_defaults(handler=cmd_bandit_replay)


def _load(args: argparse.Namespace, control_required: bool, treatment: str | None = None):
    """The campaign (with sales facts when asked), and the randomisation warning (also on stderr)."""
    from retail.experiments.readout import balance_check, not_randomised_warning
    from retail.experiments.results import CampaignColumns
    from retail.experiments.store import load_campaign_source

    columns = CampaignColumns(arm=args.arm_col, control=args.control, outcome=args.outcome,
                              customer=args.customer_col, spend=args.spend_col, send_date=args.date_col,
                              segment=args.segment_col, treatment=treatment)
    data = load_campaign_source(args.source, columns, need_control=control_required)
    if args.sales:
        from retail.data.ingest import load_data
        from retail.experiments.features import add_customer_facts

        data = add_customer_facts(data, load_data(args.sales).frame, args.sales)
    progress(0.0, f"loaded {len(data.frame):,} customers, arms {', '.join(data.arms)}")
    warning = not_randomised_warning(balance_check(data))
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
    return data, warning


def cmd_uplift(args: argparse.Namespace) -> int:
    from retail.experiments.evaluation import compare_uplift

    out = table_out_path(args.out)
    models = UPLIFT_MODELS.check_names(names(args.models))
    params = {name: entry_params(args, UPLIFT_MODELS.get(name)) for name in models}
    data, warning = _load(args, control_required=True, treatment=args.treatment)
    result = compare_uplift(data, models, params, splits=args.splits, test_share=args.test_share, seed=args.seed,
                            progress=progress)
    info = result.summary_dict() | {"randomised": warning is None}
    if warning:
        info["warnings"] = [warning, *info["warnings"]]
    if out is not None:
        info["targeting"] = _write_targets(data, result, args.top_share, out)
    if args.json:
        print(json.dumps(info))
        return 0
    _print_uplift(info)
    return 0


def _write_targets(data, result, share: float, out: Path) -> dict[str, Any]:
    from retail.cli.access import write_export
    from retail.experiments.targeting import targeting_list, to_csv, to_excel

    table, headline = targeting_list(data, result, share=share)

    def build(workspace) -> bytes:  # customers by pseudonym when an admin chose so; the export is logged
        chosen = workspace.export(table)
        return to_excel(chosen, headline, None) if out.suffix.lower() == ".xlsx" else to_csv(chosen)

    write_export(out, data.source, build, campaign=True)
    return headline | {"out": str(out)}


def _print_uplift(info: dict[str, Any]) -> None:
    print(f"{info['customers']:,} customers ({info['treatment']} against the control group), outcome "
          f"{info['outcome']}; {info['splits']} splits, {info['test_customers']:,} held out each")
    print(f"{'targeting model':<32} {'Qini':>16} {'uplift in top 30%':>20}")
    for method in info["methods"].values():
        qini = "n/a" if method["qini"] is None else f"{method['qini']:.3f} ± {method['sd']['qini'] or 0:.3f}"
        top = ("n/a" if method["uplift_at_30"] is None
               else f"{method['uplift_at_30']:.3f} ± {method['sd']['uplift_at_30'] or 0:.3f}")
        print(f"{method['label']:<32} {qini:>16} {top:>20}")
    print(f"best on the held-out customers: {UPLIFT_MODELS.label(info['best'])}")
    targeting = info.get("targeting")
    if targeting:
        print(f"targeting list: {targeting['customers']:,} customers, about "
              f"{targeting['expected_extra_outcomes']:,.0f} extra responses ({info['outcome']}) expected; written to "
              f"{targeting['out']}")
    for warning in info["warnings"]:
        print(f"note: {warning}")


def cmd_bandit_replay(args: argparse.Namespace) -> int:
    from retail.experiments.replay import compare_policies

    policies = POLICIES.check_names(names(args.policies))
    params = {name: entry_params(args, POLICIES.get(name)) for name in policies}
    data, warning = _load(args, control_required=False)
    result = compare_policies(data, policies, params, orders=args.orders, seed=args.seed, progress=progress)
    info = result.summary_dict() | {"randomised": warning is None}
    if warning:
        info["warnings"] = [warning, *info["warnings"]]
    if args.json:
        print(json.dumps(info))
        return 0
    print(f"{info['customers']:,} customers, outcome {info['outcome']}, {info['orders']} stream orders")
    print("logged rates: " + ", ".join(f"{arm} {rate:.3f}" for arm, rate in info["arm_rates"].items()))
    print(f"{'allocation policy':<32} {'mean reward':>16} {'kept rounds':>12} {'regret':>10}")
    for policy in info["policies"].values():
        print(f"{policy['label']:<32} {policy['mean_reward']:>9.4f} ± {policy['sd'] or 0:.4f} "
              f"{policy['kept_rounds']:>12,.0f} {policy['regret']:>10,.1f}")
    print(f"references: offers at random {info['uniform_value']:.4f}; best single offer ({info['best_arm']}) "
          f"{info['best_arm_rate']:.4f}; best offer per segment in hindsight {info['best_per_segment']:.4f}")
    for note in info["warnings"]:
        print(f"note: {note}")
    return 0
