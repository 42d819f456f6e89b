"""Files the app writes outside its database (exports, the weekly pack): readable by their owner only.

An export holds what the workspace holds (purchase histories, customers, forecasts), so it gets the
workspace's own permissions (0600) whatever the process's umask says, and appears whole or not at all:
it is written to a hidden temporary file beside it (created 0600 by :func:`tempfile.mkstemp`) and
renamed over the target, so an existing file of the same name is replaced with the new permissions.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

OWNER_ONLY_FOLDER = 0o700  # a folder made for exports (the weekly pack's)


def write_owner_only(path: Path | str, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically, readable and writable by its owner only; returns the path."""
    target = Path(path)  # in an existing folder (a mistyped one is an error, not a new folder)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".writing-", suffix=target.suffix)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target
