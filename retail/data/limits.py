"""How much of an upload is read, refused while streaming, before any parser holds the data.

One app process serves every browser session, so one hostile file must not stall it or take its
memory: a zip, gzip or Excel workbook is unpacked in chunks that are counted and dropped, and
refused the moment it passes :func:`max_file_bytes`; an Excel sheet's values are counted in its
XML on the way (its dimension can lie); a table wider than Excel's 16,384 columns is refused before
it is read by columns. A zip part's declared size cannot hide a bomb: :mod:`zipfile` (and so
openpyxl) stops at it and reports a damaged file, so the declared sizes are checked first. A Parquet
file is bounded by its footer (row groups' sizes, rows times columns) before any page is decoded, and
its text columns are read as dictionaries whose decoded size is counted before they are expanded: one
long value repeated on every row compresses to a few hundred bytes and decodes to gigabytes.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Iterator
from typing import Any, BinaryIO

from retail.data.raw import ReadError

CHUNK_BYTES = 8 * 1024 * 1024
MAX_COLUMNS = 16_384  # Excel's own limit: no sales file has more
BYTES_PER_CELL = 4  # the least a value takes once read: a 32-bit offset or dictionary index
MAX_EXCEL_CELLS = 20_000_000  # a sheet "used" up to XFD1048576 by formatting alone is not data
_SHEET_PART = re.compile(r"xl/worksheets/[^/]+\.xml", re.IGNORECASE)
_VALUE_TAGS = (b"<v>", b"<is>")  # a cell's value, or its inline text


def max_file_bytes() -> int:
    """The largest file (after unzipping) that is read: ``$RETAIL_MAX_FILE_MB``, default 1024 MB
    (the upload limit). A small zip that inflates to gigabytes must not take the app down."""
    return int(float(os.environ.get("RETAIL_MAX_FILE_MB") or 1024) * 1024 * 1024)


def too_big(name: str, what: str = "is") -> ReadError:
    limit = max_file_bytes() / 1024**2
    return ReadError(f"{name} {what} larger than {limit:,.0f} MB, the most this app reads at once: split it "
                     "(for example by year) or ask your administrator to raise RETAIL_MAX_FILE_MB.")


class Unpacked:
    """Bytes unpacked so far from one file (over all its parts), refused past :func:`max_file_bytes`."""

    def __init__(self, name: str) -> None:
        self.name, self.limit, self.total = name, max_file_bytes(), 0

    def chunks(self, stream: BinaryIO) -> Iterator[bytes]:
        """The stream's bytes in chunks, raising :class:`ReadError` as soon as the total passes the limit."""
        while chunk := stream.read(CHUNK_BYTES):
            self.total += len(chunk)
            if self.total > self.limit:
                raise too_big(self.name, "unpacks to something")
            yield chunk


def inflate(stream: BinaryIO, name: str) -> bytes:
    """Read a decompressing stream up to the size limit, refusing beyond it (a zip bomb stops here)."""
    return b"".join(Unpacked(name).chunks(stream))


def _count_tags(chunks: Iterator[bytes], tags: tuple[bytes, ...]) -> Iterator[int]:
    """For each chunk, how many ``tags`` start in it (a tag cut between two chunks counts once)."""
    tails = dict.fromkeys(tags, b"")
    for chunk in chunks:
        found = 0
        for tag in tags:
            found += chunk.count(tag) + (tails[tag] + chunk[:len(tag) - 1]).count(tag)
            tails[tag] = (tails[tag] + chunk[1 - len(tag):])[1 - len(tag):]
        yield found


def check_workbook(data: bytes, name: str) -> None:
    """Unpack every part of an .xlsx in counted chunks that are dropped: refuse it (:class:`ReadError`)
    when the parts unpack beyond :func:`max_file_bytes` or a sheet holds more than
    :data:`MAX_EXCEL_CELLS` values, before openpyxl parses any of it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise ReadError("The Excel file is damaged or is not a real .xlsx workbook; open it in Excel, "
                        "save it again as .xlsx (or CSV) and upload that.") from exc
    unpacked = Unpacked(name)
    if sum(part.file_size for part in parts) > unpacked.limit:  # declared sizes first: no work for an honest bomb
        raise too_big(name, "unpacks to something")
    try:
        for part in parts:
            with archive.open(part) as stream:
                if not _SHEET_PART.fullmatch(part.filename):
                    for _ in unpacked.chunks(stream):
                        pass
                    continue
                cells = 0
                for found in _count_tags(unpacked.chunks(stream), _VALUE_TAGS):
                    cells += found
                    if cells > MAX_EXCEL_CELLS:
                        raise ReadError(f"A sheet of {name} holds more than {MAX_EXCEL_CELLS:,} filled cells: "
                                        "export it as CSV (or split it) and upload that.")
    except (zipfile.BadZipFile, NotImplementedError, EOFError, OSError) as exc:
        raise ReadError(f"{name} is damaged ({exc}); open it in Excel, save it again as .xlsx and upload that.") from exc


def check_columns(count: int, name: str) -> None:
    """Refuse a table wider than :data:`MAX_COLUMNS` (Excel's limit) before it is split into columns."""
    if count > MAX_COLUMNS:
        raise ReadError(f"{name} has {count:,} columns; a sales file has a few, and this app reads at most "
                        f"{MAX_COLUMNS:,} (as Excel does). Check that it is the right file, or keep only the "
                        "columns you need and upload it again.")


def check_parquet_footer(meta: Any, name: str) -> None:
    """Refuse a Parquet file from its footer (pyarrow's ``FileMetaData``) alone: wider than Excel, row
    groups declaring more data than :func:`max_file_bytes`, or more cells than that many bytes hold."""
    check_columns(meta.num_columns, name)
    limit = max_file_bytes()
    cells = meta.num_rows * meta.num_columns
    if cells * BYTES_PER_CELL > limit or sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups)) > limit:
        raise too_big(name, "unpacks to something")


def check_decoded(table: Any, name: str) -> None:
    """Refuse a Parquet table read with its text as dictionaries (``pyarrow.Table``) when expanding those
    dictionaries would pass :func:`max_file_bytes`: each row's value length is summed before any is copied."""
    import pyarrow as pa
    import pyarrow.compute as pc

    total = 0
    for column in table.columns:
        if not pa.types.is_dictionary(column.type):
            total += column.nbytes
            continue
        for chunk in column.chunks:
            lengths = pc.binary_length(chunk.dictionary).take(chunk.indices)
            total += (pc.sum(lengths).as_py() or 0) + BYTES_PER_CELL * len(chunk)
    if total > max_file_bytes():
        raise too_big(name, "unpacks to something")
