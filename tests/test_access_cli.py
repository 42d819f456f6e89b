"""The access commands: accounts (nothing secret printed), trash and restore, audit log, forgetting a
customer, retention, pseudonyms, and the check `make serve` runs."""

from __future__ import annotations

import io
import subprocess
import sys

import pandas as pd
import pytest

from retail.access import users
from retail.cli.main import main
from tests.conftest import ROOT, transactions_csv

CSV = transactions_csv(["01/02/2011,A,Mug,2,1.50,c1,London,1", "02/02/2011,B,Cup,1,2.00,c2,Leeds,2",
                        "03/02/2011,A,Mug,3,1.50,c1,London,3"])
PASSWORD = "correct horse battery"


@pytest.fixture
def shop(workspace_home, tmp_path, monkeypatch):
    monkeypatch.delenv("RETAIL_DATABASE_URL", raising=False)
    monkeypatch.setenv("RETAIL_ACCESS_FILE", str(tmp_path / "access.toml"))
    path = tmp_path / "shop.csv"
    path.write_bytes(CSV)
    assert main(["import", str(path), "--name", "shop"]) == 0
    return path


def test_add_user_reads_stdin_and_prints_nothing_secret(shop, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["add-user", "vic", "--role", "viewer"]) == 0
    out = capsys.readouterr().out
    assert "vic may now sign in as viewer" in out and PASSWORD not in out and "argon2" not in out
    text = (tmp_path / "access.toml").read_text()
    assert PASSWORD not in text and "$argon2id$" in text
    assert (tmp_path / "access.toml").stat().st_mode & 0o077 == 0  # readable by its owner only
    assert users.verify("vic", PASSWORD).role == "viewer" and users.verify("vic", "wrong password") is None
    assert users.verify("nobody", PASSWORD) is None
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    assert main(["add-user", "eve"]) == 2
    assert "at least 10 characters" in capsys.readouterr().err
    assert main(["users"]) == 0 and capsys.readouterr().out.strip() == "vic\tviewer"


def test_check_sign_in_is_what_make_serve_asks(shop, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # no .streamlit/secrets.toml here
    monkeypatch.setattr(users, "SECRETS_FILES", (tmp_path / ".streamlit" / "secrets.toml",))
    assert main(["check-sign-in"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "python -m retail add-user NAME --role admin" in err
    users.add_user("ada", "admin", PASSWORD)
    assert main(["check-sign-in"]) == 0


def test_single_sign_on_counts_as_configured(tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\ncookie_secret = "x"\n'
                       'client_id = "retail"\nclient_secret = "s"\n'
                       'server_metadata_url = "http://127.0.0.1:9/.well-known/openid-configuration"\n')
    assert users.sso_configured((secrets,)) and not users.sso_configured((tmp_path / "none.toml",))
    config = users.AccessConfig(sso_default_role="", sso_roles={"bo@example.com": "analyst"})
    assert config.sso_role("Bo@Example.com") == "analyst" and config.sso_role("eve@example.com") is None


def test_make_serve_refuses_without_sign_in_and_make_run_stays_on_this_machine(tmp_path):
    makefile = (ROOT / "Makefile").read_text()
    run = makefile.split("\nrun:")[1].split("\n\n")[0]
    assert "--server.address 127.0.0.1" in run
    serve = makefile.split("\nserve:")[1].split("\n\n")[0]
    assert "--client.showErrorDetails none" in serve  # tracebacks stay in the server log
    assert "address = \"127.0.0.1\"" in (ROOT / ".streamlit" / "config.toml").read_text()
    env = {"RETAIL_HOME": str(tmp_path / "home"), "RETAIL_ACCESS_FILE": str(tmp_path / "access.toml"),
           "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run(["make", "-s", "serve", f"BIN={sys.executable.rsplit('/', 1)[0]}", "RUN_STAMP="],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "Sign-in is not configured: create an account with `python -m retail add-user" in done.stderr


def test_trash_restore_and_audit_from_the_command_line(shop, capsys, tmp_path):
    assert main(["import", str(shop), "--name", "shop", "--replace"]) == 0
    capsys.readouterr()
    assert main(["trash"]) == 0
    listed = capsys.readouterr().out
    assert listed.startswith("shop\t3 rows\treplaced by local user")
    assert main(["restore", "shop", "--as", "shop before"]) == 0
    assert "restored dataset 'shop before' (3 rows)" in capsys.readouterr().out
    assert main(["forget-customer", "c1"]) == 0
    said = capsys.readouterr().out
    assert said.startswith("4 rows removed from shop (2), shop before (2).") and "c1" not in said
    assert main(["audit", "--csv", str(tmp_path / "log.csv")]) == 0
    log = pd.read_csv(tmp_path / "log.csv")
    assert log["what"].tolist() == ["forget customer", "restore", "replace", "upload"]
    assert set(log["who"]) == {"local user"} and not log.astype(str).apply(lambda c: c.str.contains("c1")).any().any()
    assert main(["empty-trash"]) == 0 and "The trash was empty." in capsys.readouterr().out


def test_a_lower_local_role_is_refused_in_one_line(shop, monkeypatch, capsys):
    monkeypatch.setenv("RETAIL_LOCAL_ROLE", "analyst")
    assert main(["forget-customer", "c1"]) == 2
    assert capsys.readouterr().err.strip() == ("error: local user signed in as analyst may not forget a customer, "
                                               "apply retention or change how customers appear in exports; that "
                                               "needs the admin role (ask an admin).")


def test_retention_and_pseudonymise_commands(shop, capsys):
    assert main(["retention", "--months", "1", "--as-of", "2011-03-03"]) == 0
    assert "shop: 2 old line items rolled up into 2 day totals" in capsys.readouterr().out
    assert main(["pseudonymise", "on"]) == 0 and "pseudonym" in capsys.readouterr().out
