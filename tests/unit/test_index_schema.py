"""The index's schema, from both sides (assistant/index/records.py): a filter on chunks lets the
same chunks through Chroma (the dense stage) and the registry (the keyword stage), and a chunk
read back carries each column in the field of its name. A small real store with a hashed
embedder: the unit tier."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from assistant.index.records import (
    STORED_CHUNK_COLUMNS,
    ChunkFilter,
    DocumentListing,
    StoredChunk,
    day_number,
)
from assistant.index.store import IndexStore
from ingest.loaders import SourceDocument
from ingest.pipeline import IngestPipeline

from .test_retrieval_fast import HashedEmbeddings

# Dated and undated documents, the undated ones naming days in their text, across provinces.
DOCUMENTS = [
    SourceDocument(
        "dated-2023",
        "Hà Nội giảm thời gian giải quyết hồ sơ",
        "Thành phố Hà Nội rút ngắn thời gian giải quyết hồ sơ đất đai.",
        published="2023-03-15",
    ),
    SourceDocument(
        "dated-2024",
        "Lào Cai mở rộng một cửa liên thông",
        "Tỉnh Lào Cai mở rộng mô hình một cửa liên thông tới cấp xã.",
        published="2024-11-30",
    ),
    SourceDocument(
        "undated-named-day",
        "Thông báo lịch tiếp công dân",
        "Ngày 10/5/2024, Ủy ban nhân dân tỉnh Lào Cai tiếp công dân tại trụ sở.",
    ),
    SourceDocument(
        "undated-named-year",
        "Kế hoạch chuyển đổi số",
        "Năm 2022, các sở của Hà Nội số hóa kết quả giải quyết thủ tục hành chính.",
    ),
    SourceDocument(
        "undated-no-day",
        "Hướng dẫn nộp hồ sơ",
        "Người dân có thể nộp hồ sơ qua bưu điện hoặc trên cổng dịch vụ công.",
    ),
]

FILTERS = {
    "province": ChunkFilter(province="ha_noi"),
    "since": ChunkFilter(since=date(2024, 1, 1)),
    "until": ChunkFilter(until=date(2023, 12, 31)),
    "a day at both ends": ChunkFilter(since=date(2024, 5, 10), until=date(2024, 5, 10)),
    "the publication day itself": ChunkFilter(until=date(2024, 11, 30)),
    "documents": ChunkFilter(doc_ids=frozenset({"dated-2023", "undated-no-day"})),
    "all at once": ChunkFilter(
        doc_ids=frozenset({"dated-2024", "undated-named-day", "dated-2023"}),
        province="lao_cai",
        since=date(2024, 1, 1),
        until=date(2024, 12, 31),
    ),
}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    data_dir: Path = tmp_path_factory.mktemp("schema-index")
    store = IndexStore(data_dir, HashedEmbeddings())
    report = IngestPipeline(store, None).run(DOCUMENTS)
    assert not report.errors and report.added == len(DOCUMENTS)
    yield store
    store.close()


def _docs(store: IndexStore, chunk_ids: set[str]) -> set[str]:
    return {c.doc_id for c in store.chunks(sorted(chunk_ids)).values()}


def _through_chroma(store: IndexStore, wanted: ChunkFilter) -> set[str]:
    vector = store.embedder.embed_queries(["hồ sơ"])[0]
    return {cid for cid, _ in store.dense_search(vector, 100, where=wanted.chroma_where())}


@pytest.mark.parametrize("name", FILTERS)
def test_chroma_and_the_registry_let_the_same_chunks_through(store, name):
    wanted = FILTERS[name]
    assert _through_chroma(store, wanted) == store.chunk_ids_matching(wanted)


def test_the_filters_keep_what_they_say(store):
    def kept(name: str) -> set[str]:
        return _docs(store, store.chunk_ids_matching(FILTERS[name]))

    assert kept("province") == {"dated-2023", "undated-named-year"}
    # An undated document is kept by the days its text names; one that names none, by no date filter.
    assert kept("since") == {"dated-2024", "undated-named-day"}
    assert kept("until") == {"dated-2023", "undated-named-year"}
    assert kept("a day at both ends") == {"undated-named-day"}
    assert "dated-2024" in kept("the publication day itself")
    assert kept("documents") == {"dated-2023", "undated-no-day"}
    assert kept("all at once") == {"dated-2024", "undated-named-day"}


def test_an_empty_filter_is_no_filter():
    assert ChunkFilter().is_empty() and ChunkFilter().chroma_where() is None
    assert not ChunkFilter(doc_ids=frozenset()).is_empty()  # no document left: nothing passes


def test_one_day_encoding_for_dates_and_iso_text():
    assert day_number(date(2024, 5, 1)) == day_number("2024-05-01") == 20240501
    assert day_number("2024-05-01T08:30:00") == 20240501
    assert day_number(None) == day_number("") == day_number("không rõ") == 0


def test_a_stored_chunk_reads_every_field_by_name(store):
    assert list(STORED_CHUNK_COLUMNS) == [f.name for f in dataclasses.fields(StoredChunk)]
    (chunk,) = [
        c
        for c in store.chunks(sorted(store.chunk_ids_matching(FILTERS["documents"]))).values()
        if c.doc_id == "dated-2023"
    ]
    assert chunk.ord == 0 and chunk.chunk_id in store.chunk_ids_matching(FILTERS["documents"])
    assert chunk.title == "Hà Nội giảm thời gian giải quyết hồ sơ"
    assert chunk.published == "2023-03-15"
    assert chunk.text in DOCUMENTS[0].text and chunk.end > chunk.start


def test_the_document_list_is_typed_rows_of_its_declared_keys(store):
    rows = list(store.documents())
    assert [r["doc_id"] for r in rows] == sorted(d.doc_id for d in DOCUMENTS)
    assert all(set(r) == DocumentListing.__required_keys__ for r in rows)
    dated = next(r for r in rows if r["doc_id"] == "dated-2024")
    assert (dated["published"], dated["chunks"]) == ("2024-11-30", 1)
    assert store.duplicates("dated-2024") == []  # no other copy of the story was ingested
