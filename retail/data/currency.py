"""The currency of a dataset's amounts: guessed at import, settable, shown on every money figure.

The guess, most certain first: currency marks inside the price or amount values (``3,50 €``);
a currency named in their column's header (``Price EUR``, ``Amount (£)``); the country most
lines were sold in (``United Kingdom`` -> GBP). Nothing found: no symbol, and the user can set it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from retail.data import schema


@dataclass(frozen=True)
class Currency:
    code: str
    symbol: str
    name: str


CURRENCIES: dict[str, Currency] = {c.code: c for c in (
    Currency("GBP", "£", "pound sterling"), Currency("EUR", "€", "euro"), Currency("USD", "$", "US dollar"),
    Currency("CHF", "CHF ", "Swiss franc"), Currency("SEK", "kr ", "Swedish krona"), Currency("NOK", "kr ", "Norwegian krone"),
    Currency("DKK", "kr ", "Danish krone"), Currency("PLN", "zł ", "Polish złoty"), Currency("JPY", "¥", "yen"),
    Currency("CNY", "CN¥", "yuan"), Currency("INR", "₹", "Indian rupee"), Currency("AUD", "A$", "Australian dollar"),
    Currency("CAD", "C$", "Canadian dollar"), Currency("BRL", "R$", "Brazilian real"),
)}
_MARKS = {"£": "GBP", "€": "EUR", "$": "USD", "¥": "JPY", "₹": "INR"} | {code: code for code in CURRENCIES}
_COUNTRIES = {
    "united kingdom": "GBP", "uk": "GBP", "great britain": "GBP", "england": "GBP", "channel islands": "GBP",
    "usa": "USD", "united states": "USD", "us": "USD", "switzerland": "CHF", "sweden": "SEK", "norway": "NOK",
    "denmark": "DKK", "poland": "PLN", "japan": "JPY", "china": "CNY", "india": "INR", "australia": "AUD",
    "canada": "CAD", "brazil": "BRL",
} | dict.fromkeys(["germany", "france", "spain", "italy", "netherlands", "belgium", "austria", "portugal",
                   "ireland", "eire", "finland", "greece", "luxembourg", "slovakia", "slovenia", "estonia",
                   "latvia", "lithuania", "malta", "cyprus", "croatia", "deutschland", "españa", "italia"], "EUR")


def from_marks(marks: Iterable[str]) -> str | None:
    """The currency of the marks found in amount values, when they all agree."""
    codes = {_MARKS.get(mark.strip().upper(), _MARKS.get(mark.strip())) for mark in marks} - {None}
    return codes.pop() if len(codes) == 1 else None


def from_header(header: str) -> str | None:
    """A currency named in a column header: ``Price EUR``, ``Amount (£)``, ``sales_usd``."""
    for token in re.findall(r"[A-Za-z]{3}|[£€$¥₹]", header):
        code = _MARKS.get(token.upper()) or _MARKS.get(token)
        if code:
            return code
    return None


def from_countries(stores: pd.Series) -> str | None:
    """The currency of the country most lines were sold in, when the stores are countries."""
    counts = stores.value_counts()  # the distinct values first: a file has few stores, many lines
    if counts.empty:
        return None
    names = counts.groupby(counts.index.astype(str).str.strip().str.lower()).sum()
    return _COUNTRIES.get(names.idxmax())


def marks_in(values: pd.Series, sample: int = 5000) -> set[str]:
    """Currency marks written inside the first ``sample`` values of a text column."""
    text = values.head(sample).dropna().astype(str)
    return set(text.str.extract(r"([£€$¥₹]|\b[A-Z]{3}\b)", expand=False).dropna()) & set(_MARKS)


def guess(frame: pd.DataFrame, mapping: Mapping[str, str], marks: Iterable[str] = ()) -> str | None:
    """The dataset's currency code, or None when nothing says which (see the module's order)."""
    headers = [mapping[f] for f in (schema.UNIT_PRICE, schema.REVENUE) if f in mapping]
    return (from_marks(marks) or next(filter(None, map(from_header, headers)), None)
            or (from_countries(frame[schema.STORE_ID]) if schema.STORE_ID in frame else None))


def money(value: float, code: str | None, decimals: int = 2) -> str:
    """``£1,234.50`` (or ``1,234.50`` without a currency); millions as ``£3.98M`` to fit a tile; a loss
    as ``-£1,112`` (the sign before the symbol)."""
    symbol = CURRENCIES[code].symbol if code in CURRENCIES else ""
    sign = "-" if value < 0 and round(abs(value), decimals) > 0 else ""
    if abs(value) >= 1e6:
        return f"{sign}{symbol}{abs(value) / 1e6:,.2f}M"
    return f"{sign}{symbol}{abs(value):,.{decimals}f}"


def label(code: str | None) -> str:
    """``" (£)"`` to append to a header or axis title (empty without a currency)."""
    return f" ({CURRENCIES[code].symbol.strip()})" if code in CURRENCIES else ""


def excel_format(code: str | None) -> str:
    """An Excel number format with the currency symbol and thousands separators."""
    symbol = CURRENCIES[code].symbol.strip() if code in CURRENCIES else ""
    return f'"{symbol}"#,##0.00' if symbol else "#,##0.00"
