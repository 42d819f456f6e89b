"""Widgets generated from a registry entry's parameters (labels, ranges and help come from it)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import streamlit as st

from retail.data.schema import FIELD_LABELS, STORE_ID
from retail.glossary import GLOSSARY, is_share
from retail.registry import Param, Registry, Spec
from ui.data import workspace
from ui.downloads import download_table


def registry_select(where: Any, label: str, registry: Registry, key: str, default: str | None = None,
                    help: str | None = None) -> str:
    """A select box over a registry's entries, shown by their labels."""
    names = list(registry.names)
    index = names.index(default) if default in names else 0
    return where.selectbox(label, names, index=index, format_func=registry.label, key=key, help=help)


def registry_multiselect(where: Any, label: str, registry: Registry, key: str,
                         default: list[str] | None = None, help: str | None = None,
                         names: list[str] | None = None) -> list[str]:
    """A multi-select over a registry's entries (or the ``names`` among them), shown by their labels."""
    names = list(registry.names) if names is None else names
    return where.multiselect(label, names, default=names if default is None else default,
                             format_func=registry.label, key=key, help=help)


def param_widgets(spec: Spec, key: str, columns: int = 4, where: Any = st,
                  entry_label: Callable[[str], str] | None = None,
                  defaults: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """One widget per parameter of ``spec`` (keys ``<key>_<param>``); returns name -> value.

    ``entry_label`` names the entries of a mapping parameter (the algorithms of a blend);
    ``defaults`` replace the registry's starting values (settings kept for a dataset).
    """
    if not spec.params:
        return {}
    widths = sum(len(p.default) if p.kind is dict else 1 for p in spec.params)
    cells = iter(where.columns(min(columns, widths)) * widths)
    start = spec.defaults() | spec.check(dict(defaults or {}))
    return {param.name: _widget(param, f"{key}_{param.name}", cells, entry_label or str, start[param.name])
            for param in spec.params}


def _widget(param: Param, key: str, cells: Any, entry_label: Callable[[str], str], default: Any) -> Any:
    if param.kind is dict:
        return {name: _number(param, f"{key}_{name}", next(cells), float(value), f"{param.label}: {entry_label(name)}")
                for name, value in default.items()}
    cell = next(cells)
    if param.kind is bool:
        return cell.toggle(param.label, value=default, key=key, help=param.help)
    if param.choices:
        choices = list(param.choices)
        return cell.selectbox(param.label, choices, index=choices.index(default), key=key,
                              format_func=param.label_of, help=param.help)
    if param.kind is str:
        return cell.text_input(param.label, value=default, key=key, help=param.help)
    return _number(param, key, cell, default, param.label)


def _number(param: Param, key: str, cell: Any, default: Any, label: str) -> Any:
    low, high = param.widget_range
    if param.kind is int or param.kind is dict and param.step is None:
        low, high = int(low), int(high)
    else:
        low, high = float(low), float(high)
    step = param.step if param.step is not None else (1 if isinstance(low, int) else None)
    if default is None:  # "decide from the data" stays possible: an empty box
        return cell.number_input(label, min_value=low, max_value=high, value=None, step=step, key=key,
                                 help=param.help, placeholder="from the data")
    value = type(low)(default)
    return cell.slider(label, low, high, value, step=type(low)(step) if step else None, key=key, help=param.help,
                       format="percent" if param.share else None)


def glossary_columns(frame: Any, number_format: str = "%.3f", store: str = "store", **formats: str) -> dict[str, Any]:
    """Column headers (the schema's field labels, ``store`` for the store column, the glossary's names)
    and tooltips for the columns of ``frame``; shares read as percentages, whole numbers with separators,
    other glossary numbers get ``number_format`` (or ``formats[column]``)."""
    labels = FIELD_LABELS | {STORE_ID: store}
    config: dict[str, Any] = {column: st.column_config.Column(labels[column])
                              for column in frame.columns if column in labels}
    for column in frame.columns:
        label = labels.get(column, GLOSSARY.get(column, (column,))[0])
        if frame[column].dtype.kind == "M":  # days, not midnight timestamps
            config[column] = st.column_config.DatetimeColumn(label, format="YYYY-MM-DD")
        elif column not in formats and _whole_numbers(frame[column]):  # counts: 6,432 not 6432.000
            config[column] = st.column_config.NumberColumn(label, format="localized")
        if column not in GLOSSARY:
            continue
        title, text = GLOSSARY[column]
        if frame[column].dtype.kind in "fiu":
            default = "percent" if is_share(column) else "localized" if _whole_numbers(frame[column]) else number_format
            config[column] = st.column_config.NumberColumn(title, help=text, format=formats.get(column, default))
        elif frame[column].dtype.kind != "M":
            config[column] = st.column_config.Column(title, help=text)
    return config


def blank_text(frame: Any) -> Any:
    """``frame`` with empty text cells empty (a table would show them as "None")."""
    text = [c for c in frame.columns if frame[c].dtype == object]
    return frame.assign(**{c: frame[c].where(frame[c].notna(), "") for c in text}) if text else frame


def gaps_as_text(frame: Any, points: Collection[str] = ()) -> Any:
    """``frame`` for a small table without "None": empty text cells empty, and each number column with gaps
    (the control group's own difference, say) written as text, its gaps empty: shares as percentages (the
    glossary's shares), differences of two rates in points (``points``), other numbers with separators."""
    def shown(column: str, value: float) -> str:
        if value != value:
            return ""
        if column in points:
            return f"{value * 100:+.1f} points"
        if is_share(column):
            return f"{value:.1%}"
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"

    gaps = [c for c in frame.columns if frame[c].dtype.kind == "f" and frame[c].isna().any()]
    return blank_text(frame.assign(**{c: [shown(c, v) for v in frame[c]] for c in gaps}))


def _whole_numbers(values: Any) -> bool:
    """A numeric column whose every value is a whole number (counts, ids, units)."""
    if values.dtype.kind in "iu":
        return True
    if values.dtype.kind != "f":
        return False
    present = values.dropna()
    return bool(len(present)) and bool((present == present.round()).all())


def download_csv(frame: Any, file_name: str, key: str, label: str = "Download CSV", **sheet: Any) -> None:
    """A CSV download of ``frame`` in the page's words, built when clicked (:func:`ui.downloads.download_table`)."""
    download_table(st, frame, file_name, key, label, **sheet)


def delete_run_and_redraw(run_id: int, open_key: str) -> None:
    """Delete a saved run (an admin's action), forget it as the page's open run, and redraw the page. It
    takes seconds: the workspace file is rewritten without the run, so customers' ids leave it too."""
    with st.spinner("Deleting it for good (the workspace file is rewritten without it)..."):
        workspace().delete_run(run_id)
    st.session_state.pop(open_key, None)
    st.rerun()


def saved_runs(runs: list, table: Any, run_key: str, prefix: str, empty: str) -> None:
    """A page's saved runs: their ``table`` (one row per run), a choice, and buttons to open the
    chosen run (kept in ``st.session_state[run_key]``) or delete it (an admin's action; the
    workspace refuses it for other roles)."""

    if not runs:
        st.info(empty)
        return
    st.dataframe(table, hide_index=True, width="stretch", key=f"{prefix}runs_table")
    numbers = {run.id: run.number for run in runs}
    chosen = st.selectbox("Run", list(numbers), key=f"{prefix}runs_choice", format_func=lambda i: f"run {numbers[i]}")
    open_col, delete_col = st.columns(2)
    if open_col.button("Open this run", key=f"{prefix}runs_open"):
        st.session_state[run_key] = chosen
        st.rerun()
    if delete_col.button("Delete this run", key=f"{prefix}runs_delete"):
        delete_run_and_redraw(chosen, run_key)


def on_bar(bar: Any) -> Callable[[float, str], None]:
    """A library progress callback (``fraction``, ``message``) drawn on a Streamlit progress bar."""
    return lambda fraction, message: bar.progress(min(max(fraction, 0.0), 1.0), text=message)


def run_and_store(dataset: str, start_text: str, work: Callable[[Callable[[float, str], None]], Any],
                  save_run: Callable[[Any, str, Any], Any]) -> Any:
    """A long analysis with a progress bar, stored in the workspace (``save_run(workspace, dataset,
    result)``); refused before the work for a role that may not run analyses. The bar goes away
    however the work ends: a failure shows its message, never a bar frozen at "aggregating the data"."""

    workspace().require("analyse")
    with progress_bar(start_text) as progress:
        result = work(progress)
        progress(1.0, "Saving the run in the workspace...")
        return save_run(workspace(), dataset, result)


@contextmanager
def progress_bar(text: str) -> Iterator[Callable[[float, str], None]]:
    """A progress bar (its callback: ``progress(fraction, message)``) in its own placeholder, gone however
    the work ends: a failure shows its message, never a bar frozen at its last step."""
    slot = st.empty()
    try:
        yield on_bar(slot.progress(0.0, text=text))
    finally:
        slot.empty()


def start_values(scope: str, values: Mapping[str, Any]) -> None:
    """Widgets (by key) start from ``values`` whenever ``scope`` changes (a dataset's version: each dataset
    starts from what fits it), and keep what the user chose otherwise. Widgets using this take no default."""
    marker = "_started_" + "_".join(values)
    if st.session_state.get(marker) != scope:
        st.session_state.update(values)
        st.session_state[marker] = scope


def help_link(section: str, label: str = "What these numbers mean") -> None:
    """A link to this page's section of the Help page."""
    st.page_link("app_pages/help.py", label=label, icon=":material/help:", query_params={"section": section})
