"""Errors shared by every domain."""


class NotFittedError(ValueError, AttributeError):
    """A model was asked to predict or recommend before ``fit`` (as scikit-learn's own)."""


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
