"""Sniff the layout of a text file: encoding, delimiter, header row, decimal mark.

Only a sample is read (256 KB, extended to hold the first lines in full, so a 10,000-column
header is never cut). The header is the first row whose cells are mostly non-empty text
followed by data-like rows, so title and note lines above it (and Excel's ``sep=;`` hint)
are skipped; data rows that all end with one extra delimiter are recognised.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections import Counter
from dataclasses import dataclass

from retail.data.limits import check_columns
from retail.data.raw import ReadError

SNIFF_BYTES = 256 * 1024
MAX_SAMPLE_BYTES = 16 * 1024 * 1024
DELIMITERS = (",", ";", "\t", "|")
HEADER_SCAN_ROWS = 30
_MIN_SAMPLE_LINES = 6
_MAX_SNIFF_LINE = 65_536
MAX_NAME_CHARS = 1024  # a column name longer than this is not a header (an open quote, a text pasted in)
# Legacy encodings worth trusting charset-normalizer for: scripts that cp1252 would garble
# without an error. Latin-script guesses are unreliable on short samples, so those read as cp1252.
NON_LATIN_ENCODINGS: dict[str, str] = {
    **dict.fromkeys(("gb18030", "gbk", "gb2312", "hz"), "Chinese"),
    **dict.fromkeys(("big5", "big5hkscs", "cp950"), "Chinese (traditional)"),
    **dict.fromkeys(("cp932", "shift_jis", "shift_jis_2004", "shift_jisx0213", "euc_jp", "euc_jis_2004",
                     "euc_jisx0213", "iso2022_jp"), "Japanese"),
    **dict.fromkeys(("cp949", "euc_kr", "johab", "iso2022_kr"), "Korean"),
    **dict.fromkeys(("cp1251", "koi8_r", "koi8_u", "cp866", "mac_cyrillic", "iso8859_5"), "Cyrillic"),
    **dict.fromkeys(("cp1253", "iso8859_7"), "Greek"), **dict.fromkeys(("cp1255", "iso8859_8"), "Hebrew"),
    **dict.fromkeys(("cp1256", "iso8859_6"), "Arabic"), **dict.fromkeys(("cp874", "tis_620"), "Thai"),
}
_SEP_HINT = re.compile(r'^\s*"?sep=(.)"?\s*$', re.IGNORECASE)
_HTML = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|\?xml[^>]*>\s*<html)", re.I | re.S)
_NOT_A_LABEL = re.compile(r"^[\d\s.,:;/\\\-+()£$€%']*$")


@dataclass(frozen=True)
class TextLayout:
    """How a text file is laid out; line numbers are 0-based physical lines."""

    encoding: str
    delimiter: str
    header_line: int
    names: list[str]
    decimal_comma: bool
    trailing_delimiter: bool = False
    sep_hint: bool = False
    encoding_note: str | None = None


def sample_of(data: bytes) -> bytes:
    """The first 256 KB, extended (up to 16 MB) so that the first lines are complete."""
    end = SNIFF_BYTES
    position = 0
    for _ in range(_MIN_SAMPLE_LINES):
        position = data.find(b"\n", position) + 1
        if position == 0:
            return data[:MAX_SAMPLE_BYTES]
    return data[:min(max(end, position), MAX_SAMPLE_BYTES)]


def looks_like_html(sample: bytes) -> bool:
    """True for a web page (an HTML document), e.g. a login page saved instead of the export."""
    return bool(_HTML.match(sample.removeprefix(codecs.BOM_UTF8)[:4096]))


def sniff_encoding(sample: bytes) -> str:
    """Return 'utf-8-sig', 'utf-16', 'utf-8', a non-Latin legacy encoding told by
    charset-normalizer (GB18030, Shift-JIS / cp932, cp1251...), or 'cp1252' ('latin-1' when
    cp1252 cannot decode)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _decodes(sample, "utf-8"):
        return "utf-8"
    guessed = _non_latin_guess(sample)
    if guessed:
        return guessed
    return "cp1252" if _decodes(sample, "cp1252") else "latin-1"


def encoding_note(encoding: str) -> str | None:
    """A plain note for an encoding that was guessed (None for UTF-8 and UTF-16, which are certain)."""
    if encoding.startswith(("utf-8", "utf-16")):
        return None
    script = NON_LATIN_ENCODINGS.get(encoding, "Western European")
    return f"{encoding} ({script})"


def _decodes(sample: bytes, encoding: str) -> bool:
    try:
        # A sample cut mid-character is fine: the incremental decoder keeps the tail pending.
        codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
        return True
    except UnicodeDecodeError:
        return False


def _non_latin_guess(sample: bytes) -> str | None:
    from charset_normalizer import from_bytes  # only files that are not UTF-8 pay for it

    best = from_bytes(sample[:32_768]).best()
    encoding = best.encoding if best else None
    if encoding in NON_LATIN_ENCODINGS and _decodes(sample, encoding):
        return encoding
    return None


def line_fields(line: str, delimiter: str) -> list[str]:
    """One line split into fields; a field over the csv module's limit (128 KB) splits at every delimiter."""
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return line.split(delimiter)


def split_rows(lines: list[str], delimiter: str) -> list[list[str]]:
    """``lines`` split into rows of fields (a quoted value may span lines); when a value passes the csv
    module's limit (a quote that never closes, a 200 KB name), each line is split on its own instead."""
    try:
        return list(csv.reader(lines, delimiter=delimiter))
    except csv.Error:
        return [line_fields(line, delimiter) for line in lines]


def sniff_delimiter(lines: list[str]) -> str:
    """Pick the delimiter that splits the lines into the most fields, most consistently
    (the most common field count, so title lines above the header do not mislead)."""
    best, best_score = ",", -1.0
    for delimiter in DELIMITERS:
        counts = [len(row) for row in split_rows(lines, delimiter)]
        if not counts or max(counts) < 2:
            continue
        common, times = Counter(c for c in counts if c >= 2).most_common(1)[0]
        score = times / len(counts) * common
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
    for row in split_rows(lines[1:], delimiter):
        for cell in row:
            cell = cell.strip()
            comma += bool(_DECIMAL_COMMA.match(cell))
            point += bool(_DECIMAL_POINT.match(cell))
    return comma > point


def find_header_row(rows: list[list[object]], scan: int = HEADER_SCAN_ROWS) -> int:
    """Index of the header: the first row whose cells are mostly non-empty text (labels, not
    numbers or dates) and that is followed by a row as full (0 when no row fits: no header
    to find, keep the first row as before)."""
    cells = [[str(c).strip() for c in row if c is not None and str(c).strip() not in ("", "nan", "NaT")]
             for row in rows[:scan + 1]]
    if not cells:
        return 0
    width = max(len(row) for row in cells)
    for index, row in enumerate(cells[:scan]):
        if len(row) < max(2, 0.6 * width):
            continue
        labels = sum(1 for cell in row if not _NOT_A_LABEL.match(cell))
        following = cells[index + 1] if index + 1 < len(cells) else []
        if labels >= 0.8 * len(row) and len(following) >= 0.6 * width:
            return index
    return 0


def unique_names(names: list[str]) -> list[str]:
    """Column names made unique (``Qty``, ``Qty.1``) and never blank (``column_3``)."""
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


def sniff_layout(sample: bytes, encoding: str, complete: bool) -> TextLayout | None:
    """The layout of a text sample (None when it has no non-blank line).

    ``complete`` says whether the sample is the whole file; if not, its last line may be cut.
    """
    text = sample.decode(encoding, errors="ignore").removeprefix("\ufeff")
    physical = [line.rstrip("\r") for line in text.split("\n")]
    if not complete and len(physical) > 1:
        physical = physical[:-1]
    numbered = [(number, line) for number, line in enumerate(physical) if line.strip()]
    if not numbered:
        return None
    sep_hint = _SEP_HINT.match(numbered[0][1])
    if sep_hint:
        numbered = numbered[1:] or numbered
    short = [line[:_MAX_SNIFF_LINE] for _, line in numbered[:200]]
    delimiter = sep_hint.group(1) if sep_hint else sniff_delimiter(short)
    rows = [line_fields(line, delimiter) for line in short[:HEADER_SCAN_ROWS + 1]]
    header_index = find_header_row(rows)
    header_line, header_text = numbered[header_index]
    names = _header_names(header_text, delimiter, header_line)
    data_lines = [line for _, line in numbered[header_index + 1:header_index + 201] if len(line) < _MAX_SNIFF_LINE]
    names, trailing = _trailing_delimiter(names, data_lines, delimiter)
    return TextLayout(
        encoding=encoding, delimiter=delimiter, header_line=header_line, names=names,
        decimal_comma=sniff_decimal_comma([header_text, *data_lines], delimiter), trailing_delimiter=trailing,
        sep_hint=bool(sep_hint), encoding_note=encoding_note(encoding),
    )


def _header_names(header_text: str, delimiter: str, line: int) -> list[str]:
    """The header's names; refused in a sentence when there are more than Excel's 16,384 columns or a
    name is longer than :data:`MAX_NAME_CHARS`, before anything is read by those columns."""
    where = f"The header (line {line + 1})"
    names = line_fields(header_text, delimiter)
    check_columns(len(names), where)
    longest = max((len(name) for name in names), default=0)
    if longest > MAX_NAME_CHARS:
        raise ReadError(f"{where} has a column name of {longest:,} characters; column names are short (Date, "
                        "SKU, Qty). Check that this is the sales file, and that no quote mark (\") is left open "
                        "in its first lines, then upload it again.")
    return names


def _trailing_delimiter(names: list[str], data_lines: list[str], delimiter: str) -> tuple[list[str], bool]:
    """Match the header to rows that all end with one extra delimiter (an empty last field),
    or drop a blank last header name that the data rows do not have."""
    rows = split_rows(data_lines, delimiter)
    if not rows:
        return names, False
    common = Counter(len(row) for row in rows).most_common(1)[0][0]
    ragged = [row for row in rows if len(row) == common]
    if common == len(names) + 1 and all(not row[-1].strip() for row in ragged):
        return [*names, ""], True
    if common == len(names) - 1 and names and not names[-1].strip():
        return names[:-1], False
    return names, False
