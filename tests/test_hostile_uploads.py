"""Hostile uploads stay harmless: bombs and oversized files are refused in plain words, without
reading them whole into memory, and sheets inflated by formatting read only their data."""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import PatternFill

from retail.data.readers import ReadError, read_table
from tests.conftest import ROOT

ROWS = b"Date,SKU,Qty\n" + b"2024-01-01,A,1\n" * 10


def zip_bomb(path: Path, inflated_mb: int) -> Path:
    with (zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
          archive.open("sales.csv", "w", force_zip64=True) as member):
        member.write(ROWS)
        block = b"0" * (1024 * 1024)
        for _ in range(inflated_mb):
            member.write(block)
    return path


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
