"""Declarative registries: what exists in a domain and which parameters it takes.

Each domain (forecast models, recommender algorithms, ...) declares its entries once, as
:class:`Spec` objects in its ``registry.py``. Everything else is generated from them:
settings validation (:meth:`Spec.check`), command-line flags and choices
(:mod:`retail.cli.common`), page widgets (``ui/widgets.py``) and the README tables
(:meth:`Registry.markdown_table`). Adding a model is one new module plus one entry.

Factories are named as ``"package.module:attribute"`` strings and imported on first use,
so reading a registry (to build ``--help``, say) does not import LightGBM.
"""

from __future__ import annotations

import functools
import importlib
import math
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

KINDS = (bool, int, float, str, dict)


@dataclass(frozen=True)
class Param:
    """One tunable parameter of a registry entry.

    Parameters
    ----------
    name : keyword argument of the factory.
    label : what a user reads (widget label, table header).
    default : the value used when none is given.
    help : one sentence: what it does, in a merchandiser's words where possible.
    kind : bool, int, float, str (with ``choices``) or dict (name -> number, e.g. blend weights).
    minimum, maximum : hard bounds checked on every value (None: unbounded).
    ui_range : the slider's range when it differs from the hard bounds (e.g. k in 1..200).
    step : the slider's step.
    choices : the allowed values of a str parameter; ``choice_labels`` names them for users.
    optional : None is allowed too (it means "decide from the data", e.g. a window by frequency).
    aliases : further command-line flags for the same parameter (kept for old scripts).
    share : a value between 0 and 1 that people read as a percentage (a service level of 95%, not 0.95).
    """

    name: str
    label: str
    default: Any
    help: str
    kind: type = float
    minimum: float | None = None
    maximum: float | None = None
    ui_range: tuple[float, float] | None = None
    step: float | None = None
    choices: tuple[Any, ...] = ()
    choice_labels: Mapping[Any, str] = field(default_factory=dict)
    optional: bool = False
    aliases: tuple[str, ...] = ()
    share: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise TypeError(f"Param {self.name!r}: kind must be one of {KINDS}, got {self.kind!r}.")

    def cli_flags(self, prefix: str = "") -> list[str]:
        """``--<prefix>-<name>`` with dashes, then the aliases."""
        stem = f"{prefix}-{self.name}" if prefix else self.name
        return ["--" + stem.replace("_", "-"), *self.aliases]

    @property
    def widget_range(self) -> tuple[float, float]:
        if self.ui_range is not None:
            return self.ui_range
        low = self.minimum if self.minimum is not None else 0
        return low, self.maximum if self.maximum is not None else max(10 * (self.default or 1), low + 1)

    def label_of(self, value: Any) -> str:
        """The user-facing name of a choice (the value itself when it has none)."""
        return self.choice_labels.get(value, str(value))

    def check(self, value: Any, owner: str = "") -> Any:
        """The value converted to ``kind`` and checked; ``ValueError`` saying what is allowed."""
        where = f"{owner}: " if owner else ""
        if value is None and self.optional:
            return None
        if self.kind is dict:
            return self._check_mapping(value, where)
        converted = _convert(value, self.kind)
        if converted is None:
            raise ValueError(f"{where}{self.label} ({self.name}) must be {_kind_words(self.kind)}; got {value!r}.")
        if self.choices and converted not in self.choices:
            allowed = ", ".join(map(str, self.choices))
            raise ValueError(f"{where}{self.label} ({self.name}) must be one of {allowed}; got {value!r}.")
        self._check_bounds(converted, where)
        return converted

    def _check_bounds(self, value: float, where: str, name: str | None = None) -> None:
        if self.kind in (bool, str):
            return
        too_low = self.minimum is not None and value < self.minimum
        too_high = self.maximum is not None and value > self.maximum
        if too_low or too_high:
            low = "" if self.minimum is None else f">= {self.minimum:g}"
            high = "" if self.maximum is None else f"<= {self.maximum:g}"
            bounds = " and ".join(part for part in (low, high) if part)
            raise ValueError(f"{where}{self.label} ({name or self.name}) must be {bounds}; got {value!r}.")

    def _check_mapping(self, value: Any, where: str) -> dict[str, float]:
        if not isinstance(value, Mapping):
            raise ValueError(f"{where}{self.label} ({self.name}) must map names to numbers; got {value!r}.")
        unknown = sorted(set(value) - set(self.default))
        if unknown:
            raise ValueError(f"{where}{self.label} ({self.name}) has no entries {unknown}; "
                             f"the entries are {sorted(self.default)}.")
        checked = {}
        for key, number in value.items():
            converted = _convert(number, float)
            if converted is None:
                raise ValueError(f"{where}{self.label} ({self.name}[{key}]) must be a number; got {number!r}.")
            self._check_bounds(converted, where, f"{self.name}[{key}]")
            checked[str(key)] = converted
        return checked


def _convert(value: Any, kind: type) -> Any:
    """``value`` as ``kind``, or None when it is not one (no silent truncation of 2.5 to 2)."""
    if kind is bool:
        return value if isinstance(value, bool) else None
    if kind is str:
        return value if isinstance(value, str) else None
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number):
        return None
    if kind is int:
        return int(number) if number == int(number) else None
    return number


def _kind_words(kind: type) -> str:
    return {bool: "true or false", int: "a whole number", float: "a number", str: "text"}[kind]


@dataclass(frozen=True)
class Spec:
    """One entry of a registry: a model or algorithm and its parameters."""

    name: str
    label: str
    description: str
    factory: str | Callable[..., Any]
    params: tuple[Param, ...] = ()
    tags: frozenset[str] = frozenset()

    def param(self, name: str) -> Param:
        for param in self.params:
            if param.name == name:
                return param
        raise ValueError(f"{self.label} has no setting {name!r}; its settings are {self.param_names()}.")

    def param_names(self) -> list[str]:
        return [param.name for param in self.params]

    def defaults(self) -> dict[str, Any]:
        return {param.name: param.default for param in self.params}

    def check(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Checked copies of ``values``; unknown names raise a ``ValueError`` listing the known ones."""
        unknown = sorted(set(values) - set(self.param_names()))
        if unknown:
            known = ", ".join(self.param_names()) or "none"
            raise ValueError(f"{self.label} has no setting(s) {unknown}; its settings are: {known}.")
        return {name: self.param(name).check(value, self.label) for name, value in values.items()}

    def resolve(self) -> Callable[..., Any]:
        """The factory (imported on first use when given as ``"module:attribute"``)."""
        if callable(self.factory):
            return self.factory
        module, _, path = self.factory.partition(":")
        return functools.reduce(getattr, path.split("."), importlib.import_module(module))

    def build(self, *args: Any, **params: Any) -> Any:
        """A new object from the factory with checked ``params`` and the registry's defaults for the rest."""
        return self.resolve()(*args, **(self.defaults() | self.check(params)))


class Registry:
    """The entries of one domain, in display order.

    Parameters
    ----------
    noun : what an entry is called in messages ("forecast model", "algorithm").
    specs : the entries.
    """

    def __init__(self, noun: str, specs: tuple[Spec, ...] | list[Spec]) -> None:
        self.noun = noun
        self._specs: dict[str, Spec] = {}
        for spec in specs:
            self.register(spec)

    def __iter__(self) -> Iterator[Spec]:
        return iter(list(self._specs.values()))

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    def __len__(self) -> int:
        return len(self._specs)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._specs)

    def get(self, name: str) -> Spec:
        if name not in self._specs:
            raise ValueError(f"Unknown {self.noun} {name!r}; choose one of {', '.join(self._specs)}.")
        return self._specs[name]

    def label(self, name: str) -> str:
        """The user-facing name of an entry (the name itself when it is not registered)."""
        return self._specs[name].label if name in self._specs else name

    def tagged(self, tag: str) -> tuple[str, ...]:
        """Names of the entries carrying ``tag`` (e.g. the baseline)."""
        return tuple(name for name, spec in self._specs.items() if tag in spec.tags)

    def first_tagged(self, tag: str) -> str:
        names = self.tagged(tag)
        if not names:
            raise ValueError(f"No {self.noun} is tagged {tag!r}.")
        return names[0]

    def check_names(self, names: tuple[str, ...] | list[str]) -> tuple[str, ...]:
        """``names`` when every one is registered (and there is at least one)."""
        unknown = [name for name in names if name not in self._specs]
        if unknown or not names:
            raise ValueError(f"Unknown {self.noun}(s) {unknown or '(none given)'}; "
                             f"choose from {', '.join(self._specs)}.")
        return tuple(names)

    def register(self, spec: Spec) -> Spec:
        if spec.name in self._specs:
            raise ValueError(f"A {self.noun} named {spec.name!r} is registered already.")
        self._specs[spec.name] = spec
        return spec

    def unregister(self, name: str) -> None:
        self._specs.pop(name, None)

    @contextmanager
    def registered(self, spec: Spec) -> Iterator[Spec]:
        """Register ``spec`` for the duration of a ``with`` block (tests, plug-ins)."""
        self.register(spec)
        try:
            yield spec
        finally:
            self.unregister(spec.name)

    def shared_params(self) -> dict[str, tuple[Param, tuple[str, ...]]]:
        """Every parameter name once, with the first declaration and the entries that take it."""
        shared: dict[str, tuple[Param, tuple[str, ...]]] = {}
        for spec in self._specs.values():
            for param in spec.params:
                first, owners = shared.get(param.name, (param, ()))
                shared[param.name] = (first, (*owners, spec.name))
        return shared

    def name_of(self, cls: type) -> str | None:
        """The name of the entry that ``cls`` builds (its factory is the class or one of its class methods)."""
        path = f"{cls.__module__}:{cls.__qualname__}"
        for spec in self._specs.values():
            factory = spec.factory
            if factory is cls or getattr(factory, "__self__", None) is cls or factory == path or (
                    isinstance(factory, str) and factory.startswith(path + ".")):
                return spec.name
        return None

    def markdown_table(self) -> str:
        """A Markdown table of the entries and their parameters (the README's model tables)."""
        lines = [f"| {self.noun} | name | what it does | settings (default) |", "|---|---|---|---|"]
        for spec in self._specs.values():
            settings = "; ".join(f"{p.label} ({_default_text(p)})" for p in spec.params) or "none"
            lines.append(f"| {spec.label} | `{spec.name}` | {spec.description} | {settings} |")
        return "\n".join(lines)


class SpecName:
    """A class attribute ``name`` read from the registry entry the class is built by, so the name a model
    reports (messages, settings checks, saved runs) is written once, in its spec. A class no entry builds
    (a base class, a test's own model) is named by its class name."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def __get__(self, instance: object, owner: type) -> str:
        return self.registry.name_of(owner) or owner.__name__


def _default_text(param: Param) -> str:
    if param.kind is dict:
        return ", ".join(f"{key} {value:g}" for key, value in param.default.items())
    if param.default is None:
        return "from the data"
    if param.share:
        return f"{param.default:.0%}"
    return param.label_of(param.default) if param.choices else str(param.default)
