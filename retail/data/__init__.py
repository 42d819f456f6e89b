"""Data in: read a user's file, map its columns, validate it and store it in the workspace.

Reading: :mod:`~retail.data.readers` (dispatch: CSV / Excel / Parquet / zip / gzip),
:mod:`~retail.data.sniffing` (encoding, delimiter, header row), :mod:`~retail.data.csv_reader`
(pyarrow, recovering from broken quotes) and :mod:`~retail.data.raw` (what reading returns).
Typing: :mod:`~retail.data.parsing` (dates), :mod:`~retail.data.numeric` (numbers, decimal
marks), :mod:`~retail.data.cleaning` (ids and names). Mapping: :mod:`~retail.data.schema`.
Validation: :mod:`~retail.data.validation` orchestrates :mod:`~retail.data.columns`,
:mod:`~retail.data.checks` and :mod:`~retail.data.line_types` under
:mod:`~retail.data.settings`, collecting :mod:`~retail.data.rules` into a
:mod:`~retail.data.report`. :mod:`~retail.data.safety` is the one formula-injection rule
(validation counts with it, exports neutralise with it). :mod:`~retail.data.ingest` goes from
a file to validated rows and :mod:`~retail.data.workspace` stores them (DuckDB). Nothing here
imports a model.
"""
