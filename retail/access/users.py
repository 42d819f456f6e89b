"""Local accounts and single sign-on roles, in one small config file with argon2 password hashes.

The file (``$RETAIL_ACCESS_FILE``, default ``<workspace folder>/access.toml``) looks like::

    [users.alice]
    role = "admin"
    password = "$argon2id$v=19$m=65536,t=3,p=4$..."

    [sso]                       # people the identity provider signs in (st.login)
    unlisted_role = ""          # "" (the default) lets in only the people listed below; an admin
    [sso.roles]                 # who writes "viewer" lets in anyone the provider signs in
    "bob@example.com" = "analyst"

Only hashes are stored; ``python -m retail add-user`` writes it (readable by its owner only).

``default_role``, the key files had before ``unlisted_role``, is not honoured: ``add-user`` wrote
``default_role = "viewer"`` into every file until issue 22, so a file that has it cannot tell an admin's
choice from that old default. Such a file lets in only listed people, says so (:attr:`AccessConfig.notes`,
shown by ``python -m retail users`` and the Admin page), and loses the line when it is next written.

A password has :data:`MIN_PASSWORD_CHARS` to :data:`MAX_PASSWORD_CHARS` characters, spaces around
it not counted towards the minimum.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from retail.access.roles import VIEWER, Actor, check_role

MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 256  # argon2 hashes what it is given: a 1 MB "password" is a way to load the server
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}")
SECRETS_FILES = (Path(".streamlit") / "secrets.toml", Path.home() / ".streamlit" / "secrets.toml")


def access_file() -> Path:
    """Where the accounts live: ``$RETAIL_ACCESS_FILE`` or ``access.toml`` in the workspace folder."""
    from retail.data.workspace import workspace_home

    return Path(os.environ.get("RETAIL_ACCESS_FILE") or workspace_home() / "access.toml").expanduser()


@dataclass(frozen=True)
class Account:
    """A local account: its name, role and argon2 hash (never the password)."""

    name: str
    role: str
    password_hash: str


@dataclass
class AccessConfig:
    """Everything in the access file."""

    users: dict[str, Account] = field(default_factory=dict)
    sso_default_role: str = ""  # [sso] unlisted_role: nobody unlisted, unless an admin writes a role there
    sso_roles: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what in the file is not honoured, in plain words

    def sso_role(self, email: str | None) -> str | None:
        """The role of a person the identity provider signed in (None: not let in)."""
        listed = self.sso_roles.get((email or "").strip().lower())
        return listed or self.sso_default_role or None


def load(path: Path | None = None) -> AccessConfig:
    """The access file's contents (empty when there is no file)."""
    path = path or access_file()
    if not path.exists():
        return AccessConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path} is not valid TOML ({exc}); fix it or write it again with add-user.") from exc
    users = {name: Account(name, check_role(entry.get("role", VIEWER)), entry.get("password", ""))
             for name, entry in data.get("users", {}).items()}
    sso = data.get("sso", {})
    unlisted = sso.get("unlisted_role", "")
    return AccessConfig(users, check_role(unlisted) if unlisted else "",
                        {email.lower(): check_role(role) for email, role in sso.get("roles", {}).items()},
                        _old_default_role(sso, path))


def _old_default_role(sso: dict, path: Path) -> list[str]:
    """The note for a ``default_role`` line (see the module's docstring): not honoured, and how to opt in."""
    old = str(sso.get("default_role") or "").strip()
    if not old:
        return []
    return [f'{path} says default_role = "{old}", a line add-user wrote into every file before it became an '
            "admin's choice: it is not honoured, so single sign-on lets in only the people listed. To let in "
            f'anyone the identity provider signs in, write unlisted_role = "{old}" under [sso] instead.']


def save(config: AccessConfig, path: Path | None = None) -> Path:
    """Write the file atomically, readable and writable by its owner only."""
    path = path or access_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    quote = json.dumps  # a JSON string is a valid TOML basic string
    lines = ["# Who may sign in to the retail dashboard (python -m retail add-user writes it).", ""]
    for account in config.users.values():
        lines += [f"[users.{quote(account.name)}]", f"role = {quote(account.role)}",
                  f"password = {quote(account.password_hash)}", ""]
    lines += ["[sso]", f"unlisted_role = {quote(config.sso_default_role)}", "", "[sso.roles]"]
    lines += [f"{quote(email)} = {quote(role)}" for email, role in config.sso_roles.items()]
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    os.replace(temporary, path)
    return path


def _hasher():
    from argon2 import PasswordHasher  # argon2id with the library's recommended costs

    return PasswordHasher()


def check_password(password: str) -> str:
    """``password`` when the policy allows it, else a ``ValueError`` saying what is needed."""
    if len((password or "").strip()) < MIN_PASSWORD_CHARS:
        raise ValueError(f"A password needs at least {MIN_PASSWORD_CHARS} characters (spaces around it do not count).")
    if len(password) > MAX_PASSWORD_CHARS:
        raise ValueError(f"A password has at most {MAX_PASSWORD_CHARS} characters.")
    return password


def add_user(name: str, role: str, password: str, path: Path | None = None) -> Account:
    """Create (or update) a local account; the password is kept only as its argon2 hash."""
    if not NAME_PATTERN.fullmatch(name or ""):
        raise ValueError("A user name is 1 to 64 letters, digits or . _ @ + - (starting with a letter or digit).")
    check_password(password)
    config = load(path)
    account = Account(name, check_role(role), _hasher().hash(password))
    config.users[name] = account
    save(config, path)
    return account


def remove_user(name: str, path: Path | None = None) -> None:
    config = load(path)
    if config.users.pop(name, None) is None:
        raise ValueError(f"There is no user named {name!r}.")
    save(config, path)


# Compared against when the name is unknown, so that a wrong name takes as long as a wrong password.
_DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$Tisx4Gr7LG7SjzSIksbzcA$IcGMKE/JIjvw9Dgp9xN0Buae8V+KkGWPErtQfn6F0Dg"


def verify(name: str, password: str, path: Path | None = None) -> Actor | None:
    """The signed-in person when ``password`` is right for ``name``; None otherwise (never says which)."""
    from argon2.exceptions import InvalidHashError, VerificationError

    account = load(path).users.get((name or "").strip())
    if len(password or "") > MAX_PASSWORD_CHARS:  # no account has one so long: refuse without hashing it
        return None
    try:
        _hasher().verify(account.password_hash if account else _DUMMY_HASH, password or "")
    except (VerificationError, InvalidHashError):
        return None
    return Actor(account.name, account.role, "password") if account else None


def sso_configured(files: tuple[Path, ...] | None = None) -> bool:
    """Whether Streamlit's ``[auth]`` section (st.login) is set in a secrets.toml it reads
    (default :data:`SECRETS_FILES`)."""
    for path in files if files is not None else SECRETS_FILES:
        try:
            auth = tomllib.loads(Path(path).read_text(encoding="utf-8")).get("auth", {})
        except (OSError, tomllib.TOMLDecodeError):
            continue
        if auth.get("client_id") or any(isinstance(value, dict) and value.get("client_id") for value in auth.values()):
            return True
    return False


def sign_in_configured(path: Path | None = None, files: tuple[Path, ...] | None = None) -> bool:
    """Whether anyone must sign in: a local account exists or single sign-on is set up."""
    return bool(load(path).users) or sso_configured(files)
