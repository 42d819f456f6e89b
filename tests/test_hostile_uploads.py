"""Hostile uploads stay harmless: bombs and oversized files are refused in plain words, without
reading them whole into memory, and sheets inflated by formatting read only their data. An Excel
workbook is a zip too: its sheets are unpacked in counted chunks before openpyxl parses any."""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.styles import PatternFill

from retail.data import limits
from retail.data.readers import ReadError, read_table
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from hostile_files import ROWS, repeated_text_parquet, wide_parquet, xlsx_bomb, zip_bomb  # noqa: E402


def test_zip_bomb_is_refused_without_inflating_it_whole(tmp_path):
    """A 1 GB member under a 64 MB limit: refused, and the reading process stays as small as it is
    for a tiny file (it never held the gigabyte)."""
    bomb = zip_bomb(tmp_path / "bomb.zip", 1024)
    assert bomb.stat().st_size < 5 * 1024 * 1024
    small = zip_bomb(tmp_path / "small.zip", 0)
    bomb_run, small_run = _validate_in_a_process(bomb, tmp_path), _validate_in_a_process(small, tmp_path)
    assert bomb_run["code"] == 2 and "larger than 64 MB, the most this app reads at once" in bomb_run["stderr"]
    assert small_run["code"] == 0
    assert bomb_run["peak_mb"] < small_run["peak_mb"] + 200


def test_an_excel_bomb_is_refused_while_unpacking(tmp_path):
    """256 MB of sheet XML in a file under 1 MB, read with a 64 MB limit (a 21 MB one of 6.45 GB ran 9.5
    minutes at 3.4 GB before): refused in seconds, the process as small as for a tiny workbook."""
    bomb = xlsx_bomb(tmp_path / "bomb.xlsx", 256)
    assert bomb.stat().st_size < 1024 * 1024
    started = time.monotonic()
    bomb_run = _validate_in_a_process(bomb, tmp_path)
    seconds = time.monotonic() - started
    small_run = _validate_in_a_process(xlsx_bomb(tmp_path / "small.xlsx", 0), tmp_path)
    assert bomb_run["code"] == 2 and "bomb.xlsx unpacks to something larger than 64 MB" in bomb_run["stderr"]
    assert "Traceback" not in bomb_run["stderr"] and small_run["code"] == 0
    assert bomb_run["peak_mb"] < small_run["peak_mb"] + 100 and seconds < 30


def test_an_excel_sheet_with_more_values_than_its_dimension_says_is_counted(tmp_path, monkeypatch):
    """Within the size limit, but more filled cells than a sheet may hold: refused by counting them in the
    XML as it unpacks, whatever the sheet's dimension claims."""
    monkeypatch.setattr(limits, "MAX_EXCEL_CELLS", 30_000)
    bomb = xlsx_bomb(tmp_path / "cells.xlsx", 1, row_bytes=1_000_000)  # about 39,000 values
    with pytest.raises(ReadError, match="A sheet of cells.xlsx holds more than 30,000 filled cells"):
        read_table(bomb)
    monkeypatch.setattr(limits, "MAX_EXCEL_CELLS", 50_000)
    assert len(read_table(bomb).frame) > 12_000  # under the limit it reads


def test_an_excel_part_bigger_than_its_declared_size_is_damaged(tmp_path):
    """zipfile stops at a part's declared size (so openpyxl can never unpack more than was declared and
    counted): a workbook that lies about it is refused as damaged, in a sentence."""
    book = openpyxl.Workbook()
    for row in range(1, 200):
        book.active.append(["2024-01-01", f"SKU {row}", row])
    buffer = io.BytesIO()
    book.save(buffer)
    data, name = bytearray(buffer.getvalue()), b"xl/worksheets/sheet1.xml"
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        at = data.find(signature)
        while data[at + name_at:at + name_at + len(name)] != name:
            at = data.find(signature, at + 1)
        data[at + size_at:at + size_at + 4] = (100).to_bytes(4, "little")  # its uncompressed size
    with pytest.raises(ReadError, match="lying.xlsx is damaged .*save it again as .xlsx"):
        read_table(bytes(data), name="lying.xlsx")


def test_a_csv_wider_than_excel_is_refused_in_a_second():
    """400,000 columns in 2.6 MB took 117 s and 4.5 GB, then a MemoryError traceback."""
    header = ",".join(f"c{i}" for i in range(400_000))
    started = time.monotonic()
    with pytest.raises(ReadError, match="has 400,000 columns; .* at most 16,384"):
        read_table(f"{header}\n{header}\n".encode(), name="wide.csv")
    assert time.monotonic() - started < 5
    exactly = ",".join(f"c{i}" for i in range(limits.MAX_COLUMNS))
    assert read_table(f"{exactly}\n{exactly}\n".encode(), name="widest.csv").frame.shape == (1, limits.MAX_COLUMNS)


def test_values_over_the_csv_modules_limit_are_sentences_not_tracebacks():
    """A 200 KB header name ended in `_csv.Error: field larger than field limit`; a quote left open in the
    first lines, merging them past that limit, still reads (the broken row set aside)."""
    with pytest.raises(ReadError, match="has a column name of 200,002 characters"):
        read_table(b'"' + b"x" * 200_000 + b'",SKU,Qty\n2024-01-01,A,1\n', name="long.csv")
    lines = [b"Date,SKU,Qty", b'2024-01-01,"A,1'] + [b"2024-01-02,B" + b"x" * 2000 + b",2"] * 150
    raw = read_table(b"\n".join(lines) + b"\n", name="open_quote.csv")
    assert list(raw.frame.columns) == ["Date", "SKU", "Qty"] and raw.broken_row_count >= 1


def test_a_parquet_wider_than_excel_is_refused(tmp_path):
    wide = wide_parquet(tmp_path / "wide.parquet", limits.MAX_COLUMNS + 1)
    with pytest.raises(ReadError, match="wide.parquet has 16,385 columns"):
        read_table(wide)


def test_a_parquet_that_decodes_far_past_the_limit_is_refused_before_it_is_expanded(tmp_path, monkeypatch):
    monkeypatch.setenv("RETAIL_MAX_FILE_MB", "1")
    one_group = repeated_text_parquet(tmp_path / "names.parquet", 20_000)  # 200 MB once decoded
    many_groups = repeated_text_parquet(tmp_path / "groups.parquet", 20_000, row_group_size=100)
    for path in (one_group, many_groups):
        assert path.stat().st_size < 200_000  # each row group's declared size is small too
        started = time.monotonic()
        with pytest.raises(ReadError, match=f"{path.name} unpacks to something larger than 1 MB"):
            read_table(path)
        assert time.monotonic() - started < 5
    rows = tmp_path / "rows.parquet"  # 300,000 rows of one repeated number: the footer says too many cells
    pd.DataFrame({"Qty": [1] * 300_000}).to_parquet(rows)
    with pytest.raises(ReadError, match="rows.parquet unpacks to something larger than 1 MB"):
        read_table(rows)
    fits = repeated_text_parquet(tmp_path / "fits.parquet", 50)  # under the limit: read as it was
    raw = read_table(fits)
    assert raw.frame.shape == (50, 4) and raw.frame["Name"].str.len().eq(10_500).all()
    pd.testing.assert_frame_equal(raw.frame, pd.read_parquet(fits))


def _validate_in_a_process(path: Path, home: Path) -> dict:
    probe = ("import json, resource, sys\nfrom retail.cli import main\ncode = main(['validate', sys.argv[1]])\n"
             "print(json.dumps({'code': code, 'peak_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))")
    done = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True, cwd=ROOT,
                          env={"RETAIL_MAX_FILE_MB": "64", "PATH": "/usr/bin:/bin", "HOME": str(home)}, timeout=300)
    return json.loads(done.stdout.strip().splitlines()[-1]) | {"stderr": done.stderr}


def test_gzip_bomb_and_oversized_upload_are_refused(monkeypatch):
    monkeypatch.setenv("RETAIL_MAX_FILE_MB", "1")
    packed = gzip.compress(ROWS + b"0" * (3 * 1024 * 1024))
    with pytest.raises(ReadError, match="sales.csv.gz unpacks to something larger than 1 MB"):
        read_table(packed, name="sales.csv.gz")
    with pytest.raises(ReadError, match="big.csv is larger than 1 MB, the most this app reads at once"):
        read_table(ROWS * 20_000, name="big.csv")


def test_a_sheet_inflated_by_formatting_reads_only_its_data():
    book = openpyxl.Workbook()
    sheet = book.active
    for row in (["Date", "SKU", "Qty"], ["2024-01-01", "A", 3], ["2024-01-02", "B", 1]):
        sheet.append(row)
    fill = PatternFill("solid", fgColor="FFFF00")
    for row in range(5, 3000):  # a formatted block with no values
        sheet.cell(row=row, column=4).fill = fill
    sheet["XFD1048576"].fill = fill  # the used range now claims 17 billion cells
    buffer = io.BytesIO()
    book.save(buffer)
    raw = read_table(buffer.getvalue(), name="styled.xlsx")
    assert list(raw.frame.columns) == ["Date", "SKU", "Qty"] and len(raw.frame) == 2
