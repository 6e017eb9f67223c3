"""Answers read from a table: the row the question names, the column its words name.

A decision's appendix or a report's table states a figure as a cell ("Bộ X | 169 | 102 | 60,36"
under "Tổng số TTHC | Đã cung cấp | Tỷ lệ (%)"); no sentence of the flattened text says it, so
the sentence scorer of ``extractive.py`` cannot quote it. Here a row is chosen by the unit (or the
procedure) its name cell states, and a cell of it by how much of the question its column header
(with the table's caption) covers. A ranking question ranks the rows of one table by the column
its words name. The quote is the row's verbatim text, from its name to the cell; the lead says the
row and the column it was read from, so a reader can check it against the table.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from assistant.answering.agreement import same_unit
from assistant.answering.analysis import QuestionAnalysis
from assistant.answering.lead import expanded_tokens
from assistant.index.facts import figure_value, row_name, skipped_column, total_row
from assistant.index.figures import Figure, figures
from assistant.index.gazetteer import units_in
from assistant.index.glossary import expansions
from assistant.index.tables import Cell, Row, table_rows
from assistant.index.textnorm import fold_accents

# Where a flattened or DOCX table may be: a lone "|" line, a "| a | b |" line, "A: x; B: y." rows.
TABLE_HINT = re.compile(
    r"^[ \t]*\|[ \t]*$|^[^\n|]*\|[^\n]*\|[^\n]*$|^(?:[^:;\n]{1,80}: [^;\n]+; )+", re.MULTILINE
)
# A row whose name shares this much of its words with the question is named by it (a procedure
# "Cấp giấy phép …" asked about by its name); shorter names need the unit to match.
NAME_SHARE = 0.8
MIN_NAME_WORDS = 3  # a name the question holds whole
MIN_SHARED_NAME_WORDS = 6  # a name the question holds most of
# Part of the question's weight the column header must cover for a cell to answer.
MIN_HEADER_SHARE = 0.15
# A cell is read only from a cell of a table the question's words name (its bonus: ``W.cell_bonus``).
# A ranking read from a table lists at most this many of its rows; DEFAULT_RANKED_ROWS where
# the question asks for no number ("tỉnh nào cao nhất" shows the top five for context).
MAX_RANKED_ROWS = 10
DEFAULT_RANKED_ROWS = 5
_ROWS_ASKED = re.compile(
    r"\btop\s*(\d{1,2})\b|\b(\d{1,2})\s+(?:tỉnh|thành phố|bộ|cơ quan|đơn vị|địa phương|huyện|quận|xã|phường|sở|"
    r"provinces|ministries|units|localities|districts)\b",
    re.IGNORECASE,
)


def rows_asked(question: str) -> int:
    """How many rows a ranking question asks for ("top 5", "3 tỉnh dẫn đầu"), within bounds."""
    m = _ROWS_ASKED.search(question)
    n = int(m.group(1) or m.group(2)) if m else DEFAULT_RANKED_ROWS
    return max(1, min(n, MAX_RANKED_ROWS))


# A chunk that ends with a table's caption or header reaches the rows that start this soon after
# it (a header of long column names runs to several hundred characters).
TABLE_REACH_CHARS = 1000
# A table's long value cells (a procedure's full processing time) are quoted up to this; a cell
# up to SHORT_CELL_CHARS is bolded whole (its figure with the unit the cell writes).
MAX_CELL_CHARS = 300
SHORT_CELL_CHARS = 40

_LEVEL_PREFIX = re.compile(
    r"^(?:ubnd\s+)?(?:bo|tinh|thanh pho|tp\.?|quan|huyen|thi xa|xa|phuong|thi tran|ngan hang|so)\s+"
)


@dataclass(frozen=True)
class CellAnswer:
    row: Row
    name: Cell
    value: Cell
    figure: str  # what the lead bolds: the cell's figure, or its short text
    coverage: float  # of the question's weighted terms by the row name, header and caption
    ranked: bool = False  # the extreme of a column over the table's rows
    # For a ranked cell: the table's rows in ranking order (row, name, cell, value), the first
    # being this one; what a "top 5" answer tabulates.
    order: tuple[tuple[Row, Cell, Cell, str], ...] = ()


def _folded(text: str) -> str:
    return " ".join(fold_accents(text).lower().replace(".", " ").split())


def names_row(q: QuestionAnalysis, name: str) -> bool:
    """Whether the row's name cell is the unit (or the procedure) the question names."""
    if q.units:
        keys = units_in(name)
        stated = _LEVEL_PREFIX.sub("", _folded(name))
        return any((u.name in keys) if u.level == "province" else same_unit(u.name, stated) for u in q.units)
    # A procedure is named by its own words: the whole name, or most of a long one. Short
    # names ("Bộ Công an") share their common words with any question ("bổ sung", "công điện").
    name_folded, asked_folded = _folded(name), _folded(q.text)
    words = set(name_folded.split())
    if len(words) >= MIN_NAME_WORDS and f" {name_folded} " in f" {asked_folded} ":
        return True
    return len(words) >= MIN_SHARED_NAME_WORDS and len(words & set(asked_folded.split())) >= NAME_SHARE * len(
        words
    )


_RATE_HEAD = re.compile(r"%|tỷ lệ|tỉ lệ|ty le|ti le|rate|percent", re.IGNORECASE)


def header_tokens(header: str) -> set[str]:
    """A column header's words; a rate column ("Tỷ lệ") also says "phần trăm", "%"."""
    return expanded_tokens(f"{header} %" if _RATE_HEAD.search(header) else header)


def _header_share(header: str, terms: tuple[str, ...], weights: dict[str, float], skip: set[str]) -> float:
    own = header_tokens(header)
    counted = [t for t in terms if t not in skip]
    total = sum(weights[t] for t in counted) or 1.0
    return sum(weights[t] for t in counted if t in own) / total


def _value(cell: Cell) -> str | None:
    """What the lead bolds: a short cell whole ("05 ngày làm việc", "200.000 đồng"), a rate
    under a "(%)" header with its sign, else the cell's first figure or its text."""
    found = figures(cell.text)
    if len(found) == 1 and found[0].text == cell.text and "%" in cell.header and not found[0].percent:
        value = figure_value(Figure(cell.text, 0, 0, False))
        if value is None or value > 100:
            return None  # no rate: the header was read onto the wrong column
        return cell.text + "%"
    if len(cell.text) <= SHORT_CELL_CHARS or not found:
        return cell.text if len(cell.text) <= MAX_CELL_CHARS and cell.text.strip("-–. ") else None
    return cell.text[found[0].start : found[0].end]


_RATE_ASKED = re.compile(r"\b(?:ti le|ty le|phan tram|rate|share|percent(?:age)?|proportion)\b")


def _kind_agrees(q: QuestionAnalysis, header: str, value: str) -> bool:
    """A rate asked ("tỷ lệ", "bao nhiêu phần trăm") is read from a rate column, a count asked
    ("bao nhiêu thủ tục") from a count column: a table sets both side by side."""
    rate = value.endswith("%") or bool(_RATE_HEAD.search(header))
    if q.profile.wants_percent or _RATE_ASKED.search(_folded(q.text)):
        return rate
    return not (q.profile.unit and rate)


def _cells(row: Row, name: Cell) -> list[Cell]:
    return [
        c
        for c in row.cells
        if c is not name and c.text and c.header and not skipped_column(c.header) and c.start > name.start
    ]


def _tables_at(rows: list[Row], lo: int, hi: int) -> list[Row]:
    """The rows of every table ``text[lo:hi]`` shows part of: a retrieved chunk may hold a
    table's header and first rows while the row asked about sits in the next chunk. A table
    is its rows under one caption and one set of headers."""
    near = [r for r in rows if r.start < hi + TABLE_REACH_CHARS and lo < r.end]
    keys = {(r.caption, tuple(c.header for c in r.cells)) for r in near}
    return [r for r in rows if (r.caption, tuple(c.header for c in r.cells)) in keys]


Coverage = Callable[[set[str], set[str]], float]
Fits = Callable[[str, str], bool]


def cell_answers(
    q: QuestionAnalysis,
    text: str,
    lo: int,
    hi: int,
    terms: tuple[str, ...],
    weights: dict[str, float],
    coverage: Coverage,
    fits: Fits,
    rows_of: Callable[[str], list[Row]] = table_rows,
) -> list[CellAnswer]:
    """The cells of the tables in ``text[lo:hi]`` that answer ``q`` (its informative ``terms``
    weighted by ``weights``), best first. ``coverage``
    scores (own tokens, context tokens) as the sentence scorer does, so both compare;
    ``fits(header, value)``: whether a cell holds the kind of answer asked (a rate, a count)."""
    rows = _tables_at(rows_of(text), lo, hi)
    out: list[CellAnswer] = []
    for row in rows:
        name = row_name(row)
        if name is None or not names_row(q, name.text):
            continue
        name_tokens = expanded_tokens(name.text)
        candidates: list[tuple[float, Cell, str]] = []
        for c in _cells(row, name):
            value = _value(c)
            if value is not None and _kind_agrees(q, c.header, value) and fits(c.header, value):
                candidates.append((_header_share(c.header, terms, weights, name_tokens), c, value))
        # The one rate of a row the question names answers a rate question whatever its header
        # says ("Tỷ lệ"); among several, the column whose header the question's words name.
        if len(candidates) > 1:
            candidates = [x for x in candidates if x[0] >= MIN_HEADER_SHARE]
        if not candidates:
            continue
        _, cell, value = max(candidates, key=lambda x: x[0])
        cov = coverage(name_tokens | header_tokens(cell.header), expanded_tokens(row.caption))
        out.append(CellAnswer(row, name, cell, value, cov))
    if q.intent == "ranking" and q.profile.direction:
        out = _ranked(q, rows, terms, weights, coverage) + out
    out.sort(key=lambda a: -a.coverage)
    return out


_RANKING_WORDS = expanded_tokens(
    "cao nhất thấp nhất nhiều nhất ít nhất đứng đầu dẫn đầu cuối bảng xếp chót tỉnh thành phố bộ ngành đơn vị "
    "huyện quận xã nào highest lowest most least top bottom which"
)


# A header's head is its first words once "Số", "Số lượng", "Tổng số", "Tỷ lệ" are read past: what its
# cells count. Measured on the shared corpus's tables: a counted thing named later in a header
# ("TTHC … thông qua việc sửa đổi văn bản QPPL") is what the counted thing is done through.
HEADER_HEAD_WORDS = 2
# A rate's words read past too: "Tỷ lệ hồ sơ trực tuyến" is still about hồ sơ, and the header
# names its rate in the answer.
_COUNT_WORDS = frozenset({"so", "luong", "tong", "number", "of", "total", "ty", "ti", "le", "phan", "tram"})


@lru_cache(maxsize=256)
def _first_words(counted: tuple[str, ...]) -> frozenset[str]:
    """The first word of what a ranking counts and of its glossary forms ("van", "vbqppl"):
    one glossary pass per question, not one per column of every table."""
    forms = expansions(" ".join(counted))
    return frozenset({counted[0]} | {fold_accents(t).lower().split()[0] for t in forms if t.strip()})


def counts_other(header: str, counted: tuple[str, ...]) -> bool:
    """Whether ``header`` names what a ranking counts (``counted``, folded words) only after
    its head: its cells then count something else ("TTHC" done through "văn bản")."""
    if not counted:
        return False
    words = [w for w in re.findall(r"\w+", fold_accents(header).lower()) if w not in _COUNT_WORDS]
    firsts = _first_words(counted)
    at = [i for i, w in enumerate(words) if w in firsts]
    return bool(at) and at[0] >= HEADER_HEAD_WORDS


def _ranked(
    q: QuestionAnalysis,
    rows: list[Row],
    terms: tuple[str, ...],
    weights: dict[str, float],
    coverage: Coverage,
) -> list[CellAnswer]:
    """The top (or bottom) row of each table by the column the question's words name (a
    "which province" question asks for the row's name: only the column's kind is checked)."""
    out: list[CellAnswer] = []
    tables: dict[tuple[str, ...], list[Row]] = {}
    for r in rows:
        tables.setdefault(tuple(c.header for c in r.cells), []).append(r)
    for table in tables.values():
        if len(table) < 3:
            continue
        columns: dict[str, list[tuple[Decimal, Row, Cell, Cell, str]]] = {}
        for r in table:
            n = row_name(r)
            if n is None or total_row(n.text):
                continue
            for c in r.cells:
                found = figures(c.text)
                value = _value(c)
                if c is n or not c.header or skipped_column(c.header) or not found or value is None:
                    continue
                v = figure_value(Figure(c.text[found[0].start : found[0].end], 0, 0, found[0].percent))
                if v is not None and _kind_agrees(q, c.header, value):
                    columns.setdefault(c.header, []).append((v, r, n, c, value))
        # The words that ask for the end and the kind of row are no column's words.
        skip = _RANKING_WORDS | {t for r in table for t in expanded_tokens((row_name(r) or r.cells[0]).text)}
        shares = {
            h: _header_share(h, terms, weights, skip)
            for h, vs in columns.items()
            if len(vs) >= 3 and not counts_other(h, q.profile.ranked_count)
        }
        if not shares:
            continue
        column = max(shares, key=lambda h: shares[h])
        if shares[column] < MIN_HEADER_SHARE:
            continue
        values = sorted(columns[column], key=lambda x: x[0], reverse=q.profile.direction == "high")
        if values[0][0] == values[1][0]:
            continue  # a tie: naming one would be a guess
        _, r, n, cell, value = values[0]
        # The ranking answers the words that ask for it ("cao nhất", "tỉnh nào").
        cov = coverage(
            header_tokens(column) | expanded_tokens(n.text) | _RANKING_WORDS, expanded_tokens(r.caption)
        )
        order = tuple((rr, nn, cc, vv) for _, rr, nn, cc, vv in values[:MAX_RANKED_ROWS])
        out.append(CellAnswer(r, n, cell, value, cov, ranked=True, order=order))
    return out
