"""Dates written in Vietnamese text, as a range of days, for chunk metadata and filters.

"ngày 19/7/2023", "19-7-2023", "ngày 19 tháng 7 năm 2023", "tháng 7/2023", "năm 2023":
each becomes the span of days it names (a year is 1 Jan–31 Dec). Undated news (no
``published``) can then still be filtered by the period it talks about.
"""

from __future__ import annotations

import calendar
import re

# A year of the texts' era standing as a number of its own (not the middle of a longer one):
# the one definition the facets, the answering rules and the comparisons share (group 1: the year).
YEAR_PATTERN = r"(?<!\d)((?:19|20)\d{2})(?!\d)"
YEAR = re.compile(YEAR_PATTERN)

_FULL = re.compile(r"\b(\d{1,2})\s?[/.-]\s?(\d{1,2})\s?[/.-]\s?((?:19|20)\d{2})\b")
_WORDS = re.compile(r"\bngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+((?:19|20)\d{2})\b", re.IGNORECASE)
_MONTH = re.compile(
    r"\btháng\s+(\d{1,2})\s?[/.-]\s?((?:19|20)\d{2})\b|\btháng\s+(\d{1,2})\s+năm\s+((?:19|20)\d{2})\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(?:năm|nam|in|year)\s+((?:19|20)\d{2})\b", re.IGNORECASE)


def _day(y: int, m: int, d: int) -> int | None:
    if not (1945 <= y <= 2100 and 1 <= m <= 12 and 1 <= d <= calendar.monthrange(y, m)[1]):
        return None
    return y * 10000 + m * 100 + d


def date_range(text: str) -> tuple[int, int] | None:
    """(earliest, latest) day as YYYYMMDD over every date the text names, or None.
    A year or month inside a fuller date ("ngày 14 tháng 2 năm 2025") is not counted again."""
    if YEAR.search(text) is None:
        # Every pattern below ends in a year standing alone, which YEAR finds: a text naming
        # none (half of a news corpus's chunks) is not scanned four more times.
        return None
    spans: list[tuple[int, int]] = []
    taken: list[tuple[int, int]] = []

    def free(m: re.Match[str]) -> bool:
        return not any(a <= m.start() < b for a, b in taken)

    for m in list(_FULL.finditer(text)) + list(_WORDS.finditer(text)):
        day = _day(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        if day:
            spans.append((day, day))
            taken.append(m.span())
    for m in _MONTH.finditer(text):
        if not free(m):
            continue
        month, year = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        y, mo = int(year), int(month)
        if 1 <= mo <= 12:
            first, last = _day(y, mo, 1), _day(y, mo, calendar.monthrange(y, mo)[1])
            if first and last:
                spans.append((first, last))
                taken.append(m.span())
    for m in _YEAR.finditer(text):
        if not free(m):
            continue
        y = int(m.group(1))
        first, last = _day(y, 1, 1), _day(y, 12, 31)
        if first and last:
            spans.append((first, last))
    if not spans:
        return None
    return min(a for a, _ in spans), max(b for _, b in spans)
