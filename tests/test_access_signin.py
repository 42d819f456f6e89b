"""Sign-in that cannot be raced or abused: attempts are counted before the slow argon2 check (12 at
once, at most 5 checked), limits per name and client, per client and per name, refusals logged,
a password policy, and single sign-on that admits only listed accounts unless an admin opts in."""

from __future__ import annotations

import threading
import time

import pytest

from retail.access import audit, signin, users
from retail.cli import main
from retail.data.workspace import Workspace

PASSWORD = "correct horse battery"


@pytest.fixture
def accounts(tmp_path, monkeypatch):
    monkeypatch.setenv("RETAIL_ACCESS_FILE", str(tmp_path / "access.toml"))
    users.add_user("ada", "admin", PASSWORD)
    users.add_user("vic", "viewer", PASSWORD)


def attempt(workspace: Workspace, name: str, password: str, client: str | None = "192.0.2.7") -> str:
    """``"ok"`` or the refusal's sentence."""
    try:
        signin.sign_in(workspace, name, password, client)
        return "ok"
    except signin.SignInRefused as refused:
        return str(refused)


def test_parallel_attempts_cannot_pass_the_limit(accounts, workspace_location, monkeypatch):
    """12 wrong passwords sent at once for one name (the limit 5): every one refused, and the slow check
    ran at most 5 times (12 ran before: the count was read before the check and written after it)."""
    workspace = Workspace(**workspace_location)
    checked, verify = [], users.verify
    monkeypatch.setattr(users, "verify", lambda *args: checked.append(1) or verify(*args))
    start = threading.Barrier(12)
    outcomes = []

    def one() -> None:
        start.wait()
        outcomes.append(attempt(workspace, "ada", "wrong password"))

    threads = [threading.Thread(target=one) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert "ok" not in outcomes and len(outcomes) == 12
    assert len(checked) <= signin.PER_NAME_AND_CLIENT  # often fewer: a burst counted all at once is refused whole
    log = audit.read(workspace)
    assert (log["action"] == "sign-in refused").sum() == 12 - len(checked)
    while attempt(workspace, "ada", "wrong password") == "Wrong name or password.":  # the rest, one by one
        pass
    assert len(checked) == signin.PER_NAME_AND_CLIENT  # over everything, exactly the limit was checked
    assert attempt(workspace, "ada", PASSWORD).startswith("Too many failed sign-ins")


def test_a_colleague_is_not_locked_out_from_another_machine(accounts, tmp_path):
    workspace = Workspace(home=tmp_path / "home")
    for _ in range(signin.PER_NAME_AND_CLIENT):
        assert attempt(workspace, "ada", "wrong password", "192.0.2.66") == "Wrong name or password."
    assert attempt(workspace, "ada", PASSWORD, "192.0.2.66").startswith("Too many failed sign-ins")
    assert attempt(workspace, "ada", PASSWORD, "198.51.100.4") == "ok"  # ada at her own desk
    refused = audit.read(workspace, "sign-in refused").iloc[0]
    assert refused["actor"] == "ada" and "from 192.0.2.66; the password was not checked" in refused["detail"]
    assert PASSWORD not in audit.read(workspace).to_string()


def test_one_client_trying_many_names_is_stopped(accounts, tmp_path, monkeypatch):
    monkeypatch.setattr(signin, "PER_CLIENT", 6)
    workspace = Workspace(home=tmp_path / "home")
    for index in range(6):
        assert attempt(workspace, f"guess{index}", "wrong password", "203.0.113.9") == "Wrong name or password."
    assert attempt(workspace, "vic", PASSWORD, "203.0.113.9").startswith("Too many failed sign-ins")
    assert attempt(workspace, "vic", PASSWORD, "198.51.100.4") == "ok"
    assert "failed sign-ins from this client" in audit.read(workspace, "sign-in refused")["detail"].iloc[0]


def test_guessing_one_name_from_many_clients_locks_the_name(accounts, tmp_path, monkeypatch):
    monkeypatch.setattr(signin, "PER_NAME", 8)
    workspace = Workspace(home=tmp_path / "home")
    for index in range(8):
        assert attempt(workspace, "ada", "wrong password", f"192.0.2.{index}") == "Wrong name or password."
    assert attempt(workspace, "ada", PASSWORD, "198.51.100.4").startswith("Too many failed sign-ins")
    assert attempt(workspace, "vic", PASSWORD, "198.51.100.4") == "ok"


def test_old_failures_expire(accounts, tmp_path, monkeypatch):
    import pandas as pd

    from retail.access import signin as module

    workspace = Workspace(home=tmp_path / "home")
    for _ in range(signin.PER_NAME_AND_CLIENT):
        attempt(workspace, "ada", "wrong password")
    later = module.now() + pd.Timedelta(minutes=signin.LOCK_MINUTES + 1)
    monkeypatch.setattr(module, "now", lambda: later)
    assert attempt(workspace, "ada", PASSWORD) == "ok"


def test_the_password_policy(tmp_path):
    access = tmp_path / "access.toml"
    for weak in (" " * 10, "  short   ", "\tnine char\n"):
        with pytest.raises(ValueError, match="at least 10 characters \\(spaces around it do not count\\)"):
            users.add_user("eve", "viewer", weak, access)
    with pytest.raises(ValueError, match="at most 256 characters"):
        users.add_user("eve", "viewer", "x" * 257, access)
    assert users.add_user("eve", "viewer", " a long enough one ", access).name == "eve"
    assert users.verify("eve", " a long enough one ", access) is not None  # kept as typed
    started = time.monotonic()
    assert users.verify("eve", "x" * 1024 * 1024, access) is None  # a megabyte is not hashed
    assert time.monotonic() - started < 0.05


def test_add_user_lets_in_only_listed_single_sign_on_accounts(tmp_path):
    access = tmp_path / "access.toml"
    users.add_user("ada", "admin", PASSWORD, access)
    assert 'unlisted_role = ""' in access.read_text() and "default_role" not in access.read_text()
    assert users.load(access).sso_role("anyone@example.com") is None
    access.write_text(access.read_text().replace('unlisted_role = ""', 'unlisted_role = "viewer"'))  # an admin opts in
    assert users.load(access).sso_role("anyone@example.com") == "viewer" and users.load(access).notes == []
    users.add_user("vic", "viewer", PASSWORD, access)  # and add-user keeps that choice
    assert users.load(access).sso_role("anyone@example.com") == "viewer"


def test_an_old_default_role_line_is_not_honoured_and_says_so(tmp_path, monkeypatch, capsys):
    """add-user wrote default_role = "viewer" into every file before issue 22: such a file must not let
    strangers in silently. It lets in only listed people, says why and how to opt in, and loses the line
    when add-user writes the file again."""
    access = tmp_path / "access.toml"
    users.add_user("ada", "admin", PASSWORD, access)
    old = access.read_text().replace('unlisted_role = ""', 'default_role = "viewer"')
    access.write_text(old.replace("[sso.roles]", '[sso.roles]\n"bo@example.com" = "analyst"'))
    config = users.load(access)
    assert config.sso_role("stranger@example.com") is None and config.sso_role("bo@example.com") == "analyst"
    [note] = config.notes
    assert 'default_role = "viewer"' in note and "not honoured" in note and 'unlisted_role = "viewer"' in note
    monkeypatch.setenv("RETAIL_ACCESS_FILE", str(access))
    assert main(["users"]) == 0
    out, err = capsys.readouterr()
    assert "anyone else" not in out and "not honoured" in err
    users.add_user("vic", "viewer", PASSWORD, access)  # the migration keeps the stricter meaning
    assert "default_role" not in access.read_text() and users.load(access).notes == []
    assert users.load(access).sso_role("stranger@example.com") is None
