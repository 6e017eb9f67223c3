"""The structure of Vietnamese legal documents: Chương, Mục, Điều, Khoản, Điểm.

Decisions, decrees, circulars and laws are cited by article ("Điều 2, Khoản 1, Điểm a"), so
ingest chunks them on these boundaries and answering names the path of a quote. Both read the
same parse of the stored text, which is why it lives with the index contract; nothing is
stored beside the text, so an index built before this module still gets paths.

Headings are recognised at the start of a line only (an article's own "Điều 3." is at a line
start; a reference "theo Điều 3" is not), tolerating the Markdown emphasis converted portals
leave ("**Điều 1. **"). Numbers must run in order (Điều 1, 2, 3 …; Khoản 1, 2 …; Điểm a, b …)
or a heading is taken for a numbered line of something else: an appendix's procedure table
numbers its own items "1.", "2.".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_EMPH = r"[ \t*_]*"
_CHUONG = re.compile(rf"(?:^|\n){_EMPH}(Chương)\s+([IVXLC]+|\d+)\b", re.IGNORECASE)
_DIEU = re.compile(rf"(?:^|\n){_EMPH}(Điều)\s+(\d+)[ \t*_]*[.:]")
_KHOAN = re.compile(rf"(?:^|\n){_EMPH}(\d{{1,2}})\.(?!\d)\s")
_DIEM = re.compile(rf"(?:^|\n){_EMPH}([a-zđ])\)\s")
# Where the body of a decision ends: its "./." or the distribution list ("Nơi nhận:").
_BODY_END = re.compile(r"\./\.|(?:^|\n)[ \t*_|]*Nơi nhận\s*:", re.IGNORECASE)
_LETTERS = "abcdđefghiklmnopqrstuvxy"  # Vietnamese points skip j, w, z and put đ after d
LEGAL_KINDS = ("Quyết định", "Nghị định", "Thông tư", "Nghị quyết", "Chỉ thị", "Luật", "Pháp lệnh", "Lệnh")
_KIND_LINE = re.compile(
    rf"(?:^|\n){_EMPH}((?:{'|'.join(k.upper() for k in LEGAL_KINDS)})(?: LIÊN TỊCH)?){_EMPH}(?:\n|$)"
)


@dataclass(frozen=True)
class Section:
    level: int  # 0 Chương, 1 Mục, 2 Điều, 3 Khoản, 4 Điểm
    label: str  # "Điều 2", "Khoản 1", "Điểm a"
    start: int  # the heading's first character
    end: int
    parent: Section | None = None

    @property
    def path(self) -> str:
        """"Điều 2, Khoản 1, Điểm a": from the article down; a chapter or section only where
        the span is outside any article (article numbers run through a whole document)."""
        chain: list[Section] = []
        node: Section | None = self
        while node is not None:
            chain.append(node)
            node = node.parent
        chain.reverse()
        from_article = [s for s in chain if s.level >= 2]
        return ", ".join(s.label for s in (from_article or chain))


def _heading_start(text: str, m: re.Match[str]) -> int:
    start = m.start()
    return start + 1 if text[start : start + 1] == "\n" else start


def _ordered(matches: list[re.Match[str]], key) -> list[re.Match[str]]:
    """The headings that continue the numbering (1, 2, 3 …); the first must be the start."""
    out: list[re.Match[str]] = []
    for m in matches:
        n = key(m)
        if n is None:
            continue
        if (not out and n == 1) or (out and key(out[-1]) < n <= key(out[-1]) + 3):
            out.append(m)
    return out


def _roman(s: str) -> int | None:
    if s.isdigit():
        return int(s)
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
    s = s.upper()
    if any(ch not in values for ch in s):
        return None
    total = 0
    for a, b in zip(s, s[1:] + " "):
        total += -values[a] if b in values and values[b] > values[a] else values[a]
    return total


def _children(text: str, parent: Section, level: int) -> list[Section]:
    pattern = _KHOAN if level == 3 else _DIEM
    # The heading line is the parent's own; its children start after it.
    body_start = text.find("\n", parent.start, parent.end)
    if body_start < 0:
        return []
    found = list(pattern.finditer(text, body_start, parent.end))
    if level == 3:
        ordered = _ordered(found, lambda m: int(m.group(1)))
        label = "Khoản {}"
    else:
        ordered = _ordered(found, lambda m: _LETTERS.index(m.group(1)) + 1 if m.group(1) in _LETTERS else None)
        label = "Điểm {}"
    if len(ordered) < 2:  # one numbered line is a list, not the article's clauses
        return []
    out = []
    for i, m in enumerate(ordered):
        start = _heading_start(text, m)
        end = _heading_start(text, ordered[i + 1]) if i + 1 < len(ordered) else parent.end
        out.append(Section(level, label.format(m.group(1)), start, end, parent))
    return out


def _series(text: str) -> list[tuple[list[re.Match[str]], int]]:
    """Runs of articles numbered from 1, each with where its body ends. A decision that brings
    in a regulation ("Ban hành kèm theo Quyết định này Quy chế …") numbers the regulation's
    articles from 1 again after its own signature block."""
    matches = list(_DIEU.finditer(text))
    marks = [m.end() if m.group(0) == "./." else m.start() for m in _BODY_END.finditer(text)]
    out: list[tuple[list[re.Match[str]], int]] = []
    pos = 0
    while True:
        run: list[re.Match[str]] = []
        for m in matches:
            if m.start() < pos:
                continue
            n = int(m.group(2))
            if not run:
                if n == 1:
                    run.append(m)
                continue
            prev = int(run[-1].group(2))
            # A heading the conversion lost (a gap of one or two) does not end the numbering.
            if prev < n <= prev + 3:
                if any(run[-1].start() < e <= m.start() for e in marks):
                    break
                run.append(m)
        if not run:
            return out
        last = _heading_start(text, run[-1])
        body_end = next((e for e in marks if e > last), len(text))
        out.append((run, body_end))
        pos = body_end


def sections(text: str) -> list[Section]:
    """Every Chương, Điều, Khoản and Điểm of a legal text in document order (parents before
    their children); empty for a text that is not one."""
    runs = _series(text)
    if not runs or (sum(len(r) for r, _ in runs) < 2 and not _KIND_LINE.search(text[:4000])):
        return []
    out: list[Section] = []
    run_from = 0
    for articles, body_end in runs:
        chapters = _ordered(
            [m for m in _CHUONG.finditer(text, run_from, body_end)], lambda m: _roman(m.group(2))
        )
        chapter_starts = [_heading_start(text, m) for m in chapters]
        tops = [
            Section(0, f"Chương {m.group(2).upper()}", chapter_starts[i],
                    chapter_starts[i + 1] if i + 1 < len(chapters) else body_end)
            for i, m in enumerate(chapters)
        ]
        out.extend(tops)
        starts = [_heading_start(text, m) for m in articles]
        for i, m in enumerate(articles):
            start = starts[i]
            end = starts[i + 1] if i + 1 < len(starts) else body_end
            chapter = next((c for c in reversed(tops) if c.start <= start < c.end), None)
            if chapter is not None:
                end = min(end, chapter.end)
            article = Section(2, f"Điều {m.group(2)}", start, end, chapter)
            out.append(article)
            for clause in _children(text, article, 3):
                out.append(clause)
                out.extend(_children(text, clause, 4))
        run_from = body_end
    out.sort(key=lambda s: (s.start, s.level))
    return out


def is_legal(text: str) -> bool:
    return bool(sections(text))


def path_at(text: str, start: int, end: int | None = None, parsed: list[Section] | None = None) -> str:
    """The path of the deepest section holding the span [start, end): "Điều 2, Khoản 1", or ""."""
    end = start + 1 if end is None else max(end, start + 1)
    best: Section | None = None
    for s in parsed if parsed is not None else sections(text):
        if s.start <= start and end <= s.end and (best is None or s.level >= best.level):
            best = s
    return best.path if best else ""
