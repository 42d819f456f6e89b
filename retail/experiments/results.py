"""Campaign results: a file with one row per contacted (or held-out) customer, read with the
project's readers and a small column inference, kept in the workspace as a run.

A results file says, per customer: the **arm** (which offer was sent, or the control group), one
or more **outcomes** (a visit, a purchase: yes / no), optionally **spend**, the **send date** and a
**customer** id; every other column is a customer fact (recency, channel, a segment...) that the
models may use. Columns are recognised by name (``offer``, ``treatment``, ``group``; ``visit``,
``conversion``; ``spend``; ``sent``...), and each can be named explicitly. Outcomes measured after
the mailing (a second outcome, ``exposure``) are never used as customer facts: they would tell the
models the answer.

These files do not go through the sales validation: they hold no sale lines. How they are kept
in the workspace: :mod:`retail.experiments.store`.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from retail.data.cleaning import clean_text
from retail.data.numeric import parse_numbers
from retail.data.parsing import parse_dates
from retail.data.readers import read_table
from retail.data.schema import SYNONYMS, normalise_name
from retail.data.settings import DEFAULT_MISSING_VALUES

logger = logging.getLogger(__name__)

ROW_ID = "__row"  # customer id when the file has none: the row number
MAX_CATEGORIES = 50  # a text column with more distinct values is an id or free text, not a fact
ARM_NAMES = ("arm", "offer", "treatment", "treatmentgroup", "treatmentflg", "treated", "variant", "testgroup",
             "group", "cell", "campaign", "mailing", "mail", "version", "creative", "assignment", "promo")
ARM_PARTS = ("offer", "treatment", "variant", "testgroup", "mailing", "assignment")  # also inside longer names
OUTCOME_NAMES = ("visit", "visited", "visits", "conversion", "converted", "convert", "purchase", "purchased",
                 "bought", "buy", "response", "responded", "responder", "click", "clicked", "open", "opened",
                 "redeemed", "redemption", "order", "ordered", "outcome", "target", "success", "reward", "label")
SPEND_NAMES = ("spend", "spent", "revenue", "sales", "amount", "ordervalue", "basketvalue", "value", "money")
DATE_NAMES = ("senddate", "sentdate", "sent", "sendday", "maildate", "mailed", "campaigndate", "sentat", "date",
              "day", "contactdate")
SEGMENT_NAMES = ("segment", "customersegment", "tier", "cluster", "persona", "rfmsegment")
# Measured after the mailing, so never a customer fact (Criteo's "exposure": the mail was seen).
AFTER_NAMES = ("exposure", "exposed", "opened", "clicked", "delivered", "unsubscribed")
YES_NO_WORDS = ("0", "1", "0.0", "1.0", "false", "true", "no", "yes")
CONTROL_WORDS = ("control", "holdout", "hold out", "none", "no mail", "no e-mail", "no email", "no offer",
                 "not mailed", "untreated", "no contact", "baseline", "0", "false", "no")


@dataclass(frozen=True)
class CampaignColumns:
    """Which column is what. ``None`` leaves it to the inference (or absent, for the optional ones).

    Parameters
    ----------
    arm : the offer / group column; ``control`` the value of the control group in it.
    outcome : the yes / no outcome the models and policies are scored on.
    customer, spend, send_date, segment : optional columns.
    features : customer facts the models use (None: every other usable column).
    treatment : one offer compared with the control group (None: any offer against the control).
    """

    arm: str | None = None
    control: str | None = None
    outcome: str | None = None
    customer: str | None = None
    spend: str | None = None
    send_date: str | None = None
    segment: str | None = None
    features: tuple[str, ...] | None = None
    treatment: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["features"] = None if self.features is None else list(self.features)
        return out

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> CampaignColumns:
        kept = {k: v for k, v in values.items() if k in cls.__dataclass_fields__}
        if kept.get("features") is not None:
            kept["features"] = tuple(kept["features"])
        return cls(**kept)


@dataclass
class CampaignData:
    """A typed campaign: ``frame`` has the file's columns (numbers as floats, outcomes as 0 / 1, arms
    and text as strings, the send date as a date) plus :data:`ROW_ID`; ``columns`` is complete.

    ``outcomes`` are every yes / no outcome found, ``features`` the customer facts, ``notes`` what was
    decided on the user's behalf (one plain sentence each).
    """

    frame: pd.DataFrame
    columns: CampaignColumns
    outcomes: list[str]
    features: list[str]
    source: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def arms(self) -> list[str]:
        """The arms, the control group first, then the offers in file order."""
        values = list(dict.fromkeys(self.frame[self.columns.arm]))
        return [self.columns.control] + [v for v in values if v != self.columns.control]

    @property
    def offers(self) -> list[str]:
        return [arm for arm in self.arms if arm != self.columns.control]

    @property
    def customer(self) -> str:
        return self.columns.customer or ROW_ID

    def outcome(self, name: str | None = None) -> np.ndarray:
        return self.frame[name or self.columns.outcome].to_numpy(dtype=float)

    def spend(self) -> np.ndarray | None:
        return None if self.columns.spend is None else self.frame[self.columns.spend].to_numpy(dtype=float)

    def compared(self) -> pd.DataFrame:
        """The rows of the uplift comparison: the control group and the treatment (one offer or all)."""
        arm = self.frame[self.columns.arm]
        keep = (arm == self.columns.control) | (arm == self.columns.treatment if self.columns.treatment
                                                 else arm != self.columns.control)
        return self.frame[keep.to_numpy()]

    def treated(self, frame: pd.DataFrame | None = None) -> np.ndarray:
        frame = self.frame if frame is None else frame
        return (frame[self.columns.arm] != self.columns.control).to_numpy(dtype=np.int8)

    def with_facts(self, facts: pd.DataFrame, note: str) -> CampaignData:
        """A copy with customer facts joined by customer id (``facts`` indexed by the id)."""
        added = [c for c in facts.columns if c not in self.frame.columns]
        joined = self.frame.join(facts[added], on=self.customer)
        return replace(self, frame=joined, features=self.features + added, notes=[*self.notes, note])


def _match(names: dict[str, str], synonyms: tuple[str, ...], taken: set[str]) -> str | None:
    """The first column whose normalised name equals a synonym, else contains one (longer than 3)."""
    for exact in (True, False):
        for synonym in synonyms:
            for column, norm in names.items():
                if column in taken:
                    continue
                if norm == synonym or (not exact and len(synonym) > 3 and synonym in norm):
                    return column
    return None


def _is_control_word(value: str) -> bool:
    text = str(value).strip().lower().replace("_", " ")
    return text in CONTROL_WORDS or text.startswith(("control", "holdout", "no ", "not ")) or text.endswith("control")


def _guess_arm(frame: pd.DataFrame, names: dict[str, str], taken: set[str]) -> str | None:
    """A column named like an arm, else a column of 2-6 values one of which reads like a control group."""
    for synonyms, exact in ((ARM_NAMES, True), (ARM_PARTS, False)):
        named = next((c for s in synonyms for c, n in names.items() if c not in taken and (n == s or not exact
                                                                                         and s in n)), None)
        if named is not None:
            return named
    for column in frame.columns:
        if column in taken:
            continue
        values = frame[column].dropna().astype(str).unique()
        # 0 / 1 columns are flags (bought men's lines...) unless their name says they are the arm
        named_control = [v for v in values if _is_control_word(v) and v.strip().lower() not in YES_NO_WORDS]
        if 2 <= len(values) <= 6 and named_control:
            return column
    return None


def _require(frame: pd.DataFrame, column: str | None, what: str) -> str | None:
    if column is not None and column not in frame.columns:
        shown = ", ".join(map(str, frame.columns[:15])) + (" ..." if frame.shape[1] > 15 else "")
        raise ValueError(f"The campaign file has no column {column!r} ({what}); its columns are {shown}.")
    return column


def _binary(values: pd.Series) -> pd.Series | None:
    """0 / 1 floats when every present value is yes / no (1, 0, true, false, yes, no), else None."""
    if pd.api.types.is_bool_dtype(values):
        return values.astype(float)
    text = values.dropna().astype(str).str.strip().str.lower()
    words = {"1": 1.0, "0": 0.0, "1.0": 1.0, "0.0": 0.0, "true": 1.0, "false": 0.0, "yes": 1.0, "no": 0.0,
             "y": 1.0, "n": 0.0}
    if text.empty or not text.isin(list(words)).all():
        return None
    return values.astype(str).str.strip().str.lower().map(words).astype(float).where(values.notna())


def _pick(frame: pd.DataFrame, names: dict[str, str], given: str | None, synonyms: tuple[str, ...], taken: set[str],
          what: str) -> str | None:
    """The column given (checked) or the first one named like ``synonyms``."""
    return _require(frame, given, what) if given is not None else _match(names, synonyms, taken)


def _choose_control(values: pd.Series, arm: str, given: str | None, required: bool = True) -> str:
    arms = list(dict.fromkeys(values.dropna()))
    shown = ", ".join(map(str, arms[:8]))
    if given is not None:
        if str(given) not in arms:
            raise ValueError(f"{given!r} is not a value of the column {arm!r} (its values: {shown}); name the "
                             "value that marks the control group (customers who were not contacted).")
        return str(given)
    found = [value for value in arms if _is_control_word(value)]
    if len(found) != 1 and not required:  # a replay treats every arm alike: any one can stand first
        return sorted(map(str, arms))[0]
    if len(found) != 1:
        raise ValueError(f"Which value of the column {arm!r} is the control group (customers who were not "
                         f"contacted)? Its values: {shown}. Name it.")
    return found[0]


def _outcomes(frame: pd.DataFrame, names: dict[str, str], taken: set[str]) -> list[str]:
    """Every yes / no column named like an outcome, in the order of :data:`OUTCOME_NAMES`."""
    found: list[str] = []
    for synonym in OUTCOME_NAMES:
        for column, norm in names.items():
            if column in taken or column in found or not (norm == synonym or (len(synonym) > 3 and synonym in norm)):
                continue
            if _binary(frame[column]) is not None:
                found.append(column)
    return found


def _roles(frame: pd.DataFrame, given: CampaignColumns, need_control: bool = True) -> tuple[CampaignColumns, list[str]]:
    """Every role's column: the ones given (checked), the others inferred from names and contents."""
    names = {column: normalise_name(column) for column in frame.columns}
    for role in ("arm", "outcome", "customer", "spend", "send_date", "segment"):
        _require(frame, getattr(given, role), role.replace("_", " "))
    taken = {c for c in (given.arm, given.outcome, given.customer, given.spend, given.send_date, given.segment) if c}
    arm = given.arm or _guess_arm(frame, names, taken)
    if arm is None:
        raise ValueError("Which column says what each customer was sent (an offer, or the control group)? No column "
                         "looks like one (e.g. 'offer', 'treatment', 'group'): name it.")
    taken.add(arm)
    outcomes = _outcomes(frame, names, taken)
    outcome = given.outcome or (outcomes[0] if outcomes else None)
    if outcome is None:
        raise ValueError("Which column holds the outcome (a visit, a purchase: 1 or 0, yes or no)? No column looks "
                         "like one (e.g. 'visit', 'conversion'): name it.")
    if _binary(frame[outcome]) is None:
        raise ValueError(f"The outcome column {outcome!r} must say yes or no (1 / 0) for every customer; it holds "
                         f"other values (e.g. {', '.join(map(str, frame[outcome].dropna().unique()[:3]))}). Choose a "
                         "yes / no outcome; amounts belong in the spend column.")
    outcomes = [outcome] + [c for c in outcomes if c != outcome]
    taken.update(outcomes)
    ids = ("id", *SYNONYMS["customer_id"])
    columns = CampaignColumns(
        arm=arm, control=_choose_control(_text(frame[arm], missing=()), arm, given.control, need_control),
        outcome=outcome, customer=_pick(frame, names, given.customer, ids, taken, "customer"),
        spend=given.spend or _spend_column(frame, names, taken),
        send_date=_pick(frame, names, given.send_date, DATE_NAMES, taken, "send date"),
        features=given.features, treatment=given.treatment)
    taken.update(c for c in (columns.customer, columns.spend, columns.send_date) if c)
    segment = _pick(frame, names, given.segment, SEGMENT_NAMES, taken, "segment")
    return replace(columns, segment=segment), outcomes


def _spend_column(frame: pd.DataFrame, names: dict[str, str], taken: set[str]) -> str | None:
    column = _match(names, SPEND_NAMES, taken)
    if column is None or _binary(frame[column]) is not None:
        return None
    numbers, failed = parse_numbers(frame[column])
    return column if not failed.any() and numbers.notna().any() else None


def _text(values: pd.Series, is_id: bool = False, missing: tuple[str, ...] = DEFAULT_MISSING_VALUES) -> pd.Series:
    """Cleaned text (``missing`` placeholders read as missing) as Python strings and None."""
    cleaned = clean_text(values, missing, is_id=is_id).values.astype(object)
    return cleaned.where(cleaned.notna(), None)


def _feature_columns(frame: pd.DataFrame, columns: CampaignColumns, outcomes: list[str],
                     decimal_comma: bool) -> tuple[dict[str, pd.Series], list[str]]:
    """Typed customer facts (numbers, or text with few values) and a note per column left out."""
    used = {columns.arm, columns.customer, columns.spend, columns.send_date, *outcomes}
    candidates = list(columns.features) if columns.features is not None else [c for c in frame.columns if c not in used]
    for column in candidates:
        _require(frame, column, "customer fact")
    typed: dict[str, pd.Series] = {}
    after, ids = [], []
    for column in candidates:
        norm = normalise_name(column)
        if columns.features is None and (norm in AFTER_NAMES or norm in OUTCOME_NAMES or norm in SPEND_NAMES):
            after.append(column)  # measured after the mailing: it would tell the models the answer
            continue
        numbers, failed = parse_numbers(frame[column], decimal_comma)
        if not failed.any() and numbers.notna().any():
            typed[column] = numbers.astype(float)
            continue
        text = _text(frame[column])
        if text.nunique() > MAX_CATEGORIES:
            ids.append(column)
            continue
        typed[column] = text.fillna("(missing)")
    notes = []
    if after:
        notes.append(f"Not used as customer facts (measured after the mailing): {', '.join(after)}.")
    if ids:
        notes.append(f"Not used as customer facts (more than {MAX_CATEGORIES} different texts): {', '.join(ids)}.")
    return typed, notes


def _typed(frame: pd.DataFrame, columns: CampaignColumns, outcomes: list[str], decimal_comma: bool) -> pd.DataFrame:
    """The roles' columns typed: arm and customer as text, outcomes 0 / 1, spend a number, the date a date."""
    out = {columns.arm: _text(frame[columns.arm], missing=())}  # "none" can be the control group's name
    out |= {name: _binary(frame[name]) for name in outcomes}
    if columns.customer:
        out[columns.customer] = _text(frame[columns.customer], is_id=True)
    if columns.spend:
        out[columns.spend] = parse_numbers(frame[columns.spend], decimal_comma)[0].fillna(0.0)
    if columns.send_date:
        parsed = parse_dates(frame[columns.send_date])
        if parsed.values.notna().mean() < 0.5:
            raise ValueError(f"The send date column {columns.send_date!r} holds no readable dates (e.g. "
                             f"{frame[columns.send_date].dropna().astype(str).iloc[0]!r}); name another or none.")
        out[columns.send_date] = parsed.values
    return pd.DataFrame(out, index=frame.index)


def campaign_from_frame(frame: pd.DataFrame, columns: CampaignColumns | None = None, source: str = "",
                        decimal_comma: bool = False, need_control: bool = True) -> CampaignData:
    """Type a raw table (text or typed cells) as campaign results; see the module for the roles.

    Without ``need_control`` (a replay, where every arm is alike) an arm column without a control
    group is accepted, its first value standing in for one.

    Raises
    ------
    ValueError
        A named column is missing, no arm or outcome column can be found, the control value is not
        among the arms, an outcome is not yes / no, or fewer than two arms remain.
    """
    if frame.empty:
        raise ValueError(f"The campaign results{f' in {source}' if source else ''} have no rows: there is nothing to "
                         "read out. Load the file with one row per customer of the test.")
    given = columns or CampaignColumns()
    roles, outcomes = _roles(frame, given, need_control)
    typed = _typed(frame, roles, outcomes, decimal_comma)
    facts, notes = _feature_columns(frame, roles, outcomes, decimal_comma)
    features = list(facts)
    if roles.segment and roles.segment not in facts and roles.segment not in typed:
        facts[roles.segment] = _text(frame[roles.segment]).fillna("(missing)")  # shown, not learned from
    table = pd.concat([typed, pd.DataFrame(facts, index=frame.index)], axis=1)
    keep = table[roles.arm].notna() & table[roles.outcome].notna()
    if not keep.all():
        notes.append(f"{int((~keep).sum()):,} rows without an arm or an outcome were left out.")
    table = table[keep.to_numpy()].reset_index(drop=True)
    table[ROW_ID] = np.arange(len(table)).astype(str)
    data = CampaignData(table, roles, outcomes, features, source, notes)
    _check_arms(data)
    return data


def _check_arms(data: CampaignData) -> None:
    arms = data.frame[data.columns.arm].value_counts()
    if len(arms) < 2 or data.columns.control not in arms.index:
        raise ValueError(f"A test needs a control group and at least one offer; the column {data.columns.arm!r} "
                         f"holds only {', '.join(map(str, arms.index)) or 'nothing'}.")
    if data.columns.treatment is not None and data.columns.treatment not in arms.index:
        raise ValueError(f"{data.columns.treatment!r} is not an offer of the column {data.columns.arm!r} (its "
                         f"offers: {', '.join(data.offers)}).")


def read_campaign(source: str | Path | bytes, columns: CampaignColumns | None = None, name: str | None = None,
                  sheet: str | None = None, need_control: bool = True) -> CampaignData:
    """Read a campaign results file (CSV, Excel, Parquet; see :func:`retail.data.readers.read_table`)."""
    raw = read_table(source, name=name, sheet=sheet)
    data = campaign_from_frame(raw.frame, columns, raw.source_name, raw.decimal_comma, need_control)
    logger.info("campaign %s: %d rows, arms %s", raw.source_name, len(data.frame), data.arms)
    return data



def guess_columns(frame: pd.DataFrame) -> CampaignColumns:
    """The roles the inference would choose, None where it finds none (the page's starting values)."""
    names = {column: normalise_name(column) for column in frame.columns}
    arm = _guess_arm(frame, names, set())
    taken = {arm} if arm else set()
    control = None
    if arm:
        try:
            control = _choose_control(_text(frame[arm], missing=()), arm, None)
        except ValueError:
            control = None
    outcomes = _outcomes(frame, names, taken)
    taken.update(outcomes)
    customer = _match(names, ("id", *SYNONYMS["customer_id"]), taken)
    spend = _spend_column(frame, names, taken | {customer})
    send_date = _match(names, DATE_NAMES, taken | {customer, spend})
    segment = _match(names, SEGMENT_NAMES, taken | {customer, spend, send_date})
    return CampaignColumns(arm=arm, control=control, outcome=outcomes[0] if outcomes else None, customer=customer,
                           spend=spend, send_date=send_date, segment=segment)


def yes_no_columns(frame: pd.DataFrame) -> list[str]:
    """Columns whose every value is yes / no (the possible outcomes)."""
    return [column for column in frame.columns if _binary(frame[column]) is not None]
