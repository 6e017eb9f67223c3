import json
import unicodedata
from pathlib import Path

import pytest

from assistant.index.embeddings import EmbeddingCache, IndexEmbeddings
from assistant.index.store import IndexMismatchError, IndexStore
from assistant.service import open_store
from assistant.settings import Settings
from ingest.loaders import LoadError, load_paths
from ingest.pipeline import IngestPipeline


def _pipeline(data_dir: Path, cache_dir: Path) -> IngestPipeline:
    return IngestPipeline(open_store(Settings(data_dir=data_dir)), EmbeddingCache(cache_dir / "embeddings.sqlite"))


def _write_jsonl(path: Path, docs: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in docs) + "\n", encoding="utf-8")
    return path


DOC = {
    "doc_id": "t-1",
    "title": "Tỉnh X đẩy mạnh dịch vụ công",
    "text": "Tỉnh X có 120 thủ tục hành chính trực tuyến toàn trình.\n\nTỷ lệ hồ sơ trực tuyến đạt 48,2%.",
    "url": "https://example.org/x",
    "published": "2024-05-01",
    "source": "example.org",
}


def _vector_ids(store: IndexStore) -> set[str]:
    return set(store._collection.get(include=[])["ids"])


def test_reingest_is_idempotent_and_changes_replace_chunks(writable_index: Path, embed_cache_dir: Path, tmp_path: Path):
    pipe = _pipeline(writable_index, embed_cache_dir)
    store = pipe.store
    before = store.stats()
    first = pipe.run(load_paths([_write_jsonl(tmp_path / "a.jsonl", [DOC])]))
    assert (first.added, first.updated) == (1, 0)
    after_add = store.stats()
    assert after_add["documents"] == before["documents"] + 1
    assert after_add["vectors"] == after_add["chunks"]

    again = pipe.run(load_paths([tmp_path / "a.jsonl"]))
    assert (again.added, again.updated, again.unchanged) == (0, 0, 1)
    assert store.stats() == after_add

    old_ids = {cid for cid in _vector_ids(store) if cid.startswith(store_chunk_prefix(store, "t-1"))}
    changed = dict(DOC, text=DOC["text"].replace("48,2%", "51,7%"))
    upd = pipe.run(load_paths([_write_jsonl(tmp_path / "a.jsonl", [changed])]))
    assert upd.updated == 1
    assert store.stats()["documents"] == after_add["documents"]
    assert not old_ids & _vector_ids(store)  # no stale vectors
    assert "51,7%" in store.document("t-1").text
    hits = store.keyword_index().search(["51.7"], 5)
    assert hits and store.chunks([hits[0][0]])[hits[0][0]].doc_id == "t-1"
    assert store.keyword_index().search(["48.2"], 5) == []


def store_chunk_prefix(store: IndexStore, doc_id: str) -> str:
    ids = [r[0] for r in store._db.execute("SELECT chunk_id FROM chunks WHERE doc_id=?", (doc_id,))]
    return ids[0].split("-")[0]


def test_delete_removes_everywhere(writable_index: Path, embed_cache_dir: Path):
    store = open_store(Settings(data_dir=writable_index))
    doc_id = "seed-hagiang-2023-07-19"
    ids = store.chunk_ids_where("c.doc_id = ?", [doc_id])
    assert ids
    with store.batch():
        assert store.delete_document(doc_id)
    assert store.document(doc_id) is None
    assert not ids & _vector_ids(store)
    assert not ids & set(store.keyword_index().chunk_ids)
    assert store.stats()["vectors"] == store.stats()["chunks"]


def test_bad_inputs_are_reported_and_do_not_stop_the_run(tmp_path: Path, writable_index: Path, embed_cache_dir: Path):
    (tmp_path / "bad.jsonl").write_text(
        '{"doc_id": "ok-1", "title": "Tốt", "text": "Nội dung hợp lệ về cải cách hành chính."}\n'
        "{not json}\n"
        '{"doc_id": "", "text": "x"}\n'
        '{"doc_id": "no-text"}\n'
        '{"doc_id": "ok-1", "title": "Trùng", "text": "Bản trùng mã."}\n',
        encoding="utf-8",
    )
    # Windows-1258 stores tone marks as combining characters: encode the NFD form.
    (tmp_path / "legacy.txt").write_bytes(unicodedata.normalize("NFD", "Thủ tục hành chính").encode("cp1258"))
    (tmp_path / "empty.txt").write_text("  \n", encoding="utf-8")
    (tmp_path / "image.gif").write_bytes(b"GIF89a")  # PNG/JPEG/TIFF are read by OCR
    report = _pipeline(writable_index, embed_cache_dir).run(
        load_paths([tmp_path / "bad.jsonl", tmp_path / "legacy.txt", tmp_path / "empty.txt", tmp_path / "image.gif", tmp_path / "missing.txt"])
    )
    assert report.added == 1
    text = "\n".join(report.errors)
    for needle in ["invalid JSON", "missing 'doc_id'", "has no 'text'", "duplicate doc_id", "not valid UTF-8", "empty file", "unsupported file type", "no such file"]:
        assert needle in text, needle


def test_html_and_text_files(tmp_path: Path):
    html = tmp_path / "page.html"
    html.write_text(
        """<html><head><title>Quảng Nam: 42.420 hồ sơ</title>
        <meta property="article:published_time" content="2025-02-04">
        <link rel="canonical" href="https://quangnam.example/tin-1"></head>
        <body><nav>Trang chủ | Tin tức</nav><article><h1>Quảng Nam: 42.420 hồ sơ</h1>
        <p>Trong tháng 1/2025, toàn tỉnh tiếp nhận 42.420 hồ sơ thủ tục hành chính.</p>
        <p>Cấp tỉnh tiếp nhận 7.744 hồ sơ, trong đó 5.402 hồ sơ được xử lý trực tuyến.</p>
        </article><footer>Bản quyền</footer></body></html>""",
        encoding="utf-8",
    )
    (tmp_path / "note.md").write_text("# Ghi chú\n\nHà Giang có 672 TTHC toàn trình.", encoding="utf-8")
    docs = [d for d in load_paths([tmp_path]) if not isinstance(d, LoadError)]
    by_suffix = {d.origin.rsplit(".", 1)[1]: d for d in docs}
    page = by_suffix["html"]
    assert "42.420 hồ sơ thủ tục hành chính" in page.text
    assert "Trang chủ" not in page.text and "Bản quyền" not in page.text
    assert page.published == "2025-02-04" and page.url == "https://quangnam.example/tin-1"
    assert by_suffix["md"].title == "Ghi chú"
    # Stable ids: loading again gives the same ids.
    assert {d.doc_id for d in load_paths([tmp_path]) if not isinstance(d, LoadError)} == {d.doc_id for d in docs}


class _OtherModel(IndexEmbeddings):
    model_id = "test:other-model"
    dim = 8


def test_querying_with_another_embedding_model_is_refused(sample_index: Path):
    with pytest.raises(IndexMismatchError, match="built with"):
        IndexStore(sample_index, _OtherModel())


def test_republished_stories_are_linked_and_cited_once(writable_index: Path, embed_cache_dir: Path, tmp_path: Path):
    from assistant.service import AnswerService

    settings = Settings(data_dir=writable_index)
    store = open_store(settings)
    original = store.document("seed-hagiang-2023-07-19")
    copy = {
        "doc_id": "portal-copy-1",
        "title": original.title,
        # Republished with the portal's own header and footer.
        "text": "Cổng thông tin điện tử tỉnh đăng lại.\n\n" + original.text + "\n\nNguồn: Báo Hà Giang",
        "url": "https://portal.example/tin/ban-chi-dao",
        "published": "2023-07-20",
        "source": "portal.example",
    }
    other = dict(DOC, doc_id="unrelated-1")
    IngestPipeline(store, EmbeddingCache(embed_cache_dir / "embeddings.sqlite")).run(
        load_paths([_write_jsonl(tmp_path / "copy.jsonl", [copy, other])])
    )
    assert store.document("portal-copy-1").dup_of == "seed-hagiang-2023-07-19"
    assert store.document("unrelated-1").dup_of is None
    resp = AnswerService(settings, store).ask("Tỷ lệ TTHC trực tuyến toàn trình của Hà Giang là bao nhiêu?")
    cited = [c.doc_id for c in resp.citations]
    assert len(set(cited) & {"seed-hagiang-2023-07-19", "portal-copy-1"}) == 1
    also = [s.doc_id for c in resp.citations for s in c.also_reported_by]
    assert set(also) & {"seed-hagiang-2023-07-19", "portal-copy-1"}
    assert "portal.example" in resp.answer or "baohagiang.vn" in resp.answer


def test_documents_without_publisher_or_date_are_cited(writable_index: Path, embed_cache_dir: Path, tmp_path: Path):
    """The answer names such a source by its id; digits in the id are not figures of ours."""
    from assistant.service import AnswerService

    settings = Settings(data_dir=writable_index)
    store = open_store(settings)
    doc = {"doc_id": "set-000-042", "title": "Báo cáo 2019", "text": "Năm 2019, huyện Mèo Vạc tiếp nhận 7.315 hồ sơ thủ tục hành chính qua dịch vụ công trực tuyến."}
    IngestPipeline(store, EmbeddingCache(embed_cache_dir / "embeddings.sqlite")).run(load_paths([_write_jsonl(tmp_path / "bare.jsonl", [doc])]))
    resp = AnswerService(settings, store).ask("Năm 2019 huyện Mèo Vạc tiếp nhận bao nhiêu hồ sơ thủ tục hành chính?")
    assert resp.answerable, resp.warnings
    assert "7.315" in resp.answer and resp.citations[0].doc_id == "set-000-042"


def test_json_arrays_are_documents(tmp_path: Path):
    (tmp_path / "docs.json").write_text(json.dumps([DOC, dict(DOC, doc_id="t-2")], ensure_ascii=False), encoding="utf-8")
    docs = list(load_paths([tmp_path / "docs.json"]))
    assert [d.doc_id for d in docs] == ["t-1", "t-2"]


def test_an_ingest_killed_before_the_keyword_index_is_published_is_healed(writable_index: Path, embed_cache_dir: Path, tmp_path: Path):
    """Simulate a crash between the registry commit and the keyword rebuild."""
    from assistant.service import AnswerService

    settings = Settings(data_dir=writable_index)
    store = open_store(settings)
    pipe = IngestPipeline(store, EmbeddingCache(embed_cache_dir / "embeddings.sqlite"))
    (doc,) = list(load_paths([_write_jsonl(tmp_path / "a.jsonl", [DOC])]))
    pipe.ingest_one(doc)  # no batch(): the keyword index is not rebuilt, as after a SIGKILL
    assert store.keyword_is_stale()
    assert not store.keyword_index().search(["48.2"], 5)
    store.close()
    service = AnswerService(settings)  # a fresh process opening the index
    assert not service.store.keyword_is_stale()
    hits = service.store.keyword_index().search(["48.2"], 5)
    assert hits and service.store.chunks([hits[0][0]])[hits[0][0]].doc_id == "t-1"


def test_doctor_finds_and_repairs_orphan_vectors(writable_index: Path):
    import subprocess
    import sys

    store = open_store(Settings(data_dir=writable_index))
    assert store.check()["consistent"]
    # A vector whose registry row never got written: what a crash mid-upsert leaves.
    store._collection.upsert(ids=["orphan-1"], embeddings=[[0.1] * store.embedder.dim], metadatas=[{"doc_id": "x"}])
    store.close()
    cli = [sys.executable, "-m", "assistant.cli", "doctor", "--data-dir", str(writable_index)]
    found = subprocess.run(cli, capture_output=True, text=True, timeout=120)
    assert found.returncode == 1 and json.loads(found.stdout)["orphan_vectors"] == 1
    fixed = subprocess.run([*cli, "--repair"], capture_output=True, text=True, timeout=120)
    assert fixed.returncode == 0
    after = subprocess.run(cli, capture_output=True, text=True, timeout=120)
    assert after.returncode == 0 and json.loads(after.stdout)["consistent"]
