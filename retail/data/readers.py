"""Read a user's sales file (CSV / CSV.GZ / ZIP of a CSV / XLSX / Parquet) into a raw frame.

Text files are sniffed (encoding, delimiter, decimal comma) and read with pyarrow, every
column as text: typing happens in validation, where each unparseable value is reported.
Rows with the wrong number of fields are skipped and counted, never silently dropped.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import logging
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

logger = logging.getLogger(__name__)

SNIFF_BYTES = 256 * 1024
DELIMITERS = (",", ";", "\t", "|")
MAX_BROKEN_EXAMPLES = 5
_BLOCK_SIZE = 16 * 1024 * 1024


class ReadError(ValueError):
    """A file that cannot be used at all; the message tells the user what to fix."""


@dataclass
class BrokenRow:
    """A text line that was skipped because its number of fields is wrong."""

    line: int
    expected_fields: int
    actual_fields: int
    text: str


@dataclass
class RawTable:
    """What was read from a file, before mapping and validation."""

    frame: pd.DataFrame
    source_name: str
    file_format: str
    encoding: str | None = None
    delimiter: str | None = None
    decimal_comma: bool = False
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    broken_rows: list[BrokenRow] = field(default_factory=list)
    broken_row_count: int = 0

    def describe(self) -> str:
        parts = [self.file_format.upper()]
        if self.encoding:
            parts.append(f"encoding {self.encoding}")
        if self.delimiter:
            parts.append(f"delimiter {_delimiter_label(self.delimiter)}")
        if self.decimal_comma:
            parts.append("decimal comma")
        if self.sheet:
            parts.append(f"sheet {self.sheet!r}")
        return ", ".join(parts)


def _delimiter_label(delimiter: str) -> str:
    return {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}.get(delimiter, repr(delimiter))


def read_table(
    source: str | Path | bytes,
    name: str | None = None,
    sheet: str | None = None,
) -> RawTable:
    """Read a file given as a path or as bytes (an upload) into a :class:`RawTable`.

    Parameters
    ----------
    source : path or bytes
        The file. With bytes, ``name`` gives the file name used to tell the format.
    name : str, optional
        File name (required for bytes).
    sheet : str, optional
        Excel sheet to read; default the first sheet that has data.

    Raises
    ------
    ReadError
        The file is empty, binary, damaged, or has no data rows.
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.exists():
            raise ReadError(f"File not found: {path}")
        data = path.read_bytes()
        name = name or path.name
    else:
        data = bytes(source)
        if not name:
            raise ValueError("Pass the file name along with the bytes so the format can be told.")
    if not data:
        raise ReadError("The file is empty: it contains no bytes at all. Export the data again.")
    lower = name.lower()
    if lower.endswith((".xlsx", ".xlsm")):
        return _read_excel(data, name, sheet)
    if lower.endswith(".xls"):
        raise ReadError("Old Excel .xls files are not supported: save the sheet as .xlsx or CSV and upload it again.")
    if lower.endswith(".parquet") or data[:4] == b"PAR1":
        return _read_parquet(data, name)
    if lower.endswith(".zip") or data[:4] == b"PK\x03\x04" and not lower.endswith((".csv", ".txt", ".tsv")):
        data, inner = _unzip_single_csv(data, name)
        return _read_text(data, f"{name}:{inner}")
    if lower.endswith(".gz") or data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise ReadError(f"{name} is not a valid gzip file ({exc}).") from exc
    return _read_text(data, name)


def _unzip_single_csv(data: bytes, name: str) -> tuple[bytes, str]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ReadError(f"{name} is not a valid zip archive.") from exc
    members = [m for m in archive.namelist() if m.lower().endswith((".csv", ".txt", ".tsv"))
               and not m.startswith("__MACOSX")]
    if len(members) != 1:
        raise ReadError(
            f"{name} must contain exactly one CSV file; it contains {len(members)}: {members[:5]}."
        )
    return archive.read(members[0]), members[0]


def _read_parquet(data: bytes, name: str) -> RawTable:
    try:
        frame = pd.read_parquet(io.BytesIO(data))
    except Exception as exc:  # pyarrow raises several types for damaged files
        raise ReadError(f"{name} is not a readable Parquet file ({exc}).") from exc
    _require_rows(frame, name)
    return RawTable(frame=frame, source_name=name, file_format="parquet")


def excel_sheets(data: bytes) -> list[str]:
    """Names of the sheets of an .xlsx file."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    except Exception as exc:  # openpyxl raises zip, XML and key errors for damaged files
        raise ReadError(
            "The Excel file is damaged or is not a real .xlsx workbook; open it in Excel, "
            "save it again as .xlsx (or CSV) and upload that."
        ) from exc
    try:
        return list(workbook.sheetnames)
    finally:
        workbook.close()


def _read_excel(data: bytes, name: str, sheet: str | None) -> RawTable:
    sheets = excel_sheets(data)
    if sheet is not None and sheet not in sheets:
        raise ReadError(f"Sheet {sheet!r} is not in {name}; its sheets are {sheets}.")
    candidates = [sheet] if sheet else sheets
    frame = pd.DataFrame()
    for candidate in candidates:
        frame = pd.read_excel(io.BytesIO(data), sheet_name=candidate, engine="openpyxl")
        frame = frame.dropna(how="all").dropna(axis=1, how="all")
        if not frame.empty:
            sheet = candidate
            break
    _require_rows(frame, name)
    frame.columns = _unique_names([str(c) for c in frame.columns])
    return RawTable(frame=frame, source_name=name, file_format="xlsx", sheet=sheet, sheets=sheets)


def _require_rows(frame: pd.DataFrame, name: str) -> None:
    if frame.shape[1] == 0:
        raise ReadError(f"{name} has no columns.")
    if frame.empty:
        raise ReadError(f"{name} has a header but no data rows.")


def sniff_encoding(sample: bytes) -> str:
    """Return 'utf-8-sig', 'utf-8' or 'cp1252' (latin-1 when cp1252 cannot decode)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        # A sample cut mid-character is fine: the incremental decoder keeps the tail pending.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        sample.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


_MAX_SNIFF_LINE = 65_536


def _logical_lines(text: str, limit: int = 200) -> list[str]:
    """The first non-blank lines of ``text`` (each cut to 64 KB: sniffing needs no more)."""
    return [line[:_MAX_SNIFF_LINE] for line in text.splitlines()[:limit] if line.strip()]


def sniff_delimiter(lines: list[str]) -> str:
    """Pick the delimiter that splits the sample lines into the most, most consistent fields."""
    best, best_score = ",", -1.0
    for delimiter in DELIMITERS:
        counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        if not counts or max(counts) < 2:
            continue
        header = counts[0]
        consistent = sum(1 for c in counts if c == header) / len(counts)
        score = consistent * header
        if score > best_score:
            best, best_score = delimiter, score
    return best


_DECIMAL_COMMA = re.compile(r"^-?\d{1,3}(\.\d{3})*,\d+$|^-?\d+,\d+$")
_DECIMAL_POINT = re.compile(r"^-?\d{1,3}(,\d{3})*\.\d+$|^-?\d+\.\d+$")


def sniff_decimal_comma(lines: list[str], delimiter: str) -> bool:
    """True when numbers look like ``12,50`` rather than ``12.50`` (only possible without ',' delimiter)."""
    if delimiter == ",":
        return False
    comma = point = 0
    for row in csv.reader(lines[1:], delimiter=delimiter):
        for cell in row:
            cell = cell.strip()
            comma += bool(_DECIMAL_COMMA.match(cell))
            point += bool(_DECIMAL_POINT.match(cell))
    return comma > point


def _unique_names(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    unique = []
    for index, raw in enumerate(names):
        name = raw.strip() or f"column_{index + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        unique.append(name)
    return unique


def _read_text(data: bytes, name: str) -> RawTable:
    sample = data[:SNIFF_BYTES]
    if b"\x00" in sample and not sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ReadError(
            f"{name} is not a text file (it contains binary data). Upload a CSV, Excel (.xlsx) "
            "or Parquet file."
        )
    encoding = sniff_encoding(sample)
    text_sample = sample.decode(encoding, errors="ignore")
    lines = _logical_lines(text_sample)
    if not lines:
        raise ReadError(f"{name} is empty: it has no lines of text.")
    delimiter = sniff_delimiter(lines)
    header = next(csv.reader(lines[:1], delimiter=delimiter))
    if len(lines) < 2 and len(data) <= SNIFF_BYTES:
        raise ReadError(f"{name} has a header but no data rows.")
    if len(header) < 2:
        raise ReadError(
            f"{name} has a single column ({header[0][:40]!r}); a sales file needs at least a date "
            "and a product or store column. Check that the delimiter is a comma, semicolon, tab or |."
        )
    names = _unique_names(header)
    frame, broken, broken_count = _parse_csv(data, encoding, delimiter, names)
    _require_rows(frame, name)
    return RawTable(
        frame=frame,
        source_name=name,
        file_format="csv",
        encoding=encoding,
        delimiter=delimiter,
        decimal_comma=sniff_decimal_comma(lines, delimiter),
        broken_rows=broken,
        broken_row_count=broken_count,
    )


def _parse_csv(
    data: bytes, encoding: str, delimiter: str, names: list[str]
) -> tuple[pd.DataFrame, list[BrokenRow], int]:
    broken: list[BrokenRow] = []
    broken_count = 0

    def on_invalid_row(row: pacsv.InvalidRow) -> str:
        nonlocal broken_count
        broken_count += 1
        if len(broken) < MAX_BROKEN_EXAMPLES:
            broken.append(BrokenRow(
                line=row.number or 0,
                expected_fields=row.expected_columns,
                actual_fields=row.actual_columns,
                text=(row.text or "")[:200],
            ))
        return "skip"

    read_options = pacsv.ReadOptions(
        column_names=names, skip_rows=1, encoding=encoding.replace("-sig", ""),
        block_size=_BLOCK_SIZE,
    )
    parse_options = pacsv.ParseOptions(
        delimiter=delimiter, newlines_in_values=True, invalid_row_handler=on_invalid_row,
    )
    convert_options = pacsv.ConvertOptions(
        column_types={n: pa.string() for n in names}, strings_can_be_null=True,
        quoted_strings_can_be_null=False, null_values=[""],
    )
    payload = data[3:] if encoding == "utf-8-sig" else data
    try:
        table = pacsv.read_csv(io.BytesIO(payload), read_options=read_options,
                               parse_options=parse_options, convert_options=convert_options)
    except pa.ArrowInvalid as exc:
        raise ReadError(f"The file could not be read as CSV: {_plain_arrow_error(exc)}") from exc
    # Arrow-backed text: vectorised string kernels downstream and zero-copy storage in DuckDB.
    frame = table.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get)
    return frame, broken, broken_count


def _plain_arrow_error(exc: Exception) -> str:
    message = str(exc)
    if "straddling" in message or "block" in message:
        return "a single line is longer than 16 MB; the file is probably not a CSV."
    return message.splitlines()[0][:300]
