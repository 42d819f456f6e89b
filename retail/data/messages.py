"""Customer messages: a file where one row is one product review or one service message.

Such a file is recognised by a column of free text named like a review or a message (``Review
Text``, ``message``, ``comment``, ``body``...). Its other columns are matched as a sales file's
are (date, product code and name, category, customer) plus the message fields of
:data:`retail.data.schema.MESSAGE_FIELDS` (title, rating, channel, the intent an agent chose, the
answer sent, the message's own id). Validation reports, never silently:

* messages with neither text nor title are dropped;
* exact repeats (same text, customer, product and date) are dropped, the first copy kept;
* ratings that are not numbers or fall outside the file's scale (1-5, 0-10 or 0-100) are cleared
  (the message is kept);
* dates are read as in a sales file (unreadable and future dates dropped); a file without dates
  is kept, without trends over time.

The rows are stored like a sales dataset's (the canonical columns, ``line_type`` = ``message``,
no quantities), so the workspace, the trash, forgetting a customer and pseudonymised exports
treat them as every other dataset.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from retail.data import checks, columns, schema
from retail.data.cleaning import as_text, clean_text
from retail.data.parsing import read_numbers
from retail.data.readers import RawTable
from retail.data.report import ValidationReport
from retail.data.rules import Rules, ValidationError, keep_rows
from retail.data.settings import ValidationSettings
from retail.data.validation import ValidationResult, file_columns, note_read_problems

MESSAGE = "message"  # the line_type of every row of a customer messages dataset
RATING_SCALES = (5.0, 10.0, 100.0)
MIN_WORDS = 3.0  # median words per value: free text, not a name or a code

SYNONYMS: dict[str, tuple[str, ...]] = {
    schema.TEXT: ("reviewtext", "review", "text", "message", "messagetext", "comment", "comments", "body",
                  "feedback", "reviewbody", "complaint", "question", "customermessage", "verifiedreviews", "reviews",
                  "reviewcontent", "messagebody", "opinion"),
    schema.TITLE: ("title", "reviewtitle", "summary", "subject", "headline", "reviewsummary", "reviewheadline"),
    schema.RATING: ("rating", "stars", "star", "score", "starrating", "reviewrating", "overallrating", "reviewscore",
                    "ratingvalue", "grade", "satisfaction", "csat"),
    schema.CHANNEL: ("channel", "source", "medium", "via", "contactchannel", "platform"),
    schema.INTENT: ("intent", "topic", "reason", "issuetype", "casetype", "requesttype", "tag",
                    "contactreason", "queue", "label", "issue"),
    schema.ANSWER: ("answer", "reply", "response", "agentreply", "agentresponse", "answersent", "resolution",
                    "agentanswer", "replytext", "responsetext"),
    schema.MESSAGE_ID: ("messageid", "reviewid", "ticketid", "caseid", "commentid", "id", "ticket", "case",
                        "ticketno", "caseno", "conversationid"),
}
FREE_TEXT_FIELDS = (schema.TEXT, schema.TITLE, schema.ANSWER)
SALES_NUMBERS = (schema.QUANTITY, schema.UNIT_PRICE, schema.REVENUE)


def _median_words(values: pd.Series) -> float:
    sample = values.head(2000).dropna().astype(str).head(300)
    return float(sample.str.split().str.len().median()) if len(sample) else 0.0


def _named(frame: pd.DataFrame, field: str, taken: set[str]) -> list[str]:
    """The free columns named like ``field``: exact names first, then names containing a synonym."""
    names = {column: schema.normalise_name(column) for column in frame.columns if column not in taken}
    found: list[str] = []
    for exact in (True, False):
        for synonym in SYNONYMS[field]:
            found += [column for column, name in names.items() if column not in found
                      and (name == synonym if exact else (len(synonym) > 4 and synonym in name))]
    return found


def message_columns(frame: pd.DataFrame) -> dict[str, str]:
    """The message fields of ``frame`` (field -> column); empty when it is not a messages file.

    The text column must be named like a message and hold free text (several words per value);
    the other fields are then matched by name.
    """
    text = next((c for c in _named(frame, schema.TEXT, set()) if _median_words(frame[c]) >= MIN_WORDS), None)
    if text is None:
        return {}
    found, taken = {schema.TEXT: text}, {text}
    for field in schema.MESSAGE_FIELDS[1:]:
        fits = _mostly_numbers if field == schema.RATING else (lambda values: True)
        column = next((c for c in _named(frame, field, taken) if fits(frame[c])), None)
        if column is not None:
            found[field] = column
            taken.add(column)
    return found


def _mostly_numbers(values: pd.Series) -> bool:
    return bool(pd.to_numeric(values.head(2000), errors="coerce").notna().mean() > 0.5)


def infer_mapping(frame: pd.DataFrame) -> schema.ColumnMapping:
    """The mapping of a messages file (its message fields, then the sales fields matched on the
    other columns), or the sales mapping when ``frame`` is no messages file."""
    found = message_columns(frame)
    if not found:
        return schema.infer_mapping(frame)
    rest = frame.drop(columns=list(found.values()))
    product = _product_code(rest)
    if product is not None:
        rest = rest.drop(columns=[product])
    sales = {field: column for field, column in schema.infer_mapping(rest).to_dict().items()
             if field not in SALES_NUMBERS and (field == schema.DATE or _named_like(field, column))}
    if product is not None and schema.PRODUCT_ID not in sales:
        sales[schema.PRODUCT_ID] = product
    return schema.ColumnMapping(sales | found)


def _named_like(field: str, column: str) -> bool:
    """Whether a sales field was matched by its column's name (contents alone are no evidence here:
    beside reviews, any column of words would pass for product names)."""
    name = schema.normalise_name(column)
    return any(name == synonym or (len(synonym) > 3 and synonym in name) for synonym in schema.SYNONYMS[field])


def _product_code(frame: pd.DataFrame) -> str | None:
    """A column named '<something> id' repeated across rows (``Clothing ID``): the product reviewed."""
    for column in frame.columns:
        name = schema.normalise_name(column)
        if not name.endswith("id") or any(word in name for word in ("customer", "user", "member", "client")):
            continue
        values = frame[column].dropna()
        if len(values) and values.nunique() <= 0.5 * len(values):
            return column
    return None


def is_messages(mapping: schema.ColumnMapping | dict[str, str]) -> bool:
    columns = mapping.to_dict() if isinstance(mapping, schema.ColumnMapping) else mapping
    return schema.TEXT in columns


def validate_messages(raw: RawTable, mapping: schema.ColumnMapping,
                      settings: ValidationSettings | None = None) -> ValidationResult:
    """Type, check and clean a messages file (see the module docstring).

    Raises
    ------
    ValidationError
        No text column, a mapped column missing from the file, or no message left.
    """
    settings = settings or ValidationSettings()
    source = raw.frame
    absent = {f: c for f, c in mapping.columns.items() if c not in source.columns}
    if absent or not is_messages(mapping):
        raise ValidationError(f"A customer messages file needs its text column mapped to 'text' (--map text=COLUMN), "
                              f"and mapped columns must exist (missing: {absent or 'none'}). "
                              f"The file's columns: {file_columns(source)}.")
    rules = Rules(np.arange(1, len(source) + 1))
    note_read_problems(raw, rules)
    frame = pd.DataFrame(index=source.index)
    date_format = _type_dates(frame, source, mapping, settings, rules)
    columns.type_text(frame, source, mapping, settings, rules)
    _type_message_text(frame, source, mapping, settings, rules)
    _type_rating(frame, source, mapping, raw.decimal_comma, rules)
    _check_messages(frame, source, mapping, rules)
    extras = columns.extra_columns(source, mapping, raw.decimal_comma)
    extras.columns = [f"extra_{c}" if c in schema.MESSAGE_FIELDS else c for c in extras.columns]
    kept = ~rules.drop
    clean = keep_rows(pd.concat([frame, extras], axis=1), kept).reset_index(drop=True)
    clean = _canonical(clean, list(extras.columns))
    checks.check_formulas(clean, rules.subset(kept))
    if clean.empty:
        raise ValidationError("No message remains after validation: every row was empty, repeated or unreadable. "
                              "Check that the text column is mapped to 'text'.")
    return ValidationResult(clean, _report(raw, mapping, clean, rules, date_format))


def _type_dates(frame: pd.DataFrame, source: pd.DataFrame, mapping: schema.ColumnMapping,
                settings: ValidationSettings, rules: Rules) -> str:
    if mapping.get(schema.DATE) is None:
        frame[schema.DATE] = pd.Series(pd.NaT, index=source.index, dtype="datetime64[ns]")
        rules.note("no_dates", "No date column", len(source),
                   "kept; topics and unhappy messages are found, but not their trends over time")
        return ""
    parsed = columns.type_dates(frame, source, mapping, settings, rules)
    checks.check_future(frame, settings, rules)
    return parsed.date_format


def _type_message_text(frame: pd.DataFrame, source: pd.DataFrame, mapping: schema.ColumnMapping,
                       settings: ValidationSettings, rules: Rules) -> None:
    for field in schema.MESSAGE_FIELDS:
        column = mapping.get(field)
        if field == schema.RATING:
            continue
        if column is None:
            frame[field] = pd.Series(pd.NA, index=source.index, dtype="string")
            continue
        cleaned = clean_text(source[column], settings.missing_values, is_id=field == schema.MESSAGE_ID)
        frame[field] = as_text(cleaned.values)


def _type_rating(frame: pd.DataFrame, source: pd.DataFrame, mapping: schema.ColumnMapping, decimal_comma: bool,
                 rules: Rules) -> None:
    """Ratings as numbers on the file's scale; values that are no number or off the scale are cleared."""
    column = mapping.get(schema.RATING)
    if column is None:
        frame[schema.RATING] = np.nan
        return
    parsed = read_numbers(source[column], decimal_comma)
    values = parsed.values.astype(float)
    scale = rating_scale(values)
    off = (values < 0) | (values > scale) | parsed.failed.to_numpy()
    off &= source[column].notna().to_numpy()
    rules.add("rating_out_of_range", f"Ratings that are not a number from 0 to {scale:g}", off,
              "rating cleared; the message is kept", {column: source[column]})
    frame[schema.RATING] = np.where(off, np.nan, values)


def rating_scale(values: np.ndarray | pd.Series) -> float:
    """The top of the rating scale: 5, 10 or 100, the smallest holding most (80%) ratings (a few typed
    '9' among stars out of 5 are errors, while a 0-10 scale has most of its ratings above 5)."""
    present = np.asarray(values, dtype=float)
    present = present[np.isfinite(present) & (present >= 0)]
    if not len(present):
        return RATING_SCALES[0]
    top = float(np.quantile(present, 0.8))
    return next((scale for scale in RATING_SCALES if top <= scale), RATING_SCALES[-1])


def _check_messages(frame: pd.DataFrame, source: pd.DataFrame, mapping: schema.ColumnMapping, rules: Rules) -> None:
    empty = (frame[schema.TEXT].isna() & frame[schema.TITLE].isna()).to_numpy() & ~rules.drop
    rules.add("empty_messages", "Messages without text", empty, "row dropped",
              {mapping.get(schema.TEXT): source[mapping.get(schema.TEXT)]}, drop=True)
    key = frame[[schema.TEXT, schema.TITLE, schema.CUSTOMER_ID, schema.PRODUCT_ID, schema.DATE]]
    repeated = key.duplicated(keep="first").to_numpy() & ~rules.drop & frame[schema.TEXT].notna().to_numpy()
    rules.add("duplicate_messages", "The same message twice (same text, customer, product and date)", repeated,
              "dropped (the first copy is kept)", {mapping.get(schema.TEXT): source[mapping.get(schema.TEXT)]},
              drop=True)


def _canonical(clean: pd.DataFrame, extras: list[str]) -> pd.DataFrame:
    """The stored layout: canonical columns (no quantities; ``line_type`` message), message fields, extras."""
    numbers = {field: np.nan for field in SALES_NUMBERS}
    clean = clean.assign(**numbers, **{schema.LINE_TYPE: MESSAGE})
    text_fields = [*schema.TEXT_FIELDS, *(f for f in schema.MESSAGE_FIELDS if f != schema.RATING)]
    clean = clean.assign(**{name: as_text(clean[name]) for name in text_fields})
    return clean[[*schema.CANONICAL_COLUMNS, *schema.MESSAGE_FIELDS, *extras]]


def _report(raw: RawTable, mapping: schema.ColumnMapping, clean: pd.DataFrame, rules: Rules,
            date_format: str) -> ValidationReport:
    dates = clean[schema.DATE].dropna()
    return ValidationReport(
        usable=len(clean) > 0, rows_read=len(raw.frame) + raw.broken_row_count, rows_kept=len(clean),
        mapping=mapping.to_dict(), rules=rules.results,
        date_range=(str(dates.min().date()), str(dates.max().date())) if len(dates) else None,
        date_format=date_format, source=raw.source_name, read_as=raw.describe(),
        line_types={MESSAGE: len(clean)},
    )
