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


MEMORY_KEY = "page_memory"


def recall(page: str, dataset: str, per_dataset: tuple[str, ...], url_params: tuple[str, ...]) -> dict[str, Any]:
    """What ``page``'s widgets held when it last showed ``dataset`` in this session (empty: never), for their
    starting values: Streamlit forgets a widget's value once a run passes without it (another page). When the
    page showed another dataset last, the widget keys ``per_dataset`` and the URL's ``url_params`` are
    dropped first: a period or a product chosen on one dataset means nothing on another. Call
    :func:`remember` once the widgets are drawn."""
    shown = f"{page}_shown_dataset"
    if st.session_state.get(shown, dataset) != dataset:
        for key in per_dataset:
            st.session_state.pop(key, None)
        for param in url_params:
            st.query_params.pop(param, None)
    st.session_state[shown] = dataset
    return st.session_state.get(MEMORY_KEY, {}).get((page, dataset), {})


def remember(page: str, dataset: str, keys: tuple[str, ...]) -> None:
    """Keep the current values of ``page``'s widgets ``keys`` for ``dataset`` (see :func:`recall`)."""
    kept = {key: st.session_state[key] for key in keys if key in st.session_state}
    st.session_state.setdefault(MEMORY_KEY, {})[(page, dataset)] = kept
