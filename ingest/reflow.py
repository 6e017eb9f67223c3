"""PDF and OCR lines back into paragraphs (shared by ingest/formats.py and ingest/ocr.py)."""

from __future__ import annotations

import re

# A clause ("1. ", "12. ") or a point ("a) ", "đ) ") of a legal text opens its own line, after a
# heading that ends without punctuation ("Điều 2. Trách nhiệm thi hành"): never a continuation.
_LEGAL_ITEM = re.compile(r"(?:\d{1,2}\.|[a-zđ]\))\s")


def _continues(line: str) -> bool:
    """Whether a printed line carries on the sentence before it: it starts in lower case
    (str.islower: a character class like [à-ỹ] also holds capitals, Đ and Ấ among them), with
    a digit, or with an opening bracket or quote, and is not a legal clause or point."""
    first = line[0]
    return (first.islower() or first.isdigit() or first in "(“\"«") and not _LEGAL_ITEM.match(line)


def reflow(page_text: str) -> str:
    """Join PDF visual lines back into paragraphs.

    pypdf returns one line per printed line; a sentence broken across lines would become
    two "paragraphs" for the chunker and the quote finder. A line is continued when it does
    not end a sentence and the next one starts in lower case, with a digit or a bracket —
    a Vietnamese-safe rule (no hyphenation to undo, syllables are whole words).
    """
    lines = [ln.strip() for ln in page_text.splitlines()]
    out: list[str] = []
    for line in lines:
        if not line:
            if out and out[-1] != "":
                out.append("")
            continue
        prev = out[-1] if out else ""
        if prev and not re.search(r"[.!?:;…»”\"]$", prev) and _continues(line):
            out[-1] = f"{prev} {line}"
        else:
            out.append(line)
    # Separate paragraphs by blank lines, as the chunker expects.
    return "\n\n".join(p for p in out if p)


def join_pages(pages: list[str]) -> tuple[str, list[int]]:
    """Pages (each already in the stored form: NFC, stripped) joined by blank lines, and the
    offset where each page begins in the joined text. An empty page begins where the next one
    does, so that the stored text stays exactly the pages' own text and a page number is found
    by bisection (assistant/index/anchors.py)."""
    parts: list[str] = []
    starts: list[int] = []
    pos = 0
    pending = 0  # empty pages waiting for the next page's start
    for page in pages:
        if not page.strip():
            pending += 1
            continue
        if parts:
            pos += 2  # the "\n\n" before this page
        starts.extend([pos] * (pending + 1))
        pending = 0
        parts.append(page)
        pos += len(page)
    starts.extend([pos] * pending)
    return "\n\n".join(parts), starts
