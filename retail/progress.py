"""Progress reporting shared by long computations: ``progress(fraction, message)``."""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

Progress = Callable[[float, str], None]


def quiet(fraction: float, message: str) -> None:
    """The default progress callback: a debug log line."""
    logger.debug("%3.0f%% %s", fraction * 100, message)


def scaled(progress: Progress, start: float, end: float) -> Progress:
    """A callback that maps its own 0..1 onto ``start..end`` of ``progress``."""
    return lambda fraction, message: progress(start + (end - start) * fraction, message)
