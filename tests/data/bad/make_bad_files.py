"""Regenerate the corpus of hostile files: python tests/data/bad/make_bad_files.py

The expected outcome of each file is in tests/test_bad_files.py.
"""

import io
import re
import zipfile
from pathlib import Path

import pandas as pd

HERE = Path(__file__).parent
HEADER = "Date,StockCode,Description,Quantity,UnitPrice,CustomerID,Country\n"
GOOD = "01/12/2010 08:26,85123A,WHITE HANGING HEART,6,2.55,17850,United Kingdom\n"


def write(name: str, content: str | bytes, encoding: str = "utf-8") -> None:
    data = content if isinstance(content, bytes) else content.encode(encoding)
    (HERE / name).write_bytes(data)


def member(name: str) -> zipfile.ZipInfo:
    """A zip entry with a fixed date, so regenerating the corpus does not change the archives."""
    return zipfile.ZipInfo(name, date_time=(2011, 1, 1, 0, 0, 0))


def rows(lines: list[str]) -> str:
    return HEADER + "".join(line + "\n" for line in lines)


def main() -> None:
    write("empty.csv", b"")
    write("header_only.csv", HEADER)
    write("binary_junk.csv", bytes(range(256)) * 40)
    write("cp1252_accents.csv", rows([
        "02/12/2010 10:00,A1,Crème brûlée mould,2,3.50,1,France",
        "03/12/2010 11:00,A2,Café au lait bowl,1,4.00,2,France",
        "04/12/2010 12:00,A3,Ærø candle £5,3,5.00,3,Denmark"]), encoding="cp1252")
    write("semicolon_decimal_comma.csv",
          "Datum;Artikel;Bezeichnung;Menge;Preis\n"
          "01.03.2011;100;Kerze;2;2,50\n02.03.2011;101;Teller;1;1.234,90\n03.03.2011;100;Kerze;4;2,50\n")
    write("ragged_rows.csv", rows([GOOD.strip(), "02/12/2010 09:00,22,ONLY THREE", GOOD.strip().replace("6,", "7,", 1),
                                    "03/12/2010 09:00,23,TOO,MANY,FIELDS,1,2,3,4", GOOD.strip().replace("08:26", "09:26")]))
    write("text_in_quantity.csv", rows([GOOD.strip(), "02/12/2010 09:00,22,MUG,six,1.00,17850,UK",
                                         "03/12/2010 09:00,23,CUP,12,abc,17850,UK",
                                         "04/12/2010 09:00,24,JUG,3,1.50,17850,UK"]))
    write("three_date_formats.csv",
          "Date,SKU,Qty\n13/01/2011,A,1\n14/01/2011,B,2\n15/01/2011,A,1\n2011-01-16,B,1\n17 Jan 2011,A,2\n")
    write("formula_cells.csv", rows([
        "01/12/2010 08:26,=HYPERLINK(\"http://x\"),EVIL,1,1.00,1,UK",
        "01/12/2010 08:27,22,+cmd|' /C calc'!A0,1,1.00,2,UK",
        "01/12/2010 08:28,23,@SUM(A1:A9),1,1.00,3,UK",
        "01/12/2010 08:29,24,PLAIN,1,1.00,4,UK"]))
    write("script_tags.csv", rows([
        "01/12/2010 08:26,S1,<script>alert('x')</script>,1,1.00,1,UK",
        "01/12/2010 08:27,S2,<img src=x onerror=alert(1)>,1,1.00,2,UK"]))
    write("enormous_line.csv", rows([GOOD.strip(), "X" * 2_000_000, GOOD.strip().replace("6,", "8,", 1)]))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(member("[Content_Types].xml"), "<Types/>")
    write("corrupted.xlsx", buffer.getvalue()[:40])
    write("no_date_column.csv", "Product,Quantity,Price\nA,1,2.0\nB,2,3.0\n")
    write("returns_and_negatives.csv", rows([
        GOOD.strip(), "02/12/2010 08:26,85123A,WHITE HANGING HEART,-6,2.55,17850,United Kingdom",
        "03/12/2010 08:26,22423,REGENCY CAKESTAND,2,0,17850,United Kingdom",
        "04/12/2010 08:26,POST,POSTAGE,1,18.00,17850,United Kingdom"]))
    write("duplicates.csv", rows([GOOD.strip(), GOOD.strip(), GOOD.strip(), GOOD.strip().replace("6,", "9,", 1)]))
    write("month_first_dates.csv", "OrderDate,SKU,Units\n12/31/2010 10:00,A,1\n01/15/2011 11:30,B,2\n02/01/2011 09:00,A,3\n")
    write("utf8_bom.csv", "\ufeff" + rows([GOOD.strip()]))
    write("future_dates.csv", rows([GOOD.strip(), "01/12/2099 08:26,85123A,WHITE HANGING HEART,6,2.55,17850,UK"]))
    write("single_column.csv", "Everything in one column\nfoo\nbar\n")
    write("unreadable_dates.csv", "Date,SKU,Qty\nsoon,A,1\nlater,B,2\n")
    with zipfile.ZipFile(HERE / "two_csvs.zip", "w") as archive:
        archive.writestr(member("a.csv"), HEADER + GOOD)
        archive.writestr(member("b.csv"), HEADER + GOOD)
    write("excel_serial_dates.csv", "Date,SKU,Qty\n40544,A,1\n40545,B,2\n40546,A,3\n")
    write("tab_latin1.tsv", "Date\tProduct\tQty\n01/02/2011\tJalapeño\t1\n02/02/2011\tPiñata\t2\n", encoding="latin-1")
    write("missing_values.csv", rows([GOOD.strip(), ",22,NO DATE,1,1.00,1,UK", "02/12/2010 09:00,,NO CODE,1,1.00,1,UK",
                                       "03/12/2010 09:00,24,NO QTY,,1.00,1,UK"]))

    write("formula_payloads.csv", rows([
        "01/12/2010 08:26,F1,-2+3+cmd|' /C calc'!A0,1,1.00,1,UK",
        "01/12/2010 08:27,F2,-1+1,1,1.00,2,UK",
        "01/12/2010 08:28,F3,-5,1,1.00,3,UK",
        "01/12/2010 08:29,F4,MUG,1,1.00,-7,UK"]))
    write("blank_product_code.csv", rows([
        "01/12/2010 08:26,,WHITE HANGING HEART,6,2.55,17850,United Kingdom",
        "01/12/2010 08:27,,REGENCY CAKESTAND,2,10.95,17850,United Kingdom",
        "01/12/2010 08:28,,,1,1.00,17850,United Kingdom"]))

    write("huge_quantity.csv", rows([GOOD.strip(), f"02/12/2010 08:26,85123A,WHITE HANGING HEART,{2 ** 70},2.55,17850,UK",
                                     "03/12/2010 08:26,85123A,WHITE HANGING HEART,6,99999999,17850,UK"]))
    write("infinite_values.csv", rows([GOOD.strip(), "02/12/2010 08:26,22,MUG,inf,1.00,17850,UK",
                                       "03/12/2010 08:26,23,CUP,-inf,1.00,17850,UK",
                                       "04/12/2010 08:26,24,JUG,2,Infinity,17850,UK",
                                       "05/12/2010 08:26,25,BOWL,NaN,1.00,17850,UK",
                                       "06/12/2010 08:26,26,PLATE,3,NaN,17850,UK"]))
    write("junk_in_quantity.csv", "Date,SKU,Qty\n2011-01-01,A,2\n2011-01-02,B,1e3\n2011-01-03,A,inf\n"
                                  "2011-01-04,B,NaN\n2011-01-05,A,4\n2011-01-06,B,5\n")
    write("mixed_decimal_marks.csv", 'Date,SKU,Qty,Price\n2011-01-01,A,1,"1,234.5"\n2011-01-02,B,1,2.50\n'
                                     '2011-01-03,C,1,"1.234,5"\n2011-01-04,D,1,3.75\n')
    write("mixed_currencies.csv", 'Date,SKU,Qty,Price\n2011-01-01,A,1,"3,50 €"\n2011-01-02,B,1,£3.50\n'
                                  '2011-01-03,C,1,4.00\n')

    write("missing_markers.csv", rows([
        GOOD.strip()] + [f"0{day}/12/2010 08:26,2242{day},MUG,1,1.00,{marker},UK"
                         for day, marker in enumerate(["NULL", "N/A", "-", "None", "nan"], start=2)]))
    write("float_customer_ids.csv", rows([GOOD.strip(), GOOD.strip().replace("17850", "17850.0").replace("6,", "2,", 1)]))
    write("invisible_characters.csv", rows([
        GOOD.strip(), GOOD.strip().replace("85123A", "85123A\u200b").replace("08:26", "09:00"),
        GOOD.strip().replace("WHITE HANGING", "WHITE\u00a0HANGING").replace("08:26", "10:00")]))
    write("subtotal_lines.csv", rows([
        "01/12/2010 08:26,A1,MUG,2,1.00,1,UK", "01/12/2010 08:27,A2,CUP,3,1.00,2,UK",
        "01/12/2010 23:59,TOTAL,,5,1.00,,UK", "02/12/2010 08:26,A1,MUG,1,1.00,1,UK",
        "02/12/2010 23:59,,Subtotal,1,1.00,,UK", "02/12/2010 23:59,,Grand total:,6,1.00,,UK",
        "03/12/2010 08:26,A3,TOTAL WIPEOUT SPRAY,1,1.00,3,UK"]))
    write("placeholder_dates.csv", "Date,SKU,Qty\n" + "".join(f"2011-03-{day:02d},A,1\n" for day in range(1, 21))
          + "1900-01-01,B,1\n1970-01-01,C,2\n1985-06-01,D,3\n2011-03-21,E,1\n")
    write("scan_log.csv", "Date,SKU\n2011-01-01,A\n2011-01-01,A\n2011-01-01,A\n2011-01-01,B\n2011-01-02,A\n")
    write("long_header_name.csv", '"' + "x" * 200_000 + '",SKU,Qty\n2011-01-01,A,1\n2011-01-02,B,2\n')
    write("too_many_columns.csv", ",".join(f"c{i}" for i in range(20_000)) + "\n" + ",".join(["1"] * 20_000) + "\n")

    write("unix_seconds.csv", "Timestamp,SKU,Qty\n1291191960,A,1\n1291200000,B,2\n1323424800,A,3\n")
    write("unix_milliseconds.csv", "Timestamp,SKU,Qty\n1291191960000,A,1\n1291200000000,B,2\n1323424800000,A,3\n")
    write("numbers_as_dates.csv", "Date,SKU,Qty\n12,A,1\n345,B,2\n99999999999999999999999,A,3\n")
    offsets = ["2011-01-05T23:30:00+02:00", "2011-07-05T00:30:00+03:00", "2011-01-06T10:00:00+02:00"]
    write("utc_offsets.csv", "Date,SKU,Qty\n" + "".join(f"{day},{sku},1\n" for day, sku in zip(offsets, "ABC", strict=True)))
    zoned = pd.DataFrame({"Date": pd.to_datetime(offsets, utc=True).tz_convert("Europe/Athens"),
                          "SKU": list("ABC"), "Qty": [1, 1, 1]})
    zoned.to_parquet(HERE / "utc_offsets.parquet", index=False)

    write("web_page.csv", "<!DOCTYPE html>\n<html><head><title>Sign in</title></head>\n"
                          "<body><form>Date,SKU,Qty</form></body></html>\n")
    spark = HERE / "spark_output.csv"  # Spark writes a *folder* named like the file
    spark.mkdir(exist_ok=True)
    (spark / "part-00000.csv").write_text(HEADER + GOOD)
    nested = pd.DataFrame({"Date": ["2011-01-01", "2011-01-02"], "SKU": ["A", "B"], "Qty": [1, 2],
                           "Tags": [["red", "mug"], []], "Dims": [{"h": 1.0, "w": 2.0}, {"h": 3.0, "w": 4.0}]})
    nested.to_parquet(HERE / "nested_columns.parquet", index=False)
    write("deflate64.zip", patched_zip(method=9))
    write("password.zip", patched_zip(flags=0x1))
    quoted = [f"2011-01-{day % 28 + 1:02d},A{day},Mug {day},1,2.00" for day in range(1, 41)]
    quoted[6] = '2011-01-08,A7,"Mug 7 large,1,2.00'
    write("unclosed_quote.csv", "Date,SKU,Name,Qty,Price\n" + "\n".join(quoted) + "\n")
    write_title_rows_workbook(HERE / "title_rows.xlsx")
    write("preamble.csv", "Sales export,,,\nShop 12 - generated 2011-12-10,,,\n,,,\nDate,SKU,Qty,Price\n"
                          "01/12/2010,A,1,2.50\n02/12/2010,B,2,3.00\n03/12/2010,A,3,2.50\n")
    write("trailing_delimiter.csv", "Date,SKU,Qty\n2011-01-01,A,1,\n2011-01-02,B,2,\n2011-01-03,A,3,\n")
    extra = [f"c{i:05d}" for i in range(4, 10_001)]
    write("wide_10000_columns.csv", ",".join(["Date", "SKU", "Qty", *extra]) + "\n" + "".join(
        ",".join([f"2011-01-0{day}", "A", str(day), *["1"] * len(extra)]) + "\n" for day in range(1, 4)))
    write("excel_sep_line.csv", "sep=;\nDatum;Artikel;Bezeichnung;Menge;Preis\n01.03.2011;100;Kerze;2;2,50\n"
          "02.03.2011;101;Teller;1;1,25\n")
    write("gbk_names.csv", rows_of(["绿茶饮料", "红烧牛肉面", "北京烤鸭礼盒", "上海小笼包", "四川火锅底料"]), encoding="gbk")
    write("shift_jis_names.csv", rows_of(["緑茶ペットボトル", "カップラーメン", "抹茶アイスクリーム", "梅干し", "味噌汁"]),
          encoding="shift_jis")


def rows_of(names: list[str]) -> str:
    return "Date,SKU,Description,Qty\n" + "".join(f"2011-01-0{i + 1},P{i},{n},{i + 1}\n" for i, n in enumerate(names))


def patched_zip(method: int = 0, flags: int = 0) -> bytes:
    """A one-CSV zip whose headers claim another compression method or encryption (the app must
    refuse it before reading)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(member("sales.csv"), HEADER + GOOD)
    data = bytearray(buffer.getvalue())
    central = data.index(b"PK\x01\x02")
    for offset, field in ((6, flags), (8, method), (central + 8, flags), (central + 10, method)):
        if field:
            data[offset:offset + 2] = (int.from_bytes(data[offset:offset + 2], "little") | field).to_bytes(2, "little")
    return bytes(data)


def write_title_rows_workbook(path: Path) -> None:
    """An export with two title rows above the header, as people make them in Excel."""
    import datetime as dt

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Report"
    sheet.append(["Sales report, December 2010"])
    sheet.append(["Exported by till 3"])
    sheet.append(["Date", "StockCode", "Description", "Quantity", "UnitPrice"])
    for day, (code, name, qty, price) in enumerate([("A1", "MUG", 2, 1.5), ("A2", "CUP", 1, 2.0), ("A1", "MUG", 4, 1.5)]):
        sheet.append([dt.datetime(2010, 12, day + 1, 9, 0), code, name, qty, price])
    book.properties.created = book.properties.modified = dt.datetime(2011, 1, 1)
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as saved, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as stable:
        for item in saved.infolist():  # fixed entry dates: regenerating gives the same bytes
            entry = member(item.filename)
            entry.compress_type = zipfile.ZIP_DEFLATED
            content = saved.read(item)
            if item.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2011-01-01T00:00:00Z", content)
            stable.writestr(entry, content)


if __name__ == "__main__":
    main()
