"""Speed work on reading and validation must not change a single outcome.

``tests/data/validation_digests.json`` holds, per file, the validation report (every rule, count and
example) and a digest of the clean rows (values and types), recorded before the validation path was
made faster (issue 28). Each file is validated again through ``ingest`` (what ``python -m retail
validate``, ``import`` and the Data page call) and compared. A deliberate change of a rule's outcome
regenerates the record: ``.venv/bin/python tests/test_validation_unchanged.py --write``.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from retail.data.ingest import ingest  # noqa: E402
from retail.data.readers import ReadError  # noqa: E402
from retail.data.validation import ValidationError  # noqa: E402

RECORD = ROOT / "tests" / "data" / "validation_digests.json"
FILES = ["sample_data/online_retail.parquet", "sample_data/demo_upload.csv",
         *sorted(f"tests/data/bad/{p.name}" for p in (ROOT / "tests" / "data" / "bad").glob("*.csv") if p.is_file())]


def digest(relative: str) -> dict:
    """The report and a digest of the clean rows of one file (or the error it is refused with)."""
    try:
        ingested = ingest(ROOT / relative)
    except (ReadError, ValidationError, ValueError) as exc:
        return {"refused": str(exc)}
    frame = ingested.result.frame
    report = ingested.result.report.to_dict()
    report["source"] = Path(relative).name
    types = [f"{column}: {kind}" for column, kind in frame.dtypes.items()]
    return {"report": report, "columns": len(types), "dtypes": types[:40],  # a 10,000-column file: the first 40
            "rows": int(pd.util.hash_pandas_object(frame.astype(object), index=False).sum() % 2**63)}


def undated(outcome: dict) -> dict:
    """The outcome without the future-dates rule's cut-off in its title: the cut-off follows today's
    date (a record made yesterday must still match), its count and examples stay compared."""
    for rule in outcome.get("report", {}).get("rules", []):
        rule["title"] = re.sub(r"\(after \d{4}-\d{2}-\d{2}\)", "(after today)", rule["title"])
    return outcome


@pytest.mark.parametrize("relative", FILES)
def test_validation_outcome_is_unchanged(relative: str) -> None:
    recorded = json.loads(RECORD.read_text())
    assert relative in recorded, f"no record for {relative}: run this module with --write"
    assert undated(json.loads(json.dumps(digest(relative), default=str))) == undated(recorded[relative])


if __name__ == "__main__" and "--write" in sys.argv:
    RECORD.write_text(json.dumps({f: digest(f) for f in FILES}, indent=1, default=str, sort_keys=True) + "\n")
    print(f"wrote {RECORD}")
