"""Exports of a customer-voice analysis: one row per message (file order) with its topic and unhappy
probability, in CSV or Excel, in the page's words (:mod:`retail.exports`)."""

from __future__ import annotations

import pandas as pd

from retail import exports
from retail.data import schema
from retail.data.schema import FIELD_LABELS
from retail.feedback.analysis import FeedbackResult
from retail.glossary import GLOSSARY

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


def sheet(frame: pd.DataFrame) -> exports.Sheet:
    """The scores as an export (:mod:`retail.exports`: plain headers, probabilities in percent); the file's own
    id column keeps its name."""
    return exports.Sheet(frame, headers={c: c for c in frame.columns if c not in FIELD_LABELS and c not in GLOSSARY})


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    return exports.csv_bytes(sheet(frame))


def to_excel_bytes(frame: pd.DataFrame) -> bytes:
    return exports.workbook({"messages": sheet(frame)})
