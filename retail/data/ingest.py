"""From a file (or a stored dataset name) to canonical rows: read, map, validate, store."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from retail.data import currency, kinds, messages, schema
from retail.data.readers import RawTable, read_table
from retail.data.validation import ValidationResult, ValidationSettings, validate
from retail.data.workspace import DatasetInfo, Workspace

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SAMPLE_FILE = PROJECT_ROOT / "sample_data" / "online_retail.parquet"
SAMPLE_NAME = "Online Retail (UCI sample)"
DEMO_UPLOAD_FILE = PROJECT_ROOT / "sample_data" / "demo_upload.csv"


@dataclass
class Ingested:
    """A read file, the mapping used and the validation outcome."""

    raw: RawTable
    mapping: schema.ColumnMapping
    result: ValidationResult


def parse_overrides(pairs: list[str] | None) -> dict[str, str | None]:
    """``["date=Day", "customer_id="]`` -> ``{"date": "Day", "customer_id": None}``."""
    overrides: dict[str, str | None] = {}
    for pair in pairs or []:
        field, sep, column = pair.partition("=")
        field = field.strip()
        if not sep or field not in schema.ALL_FIELDS:
            raise ValueError(
                f"--map takes FIELD=COLUMN with FIELD one of {', '.join(schema.ALL_FIELDS)}; got {pair!r}."
            )
        overrides[field] = column.strip() or None
    return overrides


def ingest(
    source: str | Path | bytes,
    name: str | None = None,
    sheet: str | None = None,
    overrides: dict[str, str | None] | None = None,
    settings: ValidationSettings | None = None,
) -> Ingested:
    """Read ``source``, infer the mapping (then apply ``overrides``) and validate.

    Raises
    ------
    retail.data.readers.ReadError, retail.data.validation.ValidationError
        The file or the mapping cannot be used; the message says what to fix.
    """
    raw = read_table(source, name=name, sheet=sheet)
    mapping = messages.infer_mapping(raw.frame)
    if overrides:
        unknown = {f: c for f, c in overrides.items() if c and c not in raw.frame.columns}
        if unknown:
            raise ValueError(f"--map names columns that are not in the file: {unknown}. "
                             f"Its columns are {list(raw.frame.columns)}.")
        mapping = mapping.with_overrides(overrides)
    return Ingested(raw, mapping, annotate(raw, mapping, validate_mapped(raw, mapping, settings)))


def validate_mapped(raw: RawTable, mapping: schema.ColumnMapping,
                    settings: ValidationSettings | None = None) -> ValidationResult:
    """Validate as sales rows, or as customer messages when a text column is mapped."""
    check = messages.validate_messages if messages.is_messages(mapping) else validate
    return check(raw, mapping, settings)


def annotate(raw: RawTable, mapping: schema.ColumnMapping, result: ValidationResult) -> ValidationResult:
    """Add what a row means and the currency to the report (the user can still correct both)."""
    report, columns = result.report, mapping.to_dict()
    if result.frame is None or not report.usable:
        return result
    report.file_kind = kinds.detect(result.frame, columns)
    report.file_kind_text = kinds.describe(result.frame, report.file_kind)
    amounts = [raw.frame[columns[f]] for f in (schema.UNIT_PRICE, schema.REVENUE) if f in columns]
    marks = set().union(*(currency.marks_in(values) for values in amounts)) if amounts else set()
    report.currency = currency.guess(result.frame, columns, marks)
    return result


def import_file(workspace: Workspace, source: str | Path | bytes, dataset_name: str, *,
                file_name: str | None = None, sheet: str | None = None,
                overrides: dict[str, str | None] | None = None, replace: bool = False,
                is_sample: bool = False, settings: ValidationSettings | None = None) -> tuple[DatasetInfo, Ingested]:
    """Validate a file and store it as a dataset (all or nothing)."""
    ingested = ingest(source, name=file_name, sheet=sheet, overrides=overrides, settings=settings)
    info = workspace.save_dataset(dataset_name, ingested.result.frame, ingested.result.report,
                                  replace=replace, is_sample=is_sample)
    return info, ingested


def sample_file() -> Path:
    """The bundled sample (``$RETAIL_SAMPLE_FILE`` overrides it, e.g. a small slice in tests)."""
    return Path(os.environ.get("RETAIL_SAMPLE_FILE") or SAMPLE_FILE)


def ensure_sample(workspace: Workspace) -> DatasetInfo | None:
    """Register the bundled sample dataset once, on first start (None when it is absent)."""
    for info in workspace.list_datasets():
        if info.is_sample:
            return info
    path = sample_file()
    if not path.exists():
        logger.warning("sample data %s is missing", path)
        return None
    try:
        info, _ = import_file(workspace, path, SAMPLE_NAME, is_sample=True)
    except ValueError:  # another session registered it a moment ago
        return workspace.get(SAMPLE_NAME)
    return info


@dataclass
class Loaded:
    """Canonical rows, the mapping they were read with and the import's report (as a dict)."""

    frame: pd.DataFrame
    mapping: dict[str, str]
    report: dict = field(default_factory=dict)

    def has(self, field: str) -> bool:
        return schema.mapping_has(self.mapping, field)

    @property
    def kind(self) -> str:
        """What a row means (:mod:`retail.data.kinds`): the import's verdict, or the data's."""
        stored = self.report.get("file_kind")
        return stored if stored in kinds.KINDS else kinds.detect(self.frame, self.mapping)

    @property
    def currency(self) -> str | None:
        return self.report.get("currency")


def load_data(source: str, mapping_overrides: dict[str, str | None] | None = None,
              workspace: Workspace | None = None) -> Loaded:
    """Canonical rows of a file path, or of a stored dataset when ``source`` is not a file."""
    if Path(source).is_file():
        ingested = ingest(source, overrides=mapping_overrides)
        return Loaded(as_plain_objects(ingested.result.frame), ingested.mapping.to_dict(),
                      ingested.result.report.to_dict())
    workspace = workspace or Workspace()
    info = workspace.get(source)
    return Loaded(workspace.load(source), info.mapping, info.report | {"currency": workspace.currency_of(info)})


def as_plain_objects(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns as Python objects with None for missing, as :meth:`Workspace.load` returns them."""
    text = [c for c in frame.columns if isinstance(frame[c].dtype, pd.StringDtype)]
    converted = {c: frame[c].astype(object).where(frame[c].notna(), None) for c in text}
    return frame.assign(**converted)
