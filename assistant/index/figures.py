"""Figures in a text: number mentions that can be an answer or a fact's value.

Not years, not parts of dates, not the numbers of legal documents or of list items; with
their scale word ("19 nghìn", "130.000 tỷ đồng"). Shared by ingest (facts) and the answerer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.index.numbers import find_numbers

DATE = re.compile(
    r"\b\d{1,2}\s?[/.-]\s?\d{1,2}(?:\s?[/.-]\s?\d{2,4})?\b"
    r"|\b(?:ngày|tháng)\s+\d{1,2}\b(?!\s?[/.-]\s?\d)"
    r"|\b\d{1,2}\s?/\s?(?:19|20)\d{2}\b",  # a month: "6/2024"
    re.IGNORECASE,
)
# A bound or a round figure ("dưới 1 %", "gần 19 nghìn"): a weaker answer to "how many"
# than an exact figure, unless the question itself asks roughly ("khoảng bao nhiêu").
BOUND_BEFORE = re.compile(
    r"\b(?:gan|khoang|hon|tren|duoi|xap xi|uoc tinh|nearly|about|around|almost|over|under|"
    r"more than|less than|fewer than|approximately)\s*$"
)
_YEAR = re.compile(r"^(19|20)\d{2}$")


@dataclass(frozen=True)
class Figure:
    text: str
    start: int
    end: int
    percent: bool


# Legal-document identifiers are not quantities: "Công văn 7260/VPCP-KSTT",
# "Nghị định số 179/2025/NĐ-CP", "Quyết định 422".
_DOC_CODE_AFTER = re.compile(r"\s?/\s?(?:\d{4}\s?/\s?)?[A-ZĐ]")
DOC_TYPES = [
    "nghị định",
    "quyết định",
    "công văn",
    "thông tư",
    "nghị quyết",
    "kết luận",
    "công điện",
    "chỉ thị",
    "luật",
    "quy định",
    "kế hoạch",
    "đề án",
    "văn bản",
    "decree",
    "decision",
    "resolution",
    "conclusion",
    "directive",
    "circular",
]
_DOC_TYPE_BEFORE = re.compile(rf"(?:{'|'.join(DOC_TYPES)})\s+(?:số\s+)?$", re.IGNORECASE)


# "Điều 2", "Khoản 3", "Chương IV", "Phụ lục 1", "Bước 2": the number of a part of a document
# (assistant/index/structure.py), not a quantity: a decision's "Điều 2. Thời hạn và lệ phí" must
# not answer what the fee is.
_PART_BEFORE = re.compile(r"\b(?:điều|khoản|điểm|chương|mục|phụ\s+lục|bước|mẫu\s+số|biểu\s+số)\s+$", re.IGNORECASE)

# "1- Cán bộ…", "2. Viên chức…", "a) …": the number of a list item, not a quantity.
_LIST_MARK_BEFORE = re.compile(r"(?:^|\n|:|;)\s*\(?$")
_LIST_MARK_AFTER = re.compile(r"\s?[-.)]\s")
# "19 nghìn", "130.000 tỷ đồng": the scale word is part of the figure.
_SCALE_AFTER = re.compile(r"\s(?:nghìn|ngàn|triệu|tỷ|tỉ|trăm|thousand|million|billion)\b", re.IGNORECASE)


_PERCENT_AFTER = re.compile(r"\s?%")
_DIGIT = re.compile(r"\d")
_DAY_MONTH = re.compile(r"(\d{1,2})\s?[/.-]\s?(\d{1,2})")


def _is_date(m: re.Match[str], text: str) -> bool:
    """A day/month that can be one: "46.7%" and "12.5 %" are rates written with a decimal
    point (tables often do), "45/12" no day of a month."""
    if _PERCENT_AFTER.match(text, m.end()):  # at m.end(), not on a copy of the rest of the text
        return False
    dm = _DAY_MONTH.match(m.group(0))
    return dm is None or (1 <= int(dm.group(1)) <= 31 and 1 <= int(dm.group(2)) <= 12)


def figures(text: str) -> list[Figure]:
    """Number mentions that can be an answer: not years, not parts of dates, not the
    numbers of legal documents or of list items; with their scale word ("19 nghìn")."""
    if _DIGIT.search(text) is None:
        return []  # every number and date pattern needs a digit; most statements have none
    dates = [m.span() for m in DATE.finditer(text) if _is_date(m, text)]
    out = []
    for m in find_numbers(text):
        raw = m.text.strip()
        start = m.start + (len(m.text) - len(m.text.lstrip()))
        end = start + len(raw)
        if any(a <= m.start < b for a, b in dates):
            continue
        if _DOC_CODE_AFTER.match(text, m.end) or _DOC_TYPE_BEFORE.search(
            text[max(0, m.start - 25) : m.start]
        ):
            continue
        if not m.percent and _YEAR.match(raw):
            continue
        if not m.percent and _PART_BEFORE.search(text[max(0, start - 12) : start]):
            continue
        if text[start - 1 : start] == "[" and text[end : end + 1] == "]":
            continue  # a footnote or reference mark ("[9] Một số địa phương …"), not a quantity
        if (
            not m.percent
            and len(raw) <= 2
            and _LIST_MARK_BEFORE.search(text[max(0, start - 30) : start])
            and _LIST_MARK_AFTER.match(text, end)
        ):
            continue
        scale = None if m.percent else _SCALE_AFTER.match(text, end)
        if scale:
            end = scale.end()
        out.append(Figure(text[start:end], start, end, m.percent))
    return out
