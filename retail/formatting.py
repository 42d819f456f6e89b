"""Numbers and counts in a merchandiser's words, one rule for every face (pages, reports, exports, CLI).

* :func:`count` says "1 store" and "3 stores" (never "1 stores"), with thousands separators;
* :func:`percent` is the one way of saying a share or an error ("58%", "-19.5%");
* :func:`points` says how far a share moved ("+4.2 points"), not a percent of a percent;
* :func:`compact` fits a tile ("79.2k", "1.12M") and :func:`whole` never shows "19,199.00";
* :func:`p_value` reads "< 0.001" rather than "3.2e-44".
"""

from __future__ import annotations

import math

IRREGULAR = {"category": "categories", "day": "days", "series": "series", "company": "companies",
             "country": "countries", "person": "people", "entry": "entries", "property": "properties"}


def plural(noun: str, n: float = 2) -> str:
    """``noun`` for ``n`` of them: the singular for exactly one, else its plural."""
    if n == 1:
        return noun
    head, _, last = noun.rpartition(" ")
    word = IRREGULAR.get(last) or (last[:-1] + "ies" if last.endswith("y") and last[-2:-1] not in "aeiou"
                                   else last + "es" if last.endswith(("s", "x", "ch", "sh")) else last + "s")
    return f"{head} {word}" if head else word


def count(n: float, noun: str, many: str | None = None) -> str:
    """``"1 store"``, ``"1,234 stores"`` (a whole number with separators and the right form of ``noun``;
    ``many`` when its plural is not regular: "product-store pairs")."""
    return f"{n:,.0f} {noun if round(n) == 1 else many or plural(noun)}"


def percent(share: float | None, digits: int = 0, signed: bool = False) -> str:
    """A share as a percentage (0.579 -> "58%"; signed: "+5%"); "n/a" when unknown."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "n/a"
    sign = "+" if signed else ""
    return f"{share * 100:{sign},.{digits}f}%"


def points(change: float | None, digits: int = 1) -> str | None:
    """How far a share moved, in percentage points (0.042 -> "+4.2 points"); None when unknown."""
    if change is None or math.isnan(change):
        return None
    return f"{change * 100:+.{digits}f} points"


def probability(p: float | None) -> str:
    """A probability without false certainty: 0.9978 -> "above 99%", 0.004 -> "below 1%", 0.42 -> "42%"."""
    if p is None or math.isnan(p):
        return "n/a"
    return "above 99%" if p > 0.99 else "below 1%" if p < 0.01 else f"{p:.0%}"


SUFFIXES = ((1e9, "bn"), (1e6, "M"), (1e4, "k"))


def compact(value: float, prefix: str = "", digits: int = 3) -> str:
    """A short number for a tile: 79,234 -> "79.2k", 1,120,000 -> "1.12M", 950 -> "950" (``digits``
    significant digits for the shortened ones; ``prefix`` is a currency symbol)."""
    if value is None or math.isnan(value):
        return "n/a"
    sign = "-" if value < 0 else ""
    size = abs(value)
    for threshold, suffix in SUFFIXES:
        if size >= threshold:
            scaled = size / (threshold if suffix != "k" else 1e3)
            decimals = max(digits - len(str(int(scaled))), 0)
            return f"{sign}{prefix}{scaled:,.{decimals}f}{suffix}"
    return f"{sign}{prefix}{size:,.0f}" if size >= 100 or size == int(size) else f"{sign}{prefix}{size:,.2f}"


def whole(value: float | None) -> str:
    """Units, counts and days: 19199.0 -> "19,199" (rounded, never with decimals)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:,.0f}"


def p_value(p: float | None) -> str:
    """A p-value a reader can read: "< 0.001", "0.032", "0.41"."""
    if p is None or math.isnan(p):
        return "n/a"
    if p < 0.001:
        return "< 0.001"
    return f"{p:.3f}" if p < 0.01 else f"{p:.2f}"
