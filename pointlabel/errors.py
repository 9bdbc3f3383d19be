"""The one error type the CLI turns into a single clear line (no traceback)."""
from __future__ import annotations

from pathlib import Path


class PointlabelError(Exception):
    """A problem with the user's input: names the file (if any) and what is wrong."""

    def __init__(self, message: str, path: str | Path | None = None):
        self.path = None if path is None else str(path)
        self.message = message
        super().__init__(f"{self.path}: {message}" if self.path else message)


class BadInput(PointlabelError):
    """A value sent by a client (a browser callback, an HTTP request) that cannot be used:
    the server answers 400 with the message, never a traceback."""
