"""Background ingest jobs for the HTTP API: one writer at a time, progress readable by id.

Uploaded files are parsed inside the job, not in the request: the job (and its id) exists
before parsing starts, parsing runs under a budget (ingest/sandbox.py: seconds per file and
memory, in a child process), and the request waits for it only a bounded time.

Jobs run on a single thread per process, and every write takes the index's file lock, so
with several API worker processes too a delete never interleaves with an ingest. Job state is kept in SQLite, so
`GET /v1/jobs/{id}` answers after a restart too (a job cut off by the restart reads
`interrupted`; re-posting the same files is idempotent).
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from prometheus_client import Counter

from assistant.databases import open_sqlite
from assistant.index.embeddings import EmbeddingCache
from assistant.index.store import IndexStore
from ingest.loaders import LoadError, SourceDocument
from ingest.pipeline import IngestPipeline
from ingest.sandbox import ParseBudget, Upload, parse_uploads

# Defined here rather than in assistant/observability.py: ingest sits below the assistant's
# service and API and imports only the index; /metrics serves it all the same (one registry).
INGESTED = Counter("cchc_ingest_documents_total", "Documents through API ingest jobs", ["outcome"])


def _alive(pid: int | None) -> bool:
    if not pid or pid == os.getpid():
        return False  # this process is starting: nothing of its own can be running yet
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_COLUMNS = ["job_id", "status", "created_at", "started_at", "finished_at", "total", "done", "chunks", "report", "error"]


class IngestJobs:
    def __init__(self, store: IndexStore, cache: EmbeddingCache | None, db_path: Path,
                 chunk_chars: int = 1200, overlap_chars: int = 200) -> None:
        self.store, self.cache = store, cache
        self.chunk_chars, self.overlap_chars = chunk_chars, overlap_chars
        self.writer = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-job")
        # Parsing is apart from the one writer: an upload's errors are known while another job writes.
        self._parsers = ThreadPoolExecutor(max_workers=2, thread_name_prefix="ingest-parse")
        db_path.parent.mkdir(parents=True, exist_ok=True)
        self._db = open_sqlite(db_path)
        self._db_lock = threading.Lock()
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS jobs (job_id TEXT PRIMARY KEY, status TEXT, created_at REAL,"
            " started_at REAL, finished_at REAL, total INTEGER, done INTEGER, chunks INTEGER, report TEXT, error TEXT)"
        )
        if "owner" not in {r[1] for r in self._db.execute("PRAGMA table_info(jobs)")}:
            self._db.execute("ALTER TABLE jobs ADD COLUMN owner INTEGER")
        # Jobs of a process that is gone were cut off; another worker's running jobs are not.
        for job_id, owner in self._db.execute(
            "SELECT job_id, owner FROM jobs WHERE status IN ('queued', 'running')"
        ).fetchall():
            if not _alive(owner):
                self._update("UPDATE jobs SET status = 'interrupted' WHERE job_id = ?", (job_id,))

    def _update(self, sql: str, params: tuple = ()) -> None:
        with self._db_lock:
            self._db.execute(sql, params)

    def submit(self, documents: list[SourceDocument], rejected: list[str]) -> str:
        job_id = uuid.uuid4().hex
        self._update(
            "INSERT INTO jobs (job_id, status, created_at, total, done, chunks, report, owner)"
            " VALUES (?, 'queued', ?, ?, 0, 0, ?, ?)",
            (job_id, time.time(), len(documents), json.dumps({"errors": rejected}), os.getpid()),
        )
        self._pool.submit(self._run, job_id, documents, rejected)
        return job_id

    def submit_uploads(
        self, uploads: list[Upload], documents: list[SourceDocument], rejected: list[str], budget: ParseBudget
    ) -> tuple[str, Future[tuple[list[str], list[str]]]]:
        """A job for files still to parse: its id at once, and a future of (accepted doc ids,
        rejected) once they are parsed. The job then ingests like any other; with nothing to
        ingest it ends `failed`, its report saying why."""
        job_id = uuid.uuid4().hex
        pending = [u.name for u in uploads]
        self._update(
            "INSERT INTO jobs (job_id, status, created_at, total, done, chunks, report, owner)"
            " VALUES (?, 'queued', ?, ?, 0, 0, ?, ?)",
            (job_id, time.time(), len(documents) + len(uploads),
             json.dumps({"errors": rejected, "parsing": pending}, ensure_ascii=False), os.getpid()),
        )

        def parse() -> tuple[list[str], list[str]]:
            try:
                items = parse_uploads(uploads, budget)
            except Exception as exc:  # the job reports it; nothing was written
                items = [LoadError(f"parsing failed: {type(exc).__name__}")]
            docs = documents + [i for i in items if isinstance(i, SourceDocument)]
            errors = rejected + [str(i) for i in items if isinstance(i, LoadError)]
            if not docs:
                self._update(
                    "UPDATE jobs SET status = 'failed', finished_at = ?, total = 0, report = ?, error = ? WHERE job_id = ?",
                    (time.time(), json.dumps({"errors": errors}, ensure_ascii=False), "nothing to ingest", job_id),
                )
                INGESTED.labels("error").inc(len(errors))
            else:
                self._update("UPDATE jobs SET total = ?, report = ? WHERE job_id = ?",
                             (len(docs), json.dumps({"errors": errors}, ensure_ascii=False), job_id))
                self._pool.submit(self._run, job_id, docs, errors)
            return [d.doc_id for d in docs], errors

        return job_id, self._parsers.submit(parse)

    def _run(self, job_id: str, documents: list[SourceDocument], rejected: list[str]) -> None:
        self._update("UPDATE jobs SET status = 'running', started_at = ? WHERE job_id = ?", (time.time(), job_id))
        done = [0, 0]

        def on_document(_doc: SourceDocument, outcome: str) -> None:
            INGESTED.labels(outcome).inc()
            done[0] += 1
            self._update("UPDATE jobs SET done = ?, chunks = ? WHERE job_id = ?", (done[0], done[1], job_id))

        def on_chunks(n: int) -> None:
            done[1] += n

        try:
            with self.writer:
                pipeline = IngestPipeline(self.store, self.cache, self.chunk_chars, self.overlap_chars)
                report = pipeline.run(documents, on_document=on_document, on_chunks=on_chunks)
            INGESTED.labels("error").inc(len(report.errors) + len(rejected))
            result = report.as_dict()
            result["errors"] = rejected + result["errors"]  # type: ignore[operator]
            self._update(
                "UPDATE jobs SET status = 'succeeded', finished_at = ?, done = ?, report = ? WHERE job_id = ?",
                (time.time(), len(documents), json.dumps(result, ensure_ascii=False), job_id),
            )
        except Exception as exc:  # the job reports it; the index stays consistent (registry last)
            self._update("UPDATE jobs SET status = 'failed', finished_at = ?, error = ? WHERE job_id = ?",
                         (time.time(), f"{type(exc).__name__}: {exc}", job_id))

    def get(self, job_id: str) -> dict[str, Any] | None:
        with self._db_lock:
            row = self._db.execute(f"SELECT {', '.join(_COLUMNS)} FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
        if row is None:
            return None
        job = dict(zip(_COLUMNS, row))
        job["report"] = json.loads(job["report"]) if job["report"] else None
        return job

    def exclusive(self, action: Callable[[], Any]) -> Any:
        """Run a write (a delete) with no ingest in flight."""
        with self.writer:
            return action()

    def close(self) -> None:
        self._parsers.shutdown(wait=True)  # first: a parse still hands its documents to the writer
        self._pool.shutdown(wait=True)
        self._db.close()
