"""Periods are declared once: labels, seasons and inference agree with independent rules."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from retail import frequency


def test_period_labels_match_the_calendar():
    days = pd.Series(pd.date_range("2023-12-25", "2024-03-05 18:00", freq="13h"))
    weekly = frequency.period_start(days, "W")
    monthly = frequency.period_start(days, "M")
    for stamp, week, month in zip(days, weekly, monthly, strict=True):
        monday = stamp.date() - dt.timedelta(days=stamp.weekday())
        assert week.date() == monday and week.weekday() == 0
        assert month.date() == stamp.date().replace(day=1)
    assert (frequency.period_start(days, "D") == days.dt.normalize()).all()


@pytest.mark.parametrize("code", frequency.CODES)
def test_infer_recovers_the_frequency_and_offsets_step_one_period(code):
    period = frequency.get(code)
    labels = pd.date_range("2022-01-01" if code == "M" else "2022-01-03", periods=30, freq=period.offset)
    assert frequency.infer(labels.to_numpy()) == code
    assert (frequency.period_start(pd.Series(labels), code) == labels).all()
    assert period.period_end(labels[0]) == labels[1] - pd.Timedelta(days=1)


def test_usable_season_needs_two_seasons():
    weekly = frequency.get("W")
    assert weekly.usable_season(104) == 52 and weekly.usable_season(103) == 1
    assert frequency.get("D").usable_season(14) == 7


def test_unknown_codes_and_irregular_labels_say_what_to_do():
    with pytest.raises(ValueError, match="choose one of D"):
        frequency.get("Q")
    with pytest.raises(ValueError, match="10 days apart"):
        frequency.infer(np.array(["2024-01-01", "2024-01-11", "2024-01-21"], dtype="datetime64[ns]"))
