"""Errors shared by every domain (a model used before ``fit`` raises scikit-learn's own
:class:`sklearn.exceptions.NotFittedError`)."""

from typing import ClassVar


class LearnedState:
    """Mixin: reading learned state (a public attribute ending in ``_``) before it is learned raises
    scikit-learn's :class:`NotFittedError` naming the call that learns it. ``__getattr__`` only runs for
    a missing attribute, so a hot loop pays nothing once the model is fitted."""

    #: The call that learns the state, as a user would type it.
    learned_by: ClassVar[str] = "fit"

    def __getattr__(self, name: str):
        if name.endswith("_") and not name.startswith("_"):
            from sklearn.exceptions import NotFittedError  # here: reading a file never pays for importing sklearn

            raise NotFittedError(f"This {type(self).__name__} has not learned anything yet: call {self.learned_by} "
                                 "first.")
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


class MissingExtraError(ValueError):
    """A feature's optional packages are not installed (a plain sentence that names the install)."""


def import_extra(module: str, extra: str, feature: str):
    """``module``, or :class:`MissingExtraError` naming the ``extra`` of pyproject.toml that brings it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(
            f"{feature} needs packages that are not installed: pip install -r requirements-test.txt "
            f"(every extra) or pip install '.[{extra}]'.") from exc
