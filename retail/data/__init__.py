"""Data in: read a user's file, map its columns, validate it and store it in the workspace.

Modules: :mod:`~retail.data.readers` (CSV / Excel / Parquet), :mod:`~retail.data.parsing`
(dates, numbers), :mod:`~retail.data.schema` (canonical fields, mapping inference),
:mod:`~retail.data.validation` and :mod:`~retail.data.report` (rules and their report),
:mod:`~retail.data.ingest` (file -> validated rows) and :mod:`~retail.data.workspace`
(DuckDB storage). Nothing here imports a model.
"""
