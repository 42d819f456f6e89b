"""``python -m retail models``: what exists (forecast models, recommender algorithms) and their settings."""

from __future__ import annotations

import argparse

from retail.customers.registry import PROPENSITY_MODELS, VALUE_MODELS
from retail.experiments.registry import POLICIES as ALLOCATION_POLICIES
from retail.experiments.registry import UPLIFT_MODELS
from retail.forecast.registry import FORECASTERS
from retail.inventory.registry import POLICIES
from retail.planning.registry import EXCEPTIONS, SOURCES
from retail.pricing.registry import ESTIMATORS, GOALS
from retail.recommend.registry import RECOMMENDERS

REGISTRIES = (FORECASTERS, RECOMMENDERS, POLICIES, ESTIMATORS, GOALS, VALUE_MODELS, PROPENSITY_MODELS, UPLIFT_MODELS,
              ALLOCATION_POLICIES, EXCEPTIONS, SOURCES)


def cmd_models(args: argparse.Namespace) -> int:
    for registry in REGISTRIES:
        if args.markdown:
            print(registry.markdown_table(), end="\n\n")
            continue
        print(f"{registry.noun}s:")
        for spec in registry:
            print(f"  {spec.name:<10} {spec.label}: {spec.description}")
            for param in spec.params:
                print(f"      {param.name} (default {param.default}): {param.help}")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``models``."""
    models = commands.add_parser("models", help="list the forecast models, recommender algorithms and ordering policies")
    models.add_argument("--markdown", action="store_true", help="print Markdown tables (the README's)")
    models.set_defaults(handler=cmd_models)
