"""Ingest in batches across documents: what it stores is what one-document-at-a-time stored,
a SIGKILL mid-batch leaves nothing a reader returns, and replaces and deletes batch too."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.index.facts import FactQuery
from assistant.index.store import IndexStore
from bench.ingest_digest import ZeroEmbeddings, ingest_and_digest
from ingest.loaders import SourceDocument, load_paths
from ingest.pipeline import IngestPipeline

from ..conftest import ROOT, SAMPLE

GOLDEN = ROOT / "tests" / "fixtures" / "ingest_golden.json"
GOLDEN_DOCS = ROOT / "tests" / "fixtures" / "ingest_golden_docs.jsonl"

def _golden_documents() -> list[SourceDocument]:
    return [d for d in load_paths([SAMPLE / "reform_sample.jsonl", GOLDEN_DOCS]) if isinstance(d, SourceDocument)]


@pytest.mark.integration  # a real Chroma store and tantivy index in tmp
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


@pytest.mark.integration
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


# -- crash safety and batched replaces/deletes -------------------------------------------------

# A child process that ingests generated documents in batches of four with the zero-cost
# embedder, and SIGKILLs itself at one point of one batch: right after its vectors were
# upserted ("vectors"), inside its registry transaction before the commit ("registry"), or
# after the commit before the replaced vectors are deleted ("cleanup").
CHILD = r"""
import json, os, signal, sys
from pathlib import Path
from assistant.index.store import IndexStore
from bench.ingest_digest import ZeroEmbeddings
from ingest.pipeline import IngestPipeline
from tests.integration.test_ingest_batching import generated

data_dir, version, kill_at, kill_batch = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
calls = {"n": 0}

def maybe_kill():
    calls["n"] += 1
    if calls["n"] == kill_batch:
        os.kill(os.getpid(), signal.SIGKILL)

store = IndexStore(Path(data_dir), ZeroEmbeddings())
if kill_at == "vectors":
    upsert = store._collection.upsert
    def killing_upsert(**kw):
        upsert(**kw)
        maybe_kill()
    store._collection.upsert = killing_upsert
elif kill_at == "registry":
    bump = store._bump_generation
    def killing_bump():
        bump()
        maybe_kill()
    store._bump_generation = killing_bump
elif kill_at == "cleanup":
    drop = store._drop_stale_vectors
    def killing_drop(chunk_ids=None):
        if chunk_ids:
            maybe_kill()
        drop(chunk_ids)
    store._drop_stale_vectors = killing_drop
report = IngestPipeline(store, None, batch_docs=4).run(generated(version))
print(json.dumps(report.as_dict()))
"""
N_GENERATED = 24


def generated(version: str) -> list[SourceDocument]:
    """Twenty-four documents made from the sample's; in version "b" every even one changed."""
    base = [d for d in load_paths([SAMPLE / "reform_sample.jsonl"]) if isinstance(d, SourceDocument)]
    out = []
    for i in range(N_GENERATED):
        d = base[i % len(base)]
        mark = f"zxq{version}" if i % 2 == 0 else "zxqa"
        out.append(SourceDocument(doc_id=f"gen-{i:02d}", title=f"{d.title} ({i})", text=f"{d.text}\n\nKý hiệu {mark} số {i}.",
                                  url=d.url, published=d.published, source=d.source, origin=f"generated[{i}]"))
    return out


def _child(data_dir: Path, version: str, kill_at: str = "none", kill_batch: int = 0) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", CHILD, str(data_dir), version, kill_at, str(kill_batch)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


def _reader(data_dir: Path) -> IndexStore:
    return IndexStore(data_dir, ZeroEmbeddings())


def _what_readers_get(store: IndexStore) -> set[str]:
    """Documents behind every chunk a reader can reach: all vectors (dense search materialises
    hits through the registry) and the keyword index's committed chunks."""
    vector_ids = store._collection.get(include=[])["ids"]
    dense = [cid for cid, _ in store.dense_search(ZeroEmbeddings().embed_queries(["x"])[0], 1000)]
    reachable = store.chunks(sorted(set(vector_ids) | set(dense) | set(store.keyword_index().chunk_ids)))
    return {c.doc_id for c in reachable.values()}


def _no_duplicates(store: IndexStore) -> None:
    db = store._db
    assert db.execute("SELECT count(*) FROM (SELECT doc_id, ord FROM chunks GROUP BY doc_id, ord HAVING count(*) > 1)").fetchone()[0] == 0
    assert db.execute("SELECT sum(n_chunks) FROM documents").fetchone()[0] == db.execute("SELECT count(*) FROM chunks").fetchone()[0]


@pytest.mark.e2e
@pytest.mark.parametrize("kill_at", ["vectors", "registry"])
def test_a_sigkill_mid_batch_leaves_nothing_a_reader_returns_and_the_rerun_completes(tmp_path: Path, kill_at: str):
    data = tmp_path / "idx"
    killed = _child(data, "a", kill_at, kill_batch=3)  # two batches of four committed, the third cut
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    store = _reader(data)
    stored = {d["doc_id"] for d in store.documents()}
    assert stored == {f"gen-{i:02d}" for i in range(8)}
    vectors = len(store._collection.get(include=[])["ids"])
    chunks = store.stats()["chunks"]
    # The cut batch's vectors were written (orphans) when the kill came after the upsert.
    assert vectors > chunks
    assert _what_readers_get(store) <= stored
    store.close()
    rerun = _child(data, "a")
    assert rerun.returncode == 0, rerun.stderr
    report = json.loads(rerun.stdout)
    assert report["errors"] == [] and report["unchanged"] == 8 and report["added"] == N_GENERATED - 8
    store = _reader(data)
    health = store.check()  # no repair: the re-run overwrote the orphans (same chunk ids)
    assert health["consistent"] and health["orphan_vectors"] == 0 and health["vectors"] == health["chunks"]
    assert health["documents"] == N_GENERATED
    _no_duplicates(store)
    assert _what_readers_get(store) == {f"gen-{i:02d}" for i in range(N_GENERATED)}
    store.close()


@pytest.mark.e2e
def test_a_sigkill_after_a_replace_batch_commits_leaves_its_stale_vectors_to_the_next_writer(tmp_path: Path):
    data = tmp_path / "idx"
    assert _child(data, "a").returncode == 0
    killed = _child(data, "b", "cleanup", kill_batch=2)  # batch 2's replacements committed, old vectors kept
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    store = _reader(data)
    noted = [r[0] for r in store._db.execute("SELECT chunk_id FROM vector_stale")]
    assert noted and not store.chunks(noted)  # the old chunks are gone from the registry...
    assert store.check()["orphan_vectors"] == len(noted)  # ...their vectors not yet, and no reader gets them
    assert _what_readers_get(store) == {f"gen-{i:02d}" for i in range(N_GENERATED)}
    assert store.document("gen-04") is not None and "zxqb" in store.document("gen-04").text  # batch 2 is the new version
    assert "zxqa" in store.document("gen-08").text  # batch 3 was never written
    store.close()
    rerun = _child(data, "b")
    report = json.loads(rerun.stdout)
    assert report["errors"] == [] and report["updated"] == 8 and report["unchanged"] == N_GENERATED - 8
    store = _reader(data)
    health = store.check()
    assert health["consistent"] and health["orphan_vectors"] == 0 and health["vectors"] == health["chunks"]
    assert not store._db.execute("SELECT 1 FROM vector_stale").fetchone()
    _no_duplicates(store)
    store.close()


@pytest.mark.e2e
def test_replaces_and_deletes_are_batched_across_documents(tmp_path: Path):
    data = tmp_path / "idx"
    assert _child(data, "a").returncode == 0
    store = _reader(data)
    before = {d: store.content_hash(d) for d in (f"gen-{i:02d}" for i in range(N_GENERATED))}
    old_chunks = {r[0] for r in store._db.execute("SELECT chunk_id FROM chunks")}
    calls = {"upsert": 0, "delete": 0, "generations": 0}
    upsert, delete, bump = store._collection.upsert, store._collection.delete, store._bump_generation

    def count(name: str, fn):
        def spy(*args, **kw):
            calls[name] += 1
            return fn(*args, **kw)
        return spy

    store._collection.upsert = count("upsert", upsert)
    store._collection.delete = count("delete", delete)
    store._bump_generation = count("generations", bump)
    report = IngestPipeline(store, None, batch_docs=8).run(generated("b"))
    assert report.updated == 12 and report.unchanged == 12 and report.errors == []
    # Twelve replacements in three batches: three upserts, three deletes, three registry transactions.
    assert calls == {"upsert": 3, "delete": 3, "generations": 3}
    changed = {d for d in before if store.content_hash(d) != before[d]}
    assert changed == {f"gen-{i:02d}" for i in range(0, N_GENERATED, 2)}
    health = store.check()
    assert health["consistent"] and health["vectors"] == health["chunks"] and health["orphan_vectors"] == 0
    now = {r[0] for r in store._db.execute("SELECT chunk_id FROM chunks")}
    assert len(old_chunks - now) == len(now - old_chunks) > 0  # replaced chunks have new ids, old ones gone
    index = store.keyword_index()
    new_hits = {store.chunks([h])[h].doc_id for h, _ in index.search(["zxqb"], 50)}
    assert new_hits == changed
    assert {store.chunks([h])[h].doc_id for h, _ in index.search(["zxqa"], 50)} == set(before) - changed
    _no_duplicates(store)

    gone = sorted(changed)[:6]
    calls.update(upsert=0, delete=0, generations=0)
    with store.batch():
        assert sorted(store.delete_documents([*gone, "gen-never"])) == gone
    assert calls == {"upsert": 0, "delete": 1, "generations": 1}  # six documents, one transaction
    assert all(store.document(d) is None for d in gone) and not store.facts(FactQuery(doc_ids=tuple(gone)))
    assert not _what_readers_get(store) & set(gone)
    assert not {store.chunks([h])[h].doc_id for h, _ in store.keyword_index().search(["zxqb"], 50)} & set(gone)
    health = store.check()
    assert health["consistent"] and health["documents"] == N_GENERATED - 6 and health["vectors"] == health["chunks"]
    store.close()
