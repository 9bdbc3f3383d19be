"""Whether we may write beside a dataset. A folder without write bits counts as read-only even
for root (who could write anyway): shared, published data must never be touched."""
from __future__ import annotations

import os
import stat
from pathlib import Path


def writable_folder(folder: str | Path) -> bool:
    folder = Path(folder)
    try:
        mode = folder.stat().st_mode
    except OSError:
        return False
    return bool(mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)) and os.access(folder, os.W_OK)
