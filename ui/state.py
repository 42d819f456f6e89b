"""Page state in the URL: the dataset and the main filters survive a reload, and a copied link
opens the same view for a colleague (``st.query_params``).

Widgets take their starting value from the URL (:func:`from_url`) and write the current one
back (:func:`publish`), so the URL always mirrors what is on screen.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st


def from_url(param: str, parse: Callable[[str], Any] = str, default: Any = None, many: bool = False) -> Any:
    """The URL's value of ``param`` read by ``parse``, or ``default`` when it is absent or unusable
    (``parse`` raises or returns None); with ``many``, every value of a repeated parameter."""
    if param not in st.query_params:
        return default
    try:
        if many:
            values = [v for v in map(parse, st.query_params.get_all(param)) if v is not None]
            return values or default
        value = parse(st.query_params[param])
    except (ValueError, TypeError):
        return default
    return default if value is None else value


def publish(param: str, value: Any) -> None:
    """Write the current value to the URL (a list as repeated parameters; None removes it)."""
    if value is None or value == []:
        st.query_params.pop(param, None)
        return
    text = [str(v) for v in value] if isinstance(value, list | tuple) else str(value)
    current = st.query_params.get_all(param) if isinstance(text, list) else st.query_params.get(param)
    if current != text:
        st.query_params[param] = text
