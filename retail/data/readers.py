"""Read a user's sales file (CSV / CSV.GZ / ZIP of a CSV / XLSX / Parquet) into a raw frame.

Text files are sniffed (encoding, delimiter, header row, decimal comma) and read with
pyarrow, every column as text (:mod:`retail.data.csv_reader`): typing happens in validation,
where each unparseable value is reported. Rows that cannot be read are skipped and counted,
never silently dropped. Anything that makes a file unusable (a folder, a web page, a
password-protected zip...) is one plain :class:`ReadError` sentence saying what to do.
"""

from __future__ import annotations

import gzip
import io
import logging
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow as pa

from retail.data.csv_reader import MAX_BROKEN_EXAMPLES, read_text
from retail.data.limits import (
    MAX_EXCEL_CELLS,
    check_decoded,
    check_parquet_footer,
    check_workbook,
    inflate,
    max_file_bytes,
    too_big,
)
from retail.data.raw import BrokenRow, RawTable, ReadError, require_rows
from retail.data.report import RuleResult
from retail.data.sniffing import (
    DELIMITERS,
    SNIFF_BYTES,
    find_header_row,
    looks_like_html,
    sniff_decimal_comma,
    sniff_delimiter,
    sniff_encoding,
    unique_names,
)

logger = logging.getLogger(__name__)

__all__ = [
    "DELIMITERS", "MAX_BROKEN_EXAMPLES", "MAX_EXCEL_CELLS", "SNIFF_BYTES", "BrokenRow", "RawTable", "ReadError",
    "excel_sheets", "max_file_bytes", "read_table", "sniff_decimal_comma", "sniff_delimiter", "sniff_encoding",
]
DATA_SUFFIXES = (".csv", ".txt", ".tsv", ".gz", ".zip", ".xlsx", ".xlsm", ".parquet")
_ZIP_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_DEFLATE64 = 9
MAX_EXCEL_COLUMNS = 2048


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
        The file is missing, a folder, empty, binary, a web page, damaged, or has no data rows.
    """
    if isinstance(source, (str, Path)):
        data, name = _read_path(Path(source)), name or Path(source).name
    else:
        data = bytes(source)
        if not name:
            raise ValueError("Pass the file name along with the bytes so the format can be told.")
        if len(data) > max_file_bytes():
            raise too_big(name)
    if not data:
        raise ReadError("The file is empty: it contains no bytes at all. Export the data again.")
    if looks_like_html(data[:SNIFF_BYTES]):
        return read_text(data, name)  # raises the plain "web page, not a data file" error
    lower = name.lower()
    if lower.endswith((".xlsx", ".xlsm")):
        return _read_excel(data, name, sheet)
    if lower.endswith(".xls"):
        raise ReadError("Old Excel .xls files are not supported: save the sheet as .xlsx or CSV and upload it again.")
    if lower.endswith(".parquet") or data[:4] == b"PAR1":
        return _read_parquet(data, name)
    if lower.endswith(".zip") or data[:4] == b"PK\x03\x04" and not lower.endswith((".csv", ".txt", ".tsv")):
        data, inner = _unzip_single_csv(data, name)
        return read_text(data, f"{name}:{inner}")
    if lower.endswith(".gz") or data[:2] == b"\x1f\x8b":
        try:
            data = inflate(gzip.GzipFile(fileobj=io.BytesIO(data)), name)
        except (OSError, EOFError) as exc:
            raise ReadError(f"{name} is not a valid gzip file ({exc}).") from exc
    return read_text(data, name)


def _read_path(path: Path) -> bytes:
    if path.is_dir():
        inside = sorted(p.name for p in path.iterdir() if p.is_file() and p.name.lower().endswith(DATA_SUFFIXES))
        hint = f" (it holds {', '.join(inside[:3])}{' ...' if len(inside) > 3 else ''})" if inside else ""
        raise ReadError(f"{path} is a folder, not a file{hint}: give the path of one CSV, Excel or Parquet file.")
    if not path.exists():
        raise ReadError(f"File not found: {path}")
    if path.stat().st_size > max_file_bytes():
        raise too_big(str(path))
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ReadError(f"{path} cannot be read ({exc.strerror or exc}).") from exc


def _unzip_single_csv(data: bytes, name: str) -> tuple[bytes, str]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ReadError(f"{name} is not a valid zip archive.") from exc
    members = [m for m in archive.infolist() if m.filename.lower().endswith((".csv", ".txt", ".tsv"))
               and not m.filename.startswith("__MACOSX")]
    if len(members) != 1:
        raise ReadError(f"{name} must contain exactly one CSV file; it contains {len(members)}: "
                        f"{[m.filename for m in members][:5]}.")
    member = members[0]
    if member.flag_bits & 0x1:
        raise ReadError(f"{member.filename} inside {name} is protected by a password, which cannot be given "
                        "here: unzip it yourself (with the password) and upload the CSV inside.")
    if member.compress_type not in _ZIP_METHODS:
        method = "Deflate64 (Windows uses it for large zips)" if member.compress_type == _DEFLATE64 else (
            f"a compression method this app cannot read (method {member.compress_type})")
        raise ReadError(f"{member.filename} inside {name} is compressed with {method}: unzip it and upload the CSV "
                        "itself, or zip it again with ordinary compression.")
    if member.file_size > max_file_bytes():
        raise too_big(f"{member.filename} inside {name}")
    try:
        with archive.open(member) as stream:  # the declared size can lie: count what comes out
            return inflate(stream, f"{member.filename} inside {name}"), member.filename
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ReadError(f"{member.filename} inside {name} is damaged ({exc}); make the zip again.") from exc


def _read_parquet(data: bytes, name: str) -> RawTable:
    """Read the flat columns; lists, records and maps in a cell (common from Spark) are left out
    and reported, since a cell of a sales table holds one value. Bounded before it is decoded
    (:func:`~retail.data.limits.check_parquet_footer`, :func:`~retail.data.limits.check_decoded`)."""
    import pyarrow.parquet as pq  # here: it loads Arrow's file systems and SSL (0.2 s) that a CSV never needs

    try:
        footer = pq.ParquetFile(io.BytesIO(data))
        check_parquet_footer(footer.metadata, name)
        schema = footer.schema_arrow
        nested = [f.name for f in schema if pa.types.is_nested(f.type)]
        if nested and len(nested) == len(schema):
            raise ReadError(f"{name} has only columns of lists or records ({', '.join(nested[:5])}), no plain "
                            "values: flatten them (one value per cell) and export again.")
        flat = pa.schema([f for f in schema if f.name not in nested], metadata=schema.metadata)
        texts = [f.name for f in flat if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
                 or pa.types.is_binary(f.type) or pa.types.is_large_binary(f.type)]
        table = pq.ParquetFile(io.BytesIO(data), read_dictionary=texts).read(columns=flat.names)
        check_decoded(table, name)
        frame = table.cast(flat).to_pandas()
    except ReadError:
        raise
    except Exception as exc:  # pyarrow raises several types for damaged files
        raise ReadError(f"{name} is not a readable Parquet file ({exc}).") from exc
    require_rows(frame, name)
    notes = []
    if nested:
        notes.append(RuleResult(
            "columns_left_out", f"Columns of lists or records left out: {', '.join(nested)}", len(frame),
            "not read (a cell must hold one value); the other columns were read. Flatten them to use them"))
    return RawTable(frame=frame, source_name=name, file_format="parquet", notes=notes)


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


def _sheet_cells(data: bytes, sheet: str) -> pd.DataFrame:
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        used = workbook[sheet]
        declared = (used.max_row or 0) * (used.max_column or 0)
        if declared > MAX_EXCEL_CELLS:  # formatting (or a bomb) claims millions of cells: read only real rows
            cells = _streamed_cells(used, sheet)
        else:
            cells = pd.read_excel(io.BytesIO(data), sheet_name=sheet, engine="openpyxl", header=None)
    finally:
        workbook.close()
    return cells.dropna(how="all").dropna(axis=1, how="all")


def _streamed_cells(sheet_rows, name: str, empty_rows_to_stop: int = 1000) -> pd.DataFrame:
    """The rows of a sheet whose used range is inflated by empty styled cells: stop after a long run
    of empty rows, keep each row to its last value, and refuse real data beyond the cell limit."""
    rows, index, empty_run, cells = [], [], 0, 0
    for number, row in enumerate(sheet_rows.iter_rows(values_only=True, max_col=MAX_EXCEL_COLUMNS)):
        last = max((i for i, value in enumerate(row) if value is not None), default=-1)
        if last < 0:
            empty_run += 1
            if rows and empty_run > empty_rows_to_stop:
                break
            continue
        empty_run, cells = 0, cells + last + 1
        if cells > MAX_EXCEL_CELLS:
            raise ReadError(f"Sheet {name!r} holds more than {MAX_EXCEL_CELLS:,} filled cells: export it as CSV.")
        rows.append(row[:last + 1])
        index.append(number)
    return pd.DataFrame(rows, index=index)


def _looks_like_table(cells: pd.DataFrame) -> bool:
    """At least two columns filled on at least three rows: a table, not a sheet of notes."""
    return bool((cells.notna().sum() >= 3).sum() >= 2)


def _read_excel(data: bytes, name: str, sheet: str | None) -> RawTable:
    check_workbook(data, name)  # a bomb is refused here, unpacked in counted chunks, before openpyxl parses it
    sheets = excel_sheets(data)
    if sheet is not None and sheet not in sheets:
        raise ReadError(f"Sheet {sheet!r} is not in {name}; its sheets are {sheets}.")
    cells = pd.DataFrame()
    candidates = [sheet] if sheet else sheets
    read = {c: _sheet_cells(data, c) for c in candidates} if len(candidates) > 1 else {}
    # The first sheet that looks like a table (a Notes or cover sheet is one column of text).
    ranked = sorted(candidates, key=lambda c: (not _looks_like_table(read[c]), candidates.index(c))) if read else candidates
    for candidate in ranked:
        cells = read.get(candidate) if read else _sheet_cells(data, candidate)
        if len(cells) > 1:
            sheet = candidate
            break
    if cells.empty:
        raise ReadError(f"{name} has no data in {'sheet ' + repr(sheet) if sheet else 'any sheet'}.")
    header = find_header_row(cells.head(40).to_numpy().tolist())
    frame = cells.iloc[header + 1:].reset_index(drop=True).infer_objects()
    frame.columns = unique_names(["" if pd.isna(c) else str(c) for c in cells.iloc[header]])
    frame = frame.dropna(axis=1, how="all")
    require_rows(frame, name)
    notes = []
    row = int(cells.index[header]) + 1  # the sheet's own row number (empty rows were dropped)
    if header > 0:
        notes.append(RuleResult("lines_above_header", f"The header is on row {row} of the sheet", len(frame),
                                f"{header} row(s) above it (titles, notes) skipped; the columns are named by row {row}"))
    return RawTable(frame=frame, source_name=name, file_format="xlsx", sheet=sheet, sheets=sheets,
                    header_line=row, notes=notes)
