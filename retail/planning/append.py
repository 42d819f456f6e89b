"""Adding new sales to a dataset: read with the dataset's own mapping, validated by the same rules,
the file's days replacing those days, one transaction, the version before in the trash.

Two steps, so a page can show what will happen before anything is written:

* :func:`prepare_append` reads nothing from disk itself: it takes the read file (a
  :class:`~retail.data.raw.RawTable`, from :mod:`retail.planning.sources`), maps and validates it,
  checks its kind and currency against the dataset's and computes the combined rows
  (:mod:`retail.planning.seam`). Nothing is written.
* :func:`apply_append` stores the combined rows as the dataset's new version (the old one goes to
  the trash, restorable; an audit entry says what was added) unless nothing changed: the same
  file twice leaves the dataset as it was and says so.

Typical use::

    plan = prepare_append(workspace, "shop", sources.read_file("week 49.csv"))
    print(plan.describe())          # rows added, replaced and kept, dates before and after
    apply_append(workspace, plan)   # a GuardedWorkspace: the role is checked, the change logged
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from retail.data import kinds, schema
from retail.data.ingest import annotate
from retail.data.raw import RawTable
from retail.data.report import ValidationReport
from retail.data.trash import now
from retail.data.validation import ValidationResult, ValidationSettings, validate
from retail.data.workspace import DatasetInfo
from retail.planning.seam import Seam, combine


@dataclass
class AppendPlan:
    """What appending a file to a dataset would do (nothing is written yet)."""

    dataset: DatasetInfo
    source: str
    mapping: dict[str, str]
    differences: list[str]
    validation: ValidationResult
    seam: Seam
    span_before: tuple[pd.Timestamp, pd.Timestamp]
    span_after: tuple[pd.Timestamp, pd.Timestamp]
    notes: list[str] = field(default_factory=list)

    @property
    def unchanged(self) -> bool:
        return self.seam.unchanged

    @property
    def report(self) -> ValidationReport:
        """The new file's validation report."""
        return self.validation.report

    def describe(self) -> str:
        """The outcome in a sentence or two, as the page and the command line print it."""
        before, after = (f"{a:%d %b %Y} to {b:%d %b %Y}" for a, b in (self.span_before, self.span_after))
        if self.unchanged:
            return (f"Nothing changed: every row of {self.source} is in {self.dataset.name!r} already "
                    f"({self.seam.added:,} rows over {self.seam.days:,} days); the dataset still runs from {before}.")
        text = (f"{self.seam.added:,} rows added over {self.seam.days:,} days, replacing {self.seam.replaced:,} rows "
                f"of those days; {self.seam.kept:,} rows kept. Dates before: {before}; after: {after}.")
        if self.seam.cancelled_across:
            text += (f" {abs(self.seam.cancelled_across):,} earlier sales "
                     + ("are now undone by returns in the new rows (net sales leave them out)."
                        if self.seam.cancelled_across > 0 else "count again (their returns are no longer there)."))
        return text

    def to_dict(self) -> dict[str, Any]:
        """The numbers of :meth:`describe` (the command line's JSON, the audit detail, the dataset's history)."""
        return {"dataset": self.dataset.name, "source": self.source, "unchanged": self.unchanged,
                "added": self.seam.added, "replaced": self.seam.replaced, "kept": self.seam.kept,
                "days": self.seam.days, "cancelled_across": self.seam.cancelled_across,
                "implausible": self.seam.implausible,
                "before": [f"{d:%Y-%m-%d}" for d in self.span_before],
                "after": [f"{d:%Y-%m-%d}" for d in self.span_after],
                "differences": self.differences, "notes": self.notes}


def mapping_for(frame: pd.DataFrame, stored: dict[str, str],
                overrides: dict[str, str | None] | None = None) -> tuple[schema.ColumnMapping, list[str]]:
    """The dataset's own mapping applied to a new file's columns, and how the file differs.

    A field whose column the file lacks is matched afresh from the file (and said so); a field the
    dataset does not read stays out. ``overrides`` (``--map``, the page's choices) come last.
    """
    inferred = schema.infer_mapping(frame).to_dict()
    columns: dict[str, str] = {}
    differences = []
    for name, column in stored.items():
        label = schema.FIELD_LABELS[name]
        if column in frame.columns:
            columns[name] = column
        elif name in inferred and inferred[name] not in columns.values() and inferred[name] not in stored.values():
            columns[name] = inferred[name]
            differences.append(f"{label}: the dataset reads column '{column}', which this file lacks; "
                               f"reading '{inferred[name]}' instead")
        else:
            differences.append(f"{label}: the dataset reads column '{column}', which this file lacks; "
                               "the new rows have none")
    unused = [f"'{c}' ({schema.FIELD_LABELS[f]})" for f, c in inferred.items()
              if f not in stored and c not in columns.values()]
    if unused:
        differences.append(f"this file also has {', '.join(unused)}, which the dataset does not read (left out)")
    mapping = schema.ColumnMapping(columns)
    if overrides:
        unknown = {f: c for f, c in overrides.items() if c and c not in frame.columns}
        if unknown:
            raise ValueError(f"--map names columns that are not in the file: {unknown}. "
                             f"Its columns are {list(frame.columns)}.")
        mapping = mapping.with_overrides(overrides)
    return mapping, differences


def stored_day_order(report: dict[str, Any]) -> bool | None:
    """Day first (True), month first (False) or undecided (None), from the format the import used."""
    found = re.findall(r"%([dm])", report.get("date_format") or "")
    return None if len(found) < 2 else found[0] == "d"


def prepare_append(workspace: Any, dataset: str, raw: RawTable, overrides: dict[str, str | None] | None = None,
                   dayfirst: bool | None = None) -> AppendPlan:
    """Map, validate and combine ``raw`` with dataset ``dataset`` (see the module docstring).

    ``dayfirst`` decides how 03/04 is read; by default as the dataset's import read it.

    Raises
    ------
    ValueError
        The file cannot be used, or its rows are of another kind or currency than the dataset's.
    """
    info = workspace.get(dataset)
    mapping, differences = mapping_for(raw.frame, info.mapping, overrides)
    order = dayfirst if dayfirst is not None else stored_day_order(info.report)
    validation = annotate(raw, mapping, validate(raw, mapping, ValidationSettings(dayfirst=order)))
    _check_kind(info, mapping)
    _check_currency(info, validation.report, workspace.currency_of(info))
    old = workspace.load(dataset)
    seam = combine(old, validation.frame)
    extra = sorted(set(validation.frame.columns) - set(old.columns))
    if extra:
        differences.append(f"columns {', '.join(extra)} are new in this file and not in the dataset (left out)")
    dates = seam.frame[schema.DATE]
    return AppendPlan(dataset=info, source=raw.source_name, mapping=mapping.to_dict(), differences=differences,
                      validation=validation, seam=seam, span_before=(info.date_min, info.date_max),
                      span_after=(dates.min(), dates.max()), notes=_notes(validation, seam))


def _notes(validation: ValidationResult, seam: Seam) -> list[str]:
    report = validation.report
    notes = [f"{r.title}: {r.count:,} ({r.action})" for r in report.rules if r.count]
    if seam.implausible:
        notes.append(f"{seam.implausible:,} new lines are far from the product's usual quantity or price in the "
                     "whole dataset: kept, marked 'implausible' (left out of demand)")
    return notes


def _check_kind(info: DatasetInfo, mapping: schema.ColumnMapping) -> None:
    """Refuse rows of another kind (store totals into order lines, say): they would mean something else."""
    def has(name: str) -> bool:
        return schema.mapping_has(mapping.to_dict(), name)

    theirs = kinds.kind_of(has, None)
    ours = kinds.kind_of(info.has, None)
    if theirs != ours:
        raise ValueError(f"This file holds {kinds.KINDS[theirs].label}, but {info.name!r} holds "
                         f"{kinds.KINDS[info.kind].label}: its rows would mean something else. Check the column "
                         "mapping, or import it as a dataset of its own.")


def _check_currency(info: DatasetInfo, report: ValidationReport, code: str | None) -> None:
    if report.currency and code and report.currency != code:
        raise ValueError(f"This file's amounts are in {report.currency}, but {info.name!r} is in {code}: "
                         "adding them would mix currencies. Convert the file, or import it as a dataset of its own.")


def merged_report(plan: AppendPlan, by: str) -> ValidationReport:
    """The dataset's report after the append: its import's report, the new totals, and the history of appends."""
    report = ValidationReport.from_dict(plan.dataset.report)
    frame = plan.seam.frame
    report.rows_kept = len(frame)
    report.date_range = (f"{plan.span_after[0]:%Y-%m-%d}", f"{plan.span_after[1]:%Y-%m-%d}")
    report.line_types = {str(k): int(v) for k, v in frame[schema.LINE_TYPE].value_counts().items()}
    entry = {k: v for k, v in plan.to_dict().items() if k not in ("differences", "notes", "dataset")}
    report.appends = [*report.appends, entry | {"at": f"{now():%Y-%m-%d %H:%M:%S}", "by": by}]
    return report


def store_version(workspace: Any, con: Any, plan: AppendPlan, by: str) -> int:
    """Write ``plan``'s rows as the dataset's new version inside the transaction ``con`` (the version
    before goes to the trash); returns the new version's id."""
    return workspace.write_dataset(con, plan.dataset.name, plan.seam.frame, merged_report(plan, by), replace=True,
                                   by=by, reason="new sales added", expected_id=plan.dataset.id)


def audit_detail(plan: AppendPlan) -> str:
    """The audit log's line: what was added from where (never a connection string)."""
    return (f"{plan.seam.added:,} rows over {plan.seam.days:,} days from {plan.source} "
            f"({plan.seam.replaced:,} replaced, {plan.seam.kept:,} kept)")


def apply_append(workspace: Any, plan: AppendPlan) -> DatasetInfo:
    """Store ``plan`` as the dataset's new version, in one transaction, unless nothing changed.

    ``workspace`` is a :class:`~retail.access.guard.GuardedWorkspace`: the role is checked (adding
    data needs the analyst role), the version before goes to the trash and the append is logged.
    """
    if plan.unchanged:
        return plan.dataset
    def write(raw: Any, con: Any) -> list[tuple[str, str]]:
        store_version(raw, con, plan, workspace.actor.name)
        return [("append", audit_detail(plan))]

    workspace.commit(write, ("upload",), plan.dataset.name)
    return workspace.get(plan.dataset.name)
