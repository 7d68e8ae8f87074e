"""``user@host`` of this process: who acknowledged or muted, in the alert log (SPEC 7, 12)."""

from __future__ import annotations

import getpass
import os
import socket


def who() -> str:
    """``user@host`` of this process, for the alert log's ``who`` column."""
    try:
        user = getpass.getuser()
    except Exception:  # no passwd entry in a container
        user = str(os.getuid())
    return f"{user}@{socket.gethostname()}"
