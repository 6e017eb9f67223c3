"""Per-user conversation history for channels without threads (Zalo), kept in SQLite so
it survives restarts and is shared by several API workers."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from assistant.databases import open_sqlite
from assistant.schemas import Turn


class ChannelHistory:
    def __init__(self, path: Path, max_age_s: float = 24 * 3600) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = open_sqlite(path)
        self._lock = threading.Lock()
        self._max_age_s = max_age_s
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS history (channel TEXT, user_id TEXT, at REAL, role TEXT, content TEXT)"
        )
        self._db.execute("CREATE INDEX IF NOT EXISTS history_user ON history (channel, user_id, at)")

    def turns(self, channel: str, user_id: str, n: int) -> list[Turn]:
        """The user's last `n` turns; a conversation idle for a day starts afresh."""
        if n <= 0:
            return []
        rows = self._db.execute(
            "SELECT role, content FROM history WHERE channel = ? AND user_id = ? AND at > ? ORDER BY at DESC LIMIT ?",
            (channel, user_id, time.time() - self._max_age_s, n),
        ).fetchall()
        return [Turn(role=r, content=c) for r, c in reversed(rows)]

    def add(self, channel: str, user_id: str, question: str, answer: str) -> None:
        now = time.time()
        with self._lock:
            self._db.executemany(
                "INSERT INTO history VALUES (?, ?, ?, ?, ?)",
                [(channel, user_id, now, "user", question[:20000]), (channel, user_id, now + 1e-6, "assistant", answer[:20000])],
            )
            self._db.execute("DELETE FROM history WHERE at < ?", (now - self._max_age_s,))
