"""The tantivy keyword index: per-document writes seen across processes, a SIGKILL in the
middle of a keyword write, and backup/restore of the index."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import textwrap
from pathlib import Path

import numpy as np

from assistant.index.keywords import KeywordIndex, tokenize
from assistant.index.store import IndexStore
from assistant.service import open_store
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parents[2]

# Made-up words no document of the sample holds: a hit is the document written here.
OLD, NEW, BULK = "quorbliss", "zentrafol", "plimvexa"

# Writes a document with given text, vectors made up (the keyword side is what is tested), so
# the writing process needs no embedding model. Shared by this process and the children.
WRITER = textwrap.dedent(
    """
    import hashlib
    import numpy as np
    from assistant.index.keywords import tokenize
    from assistant.index.records import ChunkRecord, DocumentRecord

    def put(store, doc_id, text, chunks=1):
        digest = hashlib.sha1(text.encode()).hexdigest()[:10]
        record = DocumentRecord(doc_id=doc_id, title=doc_id, text=text, content_hash=digest)
        step = max(1, len(text) // chunks)
        parts = [ChunkRecord(f"{doc_id}-{digest}-{i}", doc_id, i, i * step, min(len(text), (i + 1) * step),
                             tokenize(text[i * step:(i + 1) * step])) for i in range(chunks)]
        rng = np.random.default_rng(len(text))
        vectors = rng.normal(size=(chunks, store.embedder.dim)).astype(np.float32)
        store.upsert_document(record, parts, vectors / np.linalg.norm(vectors, axis=1, keepdims=True))
    """
)


def put(store: IndexStore, doc_id: str, text: str, chunks: int = 1) -> None:
    scope: dict[str, object] = {}
    exec(WRITER, scope)  # the same helper the child processes run
    scope["put"](store, doc_id, text, chunks)  # type: ignore[operator]


def child(code: str, data_dir: Path, **kwargs: object) -> subprocess.Popen[str]:
    script = (
        WRITER
        + textwrap.dedent(
            f"""
        import json, sys, time
        from pathlib import Path
        from assistant.service import open_store
        from assistant.settings import Settings
        store = open_store(Settings(data_dir=Path({str(data_dir)!r})))
        """
        )
        + textwrap.dedent(code)
    )
    return subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=ROOT,
        text=True,
        env={**os.environ},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kwargs,
    )


def cchc(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=check,
        cwd=ROOT,
    )


def docs_hit(store: IndexStore, word: str) -> set[str]:
    hits = store.keyword_index().search(tokenize(word), 10)
    return {c.doc_id for c in store.chunks([cid for cid, _ in hits]).values()}


def test_a_reader_in_another_process_sees_each_replace_and_delete_without_reopening(writable_index: Path):
    reader = child(
        """
        for line in sys.stdin:
            word = line.strip()
            hits = store.keyword_index().search([word], 10)
            docs = sorted({c.doc_id for c in store.chunks([cid for cid, _ in hits]).values()})
            handle = id(store._tantivy[1]) if store._tantivy else None
            print(json.dumps({"docs": docs, "index": handle}), flush=True)
        """,
        writable_index,
    )

    def ask(word: str) -> dict:
        assert reader.stdin and reader.stdout
        reader.stdin.write(word + "\n")
        reader.stdin.flush()
        return json.loads(reader.stdout.readline())

    try:
        store = open_store(Settings(data_dir=writable_index))
        first = ask("ho_so")  # a common bigram: the reader has the index open
        assert first["docs"] and ask(OLD)["docs"] == []
        with store.batch():
            put(store, "kw-a", f"Báo cáo về {OLD} và hồ sơ trực tuyến.")
        assert ask(OLD)["docs"] == ["kw-a"]
        with store.batch():  # replaced: the old words are gone, the new ones found
            put(store, "kw-a", f"Báo cáo về {NEW} và hồ sơ trực tuyến.")
        assert ask(OLD)["docs"] == [] and ask(NEW)["docs"] == ["kw-a"]
        with store.batch():
            assert store.delete_document("kw-a")
        after = ask(NEW)
        assert after["docs"] == []
        # Three commits later the reader still holds the index it opened: it moved to each
        # commit by reloading the segment list, not by opening (or loading) the index again.
        assert after["index"] == first["index"] is not None
        assert ask("ho_so")["docs"] == first["docs"]
    finally:
        reader.kill()
        reader.wait()


def test_a_sigkill_mid_keyword_write_leaves_the_last_commit_and_doctor_repairs_it(writable_index: Path):
    store = open_store(Settings(data_dir=writable_index))
    with store.batch():
        put(store, "kw-victim", f"Thông báo {OLD} về thủ tục hành chính.")
    chunks_before = store.stats()["chunks"]
    store.close()
    # The child replaces that document and adds 300 more in one batch; its keyword write
    # stops halfway through the documents (tantivy's writer open, deletes and adds issued,
    # nothing committed) and is killed there.
    writer = child(
        f"""
        from assistant.index import keywords as kw
        real = kw.write
        def stalled(index, documents, heap=kw.SMALL_WRITE_HEAP):
            def slow():
                for i, d in enumerate(documents):
                    if i == 150:
                        print("MID", flush=True)
                        time.sleep(300)
                    yield d
            return real(index, slow(), heap)
        kw.write = stalled
        with store.batch():
            put(store, "kw-victim", "Thông báo {NEW} về thủ tục hành chính.")
            for i in range(300):
                put(store, f"kw-bulk-{{i:03d}}", f"Văn bản {BULK} số {{i}} về dịch vụ công trực tuyến. " * 20, 3)
        """,
        writable_index,
    )
    assert writer.stdout is not None
    line = writer.stdout.readline()
    assert line.strip() == "MID", writer.stderr.read() if writer.stderr else line
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    assert writer.returncode == -signal.SIGKILL

    # The last commit is what readers get: the old text's chunk, none of the new documents.
    # The registry already holds the replacement, so that chunk is never cited (it is not in
    # the registry), and the new text is not found until the keyword index catches up.
    store = open_store(Settings(data_dir=writable_index))
    stale_hits = [cid for cid, _ in store.keyword_index().search([OLD], 10)]
    assert len(stale_hits) == 1 and stale_hits[0].startswith("kw-victim-")
    assert docs_hit(store, OLD) == set() and docs_hit(store, NEW) == set()
    assert docs_hit(store, BULK) == set()
    assert len(store.keyword_index()) == chunks_before
    assert store.keyword_is_stale()
    store.close()

    told = cchc("doctor", "--data-dir", str(writable_index), check=False)
    report = json.loads(told.stdout)
    assert told.returncode == 1 and not report["consistent"]
    assert report["keyword_index_stale"] and report["keyword_pending"] == 301
    assert not report["keyword_unreadable"] and report["keyword_chunks"] == chunks_before

    # Repair replays the 301 documents (the killed writer's tantivy lock died with it).
    repaired = json.loads(cchc("doctor", "--repair", "--data-dir", str(writable_index)).stdout)
    assert repaired["keyword_repaired_from"]["keyword_pending"] == 301
    after = json.loads(cchc("doctor", "--data-dir", str(writable_index)).stdout)
    assert after["consistent"] and after["keyword_pending"] == 0
    assert after["keyword_chunks"] == after["chunks"] == chunks_before + 900
    store = open_store(Settings(data_dir=writable_index))
    assert docs_hit(store, OLD) == set() and docs_hit(store, NEW) == {"kw-victim"}
    assert len(store.keyword_index().search([BULK], 1000)) == 900


def test_doctor_rebuilds_a_keyword_index_it_cannot_read(writable_index: Path):
    store = open_store(Settings(data_dir=writable_index))
    chunks = store.stats()["chunks"]
    (current,) = list(writable_index.glob("keywords-*"))
    store.close()
    (current / "meta.json").unlink()  # the commit point is gone
    report = json.loads(cchc("doctor", "--data-dir", str(writable_index), check=False).stdout)
    assert report["keyword_unreadable"] and report["keyword_index_stale"] and not report["consistent"]
    cchc("doctor", "--repair", "--data-dir", str(writable_index))
    after = json.loads(cchc("doctor", "--data-dir", str(writable_index)).stdout)
    assert after["consistent"] and after["keyword_chunks"] == chunks
    assert not current.exists() and len(list(writable_index.glob("keywords-*"))) == 1


def test_backup_and_restore_carry_the_keyword_index_and_restore_checks_it(
    writable_index: Path, tmp_path: Path
):
    store = open_store(Settings(data_dir=writable_index))
    with store.batch():
        put(store, "kw-kept", f"Kết quả {NEW} của năm.")
    store.close()
    archive = tmp_path / "backup.tar.gz"
    cchc("backup", str(archive), "--data-dir", str(writable_index))
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert any("/keywords-" in n and n.endswith("meta.json") for n in names)
    assert not any(n.endswith(".tantivy-writer.lock") for n in names)

    target = tmp_path / "restored"
    cchc("restore", str(archive), "--data-dir", str(target))
    restored = open_store(Settings(data_dir=target))
    assert docs_hit(restored, NEW) == {"kw-kept"}
    report = restored.check()
    assert report["consistent"] and report["keyword_chunks"] == report["chunks"]
    restored.close()

    # A backup whose keyword index lost its commit is refused: nothing is put in place.
    broken_dir = tmp_path / "unpacked"
    with tarfile.open(archive) as tar:
        tar.extractall(broken_dir, filter="data")
    for meta in broken_dir.glob("data/keywords-*/meta.json"):
        meta.unlink()
    broken = tmp_path / "broken.tar.gz"
    with tarfile.open(broken, "w:gz") as tar:
        tar.add(broken_dir / "data", arcname="data")
    refused = cchc("restore", str(broken), "--data-dir", str(tmp_path / "other"), check=False)
    assert refused.returncode == 2 and "does not match" in refused.stderr
    assert not (tmp_path / "other" / "registry.sqlite").exists()


def test_in_memory_index_scores_like_bm25_and_filters():
    texts = {
        "a": "hồ sơ trực tuyến toàn trình",
        "b": "hồ sơ giấy nộp trực tiếp",
        "c": "thời tiết hôm nay",
    }
    index = KeywordIndex.build(list(texts), [tokenize(t) for t in texts.values()], 1)
    hits = index.search(tokenize("hồ sơ trực tuyến"), 3)
    assert [cid for cid, _ in hits] == ["a", "b"]  # "c" shares no word: no score, no hit
    # bm25s's "lucene" BM25 by hand for "truc" in "a" (idf × tf / (tf + k1 (1 − b + b·dl/avgdl))).
    n, lengths = 3, [len(tokenize(t)) for t in texts.values()]
    dl, avgdl = lengths[0], sum(lengths) / n
    idf = float(np.log(1 + (n - 1 + 0.5) / 1.5))
    expected = idf * 1 / (1 + 1.2 * (1 - 0.75 + 0.75 * dl / avgdl))
    (score,) = [s for cid, s in index.search(["truc_tuyen"], 3)]
    assert abs(score - expected) < 1e-4 * expected
    # A token asked twice weighs twice, as the bm25s index summed it.
    (twice,) = [s for _, s in index.search(["truc_tuyen", "truc_tuyen"], 3)]
    assert abs(twice - 2 * score) < 1e-4 * score
    assert [cid for cid, _ in index.search(tokenize("hồ sơ"), 3, allowed={"b", "c"})] == ["b"]
    assert index.search(tokenize("hồ sơ"), 3, allowed=set()) == []
    assert sorted(index.chunk_ids) == ["a", "b", "c"] and len(index) == 3
    assert index.known(["ho", "zzz"]) == {"ho"}


def test_a_data_dir_from_the_bm25s_design_gets_a_tantivy_index_on_first_use(writable_index: Path):
    store = open_store(Settings(data_dir=writable_index))
    chunks = store.stats()["chunks"]
    # What a data dir written before tantivy holds: bm25s generations, no tantivy directory.
    for path in writable_index.glob("keywords-*"):
        shutil.rmtree(path)
    (writable_index / "keyword" / "gen-3").mkdir(parents=True)
    with store._db:
        store._db.execute("DELETE FROM meta WHERE key = 'keyword_dir'")
    store.close()
    store = open_store(Settings(data_dir=writable_index))
    assert store.keyword_is_stale() and len(store.keyword_index()) == 0
    store.rebuild_keyword_index()  # what the service does when it opens a stale index
    assert not store.keyword_is_stale() and len(store.keyword_index()) == chunks
    assert not (writable_index / "keyword").exists()
    assert store.check()["consistent"]
