"""The work ingest does on one document by itself: chunks, their keyword tokens, provinces,
dates and anchors, the accent vocabulary, the SimHash fingerprint and the facts.

Nothing here reads or writes the index, so documents can be analysed in any order, in
another process, ahead of the embedder; what needs the index (near-duplicate links, the
content hash comparison, the writes) stays in ``ingest.pipeline``.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from assistant.index.accents import vocabulary_of_index_form
from assistant.index.anchors import chunk_anchors, page_starts_of
from assistant.index.contract import passage_text
from assistant.index.dates import date_range
from assistant.index.facts import Fact, extract_facts
from assistant.index.gazetteer import provinces_in_index_form
from assistant.index.keywords import tokenize_index_form
from assistant.index.records import ChunkRecord
from assistant.index.textnorm import ToneMarked, fold_whitespace, normalize_tone_marks
from ingest.chunking import chunk_document
from ingest.dedupe import simhash_of_index_form
from ingest.formats import PAGE_STARTS
from ingest.loaders import SourceDocument
from ingest.screening import instructions_to_ai

# Stages timed per document (seconds, summed by the pipeline; bench/ingest_throughput.py prints them).
STAGES = ("chunk", "tokenise", "vocabulary", "simhash", "facts")


def chunk_id(doc_id: str, content_hash: str, ord_: int) -> str:
    # The content hash in the id makes a changed document's chunks new ids, so old and new
    # never collide while the replacement is in flight.
    short = hashlib.sha1(doc_id.encode("utf-8")).hexdigest()[:8]
    return f"{short}-{content_hash[:12]}-{ord_:04d}"


@dataclass
class Analysed:
    """One document's chunks and what the index stores beside them."""

    chunks: list[ChunkRecord]
    texts: list[str]  # what the embedder sees, one per chunk
    fingerprint: int | None
    vocab: Counter[str]  # accented syllables and pairs (accents.vocabulary)
    facts: list[Fact]
    seconds: dict[str, float] = field(default_factory=dict)


def analyse(doc: SourceDocument, content_hash: str, max_chars: int, overlap_chars: int) -> Analysed:
    t0 = time.perf_counter()
    pieces = chunk_document(doc.text, max_chars, overlap_chars)
    t1 = time.perf_counter()
    chunks: list[ChunkRecord] = []
    texts: list[str] = []
    pages = page_starts_of(doc.extra.get(PAGE_STARTS), len(doc.text))
    # The document's tone marks normalised once: each chunk's and the whole text's are slices.
    marked = ToneMarked(doc.text)
    for c in pieces:
        # A legal chunk is found by its article too ("Điều 2 … quy định gì"); news chunks are
        # indexed exactly as before (their path is empty).
        head = f"{doc.title} — {c.path}" if c.path else doc.title
        verbatim = doc.text[c.start : c.end] == c.text  # as chunking makes them: else normalised alone
        indexed = passage_text(head, c.text, marked.of(c.start, c.end) if verbatim else None)
        texts.append(indexed)
        chunks.append(
            ChunkRecord(
                chunk_id=chunk_id(doc.doc_id, content_hash, c.ord),
                doc_id=doc.doc_id,
                ord=c.ord,
                start=c.start,
                end=c.end,
                tokens=tokenize_index_form(indexed),  # passage_text gives the index form
                provinces=provinces_in_index_form(indexed),
                dates=date_range(indexed),
                anchors=chunk_anchors(c.start, c.end, c.sections, pages),
            )
        )
    t2 = time.perf_counter()
    # index_form(f"{title}\n{text}"): a newline parts what normalises apart (contract.passage_text).
    whole = fold_whitespace(f"{normalize_tone_marks(doc.title)}\n{marked.of(0, len(doc.text))}")
    vocab = vocabulary_of_index_form(whole)
    t3 = time.perf_counter()
    fingerprint = simhash_of_index_form(whole)
    t4 = time.perf_counter()
    facts = extract_facts(doc.doc_id, doc.text, doc.title, doc.published, marked)
    t5 = time.perf_counter()
    seconds = {"chunk": t1 - t0, "tokenise": t2 - t1, "vocabulary": t3 - t2, "simhash": t4 - t3, "facts": t5 - t4}
    return Analysed(chunks, texts, fingerprint, vocab, facts, seconds)


def screen_and_analyse(
    doc: SourceDocument, content_hash: str, max_chars: int, overlap_chars: int
) -> tuple[str | None, float, Analysed | None]:
    """(the passage addressed to an AI, if any; seconds screening; the analysis, unless held
    back): what an analyser process does with one new or changed document."""
    t0 = time.perf_counter()
    planted = instructions_to_ai(f"{doc.title}\n{doc.text}")
    seconds = time.perf_counter() - t0
    if planted:
        return planted, seconds, None
    return None, seconds, analyse(doc, content_hash, max_chars, overlap_chars)


def watch_parent(parent: int) -> None:
    """Initializer of an analyser process: exit once the process that started it is gone (a
    SIGKILLed ingest must not leave analysers behind; their queue never tells them)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="watch-parent").start()
