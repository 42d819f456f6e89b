"""Cached reading and validation of an uploaded file (keyed by the upload's id, not its bytes)."""

from __future__ import annotations

import streamlit as st

from retail.data import schema
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
