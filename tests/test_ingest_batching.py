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
    dates, anchors, near-duplicate links, accent vocabulary, vector metadata and keyword hits
    must all be what it stored, or retrieval and answers would move. (Facts belong to the
    extractor, which changes on its own: they are compared within one run below.) A deliberate
    change of chunking or tokens regenerates the fixture:
    python -m bench.ingest_digest --docs data/sample/reform_sample.jsonl
    tests/fixtures/ingest_golden_docs.jsonl --full-tokens --out tests/fixtures/ingest_golden.json"""
    want = json.loads(GOLDEN.read_text(encoding="utf-8"))
    got = json.loads(json.dumps(ingest_and_digest(_golden_documents(), full_tokens=True), sort_keys=True))
    assert got["report"] == want["report"]
    assert [d["doc_id"] for d in got["documents"]] == [d["doc_id"] for d in want["documents"]]
    assert got["documents"] == want["documents"]
    for mine, theirs in zip(got["chunks"], want["chunks"], strict=True):
        assert mine == theirs, mine["chunk_id"]
    for key in ("accent_vocab", "vectors", "keyword_pending", "keyword_hits"):
        assert got[key] == want[key], key
    # The fixture exercises what it claims: legal paths, a near-duplicate of a document
    # waiting in the same batch.
    assert any(d["dup_of"] for d in got["documents"])
    assert any(c["anchors"] != "{}" for c in got["chunks"])
    assert got["vectors"]["ids_match_registry"]


def test_batches_store_what_one_document_at_a_time_stores():
    """The same documents in batches of one, of three and of all: every stored thing, facts
    included, is the same (near-duplicates found across a batch's boundary and within it)."""
    docs = _golden_documents()
    one, three, every = (
        json.loads(json.dumps(ingest_and_digest(_golden_documents(), full_tokens=True, batch_docs=n), sort_keys=True))
        for n in (1, 3, len(docs))
    )
    assert one == three == every
    assert one["facts"]["facts"]["rows"] > 0


def test_golden_fixture_documents_are_there():
    assert GOLDEN.exists() and GOLDEN_DOCS.exists()
    assert len(_golden_documents()) == len(json.loads(GOLDEN.read_text(encoding="utf-8"))["documents"])
