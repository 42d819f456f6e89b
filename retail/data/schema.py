"""The canonical transaction schema and the inference of a column mapping.

Every dataset in the workspace has the canonical columns below (absent optional fields
are all-null columns), plus ``line_type`` set by validation and any extra source columns.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from retail.data.numeric import MISSING_NUMBER_TOKENS

DATE = "date"
PRODUCT_ID = "product_id"
PRODUCT_NAME = "product_name"
CATEGORY = "category"
QUANTITY = "quantity"
UNIT_PRICE = "unit_price"
REVENUE = "revenue"
CUSTOMER_ID = "customer_id"
STORE_ID = "store_id"
ORDER_ID = "order_id"
LINE_TYPE = "line_type"

FIELDS: tuple[str, ...] = (
    DATE,
    PRODUCT_ID,
    PRODUCT_NAME,
    CATEGORY,
    QUANTITY,
    UNIT_PRICE,
    REVENUE,
    CUSTOMER_ID,
    STORE_ID,
    ORDER_ID,
)
NUMERIC_FIELDS: tuple[str, ...] = (QUANTITY, UNIT_PRICE, REVENUE)
TEXT_FIELDS: tuple[str, ...] = (PRODUCT_ID, PRODUCT_NAME, CATEGORY, CUSTOMER_ID, STORE_ID, ORDER_ID)
CANONICAL_COLUMNS: tuple[str, ...] = FIELDS + (LINE_TYPE,)

# Customer messages (reviews, service messages): fields of their own, stored beside the canonical
# columns (see :mod:`retail.data.messages`).
TEXT = "text"
TITLE = "title"
RATING = "rating"
CHANNEL = "channel"
INTENT = "intent"
ANSWER = "answer"
MESSAGE_ID = "message_id"
MESSAGE_FIELDS: tuple[str, ...] = (TEXT, TITLE, RATING, CHANNEL, INTENT, ANSWER, MESSAGE_ID)
ALL_FIELDS: tuple[str, ...] = FIELDS + MESSAGE_FIELDS

# line_type values. Only "sale" lines are demand; the others are kept for the record.
SALE = "sale"
RETURN = "return"
NON_PRODUCT = "non_product"
ZERO_PRICE = "zero_price"
IMPLAUSIBLE = "implausible"  # a quantity or price far outside what is possible for the product
SUBTOTAL = "subtotal"  # a TOTAL / Subtotal line of a report: counting it would double the day
CANCELLED = "cancelled"  # a sale later cancelled or returned in full (matched to its return)
LINE_TYPES: tuple[str, ...] = (SALE, RETURN, NON_PRODUCT, ZERO_PRICE, IMPLAUSIBLE, SUBTOTAL, CANCELLED)

FIELD_LABELS: dict[str, str] = {
    DATE: "date",
    PRODUCT_ID: "product code",
    PRODUCT_NAME: "product",
    CATEGORY: "category",
    QUANTITY: "units",
    UNIT_PRICE: "unit price",
    REVENUE: "sales value",
    CUSTOMER_ID: "customer",
    STORE_ID: "store",
    ORDER_ID: "order",
    TEXT: "message",
    TITLE: "title",
    RATING: "rating",
    CHANNEL: "channel",
    INTENT: "intent",
    ANSWER: "answer sent",
    MESSAGE_ID: "message id",
}
# What the Data page's column matching offers a field as (a store column may hold countries or channels).
MAPPING_LABELS: dict[str, str] = FIELD_LABELS | {STORE_ID: "store / country / channel"}
FIELD_DESCRIPTIONS: dict[str, str] = {
    DATE: "Date or timestamp of the sale",
    PRODUCT_ID: "Product code / SKU (the name is used when there is no code)",
    PRODUCT_NAME: "Product name or description",
    CATEGORY: "Product category",
    QUANTITY: "Units sold (1 per row when absent)",
    UNIT_PRICE: "Price of one unit",
    REVENUE: "Sales amount (quantity x unit price when absent)",
    CUSTOMER_ID: "Customer or member id",
    STORE_ID: "Store, channel or country",
    ORDER_ID: "Invoice / order / basket id",
    TEXT: "A customer's review or message (customer messages files)",
    TITLE: "The review's title or the message's subject",
    RATING: "Stars or score the customer gave",
    CHANNEL: "Where the message came from (e-mail, chat, web)",
    INTENT: "What the message is about, as an agent filed it",
    ANSWER: "The answer the customer was sent",
    MESSAGE_ID: "The review's or message's own id",
}

# Normalised names (lower case, no accents, letters and digits only) people actually write:
# English first, then the words of German, French, Spanish, Italian and Dutch till exports.
# A synonym also matches inside a longer name (over 3 letters), so generic words that name
# several things ("code", "name", "number") are only used in compounds.
SYNONYMS: dict[str, tuple[str, ...]] = {
    DATE: ("date", "invoicedate", "orderdate", "transactiondate", "salesdate", "saledate", "day", "datetime",
           "timestamp", "time", "purchasedate", "week", "month", "period",
           "datum", "fecha", "data", "jour"),
    PRODUCT_ID: ("productid", "stockcode", "sku", "itemid", "item", "productcode", "itemcode", "articleid",
                 "article", "productno", "itemno", "ean", "upc", "barcode", "materialid", "product",
                 "artikelnummer", "artikelnr", "artnr", "produktnummer", "artikelcode", "referencia", "reference",
                 "refarticle", "codearticle", "codigoproducto", "codigoarticulo", "codiceprodotto",
                 "codicearticolo"),
    PRODUCT_NAME: ("productname", "description", "itemdescription", "itemname", "name", "title",
                   "productdescription", "productdesc", "desc", "articlename", "item", "product", "article",
                   "bezeichnung", "artikel", "artikelname", "produktname", "beschreibung", "descripcion", "articulo",
                   "producto", "nombreproducto", "libelle", "designation", "produit", "descrizione", "articolo",
                   "prodotto", "omschrijving", "productnaam", "artikelnaam"),
    CATEGORY: ("category", "productcategory", "department", "dept", "family", "group", "productgroup",
               "categoryname", "subcategory", "class",
               "kategorie", "warengruppe", "categoria", "familia", "categorie", "famille", "rayon", "reparto",
               "productgroep"),
    QUANTITY: ("quantity", "qty", "units", "unitssold", "quantitysold", "volume", "count", "pieces", "amountunits",
               "soldqty", "qtysold", "qtyordered", "qtys", "nbunits",
               "menge", "anzahl", "stuckzahl", "stueckzahl", "cantidad", "unidades", "quantite", "quantita", "qta",
               "pezzi", "aantal", "stuks"),
    UNIT_PRICE: ("unitprice", "price", "priceeach", "sellingprice", "retailprice", "unitcost", "priceperunit",
                 "itemprice", "each", "unitpriceeach", "pricepiece",
                 "preis", "einzelpreis", "stuckpreis", "verkaufspreis", "precio", "preciounitario", "prix",
                 "prixunitaire", "prezzo", "prezzounitario", "prijs", "eenheidsprijs"),
    REVENUE: ("revenue", "sales", "salesamount", "amount", "total", "totalprice", "turnover", "netsales",
              "grosssales", "value", "salesvalue", "linetotal", "totalamount",
              "umsatz", "betrag", "ventas", "importe", "chiffredaffaires", "montant", "fatturato", "importo", "omzet",
              "bedrag"),
    CUSTOMER_ID: ("customerid", "customer", "customerno", "memberid", "membernumber", "member", "clientid",
                  "client", "userid", "user", "buyerid", "accountid", "shopperid", "shopper", "buyer", "cardno",
                  "loyaltycard", "loyaltyno",
                  "kunde", "kundennummer", "kundennr", "cliente", "numerocliente", "klant", "klantnummer"),
    STORE_ID: ("storeid", "store", "shop", "shopid", "branch", "location", "outlet", "country", "channel", "region",
               "storenumber", "storeno", "site",
               "filiale", "geschaft", "markt", "land", "tienda", "sucursal", "pais", "magasin", "boutique", "negozio",
               "puntovendita", "winkel", "filiaal"),
    ORDER_ID: ("orderid", "invoiceno", "invoice", "invoiceid", "invoicenumber", "order", "orderno", "ordernumber",
               "transactionid", "transaction", "basketid", "basket", "receiptid", "receipt", "ticketid", "txn",
               "txnno", "txnid", "transno", "transactionno", "ticket", "docno",
               "beleg", "belegnr", "bon", "bonnr", "bonnummer", "rechnung", "rechnungsnr", "bestellung", "auftrag",
               "factura", "pedido", "commande", "facture", "fattura", "scontrino", "ordine", "bestelling", "factuur"),
}


_SAMPLE_ROWS = 2000


def _sample(values: pd.Series, size: int = 200) -> pd.Series:
    """Up to ``size`` present values from the top of a column, as text (cheap on big files)."""
    return values.head(_SAMPLE_ROWS).dropna().astype(str).head(size)


def normalise_name(name: str) -> str:
    """Lower-case a column name, drop accents and keep only letters and digits (``Customer ID`` ->
    ``customerid``, ``Quantité`` -> ``quantite``, ``Stückpreis`` -> ``stuckpreis``)."""
    unaccented = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", unaccented.lower())


@dataclass(frozen=True)
class ColumnMapping:
    """Which source column feeds each canonical field (absent fields are not in ``columns``)."""

    columns: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = sorted(set(self.columns) - set(ALL_FIELDS))
        if unknown:
            raise ValueError(
                f"Unknown field(s) {unknown} in the column mapping; known fields are {list(ALL_FIELDS)}."
            )
        used: dict[str, str] = {}
        for canonical, source in self.columns.items():
            if source in used:
                raise ValueError(
                    f"Column {source!r} is mapped to both {used[source]!r} and {canonical!r}; "
                    "map each source column to one field only."
                )
            used[source] = canonical

    def get(self, canonical: str) -> str | None:
        return self.columns.get(canonical)

    def missing_required(self) -> list[str]:
        """Plain-language problems that make the mapping unusable (empty when it is fine)."""
        problems = []
        if DATE not in self.columns:
            problems.append("no column is mapped to 'date'")
        if PRODUCT_ID not in self.columns and PRODUCT_NAME not in self.columns and STORE_ID not in self.columns:
            problems.append("no column is mapped to 'product code' (or 'product' or 'store')")
        return problems

    def with_overrides(self, overrides: dict[str, str | None]) -> ColumnMapping:
        """Return a copy where each given field maps to a new column (``None`` unmaps it)."""
        columns = {k: v for k, v in self.columns.items() if k not in overrides}
        columns = {k: v for k, v in columns.items() if v not in overrides.values()}
        columns.update({k: v for k, v in overrides.items() if v})
        return ColumnMapping(columns)

    def to_dict(self) -> dict[str, str]:
        return dict(self.columns)


def _looks_like_dates(values: pd.Series) -> bool:
    if pd.api.types.is_datetime64_any_dtype(values):
        return True
    sample = _sample(values)
    if sample.empty:
        return False
    has_date_shape = sample.str.match(r"^\s*(\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|\d{8})([ T]\d|\s*$)")
    return bool(has_date_shape.mean() > 0.9)


def _mostly_decimals(values: pd.Series) -> bool:
    """Prices or amounts: numbers with a fractional part (never dates, even Excel serials)."""
    numbers = pd.to_numeric(_sample(values), errors="coerce").dropna()
    return len(numbers) > 0 and _numeric_share(values) > 0.9 and bool((numbers != numbers.round()).mean() > 0.5)


def _numeric_share(values: pd.Series) -> float:
    """Share of numbers among the present values (placeholders such as NaN or N/A left out;
    ``1e3`` is a number): a few junk values must not make a quantity column look like text."""
    if pd.api.types.is_numeric_dtype(values):
        return 1.0
    sample = _sample(values).str.strip()
    sample = sample[~sample.str.upper().isin(MISSING_NUMBER_TOKENS)].str.replace(r"[\s£$€,.]", "", regex=True)
    if sample.empty:
        return 0.0
    return float(sample.str.fullmatch(r"[-+]?\d+(?:[eE][-+]?\d+)?").mean())


def _text_with_spaces_share(values: pd.Series) -> float:
    sample = _sample(values)
    if sample.empty:
        return 0.0
    return float(sample.str.contains(r"[A-Za-z].*\s.*[A-Za-z]").mean())


def infer_mapping(frame: pd.DataFrame) -> ColumnMapping:
    """Guess the canonical mapping of ``frame``'s columns from their names, then their contents.

    Names are matched against :data:`SYNONYMS` (exact normalised match first, then a
    synonym contained in the name). Fields still unmapped are filled from contents: the
    first date-shaped column becomes ``date``; a text column of multi-word values becomes
    ``product_name``. Every guess can be overridden with :meth:`ColumnMapping.with_overrides`.
    """
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    normalised = {col: normalise_name(col) for col in frame.columns}

    def claim(canonical: str, column: str) -> None:
        mapping[canonical] = column
        taken.add(column)

    for exact in (True, False):
        for canonical in FIELDS:
            if canonical in mapping:
                continue
            for synonym in SYNONYMS[canonical]:
                candidates = [
                    col for col, norm in normalised.items()
                    if col not in taken and (norm == synonym if exact else len(synonym) > 3 and synonym in norm)
                ]
                candidates = [c for c in candidates if _content_fits(canonical, frame[c])]
                if candidates:
                    claim(canonical, candidates[0])
                    break

    if DATE not in mapping:
        for col in frame.columns:
            if col not in taken and _looks_like_dates(frame[col]):
                claim(DATE, col)
                break
    if PRODUCT_NAME not in mapping:
        for col in frame.columns:
            if col not in taken and frame[col].dtype == object and _text_with_spaces_share(frame[col]) > 0.8:
                claim(PRODUCT_NAME, col)
                break
    if PRODUCT_ID not in mapping and PRODUCT_NAME in mapping:
        # A basket list with only names: the name is the id.
        claim(PRODUCT_ID, mapping.pop(PRODUCT_NAME))
    if UNIT_PRICE in mapping and REVENUE in mapping and QUANTITY not in mapping and PRODUCT_ID not in mapping:
        # Store totals: a "price" beside the sales totals (Fuel_Price) is a context column, not a unit price.
        mapping.pop(UNIT_PRICE)
    return ColumnMapping(mapping)


def _content_fits(canonical: str, values: pd.Series) -> bool:
    """Reject name matches whose contents clearly disagree (a 'Date' column of prices)."""
    if _sample(values).empty:
        return True
    if canonical == DATE:
        # Named like a date: let the date parser decide and report, unless it holds prices.
        return not _mostly_decimals(values)
    if canonical in NUMERIC_FIELDS:
        return _numeric_share(values) > 0.5
    if canonical == PRODUCT_NAME:
        return _numeric_share(values) < 0.5
    return True


def mapping_has(mapping: Mapping[str, str], field: str) -> bool:
    """Whether a file had a column for ``field``; a product's name stands in for its code."""
    if field == PRODUCT_ID:
        return bool(mapping.get(PRODUCT_ID) or mapping.get(PRODUCT_NAME))
    return field in mapping


STORE_WORDS = ("country", "channel", "region")


def store_word(mapping: Mapping[str, str] | None) -> str:
    """What a dataset's ``store_id`` holds, in one word for headers and labels: "country" when the file's
    column says so (Online Retail's ``Country``), "channel" or "region" likewise, else "store"."""
    column = str((mapping or {}).get(STORE_ID) or "").lower()
    return next((word for word in STORE_WORDS if word in column), "store")


def empty_canonical_frame() -> pd.DataFrame:
    """A zero-row frame with the canonical columns and dtypes (handy in tests)."""
    columns: dict[str, pd.Series] = {DATE: pd.Series([], dtype="datetime64[ns]")}
    for name in TEXT_FIELDS + (LINE_TYPE,):
        columns[name] = pd.Series([], dtype=object)
    for name in NUMERIC_FIELDS:
        columns[name] = pd.Series([], dtype=np.float64)
    return pd.DataFrame(columns)[list(CANONICAL_COLUMNS)]


def sales_mask(frame: pd.DataFrame, gross: bool = False) -> pd.Series:
    """True on lines that are real demand (net sales): not returns, not postage/fees, not free or
    negative price, not sales that were cancelled later. ``gross`` keeps the cancelled sales too."""
    return frame[LINE_TYPE].isin((SALE, CANCELLED)) if gross else frame[LINE_TYPE] == SALE


def sales_only(frame: pd.DataFrame, gross: bool = False) -> pd.DataFrame:
    """The net sale lines (see :func:`sales_mask`)."""
    return frame[sales_mask(frame, gross)]
