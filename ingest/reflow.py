"""PDF and OCR lines back into paragraphs (shared by ingest/formats.py and ingest/ocr.py)."""

from __future__ import annotations

import re


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
        if prev and not re.search(r"[.!?:;…»”\"]$", prev) and re.match(r"[a-zà-ỹđ0-9(“\"«]", line):
            out[-1] = f"{prev} {line}"
        else:
            out.append(line)
    # Separate paragraphs by blank lines, as the chunker expects.
    return "\n\n".join(p for p in out if p)
