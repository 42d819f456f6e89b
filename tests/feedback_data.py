"""Small customer-message files for the feedback tests: the benchmark's synthetic service messages
(known intents, answers, a rising complaint) at a small size, and tiny hand-written reviews."""

from __future__ import annotations

import sys

import pandas as pd

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from feedback_synthetic import messages, sales_for  # noqa: E402

__all__ = ["messages", "sales_for", "reviews_csv"]

REVIEWS = """Review ID,Date,Product,Title,Review Text,Rating,Customer
R1,2024-01-02,Dress,Love it,Beautiful dress and fits perfectly,5,C1
R2,2024-01-03,Dress,Too small,Runs small and the zipper broke,1,C2
R3,2024-01-04,Jacket,,Warm jacket and great quality,5,C3
R4,2024-01-05,Jacket,Awful,Poor quality and it arrived torn,1,C1
R5,2024-01-06,Dress,,,4,C4
R6,2024-01-07,Jacket,Nice,Great colour and soft fabric,9,C5
R4,2024-01-05,Jacket,Awful,Poor quality and it arrived torn,1,C1
R7,someday,Dress,Meh,It is okay but the fabric is thin,3,C6
"""


def reviews_csv(path) -> str:
    path.write_text(REVIEWS)
    return str(path)


def frame(n: int = 600, seed: int = 0) -> pd.DataFrame:
    return messages(n, seed)
