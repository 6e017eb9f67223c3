"""Thumbs up/down from users, kept in a SQLite `feedback` table for the editors."""

from __future__ import annotations

import csv
import io
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from assistant.databases import open_sqlite

FIELDS = ["id", "created_at", "channel", "rating", "question", "answer", "citations", "comment"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert_cell(text: str) -> str:
    """A text cell a spreadsheet shows as text: users write the questions and comments, and a cell
    starting like a formula (`=HYPERLINK(…)`, `@SUM(…)`) would run when an editor opens the export
    (OWASP, CSV injection). The quote is what spreadsheets themselves use to mark text."""
    return "'" + text if text.startswith(_FORMULA_START) else text


class FeedbackStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = open_sqlite(path)
        self._lock = threading.Lock()
        self._db.execute(
            """CREATE TABLE IF NOT EXISTS feedback (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                created_at TEXT NOT NULL,
                channel TEXT NOT NULL,
                rating INTEGER NOT NULL CHECK (rating IN (-1, 1)),
                question TEXT NOT NULL,
                answer TEXT NOT NULL,
                citations TEXT NOT NULL,
                comment TEXT
            )"""
        )

    def add(
        self, question: str, answer: str, citations: list[dict], rating: int, comment: str | None = None,
        channel: str = "web",
    ) -> int:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._lock:
            cur = self._db.execute(
                "INSERT INTO feedback (created_at, channel, rating, question, answer, citations, comment)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (now, channel, rating, question, answer, json.dumps(citations, ensure_ascii=False), comment),
            )
        return int(cur.lastrowid or 0)

    def rows(self) -> Iterator[dict]:
        cur = self._db.execute(f"SELECT {', '.join(FIELDS)} FROM feedback ORDER BY id")
        for row in cur:
            item = dict(zip(FIELDS, row))
            item["citations"] = json.loads(item["citations"])
            yield item

    def export(self, fmt: str = "jsonl") -> str:
        if fmt == "jsonl":
            return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in self.rows())
        if fmt == "csv":
            out = io.StringIO()
            writer = csv.DictWriter(out, fieldnames=FIELDS)
            writer.writeheader()
            for r in self.rows():
                row = {**r, "citations": json.dumps(r["citations"], ensure_ascii=False)}
                writer.writerow({k: inert_cell(v) if isinstance(v, str) else v for k, v in row.items()})
            return out.getvalue()
        raise ValueError(f"unknown format {fmt!r}: use jsonl or csv")

    def close(self) -> None:
        self._db.close()
