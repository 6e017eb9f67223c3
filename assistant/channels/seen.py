"""Platforms deliver at least once (Slack retries, Zalo redelivers), and a captured signed event
can be replayed within its signature window: remember what was taken.

The memory is a table in the data dir's SQLite file (channels.sqlite), so every worker process of
`cchc serve --workers N` shares it and it survives a restart; an INSERT on a primary key is the
atomic "first time?" test between processes. On several machines the same contract needs a shared
store instead: Redis `SET key 1 NX EX <window>` (or a PostgreSQL table with the same primary key).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from assistant.databases import open_sqlite

DEFAULT_WINDOW_S = 24 * 3600  # far beyond both platforms' retry and signature windows


class SeenEvents:
    def __init__(self, path: Path, window_s: float = DEFAULT_WINDOW_S) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = open_sqlite(path, timeout=30)
        self._db.execute("CREATE TABLE IF NOT EXISTS seen_events (key TEXT PRIMARY KEY, at REAL)")
        self._lock = threading.Lock()
        self._window_s = window_s
        self._purged = 0.0

    def first_time(self, key: str, window_s: float | None = None) -> bool:
        """True the first time `key` is seen within `window_s` (default: the store's window), in
        any process; False for a repeat."""
        now = time.time()
        window = self._window_s if window_s is None else window_s
        with self._lock:
            if now - self._purged > 60:  # bounded: entries older than the longest window go
                self._db.execute("DELETE FROM seen_events WHERE at < ?", (now - max(window, self._window_s),))
                self._purged = now
            # One statement: a row older than the window is renewed, a recent one is a repeat.
            cur = self._db.execute(
                "INSERT INTO seen_events (key, at) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET at = excluded.at WHERE seen_events.at < ?",
                (key, now, now - window),
            )
            return cur.rowcount == 1

    def known(self, key: str, window_s: float | None = None) -> bool:
        """Whether `key` was taken within `window_s`, without taking it."""
        window = self._window_s if window_s is None else window_s
        row = self._db.execute("SELECT 1 FROM seen_events WHERE key = ? AND at >= ?", (key, time.time() - window)).fetchone()
        return row is not None

    def close(self) -> None:
        self._db.close()
