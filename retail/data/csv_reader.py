"""Read a text (CSV) file with pyarrow, every column as text, losing no row silently.

The layout comes from :mod:`retail.data.sniffing`. Rows with the wrong number of fields are
skipped and counted. A quote that opens and never closes would make the parser swallow every
following line into one field (34 of 40 rows lost, reported as "1 broken row"): such a line
is found, skipped and counted, and reading resumes at the next line, until the file parses.
"""

from __future__ import annotations

import codecs
import io
import logging

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from retail.data.raw import BrokenRow, RawTable, ReadError, delimiter_label, require_rows
from retail.data.report import RuleResult
from retail.data.sniffing import (
    TextLayout,
    line_fields,
    looks_like_html,
    sample_of,
    sniff_encoding,
    sniff_layout,
    unique_names,
)

logger = logging.getLogger(__name__)

MAX_BROKEN_EXAMPLES = 5
MAX_QUOTE_REPAIRS = 20
_BLOCK_SIZE = 16 * 1024 * 1024
_TEXT = pd.StringDtype("pyarrow")


def read_text(data: bytes, name: str) -> RawTable:
    """Read CSV / TSV bytes (any delimiter of , ; tab |) into a :class:`RawTable` of text columns.

    Raises
    ------
    ReadError
        Binary data, a web page, no lines, a single column, or no data rows.
    """
    label = None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        data, label = data.decode("utf-16").encode("utf-8"), "utf-16"  # one code path: UTF-8 from here on
    sample = sample_of(data)
    if b"\x00" in sample:
        raise ReadError(f"{name} is not a text file (it contains binary data). Upload a CSV, Excel (.xlsx) "
                        "or Parquet file.")
    if looks_like_html(sample):
        raise ReadError(f"{name} is a web page (HTML), not a data file: it was probably saved from the browser, "
                        "or the download needed a login. Open the page, use its export or download button to get "
                        "the CSV or Excel file itself, and upload that.")
    encoding = sniff_encoding(sample)
    layout = sniff_layout(sample, encoding, complete=len(sample) == len(data))
    if layout is None:
        raise ReadError(f"{name} is empty: it has no lines of text.")
    if len(layout.names) < 2:
        raise ReadError(
            f"{name} has a single column ({layout.names[0][:40] if layout.names else ''!r}); a sales file needs at "
            "least a date and a product or store column. Check that the delimiter is a comma, semicolon, tab or |."
        )
    payload = _from_line(data, layout.header_line).removeprefix(codecs.BOM_UTF8)
    frame, broken, broken_count = parse_csv(payload, encoding, layout.delimiter, unique_names(layout.names),
                                            first_line=layout.header_line + 1)
    if layout.trailing_delimiter and frame.iloc[:, -1].isna().all():
        frame = frame.iloc[:, :-1]
    require_rows(frame, name)
    return RawTable(frame=frame, source_name=name, file_format="csv", encoding=label or encoding,
                    delimiter=layout.delimiter, decimal_comma=layout.decimal_comma, broken_rows=broken,
                    broken_row_count=broken_count, header_line=layout.header_line + 1,
                    notes=_layout_notes(layout, len(frame)))


def _from_line(data: bytes, line: int) -> bytes:
    """``data`` from the start of physical line ``line`` (0-based): what is above the header goes."""
    offset = 0
    for _ in range(line):
        offset = data.index(b"\n", offset) + 1
    return data[offset:]


def _layout_notes(layout: TextLayout, rows: int) -> list[RuleResult]:
    notes = []
    if layout.header_line > 0:
        skipped = "Excel's sep= line" if layout.sep_hint and layout.header_line == 1 else (
            f"{layout.header_line} line(s) above the header (titles, notes)")
        notes.append(RuleResult("lines_above_header", f"The header is on line {layout.header_line + 1}", rows,
                                f"{skipped} skipped; the columns are named by line {layout.header_line + 1}"))
    if layout.trailing_delimiter:
        notes.append(RuleResult("trailing_delimiter", "Every data row ends with an extra "
                                f"{delimiter_label(layout.delimiter)}", rows, "the empty last field is ignored"))
    if layout.encoding_note:
        notes.append(RuleResult("encoding_guessed", f"The encoding was guessed: {layout.encoding_note}", rows,
                                "read with it; if names look garbled, save the file as UTF-8 and upload it again"))
    return notes


def parse_csv(payload: bytes, encoding: str, delimiter: str, names: list[str],
              first_line: int = 1) -> tuple[pd.DataFrame, list[BrokenRow], int]:
    """Parse ``payload`` (header line first) as text columns ``names``.

    Returns the frame, examples of skipped rows (wrong field count: the first few; unclosed
    quote: all) and the number of skipped rows. ``first_line`` is the header's 1-based line
    number in the file, for the line numbers of skipped rows.
    """
    removed: list[BrokenRow] = []
    for _ in range(MAX_QUOTE_REPAIRS + 1):
        table, broken, broken_count, runaways = _arrow_read(payload, encoding, delimiter, names)
        key = _runaway_key(table, runaways, delimiter, len(names), payload, broken_count)
        if key is None:
            break
        cut = _cut_line(payload, key, encoding, delimiter, len(names), first_line, removed)
        if cut is None:
            logger.warning("a quote opened and never closed could not be located; rows may be merged")
            break
        payload, lost = cut
        removed.append(lost)
    else:
        raise ReadError(f"More than {MAX_QUOTE_REPAIRS} lines open a quote (\") that never closes; the file is "
                        "probably not a proper CSV. Export it again, or remove the stray quote marks.")
    # Arrow-backed text: vectorised string kernels downstream and zero-copy storage in DuckDB.
    frame = table.to_pandas(types_mapper={pa.string(): _TEXT}.get)
    return frame, sorted(removed, key=lambda row: row.line) + broken, broken_count + len(removed)


def _arrow_read(payload: bytes, encoding: str, delimiter: str,
                names: list[str]) -> tuple[pa.Table, list[BrokenRow], int, list[str]]:
    broken: list[BrokenRow] = []
    runaways: list[str] = []
    count = 0

    def on_invalid_row(row: pacsv.InvalidRow) -> str:
        nonlocal count
        text = row.text or ""
        if "\n" in text and len(runaways) < 1:  # a row spanning lines: maybe a quote never closed
            runaways.append(text)
        count += 1
        if len(broken) < MAX_BROKEN_EXAMPLES:
            broken.append(BrokenRow(line=row.number or 0, expected_fields=row.expected_columns,
                                    actual_fields=row.actual_columns, text=text[:200]))
        return "skip"

    read_options = pacsv.ReadOptions(column_names=names, skip_rows=1, encoding=encoding.replace("-sig", ""),
                                     block_size=_BLOCK_SIZE)
    parse_options = pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True, invalid_row_handler=on_invalid_row)
    convert_options = pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, strings_can_be_null=True,
                                           quoted_strings_can_be_null=False, null_values=[""])
    try:
        table = pacsv.read_csv(io.BytesIO(payload), read_options=read_options, parse_options=parse_options,
                               convert_options=convert_options)
    except pa.ArrowInvalid as exc:
        raise ReadError(f"The file could not be read as CSV: {_plain_arrow_error(exc)}") from exc
    return table, broken, count, runaways


def _swallows_rows(text: str, delimiter: str, fields: int) -> bool:
    """Whether a value (or skipped row) spanning lines holds lines that look like whole rows."""
    return any(line.count(delimiter) >= fields - 1 for line in text.split("\n")[1:50])


def _runaway_key(table: pa.Table, runaways: list[str], delimiter: str, fields: int, payload: bytes,
                 broken_count: int) -> str | None:
    """Text that locates a line whose quote swallowed the lines after it (None: there is none)."""
    for text in runaways:
        if _swallows_rows(text, delimiter, fields):
            return "\n".join(text.split("\n")[:2])
    if payload.count(b"\n") <= table.num_rows + broken_count + 1:
        return None  # no value spans lines: nothing was swallowed into a kept row
    for column in table.columns:
        spanning = column.filter(pc.fill_null(pc.match_substring(column, "\n"), False))
        for value in spanning.to_pylist()[:1000]:
            if _swallows_rows(value, delimiter, fields):
                return "\n".join(value.split("\n")[:2])
    return None


def _cut_line(payload: bytes, key: str, encoding: str, delimiter: str, fields: int, first_line: int,
              removed: list[BrokenRow]) -> tuple[bytes, BrokenRow] | None:
    """Remove the line where ``key`` starts; return the new payload and the lost line."""
    offset = payload.find(key.encode(encoding.replace("-sig", ""), errors="replace"))
    if offset < 0:
        return None
    start = payload.rfind(b"\n", 0, offset) + 1
    end = payload.find(b"\n", offset)
    end = len(payload) if end < 0 else end + 1
    text = payload[start:end].decode(encoding.replace("-sig", ""), errors="replace").rstrip("\r\n")
    line = first_line + payload.count(b"\n", 0, start)
    for earlier in sorted(row.line for row in removed):
        line += earlier <= line
    found = len(line_fields(text, delimiter))
    return payload[:start] + payload[end:], BrokenRow(line, fields, found, text[:200], reason="unclosed_quote")


def _plain_arrow_error(exc: Exception) -> str:
    message = str(exc)
    if "straddling" in message or "block" in message:
        return "a single line is longer than 16 MB; the file is probably not a CSV."
    return message.splitlines()[0][:300]
