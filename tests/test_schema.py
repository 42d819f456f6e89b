import pandas as pd
import pytest

from retail.data.ingest import ingest
from retail.data.schema import ColumnMapping, infer_mapping, normalise_name


def test_normalise_name():
    assert normalise_name("Customer ID") == "customerid"
    assert normalise_name("Member_number") == "membernumber"
    assert normalise_name("Quantité") == "quantite" and normalise_name("Stückpreis") == "stuckpreis"


def test_infers_online_retail_columns():
    frame = pd.DataFrame({
        "InvoiceNo": ["536365"], "StockCode": ["85123A"], "Description": ["WHITE HANGING HEART"],
        "Quantity": ["6"], "InvoiceDate": ["2010-12-01 08:26"], "UnitPrice": ["2.55"],
        "CustomerID": ["17850"], "Country": ["United Kingdom"]})
    assert infer_mapping(frame).columns == {
        "date": "InvoiceDate", "product_id": "StockCode", "product_name": "Description", "quantity": "Quantity",
        "unit_price": "UnitPrice", "customer_id": "CustomerID", "store_id": "Country", "order_id": "InvoiceNo"}


def test_basket_list_uses_name_as_id():
    frame = pd.DataFrame({"Member_number": ["1808"], "Date": ["21-07-2015"], "itemDescription": ["tropical fruit"]})
    mapping = infer_mapping(frame)
    assert mapping.columns == {"date": "Date", "product_id": "itemDescription", "customer_id": "Member_number"}


def test_store_level_sales_file():
    frame = pd.DataFrame({"Store": ["1"], "Date": ["2015-07-31"], "Sales": ["5263"], "Promo": ["1"]})
    mapping = infer_mapping(frame)
    assert mapping.columns == {"date": "Date", "store_id": "Store", "revenue": "Sales"}
    assert mapping.missing_required() == []


def test_content_used_when_names_say_nothing():
    frame = pd.DataFrame({"a": ["2011-01-01", "2011-01-02"], "b": ["RED MUG LARGE", "BLUE CUP SMALL"]})
    assert infer_mapping(frame).columns == {"date": "a", "product_id": "b"}


def test_overrides_and_errors():
    mapping = ColumnMapping({"date": "Day", "product_id": "SKU"})
    assert mapping.with_overrides({"product_id": None, "product_name": "SKU"}).columns == {
        "date": "Day", "product_name": "SKU"}
    with pytest.raises(ValueError, match="Unknown field"):
        ColumnMapping({"colour": "x"})
    with pytest.raises(ValueError, match="mapped to both"):
        ColumnMapping({"date": "x", "product_id": "x"})
    assert ColumnMapping({"product_id": "x"}).missing_required() == ["no column is mapped to 'date'"]


def test_till_export_with_shorthand_headers():
    """Headers a small shop's till writes (found by a new user): every field is matched by name."""
    frame = pd.DataFrame({"Txn No": ["A1", "A1", "A2"], "Item Ref": ["SKU-1", "SKU-2", "SKU-1"],
                          "Desc.": ["Blue mug", "Red mug", "Blue mug"], "Qty Sold": ["2", "1", "3"],
                          "When": ["03/01/2024 10:15"] * 3, "Each (EUR)": ["4,50", "4,50", "4,50"],
                          "Shopper": ["C01", "C01", "C02"], "Shop": ["Paris", "Paris", "Lyon"]})
    assert infer_mapping(frame).columns == {
        "order_id": "Txn No", "product_id": "Item Ref", "product_name": "Desc.", "quantity": "Qty Sold",
        "date": "When", "unit_price": "Each (EUR)", "customer_id": "Shopper", "store_id": "Shop"}


@pytest.mark.parametrize(("header", "expected"), [
    ("Datum;Artikel;Menge;Preis", "date product_id quantity unit_price"),
    ("Belegdatum;Artikelnummer;Bezeichnung;Warengruppe;Stückzahl;Stückpreis;Kundennummer;Filiale;Bon-Nr",
     "date product_id product_name category quantity unit_price customer_id store_id order_id"),
    ("Date;Code article;Désignation;Rayon;Quantité;Prix unitaire;Client;Magasin;Ticket",
     "date product_id product_name category quantity unit_price customer_id store_id order_id"),
    ("Fecha;Código producto;Descripción;Categoría;Cantidad;Precio unitario;Cliente;Tienda;Factura",
     "date product_id product_name category quantity unit_price customer_id store_id order_id"),
    ("Data;Codice articolo;Descrizione;Reparto;Quantità;Prezzo;Cliente;Negozio;Scontrino",
     "date product_id product_name category quantity unit_price customer_id store_id order_id"),
    ("Datum;Artikelcode;Omschrijving;Productgroep;Aantal;Prijs;Klantnummer;Winkel;Bonnummer",
     "date product_id product_name category quantity unit_price customer_id store_id order_id"),
])
def test_till_headers_in_five_languages(header, expected):
    names = header.split(";")
    values = ["03.01.2024", "4711", "Brot hell", "Backwaren", "2", "2,49", "K17", "Berlin", "B-1001"]
    if len(names) == 4:
        values = ["03.01.2024", "Brot", "2", "2,49"]
    mapping = infer_mapping(pd.DataFrame([values, values], columns=names)).columns
    assert {field: names.index(column) for field, column in mapping.items()} == {
        field: position for position, field in enumerate(expected.split())}


def test_a_german_till_export_with_a_sep_line_is_read(tmp_path):
    path = tmp_path / "kasse.csv"
    path.write_bytes("sep=;\nDatum;Artikel;Menge;Preis\n01.03.2024;Brot;2;2,49\n02.03.2024;Müsli;1;3,19\n"
                     .encode("cp1252"))
    report = ingest(path).result.report
    assert report.usable and report.rows_kept == 2
    assert report.mapping == {"date": "Datum", "product_id": "Artikel", "quantity": "Menge", "unit_price": "Preis"}
