"""One way to open the SQLite databases of the data dir (the index registry, feedback, ingest
jobs, channel history, seen events, sources, the embedding cache).

Each is shared by the server's threads (so not bound to the thread that opened it) and, with
``cchc serve --workers N``, by several processes: write-ahead logging lets readers go on while
one writes, and the busy timeout makes a writer wait for another's lock instead of failing.
Most write single statements, in autocommit; the embedding cache and the index registry
(``index/registry.py``: ``store.py``'s write protocol spans Chroma and the keyword index) keep transactions
of their own. The Zalo token and OAuth stores (``channels/zalo*.py``) open the channels
database through it too.
"""

from __future__ import annotations

import os
import sqlite3


def open_sqlite(
    path: str | os.PathLike[str], *, timeout: float = 5.0, autocommit: bool = True, wal: bool = True
) -> sqlite3.Connection:
    """A connection usable from any thread; ``timeout`` seconds of waiting for a lock (SQLite's
    default is 5); ``autocommit`` leaves transactions to explicit BEGINs; ``wal`` switches the
    file to write-ahead logging (a property of the file, kept once set)."""
    db = sqlite3.connect(
        path, check_same_thread=False, timeout=timeout, isolation_level=None if autocommit else "DEFERRED"
    )
    if wal:
        db.execute("PRAGMA journal_mode=WAL")
    return db
