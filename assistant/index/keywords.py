"""The keyword side of the index: a Vietnamese-aware tokenizer and a BM25 index (tantivy).

bm25s's own tokenizer splits on ``\\w\\w+`` and so drops one-letter syllables ("ở", "y");
underthesea's word segmentation costs ~1 ms per sentence. Syllables plus syllable bigrams
(most Vietnamese words are two syllables) give word-level precision at no cost, and folding
accents lets "ty le truc tuyen" find "tỷ lệ trực tuyến".

The index is a tantivy index on disk: segments are immutable files, a commit is one atomic
rename of ``meta.json``, so a document is replaced or deleted by writing only its own chunks,
a reader in another process sees a commit by reopening the segment list (the segments it
already has stay mapped), and a crash mid-write leaves the last commit as it was. Our tokens go
in as they are: joined by spaces into a field whose tokenizer splits on whitespace only, so
tantivy neither lowercases, drops nor splits them. Its BM25 is bm25s's "lucene" variant
(idf = ln(1 + (N − df + 0.5) / (df + 0.5)), k1 = 1.2, b = 0.75) times a constant (1 + k1), with
document lengths stored in one byte (exact up to 40 tokens, then steps of up to 12 %). Those
steps moved fused ranks (ranks in score gaps read the scores), so tantivy only picks the
candidates: they are rescored with bm25s's exact formula from their stored tokens and the
index's exact mean length.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import cast

import numpy as np
import tantivy

from assistant.index.numbers import NUMBER, number_tokens
from assistant.index.textnorm import fold_accents, index_form

# A number, a word, or punctuation that ends a phrase (bigrams never cross it).
_PIECE = re.compile(
    rf"(?P<num>{NUMBER.pattern})|(?P<word>[^\W\d_]+)|(?P<brk>[.,;:!?()\[\]\"“”'‘’«»|/\n–—-])",
    re.UNICODE,
)


# Syllables spelt with either final i or y ("tỉ"/"tỷ", "lí"/"lý", "kĩ"/"kỹ", "mĩ"/"mỹ").
_I_Y_ONSETS = set("bdhklmnstv")


def tokenize(text: str) -> list[str]:
    """Keyword tokens of a text: folded syllables, canonical numbers, syllable bigrams."""
    return list(_tokenize(text))


def tokenize_index_form(text: str) -> list[str]:
    """:func:`tokenize` of a text already in its index form (``index_form`` is idempotent):
    ingest's chunk texts are, and normalising each a second time cost as much as the rest."""
    return list(_tokens(text.lower()))


@lru_cache(maxsize=8192)
def _tokenize(text: str) -> tuple[str, ...]:
    return _tokens(index_form(text).lower())


@lru_cache(maxsize=65536)
def _word_token(word: str) -> str:
    """A lower-case word's token. Cached: a corpus has a few thousand distinct syllables, and
    every chunk folds all of its words."""
    word = fold_accents(word)
    if len(word) == 2 and word[1] == "y" and word[0] in _I_Y_ONSETS:
        word = word[0] + "i"  # "tỷ lệ" and "tỉ lệ", "kỹ" and "kĩ" are one word
    return word


@lru_cache(maxsize=16384)
def _number_tokens(raw: str) -> tuple[str, ...]:
    """A number's tokens. Cached: years, counts and percentages recur across a corpus."""
    return tuple(number_tokens(raw))


def _tokens(lowered: str) -> tuple[str, ...]:
    # findall's (number, word, break) tuples, not finditer's match objects: ingest tokenises
    # every chunk, and two million ``group`` calls were a third of its tokenising time.
    tokens: list[str] = []
    append, word_token = tokens.append, _word_token
    prev: str | None = None
    for num, raw_word, _ in _PIECE.findall(lowered):
        if raw_word:
            word = word_token(raw_word)
            append(word)
            if prev is not None:
                append(f"{prev}_{word}")
            prev = word
        else:
            if num:
                tokens.extend(_number_tokens(num))
            prev = None
    return tuple(tokens)


# Field names of the tantivy schema. ``doc_id`` is indexed so a document's chunks are
# deleted by one term; ``chunk_id`` is stored (the hit's identity) and indexed (filters).
CHUNK, DOC, TOKENS, LENGTH = "chunk_id", "doc_id", "tokens", "n_tokens"
# Bumped when the schema changes: an index of another version is rebuilt, not misread.
SCHEMA_VERSION = "2"
# Candidates tantivy picks per hit wanted: its approximate lengths can only reorder near-ties,
# so a margin past k lets the exact rescoring restore bm25s's top k.
_CANDIDATES = 2
_B = 0.75
# tantivy's BM25 carries bm25s's formula times (1 + k1): divided out, scores read as before.
_K1 = 1.2
# Bytes of indexing memory a writer may use before it flushes a segment. A one-document write
# stays at tantivy's minimum; a full build gets more so it writes fewer, larger segments.
SMALL_WRITE_HEAP = 20_000_000
BULK_WRITE_HEAP = 200_000_000


def schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field(CHUNK, stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field(DOC, stored=False, tokenizer_name="raw", index_option="basic")
    # Term frequencies, no positions: BM25 needs nothing more, and positions would double the size.
    builder.add_text_field(TOKENS, stored=True, tokenizer_name="whitespace", index_option="freq")
    builder.add_unsigned_field(LENGTH, stored=False, indexed=False, fast=True)
    return builder.build()


def create(path: Path | None) -> tantivy.Index:
    """A new, empty index at ``path`` (in memory when None)."""
    if path is not None:
        path.mkdir(parents=True, exist_ok=True)
    index = tantivy.Index(schema(), path=str(path) if path is not None else None, reuse=False)
    index.config_reader("manual")  # readers move to a new commit when the registry says so
    return index


def open_index(path: Path) -> tantivy.Index:
    index = tantivy.Index.open(str(path))
    index.config_reader("manual")
    return index


# One document's chunks: (chunk_id, tokens) pairs; none means the document is gone.
DocumentChunks = tuple[str, Sequence[tuple[str, Sequence[str]]]]


def write(index: tantivy.Index, documents: Iterable[DocumentChunks], heap: int = SMALL_WRITE_HEAP) -> int:
    """Replace each document's chunks (delete by its id, add the new ones) in one commit;
    returns the number of chunks added. The caller holds the data dir's write lock: tantivy's
    own writer lock then never meets a second writer."""
    writer = index.writer(heap_size=heap, num_threads=1)
    added = 0
    try:
        for doc_id, chunks in documents:
            # A delete applies to what was added before it, so a replacement is delete-then-add.
            writer.delete_documents_by_term(DOC, doc_id)
            for chunk_id, tokens in chunks:
                doc = tantivy.Document(**{CHUNK: chunk_id, DOC: doc_id, TOKENS: " ".join(tokens)})
                doc.add_unsigned(LENGTH, len(tokens))  # a Python int would be read as i64
                writer.add_document(doc)
                added += 1
        writer.commit()
    except BaseException:
        writer.rollback()
        raise
    # Merges the commit started finish here rather than being cut off when the writer is
    # dropped: otherwise every write would leave one more small segment for readers to visit.
    writer.wait_merging_threads()
    return added


class KeywordIndex:
    """One committed state of the keyword index: a tantivy searcher, cheap to make per commit."""

    def __init__(self, index: tantivy.Index | None, generation: int) -> None:
        self._index = index
        self._searcher = index.searcher() if index is not None else None
        self.generation = generation
        self._avgdl: float | None = None

    @classmethod
    def build(
        cls, chunk_ids: list[str], token_lists: Sequence[Sequence[str]], generation: int
    ) -> KeywordIndex:
        """An in-memory index of these chunks (each its own document): for tests and benches."""
        index = create(None)
        if chunk_ids:
            write(index, ((cid, [(cid, toks)]) for cid, toks in zip(chunk_ids, token_lists)), BULK_WRITE_HEAP)
            index.reload()
        return cls(index, generation)

    @property
    def chunk_ids(self) -> list[str]:
        """Every chunk in the index (a full scan: for checks, not for serving)."""
        if self._searcher is None or not self._searcher.num_docs:
            return []
        hits = self._searcher.search(
            tantivy.Query.all_query(), limit=self._searcher.num_docs, count=False
        ).hits
        return [_stored(self._searcher.doc(addr), CHUNK) for _, addr in hits]

    def __len__(self) -> int:
        return self._searcher.num_docs if self._searcher is not None else 0

    def _doc_freqs(self, tokens: Iterable[str]) -> Iterator[tuple[str, int]]:
        assert self._searcher is not None
        for t in tokens:
            yield t, self._searcher.doc_freq(TOKENS, t)

    def idf(self, tokens: list[str]) -> dict[str, float]:
        """BM25 idf of each token; a token the corpus never saw gets the highest idf."""
        n = len(self)
        top = float(np.log(1 + (n + 0.5) / 0.5)) if n else 1.0
        if not n:
            return {t: top for t in tokens}
        out = {}
        for t, df in self._doc_freqs(dict.fromkeys(tokens)):
            # Deleted chunks count in df until their segment is merged away: never above n.
            df = min(df, n)
            out[t] = float(np.log(1 + (n - df + 0.5) / (df + 0.5))) if df else top
        return out

    def known(self, tokens: list[str]) -> set[str]:
        if not len(self):
            return set()
        return {t for t, df in self._doc_freqs(dict.fromkeys(tokens)) if df}

    def search(self, tokens: list[str], k: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        if self._searcher is None or self._index is None or not tokens or k <= 0 or not len(self):
            return []
        if allowed is not None and not allowed:
            return []
        schema_ = self._index.schema
        # A token asked twice counts twice, as it did in bm25s (its scores are summed per token).
        terms = [
            (tantivy.Occur.Should, _boosted(tantivy.Query.term_query(schema_, TOKENS, t, "freq"), n))
            for t, n in Counter(tokens).items()
        ]
        query = tantivy.Query.boolean_query(terms)
        if allowed is not None:
            # The filter scores 0 and must match; the terms decide the score and must match too.
            only = tantivy.Query.const_score_query(
                tantivy.Query.term_set_query(schema_, CHUNK, list(allowed)), 0.0
            )
            query = tantivy.Query.boolean_query([(tantivy.Occur.Must, only), (tantivy.Occur.Must, query)])
        hits = self._searcher.search(query, limit=k * _CANDIDATES + 10, count=False).hits
        if not hits:
            return []
        asked = Counter(tokens)
        idf = self.idf(list(asked))
        avgdl = self._mean_length()
        scored = []
        for _, addr in hits:
            doc = self._searcher.doc(addr)
            body = _stored(doc, TOKENS).split()
            norm = _K1 * (1 - _B + _B * len(body) / avgdl)
            tf = Counter(t for t in body if t in asked)
            score = sum(times * idf[t] * tf[t] / (tf[t] + norm) for t, times in asked.items() if tf[t])
            if score > 0:
                scored.append((_stored(doc, CHUNK), score))
        scored.sort(key=lambda hit: -hit[1])
        return scored[:k]

    def _mean_length(self) -> float:
        """The mean token count of the live chunks (deleted ones excluded), once per commit."""
        if self._avgdl is None:
            assert self._searcher is not None
            agg = self._searcher.aggregate(tantivy.Query.all_query(), {"n": {"sum": {"field": LENGTH}}})
            self._avgdl = max(1.0, float(agg["n"]["value"]) / max(1, len(self)))
        return self._avgdl


def _stored(doc: tantivy.Document, field: str) -> str:
    """A stored text field; every chunk is written with each one (``write``)."""
    return cast(str, doc.get_first(field))


def _boosted(query: tantivy.Query, times: int) -> tantivy.Query:
    return query if times == 1 else tantivy.Query.boost_query(query, float(times))
