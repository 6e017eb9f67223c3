"""Packing sentences into chunks that are verbatim spans of the stored document text.

News and reports are packed sentence by sentence (``chunk_text``). Legal documents (decisions,
decrees, circulars: assistant/index/structure.py) are first cut on their own boundaries, each
Chương/Điều its own piece and a long Điều cut again at its Khoản and Điểm, so that a chunk is
one article or clause and is cited by its path ("Điều 2, Khoản 1").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.index.sentences import units
from assistant.index.structure import Section, path_at, sections

_HEADING_ONLY = 300  # a chapter heading this close to its first article stays with it


@dataclass(frozen=True)
class Chunk:
    ord: int
    start: int
    end: int
    text: str
    path: str = ""  # "Điều 2, Khoản 1" in a legal document, else ""
    # A legal document's sections (all of them, shared by its chunks): the anchors stored with
    # each chunk (assistant/index/anchors.py) keep those overlapping it.
    sections: tuple[Section, ...] = field(default=(), repr=False, compare=False)


def chunk_text(text: str, max_chars: int = 1200, overlap_chars: int = 200) -> list[Chunk]:
    return _pack(text, 0, len(text), max_chars, overlap_chars)


def _pack(text: str, lo: int, hi: int, max_chars: int, overlap_chars: int) -> list[Chunk]:
    """Pack whole sentences into chunks of at most ``max_chars`` characters.

    A paragraph that would straddle two chunks but fits in one starts a new chunk, so a
    figure stays with its lead-in ("Đối với tỉnh Hà Giang, ... 672 TTHC ... 35,48%"). A new
    chunk repeats the previous chunk's last sentence when it is shorter than
    ``overlap_chars``.
    """
    # units() of the slice, shifted: the same sentence rule, the text's own offsets.
    pieces = [type(u)(u.start + lo, u.end + lo, u.para_start + lo, u.para_end + lo)
              for u in units(text[lo:hi], max_chars)] if (lo, hi) != (0, len(text)) else units(text, max_chars)
    chunks: list[Chunk] = []
    i = 0
    while i < len(pieces):
        first = i
        j = i
        while j + 1 < len(pieces):
            nxt = pieces[j + 1]
            if nxt.end - pieces[first].start > max_chars:
                break
            starts_para = nxt.start == nxt.para_start
            para_fits_alone = nxt.para_end - nxt.para_start <= max_chars
            para_fits_here = nxt.para_end - pieces[first].start <= max_chars
            filled = pieces[j].end - pieces[first].start >= max_chars // 3
            if starts_para and para_fits_alone and not para_fits_here and filled:
                break
            j += 1
        start, end = pieces[first].start, pieces[j].end
        chunks.append(Chunk(len(chunks), start, end, text[start:end]))
        if j + 1 >= len(pieces):
            break
        last, nxt = pieces[j], pieces[j + 1]
        # Overlap only inside a paragraph: across one, the new chunk starts clean.
        overlap_ok = (
            j > first
            and nxt.start != nxt.para_start
            and last.end - last.start <= overlap_chars
            and nxt.end - last.start <= max_chars
        )
        i = j if overlap_ok else j + 1
    return chunks


def _cuts(secs: list[Section], text_len: int, max_chars: int) -> list[int]:
    """Offsets where a legal text is cut: every chapter and article, and inside an article
    too long for one chunk its clauses (and a clause too long, its points)."""
    cuts = {0, text_len}
    for s in secs:
        if s.level <= 2 or s.parent is not None and s.parent.end - s.parent.start > max_chars:
            cuts.update((s.start, s.end))
    # A chapter heading right before its first article is not a chunk of its own.
    for s in secs:
        if s.level == 0:
            first = next((a for a in secs if a.level == 2 and a.start >= s.start), None)
            if first is not None and 0 < first.start - s.start <= _HEADING_ONLY:
                cuts.discard(first.start)
    return sorted(cuts)


def chunk_legal(text: str, max_chars: int = 1200, overlap_chars: int = 200) -> list[Chunk] | None:
    """Chunks on the document's legal boundaries, each with its path; None for a text without
    them (then ``chunk_text`` applies, unchanged)."""
    secs = sections(text)
    if not secs:
        return None
    cuts = _cuts(secs, len(text), max_chars)
    articles = [s for s in secs if s.level == 2]

    def article(pos: int) -> Section | None:
        return next((a for a in articles if a.start <= pos < a.end), None)

    # Clauses and points of one article that fit together stay together: a heading or a one-line
    # point alone is too little to find or to cite.
    pieces: list[tuple[int, int]] = []
    for lo, hi in zip(cuts, cuts[1:]):
        if not text[lo:hi].strip():
            continue
        if pieces and (a := article(lo)) is not None and a is article(pieces[-1][0]) and hi - pieces[-1][0] <= max_chars:
            pieces[-1] = (pieces[-1][0], hi)
        else:
            pieces.append((lo, hi))
    chunks: list[Chunk] = []
    shared = tuple(secs)
    for lo, hi in pieces:
        for c in _pack(text, lo, hi, max_chars, overlap_chars):
            chunks.append(Chunk(len(chunks), c.start, c.end, c.text, path_at(text, c.start, c.end, secs), shared))
    return chunks


def chunk_document(text: str, max_chars: int = 1200, overlap_chars: int = 200) -> list[Chunk]:
    """Legal documents on their structure, everything else as before."""
    legal = chunk_legal(text, max_chars, overlap_chars)
    return legal if legal is not None else chunk_text(text, max_chars, overlap_chars)
