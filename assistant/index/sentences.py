"""Vietnamese sentence and paragraph boundaries as verbatim spans of a text.

Generic splitters (LangChain's RecursiveCharacterTextSplitter, nltk punkt) either cut inside
"1.894" / "35,48%" or treat "TP." and "ThS." as sentence ends; Vietnamese press needs the
rules below. Ingest packs these spans into chunks; the answerer quotes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A sentence ends at . ! ? … (optionally closed by a quote or bracket) followed by
# whitespace; a dot between digits is never an end because it is not followed by space.
_SENT_END = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s)")
# Short capitalised words before a dot are abbreviations: "TP.", "ThS.", "PGS.", "Q."
_ABBREV = re.compile(r"(?:^|[\s(])(?:[A-ZĐ][A-Za-zĐđ]{0,3}|[a-z]{1,2}|\d{1,2})\.$")
_CLAUSE = re.compile(r"(?<=[;:,])\s+|\n")


@dataclass(frozen=True)
class Span:
    start: int
    end: int


_PARAGRAPH = re.compile(r"[^\n]+(?:\n(?!\s*\n)[^\n]+)*")
_SPACE_RUN = re.compile(r"\s+")


def _paragraphs(text: str) -> list[Span]:
    spans = []
    for m in _PARAGRAPH.finditer(text):
        if m.group(0).strip():
            spans.append(Span(m.start(), m.end()))
    return spans


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentences of ``text[start:end]`` as absolute spans, whitespace trimmed."""
    end = len(text) if end is None else end
    out: list[Span] = []
    cursor = start
    segment = text[start:end]
    for m in _SENT_END.finditer(segment):
        stop = start + m.end()
        head = text[cursor:stop]
        if m.group(0).startswith(".") and _ABBREV.search(head):
            continue
        out.append(Span(cursor, stop))
        cursor = stop
    out.append(Span(cursor, end))
    return [_trimmed(text, s.start, s.end) for s in out if text[s.start : s.end].strip()]


# A bulleted line ends a statement without punctuation: portal pages and press releases
# list "- Miễn 100% phí…", "+ Giảm tối thiểu 50%…" one per line, and run together a
# question about the second item is answered by the first. Numbered and lettered items
# ("1.", "a)") are left joined: in legal text they share their lead-in's penalty or figure.
# A line opening with a footnote mark ("[7] Các bộ …") is a footnote of its own: a place name
# before it ("… Vĩnh Long.") reads as an abbreviation to ``sentence_spans``.
# A blank line after a photo caption ends one too: "Ảnh T.L" has no full stop, and read on into
# the next paragraph it would open that paragraph's first statement. Only after a caption: an
# article's heading ("Điều 53. Tự ý nửa chừng …") is read with the paragraph it heads, and legal
# items stay with their lead-in.
# An acronym of four capitals or more ends a sentence before a capital ("… 6 nội dung của
# CCHC. Đến nay, …"): ``sentence_spans`` reads any short capitalised word before a dot as a
# title ("TP.", "PGS."), and keeps it so, since chunk boundaries must not move.
# A Markdown heading line ("## Mức hỗ trợ …"), which converted pages keep: a statement of its own.
_HEADING = re.compile(r"[ \t]*#{1,6}\s")
_NON_SPACE = re.compile(r"\S")
_CAPTION_LINE = re.compile(r"(?:^|[\s(–-])(?:Ảnh|Nguồn ảnh|Photo)\b[^\n]{0,60}$")
_UPPER = "A-ZĐÀÁẢÃẠĂẮẰẲẴẶÂẤẦẨẪẬÈÉẺẼẸÊẾỀỂỄỆÌÍỈĨỊÒÓỎÕỌÔỐỒỔỖỘƠỚỜỞỠỢÙÚỦŨỤƯỨỪỬỮỰỲÝỶỸỴ"
_ITEM_BREAK = re.compile(
    r"\n(?=[ \t]*(?:[-+•–]\s|\*\*?\s*[-+]|\*\s|\[\d{1,3}\]))"
    r"|(?<![:;,])\n[ \t]*(?=\n\s*(?![a-zđ]\)|\d{1,2}[.)]\s))"
    rf"|(?<=[\s(][A-ZĐ]{{4}}\.)\s+(?=[{_UPPER}])"
)


def statement_spans(text: str) -> list[Span]:
    """Sentences, with bulleted lines as statements of their own.

    What the answerer quotes. Chunking keeps ``sentence_spans``: the index's chunk
    boundaries (and the embeddings cached for them) do not move."""
    out: list[Span] = []
    for s in sentence_spans(text):
        cursor = s.start
        for m in _ITEM_BREAK.finditer(text, s.start, s.end):
            if text.startswith("\n", m.end()):  # a blank line
                line = text.rfind("\n", 0, m.start()) + 1  # the line the break ends
                # The next line's first character, found in place: lstrip() of the rest of the
                # text copied all of it at every break (\s is str.isspace's whitespace).
                nonspace = _NON_SPACE.search(text, m.end())
                following = nonspace.start() if nonspace else len(text)
                if (
                    not _CAPTION_LINE.search(text, line, m.start())
                    and not _HEADING.match(text, line)
                    and not _HEADING.match(text, following)
                ):
                    continue  # a blank line ends a statement only after a caption, or at a heading
            if text[cursor : m.start()].strip():
                out.append(_trimmed(text, cursor, m.start()))
            cursor = m.end()
        if text[cursor : s.end].strip():
            out.append(_trimmed(text, cursor, s.end))
    return out


def _trimmed(text: str, start: int, end: int) -> Span:
    """``text[start:end]`` without its leading and trailing whitespace."""
    piece = text[start:end]
    return Span(start + len(piece) - len(piece.lstrip()), end - (len(piece) - len(piece.rstrip())))


def _split_long(text: str, span: Span, max_chars: int) -> list[Span]:
    """Cut an over-long sentence at clause boundaries, else at spaces (never in a number)."""
    body = text[span.start : span.end]
    if len(body) <= max_chars:  # most are not: no cut to look for (ingest chunks every sentence)
        return [_trimmed(text, span.start, span.end)] if body.strip() else []
    clause_cuts = [span.start + m.end() for m in _CLAUSE.finditer(body)]
    space_cuts = [span.start + m.end() for m in _SPACE_RUN.finditer(body)]
    pieces: list[Span] = []
    cursor = span.start
    while span.end - cursor > max_chars:
        lo, hi = cursor + max_chars // 3, cursor + max_chars
        fits = [c for c in clause_cuts if lo < c <= hi] or [c for c in space_cuts if lo < c <= hi]
        # A single "word" longer than a chunk (a URL, a table rule) leaves no better cut.
        cut = fits[-1] if fits else hi
        pieces.append(Span(cursor, cut))
        cursor = cut
    pieces.append(Span(cursor, span.end))
    return [_trimmed(text, p.start, p.end) for p in pieces if text[p.start : p.end].strip()]


@dataclass(frozen=True)
class Unit:
    """A sentence (or a clause piece of an over-long one) and the paragraph it belongs to."""

    start: int
    end: int
    para_start: int
    para_end: int


def units(text: str, max_chars: int) -> list[Unit]:
    """Sentence units in document order."""
    out: list[Unit] = []
    for para in _paragraphs(text):
        for sent in sentence_spans(text, para.start, para.end):
            for piece in _split_long(text, sent, max_chars):
                out.append(Unit(piece.start, piece.end, para.start, para.end))
    return out
