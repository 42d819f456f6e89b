import gzip
import io
import zipfile

import pandas as pd
import pytest

from retail.data.readers import ReadError, read_table, sniff_delimiter, sniff_encoding
from retail.data.sniffing import find_header_row, looks_like_html
from tests.conftest import transactions_csv

ROWS = ["01/02/2011,A,Mug,2,1.50,c1,London,1", "02/02/2011,B,Cup,1,2.00,c2,Leeds,2"]


def test_reads_plain_csv_as_text():
    raw = read_table(transactions_csv(ROWS), name="x.csv")
    assert list(raw.frame.columns) == ["Date", "SKU", "Name", "Qty", "Price", "Customer", "Store", "Invoice"]
    assert raw.frame["Qty"].tolist() == ["2", "1"]  # typed later, in validation
    assert raw.delimiter == "," and raw.encoding == "utf-8" and not raw.decimal_comma


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_sniffs_each_delimiter(delimiter):
    text = "\n".join(line.replace(",", delimiter) for line in ["Date,SKU,Qty", "2011-01-01,A,1", "2011-01-02,B,2"])
    assert sniff_delimiter(text.splitlines()) == delimiter
    assert read_table(text.encode(), name="x.csv").frame.shape == (2, 3)


def test_quoted_fields_keep_delimiters_and_newlines():
    data = b'Date,SKU,Name,Qty\n2011-01-01,A,"Mug, large\nblue",1\n2011-01-02,B,Cup,2\n'
    raw = read_table(data, name="x.csv")
    assert raw.frame["Name"].tolist() == ["Mug, large\nblue", "Cup"]


def test_encodings():
    assert sniff_encoding("Crème".encode()) == "utf-8"
    assert sniff_encoding(b"\xef\xbb\xbfDate") == "utf-8-sig"
    assert sniff_encoding("Crème".encode("cp1252")) == "cp1252"
    # A multi-byte character cut at the end of the sample is still UTF-8.
    assert sniff_encoding("ab€".encode()[:-1]) == "utf-8"


def test_semicolon_with_decimal_comma_detected():
    raw = read_table(b"Date;SKU;Qty;Price\n01.02.2011;A;1;2,50\n02.02.2011;B;2;3,75\n", name="x.csv")
    assert raw.delimiter == ";" and raw.decimal_comma


def test_gzip_and_zip(tmp_path):
    data = transactions_csv(ROWS)
    assert len(read_table(gzip.compress(data), name="x.csv.gz").frame) == 2
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("export/sales.csv", data)
    raw = read_table(buffer.getvalue(), name="x.zip")
    assert len(raw.frame) == 2 and raw.source_name == "x.zip:export/sales.csv"


def test_excel_sheet_choice(tmp_path):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"notes": ["nothing here"]}).iloc[:0].to_excel(writer, sheet_name="Cover", index=False)
        pd.DataFrame({"Date": pd.to_datetime(["2011-01-01"]), "SKU": ["A"], "Qty": [3]}).to_excel(
            writer, sheet_name="Sales", index=False)
    raw = read_table(path)
    assert raw.sheet == "Sales" and raw.sheets == ["Cover", "Sales"]
    assert read_table(path, sheet="Sales").frame["Qty"].tolist() == [3]
    with pytest.raises(ReadError, match="Sheet 'Nope' is not in book.xlsx"):
        read_table(path, sheet="Nope")


def test_parquet(tmp_path):
    path = tmp_path / "x.parquet"
    pd.DataFrame({"Date": ["2011-01-01"], "SKU": ["A"]}).to_parquet(path)
    assert read_table(path).file_format == "parquet"


def test_broken_rows_are_counted_with_line_numbers():
    data = b"Date,SKU,Qty\n2011-01-01,A,1\n2011-01-02,B\n2011-01-03,C,3,4\n2011-01-04,D,4\n"
    raw = read_table(data, name="x.csv")
    assert raw.frame["SKU"].tolist() == ["A", "D"]
    assert raw.broken_row_count == 2
    assert [b.actual_fields for b in raw.broken_rows] == [2, 4]


def test_bytes_need_a_name():
    with pytest.raises(ValueError, match="file name"):
        read_table(b"a,b\n1,2\n")


def _rows(count: int) -> list[str]:
    return [f"2011-01-{day:02d},A{day},Mug {day},1" for day in range(1, count + 1)]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_unclosed_quotes_lose_only_their_lines(newline):
    rows = _rows(20)
    rows[2] = '2011-01-03,A3,"Mug 3,1'  # closed by nothing
    rows[9] = '2011-01-10,A10,Mug 10 5",1'  # a stray inch mark: the quote of row 3 would close here
    rows[14] = '2011-01-15,A15,"Mug 15,1'
    raw = read_table(newline.join(["Date,SKU,Name,Qty", *rows, ""]).encode(), name="x.csv")
    assert raw.frame["SKU"].tolist() == [f"A{i}" for i in range(1, 21) if i not in (3, 15)]
    lost = [(b.line, b.reason) for b in raw.broken_rows]
    assert lost == [(4, "unclosed_quote"), (16, "unclosed_quote")] and raw.broken_row_count == 2


def test_quoted_newlines_are_not_mistaken_for_unclosed_quotes():
    data = b'Date,SKU,Name,Qty\n2011-01-01,A,"Mug,\nlarge",1\n2011-01-02,B,Cup,2\n'
    raw = read_table(data, name="x.csv")
    assert raw.frame["Name"].tolist() == ["Mug,\nlarge", "Cup"] and raw.broken_row_count == 0


def test_header_row_search():
    assert find_header_row([["Sales report"], ["Date", "SKU", "Qty"], ["2011-01-01", "A", "1"]]) == 1
    assert find_header_row([["2011-01-01", "A", "1"], ["2011-01-02", "B", "2"]]) == 0  # no header at all
    assert find_header_row([["Report", "2011", None, None], [None] * 4, ["Date", "SKU", "Qty", "Price"],
                            ["2011-01-01", "A", 1, 2.5]]) == 2


def test_web_page_detection():
    assert looks_like_html(b"  <!DOCTYPE html><html>") and looks_like_html(b"\xef\xbb\xbf<html lang='en'>")
    assert not looks_like_html(b"Date,SKU\n<html> is a product,1\n")


def test_header_without_trailing_delimiter_rows():
    raw = read_table(b"Date,SKU,Qty,\n2011-01-01,A,1\n2011-01-02,B,2\n", name="x.csv")
    assert list(raw.frame.columns) == ["Date", "SKU", "Qty"] and raw.broken_row_count == 0


def test_a_notes_sheet_first_is_passed_over_for_the_table(tmp_path):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"Notes": ["Exported from the till", "Week 48", "Ask Sam about returns"]}).to_excel(
            writer, sheet_name="Notes", index=False)
        pd.DataFrame({"Date": ["2024-01-01", "2024-01-02", "2024-01-03"], "SKU": ["A", "B", "A"],
                      "Qty": [3, 1, 2]}).to_excel(writer, sheet_name="Sales", index=False)
    raw = read_table(path)
    assert raw.sheet == "Sales" and list(raw.frame.columns) == ["Date", "SKU", "Qty"]
    assert read_table(path, sheet="Notes").sheet == "Notes"  # still readable when asked for
