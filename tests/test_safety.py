import pandas as pd

from retail.data.safety import looks_like_formula, neutralise, neutralise_frame
from retail.forecast.export import neutralise as export_neutralise

FORMULAS = ["=1+1", "+cmd|' /C calc'!A0", "@SUM(A1:A9)", "\t=1", "\r=1", "-2+3+cmd|' /C calc'!A0", "-1+1", "-A",
            "-", "- 5"]
PLAIN = ["MUG", "85123A", "-5", "-1.5", "-1,234.50", "-2e3", " =1+1", "a=b", "", "1-1"]


def test_one_rule_for_formulas():
    mask = looks_like_formula(pd.Series(FORMULAS + PLAIN, dtype=pd.StringDtype("pyarrow")))
    assert mask.tolist() == [True] * len(FORMULAS) + [False] * len(PLAIN)
    assert looks_like_formula(pd.Series(FORMULAS + PLAIN, dtype=object)).tolist() == mask.tolist()


def test_only_text_cells_are_formulas():
    mixed = pd.Series(["-1+1", -3.0, pd.Timedelta(days=-1), None, "-7"], dtype=object)
    assert looks_like_formula(mixed).tolist() == [True, False, False, False, False]
    assert not looks_like_formula(pd.Series([-1.0, 2.0])).any()


def test_neutralise_and_frame():
    assert neutralise("-1+1") == "'-1+1" and neutralise("-5") == "-5" and neutralise(-3.0) == -3.0
    frame = pd.DataFrame({"name": ["-2+3+cmd|x", "ok"], "value": [-1.0, 2.0], "=bad": ["a", "b"]})
    safe = neutralise_frame(frame)
    assert safe["name"].tolist() == ["'-2+3+cmd|x", "ok"] and safe["value"].tolist() == [-1.0, 2.0]
    assert list(safe.columns) == ["name", "value", "'=bad"]
    assert frame["name"].tolist() == ["-2+3+cmd|x", "ok"]  # the input is left alone


def test_the_export_uses_the_same_rule():
    assert export_neutralise is neutralise
