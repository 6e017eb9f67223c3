"""Files at rest readable by the service's user only: the data dir holds users' questions and
comments (feedback.sqlite), the Zalo token pair (channels.sqlite), the index and its backups.

`harden` sets the process umask to 077, so every file the process creates from then on (SQLite
databases and their -wal/-shm files, Chroma's segments, `cchc backup` archives, parse temporaries)
is 0600 and every directory 0700, whatever library creates it, and tightens what is already there.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077


def harden(data_dir: Path) -> None:
    """umask 077 for this process; the data dir 0700, and every file under it 0600 and directory
    0700 (files another user owns are left as they are)."""
    os.umask(PRIVATE_UMASK)  # a data dir made later is 0700 through it
    for root, dirs, files in os.walk(data_dir):
        _tighten(Path(root), 0o700)
        for name in files:
            _tighten(Path(root) / name, 0o600)
        dirs[:] = [d for d in dirs if not (Path(root) / d).is_symlink()]


def _tighten(path: Path, mode: int) -> None:
    try:
        st = path.lstat()
        if not stat.S_ISLNK(st.st_mode) and stat.S_IMODE(st.st_mode) & 0o077:
            path.chmod(stat.S_IMODE(st.st_mode) & mode)
    except OSError:  # not ours, or gone meanwhile
        pass
