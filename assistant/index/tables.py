"""Tables in stored document text, read back as rows whose cells know their column header.

Three forms reach the index:
- DOCX rows, written by ingest as "Header: value; Header: value." lines;
- one row a line, "| STT | Tỉnh | Tổng số TTHC | Tỷ lệ |" (Markdown-like, ``|---|`` rules);
- one cell a line between "|" lines, an empty cell ("|" right after "|") ending a row: the
  form legal portals' tables are flattened to. Header rows may span ("TTHC đã cắt giảm" over
  "Đơn giản hóa | Bãi bỏ"), and a row may leave out its leading cells (a merged "Bộ Công an"
  over three rows).
No library reads these flattened forms (pandas and markdown parsers need a rule line, one
row a line and no spans), so this module does. Offsets are those of the text given.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from assistant.index.figures import figures


@dataclass(frozen=True)
class Cell:
    text: str  # without Markdown emphasis, whitespace folded
    start: int
    end: int
    header: str = ""


@dataclass(frozen=True)
class Row:
    cells: tuple[Cell, ...]
    start: int  # the row's span in the text: the statement a fact from it quotes
    end: int
    caption: str = ""  # the text just before the table (its title, often naming the period)


def _clean(raw: str) -> str:
    return " ".join(raw.replace("*", " ").split())


def _cell(text: str, start: int, end: int) -> Cell:
    raw = text[start:end]
    lead = len(raw) - len(raw.lstrip(" \t\n*"))
    trail = len(raw) - len(raw.rstrip(" \t\n*"))
    return Cell(_clean(raw), start + lead, max(start + lead, end - trail))


_PIPE_LINE = re.compile(r"^[ \t]*\|[ \t]*$", re.MULTILINE)
_ROW_LINE = re.compile(r"^[^\n|]*\|[^\n]*\|[^\n]*$", re.MULTILINE)
_RULE = re.compile(r"^[\s|:-]*-{3,}[\s|:-]*$")
_DOCX_ROW = re.compile(r"^(?:[^:;\n]{1,80}: [^;\n]+; )+[^:;\n]{1,80}: [^;\n]+\.$", re.MULTILINE)
_DOCX_PAIR = re.compile(r"([^:;\n]{1,80}): ([^;\n]+?)(?=; [^:;\n]{1,80}: |\.$)", re.MULTILINE)


def _has_figure(cell: Cell) -> bool:
    return bool(cell.text) and bool(figures(cell.text))


def _grid_blocks(text: str) -> list[list[list[Cell]]]:
    """Tables in the one-cell-a-line form, as lists of rows of cells."""
    blocks: list[list[list[Cell]]] = []
    pipes = [m.start() for m in _PIPE_LINE.finditer(text)]
    rows: list[list[Cell]] = []
    row: list[Cell] = []
    for a, b in zip(pipes, pipes[1:]):
        a_end = text.index("|", a) + 1
        between = text[a_end:b]
        # Prose between two tables: the flattening keeps a cell on consecutive lines, so a blank
        # line inside means text outside the table (a long procedure-time cell runs to 20+ lines,
        # which a line count took for prose and cut the row from its header).
        if "\n\n" in between.strip(" \t\n") or len(between) > 6000:
            if row:
                rows.append(row)
            if rows:
                blocks.append(rows)
            rows, row = [], []
            continue
        cell = _cell(text, a_end, b)
        if not between.strip():
            if row:
                rows.append(row)
            row = []
        else:
            row.append(cell)
    if row:
        rows.append(row)
    if rows:
        blocks.append(rows)
    return blocks


def _line_blocks(text: str) -> list[list[list[Cell]]]:
    """Tables in the one-row-a-line form ("| a | b |")."""
    blocks: list[list[list[Cell]]] = []
    rows: list[list[Cell]] = []
    last_end = -2
    for m in _ROW_LINE.finditer(text):
        if _RULE.match(m.group(0)):
            last_end = m.end()
            continue
        if m.start() != last_end + 1 and rows:
            blocks.append(rows)
            rows = []
        bars = [m.start() - 1] + [m.start() + i for i, ch in enumerate(m.group(0)) if ch == "|"] + [m.end()]
        cells = [_cell(text, a + 1, b) for a, b in zip(bars, bars[1:])]
        while cells and not cells[0].text:
            cells.pop(0)
        while cells and not cells[-1].text:
            cells.pop()
        if cells:
            rows.append(cells)
        last_end = m.end()
    if rows:
        blocks.append(rows)
    return blocks


def _headers(head: list[list[Cell]], width: int, lead: int = -1) -> list[str]:
    """Column labels for rows of up to ``width`` cells from one or more header rows.

    A header row with fewer cells than the table has groups that span the next row's
    sub-headers; the others span rows downwards ("STT", "Tỷ lệ (%)", "Ghi chú"). With T cells
    above S sub-headers over ``width`` columns, T + S - width of them are groups; they start
    at ``lead``, the first column that holds figures (after the row number and the name),
    and share the sub-headers evenly. Without that (``lead`` unknown, an uneven split) the
    last cells are taken for the groups."""
    labels = [c.text for c in head[0]] if head else []
    for sub in head[1:]:
        names = [c.text for c in sub]
        groups = len(labels) + len(names) - width
        if lead >= 1 and 1 <= groups <= len(labels) - lead and len(names) % groups == 0:
            span = len(names) // groups
            labels = (
                labels[:lead]
                + [f"{labels[lead + i // span]} — {n}" for i, n in enumerate(names)]
                + labels[lead + groups :]
            )
            continue
        prefix = width - len(names)
        parents = labels[prefix:] if 0 <= prefix <= len(labels) else []
        if prefix < 0 or not parents:
            labels = (labels + [""] * width)[: width - len(names)] + names if prefix >= 0 else names[:width]
            continue
        span = max(1, len(names) // len(parents))
        labels = labels[:prefix] + [
            f"{parents[min(i // span, len(parents) - 1)]} — {n}" for i, n in enumerate(names)
        ]
    return (labels + [""] * width)[:width] if width else labels


def _group_width(head: list[list[Cell]], widths: set[int], lead: int) -> int | None:
    """The table's width that makes its two header rows agree: the widest of the rows' widths
    whose T + S - width groups fit between the name columns and the end and share the S
    sub-headers evenly (rows narrower than it left out trailing empty cells; rows wider than
    all that fit have text after the table read as cells)."""
    if len(head) < 2 or lead < 1:
        return None
    top, sub = len(head[0]), len(head[1])
    for w in sorted(widths, reverse=True):
        groups = top + sub - w
        if 1 <= groups <= top - lead and sub % groups == 0:
            return w
    return None


def _first_figure_column(run: list[list[Cell]]) -> int:
    """The column where a table's figures start (after its row number and name), -1 if unclear."""
    found = Counter(
        next((k for k in range(1, len(r)) if _has_figure(r[k])), -1)
        for r in run
        if _ROW_NUMBER.match(r[0].text)
    )
    return found.most_common(1)[0][0] if found else -1


# A row's number ("3", "12.", "IV"): a row that starts with one has all its leading cells.
_ROW_NUMBER = re.compile(r"^(?:\d{1,4}|[IVXLC]{1,6})\.?$")


_NUMBER_HEAD = re.compile(r"^(?:stt|tt|số tt|no\.?|#)$", re.IGNORECASE)


# A data cell's figure is most of it ("60,36", "**759**"); a bold header that mentions one
# ("Số TTHC không phát sinh hồ sơ trong 3 năm") is no data.
FIGURE_CELL_CHARS = 24


def _is_data(r: list[Cell], text: str = "") -> bool:
    if len(r) < 2 or not any(_has_figure(c) for c in r[1:]) or any(" | " in c.text for c in r):
        return False
    bold = bool(text) and all(text[max(0, c.start - 2) : c.start] == "**" for c in r if c.text)
    return not bold or any(_has_figure(c) and len(c.text) <= FIGURE_CELL_CHARS for c in r[1:])


def _is_header(r: list[Cell], raw: str) -> bool:
    """Bold cells (how portals mark headers) or a first column named STT."""
    return len(r) >= 2 and (bool(_NUMBER_HEAD.match(r[0].text)) or raw.count("*") >= len(r))


def _ruled_below(r: list[Cell], text: str) -> bool:
    """Whether the line after the row is a rule ("|---|---|"): what marks a Markdown table's
    header row (an HTML <table> converted by trafilatura), whatever its cells say."""
    end = text.find("\n", r[-1].end)
    if end < 0:
        return False
    after = text.find("\n", end + 1)
    return bool(_RULE.match(text[end + 1 : after if after >= 0 else len(text)]))


def _from_number_column(r: list[Cell]) -> list[Cell]:
    """A header row from its STT column on: text between two tables reads as its first cells."""
    for k, c in enumerate(r):
        if _NUMBER_HEAD.match(c.text):
            return r[k:]
    return r


def _rows_of(block: list[list[Cell]], text: str) -> list[Row]:
    # A header row led by the text before its table (a signature block, the appendix title
    # with its "(16 thủ tục)") starts at its STT column; its figures made it read as data.
    block = [_from_number_column(r) if len(r) > 2 and not _NUMBER_HEAD.match(r[0].text) else r for r in block]
    out: list[Row] = []
    labels: list[str] = []
    i = 0
    while i < len(block):
        if not _is_data(block[i], text):
            i += 1
            continue
        run_start = i
        while i < len(block) and (_is_data(block[i], text) or len(block[i]) < 2):
            i += 1
        run = [r for r in block[run_start:i] if len(r) >= 2]
        # The widest numbered rows, seen twice at least: the others may leave out trailing empty
        # cells ("Ghi chú"); one odd row may have the text after the table read as its cells.
        numbered = Counter(len(r) for r in run if _ROW_NUMBER.match(r[0].text))
        seen = [w for w, n in numbered.items() if n >= 2]
        width = max(seen) if seen else Counter(len(r) for r in run).most_common(1)[0][0]
        head: list[list[Cell]] = []
        j = run_start - 1
        # A section row between the headers and the data ("I. Bộ, ngành") is passed over.
        while j >= 0 and not head and len(block[j]) < 2 and run_start - j <= 2:
            j -= 1
        while j >= 0 and len(head) < 3:
            r = _from_number_column(block[j])
            raw = text[r[0].start - 2 : r[-1].end + 2]
            if not (_is_header(r, raw) or _ruled_below(r, text)) or _is_data(r, text):
                break
            head.insert(0, r)
            if len(r) >= width or _NUMBER_HEAD.match(r[0].text):
                break
            j -= 1
        if head:
            lead = _first_figure_column(run)
            width = _group_width(head, set(numbered) | {width}, lead) or width
            labels = _headers(head, width, lead)
        elif len(labels) != width:
            labels = []
        start0 = (head[0] if head else run[0])[0].start
        caption = _caption(text, start0)
        previous: list[Cell] = []
        for r in run:
            cells = list(r)
            if (
                labels
                and len(cells) < len(labels)
                and len(previous) == len(labels)
                and not _ROW_NUMBER.match(cells[0].text)
            ):
                # Leading cells merged over several rows: carry them from the row above.
                cells = previous[: len(labels) - len(cells)] + cells
            named = [
                Cell(c.text, c.start, c.end, labels[k] if k < len(labels) else "")
                for k, c in enumerate(cells)
            ]
            out.append(Row(tuple(named), r[0].start, r[-1].end, caption))
            previous = named
    return out


def _caption(text: str, start: int) -> str:
    """The paragraph just before a table: its title, which often names the period or metric."""
    for piece in reversed(text[max(0, start - 400) : start].split("\n\n")):
        if piece.strip(" |\n\t*") and not _DOCX_ROW.match(piece.strip()):
            return _clean(piece)
    return ""


def table_rows(text: str) -> list[Row]:
    """Every table row of a text that holds a figure, its cells labelled with their headers."""
    rows: list[Row] = []
    for block in _grid_blocks(text) + _line_blocks(text):
        rows.extend(_rows_of(block, text))
    for m in _DOCX_ROW.finditer(text):
        cells = tuple(
            Cell(_clean(p.group(2)), p.start(2), p.end(2), _clean(p.group(1)))
            for p in _DOCX_PAIR.finditer(text, m.start(), m.end())
        )
        if len(cells) >= 2 and any(_has_figure(c) for c in cells):
            rows.append(Row(cells, m.start(), m.end(), _caption(text, m.start())))
    rows.sort(key=lambda r: r.start)
    return rows
