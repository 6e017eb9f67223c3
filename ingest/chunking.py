"""Packing sentences into chunks that are verbatim spans of the stored document text."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.index.sentences import units


@dataclass(frozen=True)
class Chunk:
    ord: int
    start: int
    end: int
    text: str


def chunk_text(text: str, max_chars: int = 1200, overlap_chars: int = 200) -> list[Chunk]:
    """Pack whole sentences into chunks of at most ``max_chars`` characters.

    A paragraph that would straddle two chunks but fits in one starts a new chunk, so a
    figure stays with its lead-in ("Đối với tỉnh Hà Giang, ... 672 TTHC ... 35,48%"). A new
    chunk repeats the previous chunk's last sentence when it is shorter than
    ``overlap_chars``.
    """
    pieces = units(text, max_chars)
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
