"""Dependencies are declared once (pyproject.toml) and installed exactly (the lock files `make` uses)."""

from __future__ import annotations

import re
import tomllib

import pytest

from retail.errors import MissingExtraError, import_extra
from tests.conftest import ROOT

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _name(requirement: str) -> str:
    return re.split(r"[\[=<>~!; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def pins(path: str) -> dict[str, str]:
    """package -> version of a lock file (comments and blank lines left out)."""
    lines = (line.split("#")[0].strip() for line in (ROOT / path).read_text().splitlines())
    return {_name(line): line.split("==")[1] for line in lines if line}


def declared(requirements: list[str]) -> dict[str, str]:
    return {_name(requirement): requirement.split("==")[1] for requirement in requirements}


def test_every_declared_dependency_is_pinned_and_locked_at_its_version():
    runtime, extras = PROJECT["dependencies"], PROJECT["optional-dependencies"]
    assert all("==" in requirement for requirement in runtime + sum(extras.values(), []))
    assert declared(runtime).items() <= pins("requirements.txt").items()
    everything = declared(runtime + sum(extras.values(), []))
    assert everything.items() <= pins("requirements-test.txt").items()


def test_the_app_alone_needs_no_extra():
    extra_only = set(declared(sum(PROJECT["optional-dependencies"].values(), []))) - set(pins("requirements.txt"))
    assert {"psycopg", "dask", "authlib", "pytest"} <= extra_only
    for package, version in pins("requirements.txt").items():  # what both install is the same version
        assert pins("requirements-test.txt")[package] == version, package


def test_a_missing_extra_is_a_sentence_that_says_what_to_install():
    with pytest.raises(MissingExtraError, match=r"The Dask engine needs packages .* pip install '\.\[dask\]'"):
        import_extra("retail_no_such_module", "dask", "The Dask engine")
