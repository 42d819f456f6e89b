"""What every command group shares: the mapping flags, progress on stderr, and the flags
generated from a domain registry (choices from its names, one flag per parameter).

Only light modules are imported here: a command's domain is imported when it runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from retail.data.parsing import DATE_ORDERS
from retail.registry import Param, Registry, Spec

EXIT_UNUSABLE = 2
FILE_HELP = "a data file: CSV (also .csv.gz or a .zip of one CSV), Excel .xlsx or Parquet"
SOURCE_HELP = FILE_HELP + ", or the name of a stored dataset"


def add_mapping_arguments(parser: argparse.ArgumentParser) -> None:
    """``--sheet``, ``--map FIELD=COLUMN`` and ``--date-order``: how a file's columns are read."""
    parser.add_argument("--sheet", help="Excel sheet to read (default: the first with data)")
    parser.add_argument("--map", action="append", metavar="FIELD=COLUMN", default=[],
                        help="map a canonical field to a source column (repeatable); FIELD= unmaps it")
    parser.add_argument("--date-order", choices=list(DATE_ORDERS), default="auto",
                        help="how 03/04/2011 is read: " + "; ".join(f"{k}: {v[1]}" for k, v in DATE_ORDERS.items()))


def mapping_overrides(args: argparse.Namespace) -> dict[str, str | None]:
    from retail.data.ingest import parse_overrides

    return parse_overrides(args.map)


def date_order(args: argparse.Namespace) -> bool | None:
    return DATE_ORDERS[args.date_order][0]


def names(text: str) -> tuple[str, ...]:
    """``"a, b,c"`` -> ``("a", "b", "c")``."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


def table_out_path(text: str | None) -> Path | None:
    """``--out``: a .xlsx or .csv path (None when not given); checked before any work starts."""
    if text is None or text == "":
        return None
    if Path(text).suffix.lower() not in (".xlsx", ".csv"):
        raise ValueError(f"--out must end in .xlsx or .csv, got {text!r}.")
    return Path(text)


def progress(fraction: float, message: str) -> None:
    """Progress for long commands: one line per step on stderr (stdout stays clean for --json)."""
    print(f"[{fraction * 100:3.0f}%] {message}", file=sys.stderr, flush=True)


def _parse_mapping(text: str) -> dict[str, float]:
    pairs = {}
    for part in names(text):
        key, sep, value = part.partition("=")
        if not sep:
            raise argparse.ArgumentTypeError(f"expected NAME=NUMBER pairs separated by commas, got {part!r}")
        try:
            pairs[key.strip()] = float(value)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"{key.strip()}: {value!r} is not a number") from exc
    return pairs


def _parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered not in ("true", "false", "yes", "no", "1", "0"):
        raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")
    return lowered in ("true", "yes", "1")


def _argument_type(param: Param) -> Any:
    return {bool: _parse_bool, int: int, float: float, str: str, dict: _parse_mapping}[param.kind]


def _help(param: Param, owners: str) -> str:
    default = param.default
    if param.kind is dict:
        default = ",".join(f"{key}={value:g}" for key, value in default.items())
    shown = "from the data" if default is None else default
    return f"{owners}: {param.help} (default {shown})".replace("%", "%%")


def add_registry_choice(parser: argparse.ArgumentParser, flag: str, registry: Registry, default: str,
                        what: str) -> None:
    """One registry entry by name, e.g. ``--algorithm item-knn``."""
    listing = "; ".join(f"{spec.name}: {spec.label}" for spec in registry)
    parser.add_argument(flag, default=default, choices=list(registry.names), metavar=what.upper(),
                        help=f"{what} ({listing}); default {default}")


def add_param_flags(parser: argparse.ArgumentParser, registry: Registry, per_entry: bool) -> None:
    """A flag for every parameter of ``registry``.

    ``per_entry``: ``--<entry>-<param>`` for each entry (forecast models, run together);
    otherwise one ``--<param>`` per parameter name, for whichever entry is chosen.
    """
    group = parser.add_argument_group(f"{registry.noun} settings")
    if per_entry:
        for spec in registry:
            for param in spec.params:
                group.add_argument(*param.cli_flags(spec.name), dest=f"param__{spec.name}__{param.name}",
                                   type=_argument_type(param), choices=param.choices or None, default=None,
                                   help=_help(param, spec.label))
        return
    for name, (param, owners) in registry.shared_params().items():
        labels = ", ".join(registry.label(owner) for owner in owners)
        group.add_argument(*param.cli_flags(), dest=f"param__{name}", type=_argument_type(param),
                           choices=param.choices or None, default=None, help=_help(param, labels))


def entry_params(args: argparse.Namespace, spec: Spec) -> dict[str, Any]:
    """The ``--<entry>-<param>`` values given for ``spec`` (see :func:`add_param_flags`)."""
    prefix = f"param__{spec.name}__"
    return {key[len(prefix):]: value for key, value in vars(args).items()
            if key.startswith(prefix) and value is not None}


def chosen_params(args: argparse.Namespace, registry: Registry, spec: Spec) -> dict[str, Any]:
    """The ``--<param>`` values given for the chosen ``spec``; a flag it does not take is an error."""
    given = {key[len("param__"):]: value for key, value in vars(args).items()
             if key.startswith("param__") and value is not None}
    shared = registry.shared_params()
    foreign = [name for name in given if name not in spec.param_names()]
    if foreign:
        flags = ", ".join(shared[name][0].cli_flags()[0] for name in foreign)
        owners = {registry.label(owner) for name in foreign for owner in shared[name][1]}
        raise ValueError(f"{flags} does not apply to {spec.label} (only to {', '.join(sorted(owners))}).")
    return given
