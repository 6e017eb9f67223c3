"""Retrieval in the unit tier: the real store, ingest pipeline and retriever over four passages,
with a deterministic hashed embedder instead of the bundled model, so a change to fusion,
filters or reranking is checked in the seconds-long loop (the session's real index checks the
same stages with real vectors in the integration tier: tests/integration/test_retrieval.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from assistant.index.embeddings import IndexEmbeddings
from assistant.index.keywords import tokenize
from assistant.index.store import IndexStore
from assistant.retrieval import Filters
from assistant.service import retriever_for
from assistant.settings import Settings
from ingest.loaders import SourceDocument
from ingest.pipeline import IngestPipeline


class HashedEmbeddings(IndexEmbeddings):
    """Each keyword token adds one at a hashed coordinate; rows normalised. Deterministic, no
    model: texts that share words are close, as a real embedder would roughly have them."""

    model_id = "test:hashed-tokens-64"
    dim = 64

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), np.float32)
        for i, text in enumerate(texts):
            for token in tokenize(text):
                out[
                    i,
                    int.from_bytes(hashlib.blake2b(token.encode(), digest_size=4).digest(), "big") % self.dim,
                ] += 1
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts)


PASSAGES = {
    "online-laocai": (
        "Lào Cai đẩy mạnh dịch vụ công trực tuyến",
        "Năm 2024, tỉnh Lào Cai cung cấp 1.250 thủ tục hành chính trực tuyến toàn trình trên Cổng "
        "dịch vụ công quốc gia.",
    ),
    "digitised-hanoi": (
        "Hà Nội số hóa hồ sơ",
        "Thành phố Hà Nội đã số hóa 85% hồ sơ thủ tục hành chính tại bộ phận một cửa trong năm 2024.",
    ),
    "training": (
        "Tập huấn nghiệp vụ hộ tịch",
        "Sở Tư pháp tổ chức hội nghị tập huấn nghiệp vụ hộ tịch cho công chức cấp xã.",
    ),
    "evening-desk": (
        "Nhận hồ sơ buổi tối",
        "Bộ phận một cửa của phường nhận hồ sơ của người dân cả buổi tối và sáng thứ Bảy.",
    ),
}


@pytest.fixture(scope="module")
def retriever(tmp_path_factory: pytest.TempPathFactory):
    data_dir: Path = tmp_path_factory.mktemp("fast-index")
    store = IndexStore(data_dir, HashedEmbeddings())
    docs = [
        SourceDocument(doc_id, title, text, published="2024-12-01")
        for doc_id, (title, text) in PASSAGES.items()
    ]
    report = IngestPipeline(store, None).run(docs)
    assert not report.errors and report.added == len(PASSAGES)
    yield retriever_for(store, Settings(data_dir=data_dir))
    store.close()


def test_the_passage_that_answers_comes_first(retriever):
    _, hits = retriever.retrieve("Lào Cai có bao nhiêu thủ tục trực tuyến toàn trình?", k=4)
    assert hits[0].chunk.doc_id == "online-laocai"
    _, hits = retriever.retrieve("Ai tập huấn nghiệp vụ hộ tịch cho công chức cấp xã?", k=4)
    assert hits[0].chunk.doc_id == "training"


def test_a_question_typed_without_accents_finds_the_same_passage(retriever):
    _, hits = retriever.retrieve("ha noi so hoa bao nhieu phan tram ho so", k=4)
    assert hits[0].chunk.doc_id == "digitised-hanoi"


def test_a_province_filter_keeps_only_passages_about_it(retriever):
    _, hits = retriever.retrieve("thủ tục hành chính năm 2024", k=4, filters=Filters(province="Hà Nội"))
    assert {h.chunk.doc_id for h in hits} == {"digitised-hanoi"}


def test_a_date_filter_outside_every_document_finds_nothing(retriever):
    from datetime import date

    _, hits = retriever.retrieve("thủ tục hành chính", k=4, filters=Filters(since=date(2025, 6, 1)))
    assert hits == []
