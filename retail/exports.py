"""Tables for people, one rule for every export (CSV and Excel) of every page and command.

A :class:`Sheet` is a frame with what its columns are: money (in the dataset's currency), shares
(percentages; the glossary's shares are known already), and header overrides. Headers come from the
schema's field labels and the glossary, as on the pages; ``True``/``False`` read "yes"/"no"; an empty
cell stays empty (never "None" or "nan"); numbers are rounded (whole numbers without decimals, money to
the cent, shares to a tenth of a percent) and Excel shows them with number formats (thousands
separators, the currency, percentages). Every text cell is neutralised against spreadsheet formulas
(:mod:`retail.data.safety`, the one rule validation counts too).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from retail.data import currency
from retail.data.safety import neutralise_frame
from retail.data.schema import FIELD_LABELS
from retail.glossary import GLOSSARY, SHARES

EXCEL_FORMATS = {"whole": "#,##0", "decimal": "#,##0.00", "share": "0.0%", "date": "yyyy-mm-dd"}
ROUNDING = {"whole": 0, "decimal": 3, "share": 4}


@dataclass(frozen=True)
class Sheet:
    """A table to export: the frame, its money and share columns, and headers that differ from the glossary."""

    frame: pd.DataFrame
    money: Iterable[str] = ()
    shares: Iterable[str] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    whole: Iterable[str] = ()  # forecasts of units and the like: whole numbers even when computed as fractions

    def kind(self, column: str) -> str:
        """'date', 'money', 'share', 'whole', 'decimal' or 'text'."""
        values = self.frame[column]
        if values.dtype.kind == "M":
            return "date"
        if values.dtype.kind not in "fiu" or values.dtype == bool:
            return "text"
        if column in set(self.money):
            return "money"
        if column in set(self.shares) or column in SHARES:
            return "share"
        if column in set(self.whole):
            return "whole"
        present = values.dropna()
        return "whole" if values.dtype.kind in "iu" or bool((present == present.round()).all()) else "decimal"

    def header(self, column: str) -> str:
        """The plain header of ``column``: the override, the field label, the glossary label, or the name in words."""
        if column in self.headers:
            return self.headers[column]
        label = FIELD_LABELS.get(column) or GLOSSARY.get(column, (None,))[0]
        return label or str(column).replace("_", " ")


def plain_values(sheet: Sheet) -> pd.DataFrame:
    """The values of ``sheet`` as people read them (rounded, yes/no, empty cells empty), original headers."""
    frame = sheet.frame.copy()
    for column in frame.columns:
        kind = sheet.kind(column)
        if _yes_no(frame[column]):
            frame[column] = frame[column].map({True: "yes", False: "no"})
        elif kind == "money":
            frame[column] = frame[column].round(2)
        elif kind == "whole":  # 8, not 8.0
            frame[column] = frame[column].round().astype("Int64")
        elif kind in ROUNDING:
            frame[column] = frame[column].round(ROUNDING[kind])
        elif kind == "text":
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return neutralise_frame(frame)


def _yes_no(values: pd.Series) -> bool:
    """A column of ticks: booleans, also when a merge left them among empty cells (object or nullable)."""
    if values.dtype == bool or values.dtype == "boolean":
        return True
    if values.dtype != object:
        return False
    present = values.dropna()
    # the first cell decides for text columns, so they pay for no pass over their rows
    return len(present) > 0 and isinstance(present.iat[0], bool | np.bool_) and \
        present.map(type).isin([bool, np.bool_]).all()


def csv_bytes(sheet: Sheet) -> bytes:
    """UTF-8 CSV: plain headers, ISO dates, shares as percentages (header ending in "(%)")."""
    frame = plain_values(sheet)
    headers = {}
    for column in frame.columns:
        headers[column] = sheet.header(column)
        if sheet.kind(column) == "share":
            frame[column] = (frame[column] * 100).round(1)
            headers[column] += " (%)"
    return frame.rename(columns=headers).to_csv(index=False, date_format="%Y-%m-%d").encode("utf-8")


def text_table(sheet: Sheet) -> str:
    """The table as plain text for the command line: the same headers and words as the files."""
    frame = plain_values(sheet)
    frame = frame.assign(**{c: frame[c].map(lambda v: f"{v:.0%}" if v == v else "") for c in frame.columns
                            if sheet.kind(c) == "share"})
    return frame.rename(columns={c: sheet.header(c) for c in frame.columns}).to_string(
        index=False, na_rep="", float_format=lambda v: f"{v:,.2f}")


def settings_sheet(rows: Iterable[tuple[str, Any]]) -> Sheet:
    """A two-column "setting / value" sheet; lists read "a, b", numbers stay numbers, nothing empty reads None."""
    def shown(value: Any) -> Any:
        if isinstance(value, list | tuple | set | frozenset):
            return ", ".join(map(str, value))
        if isinstance(value, dict):
            return "; ".join(f"{k}: {v}" for k, v in value.items())
        return "" if value is None else value

    frame = pd.DataFrame([(name, shown(value)) for name, value in rows], columns=["setting", "value"])
    return Sheet(frame.astype({"value": object}), headers={"setting": "Setting", "value": "Value"})


def workbook(sheets: Mapping[str, Sheet], currency_code: str | None = None) -> bytes:
    """An .xlsx file, one sheet per entry (first first), with plain headers and number formats."""
    buffer = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False}
    with pd.ExcelWriter(buffer, engine="xlsxwriter", datetime_format="yyyy-mm-dd", date_format="yyyy-mm-dd",
                        engine_kwargs={"options": options}) as writer:
        formats = {kind: writer.book.add_format({"num_format": pattern}) for kind, pattern in
                   (EXCEL_FORMATS | {"money": currency.excel_format(currency_code)}).items()}
        for name, sheet in sheets.items():
            _write(writer, sheet, name[:31], formats)
    return buffer.getvalue()


def _write(writer: pd.ExcelWriter, sheet: Sheet, name: str, formats: Mapping[str, Any]) -> None:
    values = plain_values(sheet)
    values = values.astype({c: object for c in values.columns if values[c].dtype.kind == "f"}).replace({np.nan: None})
    values.rename(columns={c: sheet.header(c) for c in values.columns}).to_excel(writer, sheet_name=name, index=False)
    worksheet = writer.sheets[name]
    for position, column in enumerate(sheet.frame.columns):
        kind = sheet.kind(column)
        longest = max([len(sheet.header(column)), *(len(str(v)) for v in values[column].head(200))])
        worksheet.set_column(position, position, min(max(longest + 2, 8), 60 if kind == "text" else 30),
                             formats.get(kind))
