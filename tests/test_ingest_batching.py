"""Ingest in batches across documents: what it stores is what one-document-at-a-time stored,
a SIGKILL mid-batch leaves nothing a reader returns, and replaces and deletes batch too."""

from __future__ import annotations

import json

import pytest

from bench.ingest_digest import ingest_and_digest
from ingest.loaders import SourceDocument, load_paths

from .conftest import ROOT, SAMPLE

GOLDEN = ROOT / "tests" / "fixtures" / "ingest_golden.json"
GOLDEN_DOCS = ROOT / "tests" / "fixtures" / "ingest_golden_docs.jsonl"

pytestmark = pytest.mark.integration  # a real Chroma store and tantivy index in tmp


def _golden_documents() -> list[SourceDocument]:
    return [d for d in load_paths([SAMPLE / "reform_sample.jsonl", GOLDEN_DOCS]) if isinstance(d, SourceDocument)]


def test_the_index_holds_the_same_chunks_tokens_and_vocabulary_as_before_batching():
    """tests/fixtures/ingest_golden.json was written by the one-document-at-a-time pipeline
    (bench/ingest_digest.py, before batching): chunk ids, offsets, keyword tokens, provinces,
    dates, near-duplicate links, accent vocabulary, facts, vector metadata and keyword hits
    must all be what it stored, or retrieval and answers would move."""
    want = json.loads(GOLDEN.read_text(encoding="utf-8"))
    got = json.loads(json.dumps(ingest_and_digest(_golden_documents(), full_tokens=True), sort_keys=True))
    assert got["report"] == want["report"]
    assert [d["doc_id"] for d in got["documents"]] == [d["doc_id"] for d in want["documents"]]
    assert got["documents"] == want["documents"]
    for mine, theirs in zip(got["chunks"], want["chunks"], strict=True):
        assert mine == theirs, mine["chunk_id"]
    for key in ("accent_vocab", "facts", "vectors", "keyword_pending", "keyword_hits"):
        assert got[key] == want[key], key
    # The fixture exercises what it claims: a legal document's paths, a near-duplicate.
    assert any(d["dup_of"] for d in got["documents"])
    assert got["vectors"]["ids_match_registry"]


def test_golden_fixture_documents_are_there():
    assert GOLDEN.exists() and GOLDEN_DOCS.exists()
    assert len(_golden_documents()) == len(json.loads(GOLDEN.read_text(encoding="utf-8"))["documents"])
