"""The service layer's two faces: DocumentService (what the CLI and the routers share) and
AnswerService.answer / answer_with_hits."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.documents import DocumentService, JobsUnavailable
from assistant.service import AnswerService, open_store
from assistant.settings import Settings


def test_list_get_delete_and_stats_go_through_one_object(writable_index: Path):
    settings = Settings(data_dir=writable_index)
    docs = DocumentService(open_store(settings), settings)
    listed = list(docs.list_all())
    assert listed and docs.stats()["documents"] == len(listed)
    doc_id = listed[0]["doc_id"]
    doc = docs.get(doc_id)
    assert doc is not None and doc.doc_id == doc_id
    assert docs.delete(doc_id)
    assert docs.get(doc_id) is None and not docs.delete(doc_id)  # a second delete finds nothing
    assert docs.stats()["documents"] == len(listed) - 1
    assert "embedder" in docs.stats()


def test_jobs_belong_to_the_api(writable_index: Path):
    # The CLI builds its DocumentService without jobs: it ingests in the foreground.
    settings = Settings(data_dir=writable_index)
    docs = DocumentService(open_store(settings), settings)
    with pytest.raises(JobsUnavailable):
        docs.job("any")
    with pytest.raises(JobsUnavailable):
        docs.submit([], [])


def test_answer_is_the_response_answer_with_hits_returns(service: AnswerService):
    # A question built from the sample corpus's vocabulary, not one of the evaluation sets.
    question = "Dịch vụ công trực tuyến được triển khai ra sao?"
    alone = service.answer(question)
    paired, hits, why = service.answer_with_hits(question)
    assert alone.answer == paired.answer and alone.citations == paired.citations
    assert all(hasattr(h, "chunk") for h in hits)
    # Why the quote was chosen: the statement quoted (or the best candidate) and its coverage.
    assert why and "coverage" in why[0]
