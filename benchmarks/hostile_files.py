"""Hostile uploads, made on the spot (tests and ``bench_security.py`` share them): archives that
inflate far beyond their size, tables far wider than Excel's, a header name of 200 KB."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd

ROWS = b"Date,SKU,Qty\n" + b"2024-01-01,A,1\n" * 10
_SHEET_ROW = b'<row><c t="n"><v>1</v></c><c t="n"><v>2</v></c><c t="n"><v>3</v></c></row>'


def zip_bomb(path: Path, inflated_mb: int) -> Path:
    """A zip of one CSV whose member inflates to ``inflated_mb`` MB of zeros after ten real rows."""
    with (zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
          archive.open("sales.csv", "w", force_zip64=True) as member):
        member.write(ROWS)
        block = b"0" * (1024 * 1024)
        for _ in range(inflated_mb):
            member.write(block)
    return path


def xlsx_bomb(path: Path, inflated_mb: int, row_bytes: int = 1024 * 1024) -> Path:
    """A real workbook (three rows, its dimension says A1:C3) whose sheet XML then repeats a row of three
    values for ``inflated_mb`` blocks of ``row_bytes``: a few kilobytes per 10 MB, as zip compresses it."""
    book = openpyxl.Workbook()
    for row in (["Date", "SKU", "Qty"], ["2024-01-01", "A", 3], ["2024-01-02", "B", 1]):
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    source = zipfile.ZipFile(buffer)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for part in source.infolist():
            if part.filename != "xl/worksheets/sheet1.xml":
                out.writestr(part, source.read(part))
                continue
            head, tail = source.read(part).split(b"</sheetData>")
            with out.open(part.filename, "w", force_zip64=True) as sheet:
                sheet.write(head)
                block = _SHEET_ROW * (row_bytes // len(_SHEET_ROW))
                for _ in range(inflated_mb):
                    sheet.write(block)
                sheet.write(b"</sheetData>" + tail)
    return path


def wide_csv(path: Path, columns: int) -> Path:
    """A header of ``columns`` names and one row (400,000 took 117 s and 4.5 GB, then a MemoryError)."""
    header = ",".join(f"c{i}" for i in range(columns))
    path.write_text(f"{header}\n{header}\n")
    return path


def long_name_csv(path: Path, characters: int = 200_000) -> Path:
    """A header whose first name is ``characters`` long (past the csv module's 131,072: `_csv.Error`)."""
    path.write_text('"' + "x" * characters + '",SKU,Qty\n2024-01-01,A,1\n2024-01-02,B,2\n')
    return path


def wide_parquet(path: Path, columns: int) -> Path:
    pd.DataFrame({f"c{i}": [1] for i in range(columns)}).to_parquet(path)
    return path


def repeated_text_parquet(path: Path, rows: int, characters: int = 10_500, row_group_size: int | None = None) -> Path:
    """A Parquet file of ``rows`` sales whose product name is one text of ``characters`` on every row,
    dictionary-coded and compressed: a few kilobytes that decode to rows x characters bytes (written from
    the dictionary, so making it never holds the decoded column)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    def same(value: str) -> pa.DictionaryArray:
        return pa.DictionaryArray.from_arrays(pa.array(np.zeros(rows, dtype=np.int32)), pa.array([value]))

    table = pa.table({"Date": same("2011-01-01"), "SKU": same("A"), "Name": same("teapot " * (characters // 7)),
                      "Qty": pa.array(np.ones(rows, dtype=np.int64))})
    # without Arrow's own schema, as Spark or a database writes it: a reader sees plain text columns
    pq.write_table(table, path, compression="zstd", row_group_size=row_group_size, store_schema=False)
    return path
