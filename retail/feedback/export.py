"""Exports of a customer-voice analysis: one row per message (file order) with its topic and unhappy
probability, in CSV or Excel, plain headers and formula-safe cells."""

from __future__ import annotations

import io

import pandas as pd

from retail.data import schema
from retail.data.safety import neutralise_frame
from retail.feedback.analysis import FeedbackResult
from retail.glossary import label

ROW = "row"  # the message's position in the file when the file has no message id column
SCORE_COLUMNS = (schema.DATE, schema.PRODUCT_ID, schema.PRODUCT_NAME, schema.CATEGORY, schema.CUSTOMER_ID,
                 schema.RATING, "topic", "topic_name", "unhappy_probability")


def scores_table(result: FeedbackResult, id_column: str | None = None) -> pd.DataFrame:
    """One row per message in file order: its id (under the file's own column name ``id_column``, else
    its row), then date, product, customer, rating, topic and the probability of an unhappy customer."""
    messages = result.messages
    first = id_column or ROW
    kept = [c for c in SCORE_COLUMNS if c in messages and (c in ("topic", "unhappy_probability")
                                                           or messages[c].notna().any())]
    table = messages[[schema.MESSAGE_ID, *kept]].rename(columns={schema.MESSAGE_ID: first})
    table["topic"] = table["topic"].where(table["topic"] >= 0)
    return table.astype({"topic": "Int64"})


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """Plain headers (the schema's field names, else glossary labels); the file's own id column keeps its name."""
    return frame.rename(columns={c: schema.FIELD_LABELS.get(c) or label(c) for c in frame.columns})


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    return neutralise_frame(readable(frame)).to_csv(index=False, date_format="%Y-%m-%d").encode("utf-8")


def to_excel_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter", datetime_format="yyyy-mm-dd",
                        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}}) as writer:
        neutralise_frame(readable(frame)).to_excel(writer, sheet_name="messages", index=False)
    return buffer.getvalue()
