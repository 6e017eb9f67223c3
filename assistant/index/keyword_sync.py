"""The keyword index following the registry, by generations.

The registry transaction that changes a document also notes its id in ``keyword_pending``;
publishing writes those documents' chunks into the tantivy index (one commit), then clears the
notes and bumps ``keyword_generation`` in one registry transaction. A crash before the commit
leaves the last commit and the notes; one after it and before the registry write leaves notes
whose replay (delete by document, add) is idempotent. So the keyword index is stale exactly
when notes remain, and catching up costs what changed. A full rebuild writes a new directory
(``keywords-<generation>``) that one registry write makes current.

The caller (``IndexStore``) holds the write lock around ``publish`` and ``rebuild``.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from assistant.index import keywords as kw
from assistant.index.keywords import KeywordIndex
from assistant.index.registry import PART, Registry


class KeywordSync:
    def __init__(self, data_dir: Path, registry: Registry) -> None:
        self.data_dir = data_dir
        self.registry = registry
        self.db = registry.db
        self._keyword: KeywordIndex | None = None
        # The open tantivy index and the directory it is in (a full rebuild moves to a new one).
        self.tantivy: tuple[str, Any] | None = None

    def pending_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM keyword_pending").fetchone()[0])

    def directory(self) -> Path | None:
        name = self.registry.meta("keyword_dir")
        return self.data_dir / name if name else None

    def _open(self) -> Any | None:
        """The tantivy index the registry points at, opened once per process and directory."""
        path = self.directory()
        if path is None:
            return None
        if self.tantivy is None or self.tantivy[0] != path.name:
            self.tantivy = (path.name, kw.open_index(path))
        return self.tantivy[1]

    def publish(self) -> None:
        """Write the pending documents' chunks into the index (one commit), then clear them."""
        pending = [r[0] for r in self.db.execute("SELECT doc_id FROM keyword_pending ORDER BY doc_id")]
        if not pending:
            return
        index = self._open()
        if index is None:
            self.rebuild()
            return
        by_doc: dict[str, list[tuple[str, list[str]]]] = {d: [] for d in pending}
        for i in range(0, len(pending), PART):
            part = pending[i : i + PART]
            marks = ",".join("?" * len(part))
            for doc_id, chunk_id, tokens in self.db.execute(
                f"SELECT doc_id, chunk_id, tokens FROM chunks WHERE doc_id IN ({marks}) ORDER BY rowid", part
            ):
                by_doc[doc_id].append((chunk_id, tokens.split()))
        heap = kw.BULK_WRITE_HEAP if len(pending) > 50 else kw.SMALL_WRITE_HEAP
        kw.write(index, by_doc.items(), heap)
        with self.db:  # after the commit: a crash in between replays these documents again
            self.registry.delete_rows("DELETE FROM keyword_pending WHERE doc_id IN ({})", pending)
            self._bump_generation()

    def rebuild(self) -> None:
        """A new index in a new directory, published by one registry write; old ones removed."""
        gen = int(self.registry.meta("keyword_generation") or 0) + 1
        target = self.data_dir / f"keywords-{gen}"
        if target.exists():
            shutil.rmtree(target)  # left by a rebuild that crashed: never published
        index = kw.create(target)
        rows = self.db.execute("SELECT doc_id, chunk_id, tokens FROM chunks ORDER BY doc_id, rowid")

        def documents() -> Iterator[tuple[str, list[tuple[str, list[str]]]]]:
            doc_id: str | None = None
            chunks: list[tuple[str, list[str]]] = []
            for d, cid, tokens in rows:
                if d != doc_id and doc_id is not None:
                    yield doc_id, chunks
                    chunks = []
                doc_id = d
                chunks.append((cid, tokens.split()))
            if doc_id is not None:
                yield doc_id, chunks

        kw.write(index, documents(), kw.BULK_WRITE_HEAP)
        with self.db:
            self.db.execute("DELETE FROM keyword_pending")
            self.registry.set_meta("keyword_dir", target.name)
            self.registry.set_meta("keyword_schema", kw.SCHEMA_VERSION)
            self._bump_generation()
        self.tantivy = (target.name, index)
        for old in [*self.data_dir.glob("keywords-*"), self.data_dir / "keyword"]:
            if old != target and old.is_dir():  # "keyword/": the bm25s generations of old
                shutil.rmtree(old, ignore_errors=True)

    def _bump_generation(self) -> None:
        gen = int(self.registry.meta("keyword_generation") or 0) + 1
        self.registry.set_meta("keyword_generation", str(gen))
        self.registry.set_meta("keyword_built_from", self.registry.generation())

    def is_stale(self) -> bool:
        """Documents the registry changed that the keyword index does not have yet (cheap)."""
        if self.pending_count():
            return True
        if self.directory() is not None and self.registry.meta("keyword_schema") != kw.SCHEMA_VERSION:
            return True
        return self.directory() is None and self.registry.has_chunks()

    def readable(self) -> bool:
        """True when there is no index yet and nothing to index, or the index opens."""
        if self.directory() is None:
            return not self.registry.has_chunks()
        if self.registry.meta("keyword_schema") != kw.SCHEMA_VERSION:
            return False  # written with other fields: rebuilt, not misread
        try:
            return self._open() is not None
        except Exception:  # a missing or damaged meta.json: tantivy raises ValueError/OSError
            self.tantivy = None
            return False

    def health(self) -> dict[str, Any]:
        """What doctor reports of the keyword index: readable, its size against the registry."""
        chunks = self.registry.chunk_count()
        path = self.directory()
        out: dict[str, Any] = {"keyword_pending": self.pending_count(), "keyword_chunks": 0}
        if path is None or self.registry.meta("keyword_schema") != kw.SCHEMA_VERSION:
            out["keyword_unreadable"] = chunks > 0 or path is not None
            return out
        try:
            index = self._open()
            assert index is not None
            index.reload()
            out["keyword_chunks"] = index.searcher().num_docs
            out["keyword_unreadable"] = False
        except Exception as exc:  # a missing or damaged segment: tantivy raises ValueError/OSError
            self.tantivy = None
            out["keyword_unreadable"] = True
            out["keyword_error"] = f"{type(exc).__name__}: {exc}"
        return out

    def index(self) -> KeywordIndex:
        """The keyword index as of the last commit; a commit from another process is picked up
        by reopening the segment list (segments already open stay mapped, nothing is re-read)."""
        gen = int(self.registry.meta("keyword_generation") or 0)
        if self._keyword is None or self._keyword.generation != gen:
            for attempt in range(3):
                try:
                    index = self._open()
                    if index is not None:
                        index.reload()
                    break
                except (OSError, ValueError):
                    # A writer in another process committed again and removed, after a merge,
                    # segments of the commit this reader was about to open: read the newer one.
                    self.tantivy = None
                    if attempt == 2:
                        raise
                    time.sleep(0.05)
            self._keyword = KeywordIndex(index, gen)
        return self._keyword
