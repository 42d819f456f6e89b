"""The read memo: one query per few seconds, forgotten at once when this process writes."""

from __future__ import annotations

from retail.data.ingest import import_file
from retail.data.reads import ReadMemo, WriteLock
from retail.data.workspace import Workspace
from tests.conftest import transactions_csv


def counting(answers: list) -> tuple[list[int], object]:
    calls = [0]

    def read():
        calls[0] += 1
        return answers[min(calls[0], len(answers)) - 1]

    return calls, read


def test_answers_are_kept_for_the_ttl_and_copies_are_handed_out():
    memo = ReadMemo(ttl=60, lock=WriteLock())
    calls, read = counting([{"k": [1, 2]}])
    first = memo.get("key", read)
    first["k"].append(3)  # a caller changing its answer changes nobody else's
    assert memo.get("key", read) == {"k": [1, 2]} and calls[0] == 1
    assert memo.get("other", read) == {"k": [1, 2]} and calls[0] == 2  # keys are apart


def test_a_write_forgets_and_a_zero_ttl_never_keeps():
    lock = WriteLock()
    memo = ReadMemo(ttl=60, lock=lock)
    calls, read = counting(["before", "after"])
    assert memo.get("key", read) == "before"
    with lock:
        pass
    assert memo.get("key", read) == "after" and calls[0] == 2
    off = ReadMemo(ttl=0, lock=lock)
    off_calls, off_read = counting(["a", "b"])
    assert [off.get("key", off_read), off.get("key", off_read)] == ["a", "b"] and off_calls[0] == 2


def test_the_workspace_write_lock_counts_every_write(tmp_path):
    from retail.data.reads import WRITE_LOCK

    workspace = Workspace(tmp_path)
    memo = ReadMemo(ttl=60)
    assert memo.get("datasets", workspace.list_datasets) == []
    import_file(workspace, transactions_csv(["01/02/2011,A,Mug,2,1.50,c1,London,1"]), "shop", file_name="t.csv")
    before = WRITE_LOCK.generation
    assert [d.name for d in memo.get("datasets", workspace.list_datasets)] == ["shop"]
    workspace.save_preferences("shop", "display", {"currency": "EUR"})
    assert WRITE_LOCK.generation > before
