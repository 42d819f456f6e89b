"""The validation report: one result per rule (count, examples, action) and the totals.

:meth:`ValidationReport.to_dict` is always valid JSON: infinities are written as the text
``"inf"`` / ``"-inf"`` and NaN as ``null`` (``json.dumps`` would otherwise print
``Infinity`` and ``NaN``, which no JSON reader accepts).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd


def json_safe(value: Any) -> Any:
    """``value`` with every non-finite float replaced (inf -> "inf", NaN -> None), recursively."""
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return value if math.isfinite(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    return value


@dataclass
class RuleResult:
    """One validation rule: how many rows it concerned, a few examples, what was done."""

    rule: str
    title: str
    count: int
    action: str
    examples: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "title": self.title, "count": self.count, "action": self.action,
                "examples": json_safe(self.examples)}


@dataclass
class ValidationReport:
    """The outcome of validating one file."""

    usable: bool
    rows_read: int
    rows_kept: int
    mapping: dict[str, str]
    rules: list[RuleResult]
    date_range: tuple[str, str] | None = None
    date_format: str | None = None
    source: str = ""
    read_as: str = ""
    error: str | None = None
    line_types: dict[str, int] = field(default_factory=dict)
    file_kind: str | None = None  # what a row means (retail.data.kinds), set at import
    file_kind_text: str = ""
    currency: str | None = None  # ISO code of the amounts, when something says which
    appends: list[dict[str, Any]] = field(default_factory=list)  # files added later (retail.planning.append)

    def to_dict(self) -> dict[str, Any]:
        """The report as plain, valid JSON values (see :func:`json_safe`)."""
        return json_safe({
            "usable": self.usable, "error": self.error, "source": self.source, "read_as": self.read_as,
            "rows_read": self.rows_read, "rows_kept": self.rows_kept, "mapping": self.mapping,
            "date_range": list(self.date_range) if self.date_range else None,
            "date_format": self.date_format, "line_types": self.line_types,
            "file_kind": self.file_kind, "file_kind_text": self.file_kind_text, "currency": self.currency,
            "rules": [r.to_dict() for r in self.rules], "appends": self.appends,
        })

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ValidationReport:
        rules = [RuleResult(**r) for r in data.get("rules", [])]
        date_range = tuple(data["date_range"]) if data.get("date_range") else None
        known = set(cls.__dataclass_fields__) - {"rules", "date_range"}
        fields = {k: v for k, v in data.items() if k in known}
        return cls(rules=rules, date_range=date_range, **fields)

    def rule(self, name: str) -> RuleResult | None:
        return next((r for r in self.rules if r.rule == name), None)

    def rules_frame(self) -> pd.DataFrame:
        """Rules with a non-zero count, for display."""
        rows = [{"check": r.title, "rows": r.count, "what was done": r.action} for r in self.rules if r.count]
        return pd.DataFrame(rows, columns=["check", "rows", "what was done"])


def examples_frame(rule: RuleResult) -> pd.DataFrame:
    """A rule's examples as people read them: the file's row, then plain headers ("product code", not
    "product_id"), numbers with thousands separators, empty cells empty."""
    from retail.data.schema import FIELD_LABELS

    frame = pd.DataFrame(rule.examples)
    shown = frame.rename(columns={c: FIELD_LABELS.get(c, c).replace("_", " ") for c in frame.columns})

    def cell(value: Any) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return ""
        if isinstance(value, int | float) and not isinstance(value, bool):
            return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4g}" if abs(value) < 1 else f"{value:,.2f}"
        return str(value)

    return shown.map(cell)
