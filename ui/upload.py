"""Cached reading and validation of an uploaded file (keyed by the upload's id, not its bytes)."""

from __future__ import annotations

import streamlit as st

from retail.data import messages, schema
from retail.data.ingest import annotate, validate_mapped
from retail.data.readers import RawTable, read_table
from retail.data.validation import ValidationResult, ValidationSettings


@st.cache_resource(max_entries=3, show_spinner="Reading the file...")
def read_upload(file_key: str, name: str, sheet: str | None, _data: bytes) -> RawTable:
    return read_table(_data, name=name, sheet=sheet)


@st.cache_resource(max_entries=6, show_spinner="Validating...")
def validate_upload(file_key: str, name: str, sheet: str | None, mapping: tuple[tuple[str, str], ...],
                    dayfirst: bool | None, _raw: RawTable) -> ValidationResult:
    columns = schema.ColumnMapping(dict(mapping))
    return annotate(_raw, columns, validate_mapped(_raw, columns, ValidationSettings(dayfirst=dayfirst)))


NOT_MAPPED = "(not in file)"


def mapping_editor(columns: list[str], inferred: schema.ColumnMapping, file_key: str) -> dict[str, str]:
    """One select box per field, starting from ``inferred``; returns field -> column for those mapped.
    A customer messages file gets its own fields too (text, rating, answer...)."""
    options = [NOT_MAPPED, *columns]
    mapping = {}
    grid = st.columns(5)
    fields = schema.ALL_FIELDS if messages.is_messages(inferred) else schema.FIELDS
    for index, field in enumerate(fields):
        guess = inferred.get(field)
        chosen = grid[index % 5].selectbox(
            schema.MAPPING_LABELS[field], options, index=options.index(guess) if guess in options else 0,
            key=f"map_{field}_{file_key}", help=schema.FIELD_DESCRIPTIONS[field])
        if chosen != NOT_MAPPED:
            mapping[field] = chosen
    return mapping
