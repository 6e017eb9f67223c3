"""What the index holds, for the CLI and the HTTP routers alike: list, read, ingest, delete, jobs.

The way the FastAPI template's ``crud.py`` serves its routes: one object the callers share,
so a route or a command never reaches into the store, and a change to how a delete or an
ingest is written happens here once. Answering goes through ``AnswerService``; this is the
rest of the index's surface.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from typing import Any

from assistant.facts_table import find_facts
from assistant.index.embeddings import EmbeddingCache
from assistant.index.facts import FactQuery
from assistant.index.records import DocumentListing, DocumentRecord
from assistant.index.store import IndexStore
from assistant.retrieval import Filters
from assistant.retrieval.legal import checked, matching_documents
from assistant.settings import Settings
from ingest.jobs import IngestJobs
from ingest.loaders import LoadError, SourceDocument
from ingest.pipeline import IngestPipeline, IngestReport
from ingest.sandbox import ParseBudget, Upload


class JobsUnavailable(RuntimeError):
    """Background jobs are the API's; the CLI ingests in the foreground."""


class DocumentService:
    def __init__(
        self,
        store: IndexStore,
        settings: Settings,
        cache: EmbeddingCache | None = None,
        jobs: IngestJobs | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.cache = cache
        self.jobs = jobs

    # Reads.
    def list_all(self) -> Iterator[DocumentListing]:
        return self.store.documents()

    def get(self, doc_id: str) -> DocumentRecord | None:
        return self.store.document(doc_id)

    def check_filters(self, filters: Filters) -> Filters:
        """The filters with their legal-header values read against this index (a kind in either
        language, a number with or without its suffix); a value no indexed document has raises
        ``FilterValueError``, which each front end turns into its own localised refusal."""
        return checked(self.store, filters)

    def documents_matching(self, filters: Filters) -> set[str] | None:
        """The documents a legal-header filter keeps (None: it names no header field), checked
        as ``check_filters`` does."""
        return matching_documents(self.store, self.check_filters(filters))

    def stats(self) -> dict[str, object]:
        """What /healthz reports: the embedder and the index's counts."""
        return {"embedder": self.store.embedder.model_id, **self.store.stats()}

    def facts(self, query: FactQuery, language: str = "vi") -> list[dict[str, Any]]:
        """The facts table (``facts_table.find_facts``) over this index."""
        return find_facts(self.store, query, language)

    # Writes.
    def ingest(
        self,
        items: Iterable[SourceDocument | LoadError],
        on_document: Callable[[SourceDocument, str], None] | None = None,
        on_chunks: Callable[[int], None] | None = None,
    ) -> IngestReport:
        """Ingest now, in this thread (the CLI); the API submits a job instead."""
        pipeline = IngestPipeline(self.store, self.cache, self.settings.chunk_chars, self.settings.chunk_overlap_chars)
        return pipeline.run(items, on_document=on_document, on_chunks=on_chunks)

    def delete(self, doc_id: str) -> bool:
        """Remove a document from every index; False when there was none. With jobs running
        (the API), the delete waits for the ingest in flight rather than interleaving with it."""

        def remove() -> bool:
            with self.store.batch():
                return self.store.delete_document(doc_id)

        return bool(self.jobs.exclusive(remove)) if self.jobs is not None else remove()

    # Background jobs (the API).
    def _jobs(self) -> IngestJobs:
        if self.jobs is None:
            raise JobsUnavailable("no ingest jobs here: ingest in the foreground with `ingest`")
        return self.jobs

    def submit(self, documents: list[SourceDocument], rejected: list[str]) -> str:
        return self._jobs().submit(documents, rejected)

    def submit_uploads(
        self, uploads: list[Upload], rejected: list[str], budget: ParseBudget
    ) -> tuple[str, Future[tuple[list[str], list[str]]]]:
        return self._jobs().submit_uploads(uploads, [], rejected, budget)

    def job(self, job_id: str) -> dict[str, Any] | None:
        return self._jobs().get(job_id)
