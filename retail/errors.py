"""Errors shared by every domain."""


class NotFittedError(ValueError, AttributeError):
    """A model was asked to predict or recommend before ``fit`` (as scikit-learn's own)."""
