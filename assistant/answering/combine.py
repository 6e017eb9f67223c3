"""Answers that set several statements side by side: a comparison of units, a trend over
periods. Each row is answered on its own (its own retrieval, its own agreement checks) and
cited on its own; a row nothing answers is said to be missing, never filled with a
neighbour's figure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answering.compose import citation, headline_figure, reference, shown
from assistant.answering.extractive import Evidence
from assistant.index.numbers import find_numbers
from assistant.index.textnorm import fold_accents
from assistant.prompts import PromptSet
from assistant.schemas import Citation, Table


@dataclass
class Row:
    label: str  # the unit or period this row is about, as the question names it
    evidence: Evidence | None

    @property
    def stated(self) -> bool:
        """Whether a statement gives this row a figure (a row may cite a statement without one)."""
        return self.evidence is not None and self.evidence.figure is not None


def _cell(text: str) -> str:
    # A quote inside a Markdown table cell: no pipes, no line breaks.
    return " ".join(text.replace("|", "/").split())


def compose_table(
    rows: list[Row], intent: str, prompts: PromptSet, language: str, intro: str | None = None
) -> tuple[str, list[Citation], Table]:
    """``intro``: the line above the table, if not the intent's own (a ranking names its column)."""
    found = [r for r in rows if r.evidence is not None]
    label_col = prompts["col_period"] if intent == "trend" else prompts["col_unit"]
    columns = [label_col, prompts["col_figure"], prompts["col_source"]]
    lines = [
        intro or prompts[f"table_intro_{'trend' if intent == 'trend' else 'comparison'}"],
        "",
        f"| {' | '.join(columns)} |",
        "|" + "---|" * len(columns),
    ]
    citations: list[Citation] = []
    data_rows: list[list[str]] = []
    cells: list[list[int]] = []
    quotes: list[str] = []
    for r in found:
        ev = r.evidence
        assert ev is not None
        n = len(citations) + 1
        citations.append(citation(n, ev))
        # No bold inside the table: a composed answer has no single headline figure.
        figure = ev.figure or "—"
        ref = reference(ev, prompts, language)
        lines.append(f"| {_cell(r.label)} | {_cell(figure)} | {_cell(ref)} [{n}] |")
        data_rows.append([r.label, ev.figure or "", ref])
        cells.append([n])
        quotes.append(f"[{n}] “{shown(ev.quote)}”")
    missing = [r.label for r in rows if r.evidence is None]
    parts = ["\n".join(lines), "\n".join(quotes)]
    if missing:
        parts.append(prompts["table_missing"].format(names=", ".join(missing)))
    return "\n\n".join(parts), citations, Table(columns=columns, rows=data_rows, citations=cells)


# "Tỉnh nào thấp hơn", "which had fewer", "cấp nào ít … nhất": the low side is asked;
# otherwise the high one.
_LOW_COMPARED = re.compile(
    r"\b(?:thap|it|nho|kem|cham)\b(?:\s+\w+){0,8}?\s+(?:hon|nhat)\b|"
    r"\b(?:lower|fewer|less|smaller|worse|slower|lowest|fewest|least|smallest|worst|slowest)\b"
)
# The word that follows a count says what it counts ("672 TTHC", "987 hồ sơ"): two counts of
# different things are not compared. A total it is out of comes between ("88,35/100 điểm").
_COUNTED = re.compile(r"(?:\s*/\s*[\d.,]+)?\s*([^\W\d]+)")


# Procedures and the online services that carry them are counted one for one: "932 DVCTT toàn
# trình" and "987 TTHC … toàn trình" count the same thing.
_SAME_COUNT = {"tthc": "thu", "dvc": "thu", "dvctt": "thu", "dich": "thu", "thu": "thu"}


def _counted(ev: Evidence) -> str | None:
    at = ev.quote.find(ev.figure or "")
    m = _COUNTED.match(ev.quote, at + len(ev.figure or "")) if at >= 0 else None
    if not m:
        return None
    word = fold_accents(m.group(1)).lower()
    return _SAME_COUNT.get(word, word)


def verdict(rows: list[Row], question: str, prompts: PromptSet, language: str, by: str = "unit") -> str | None:
    """The line that says which side is higher (or lower, when that is asked), over a table
    whose every row states a figure of one kind: all percentages, or counts of the same thing.
    None when a row is missing, the figures are of different kinds, or they are equal: the
    table then speaks for itself. Said with "theo các tài liệu" and, when the rows come from
    documents dated in different years, that the figures are of different dates."""
    found = [r.evidence for r in rows if r.evidence is not None and r.evidence.figure]
    if len(found) < 2 or len(found) != len(rows):
        return None
    evs = [e for e in found if e is not None]
    if len({"%" in (e.figure or "") for e in evs}) > 1:
        return None
    if not any("%" in (e.figure or "") for e in evs) and len({_counted(e) for e in evs}) > 1:
        return None
    mentions = [find_numbers(e.figure or "") for e in evs]
    if any(len(m) != 1 for m in mentions):
        return None  # a range or a pair ("7,5/12") has no one value to compare
    nums = [m[0].values[0] for m in mentions]  # the most likely reading ("1.894" is 1894)
    if len(set(nums)) < len(nums):
        return None
    low = bool(_LOW_COMPARED.search(fold_accents(question).lower()))
    best = (min if low else max)(range(len(rows)), key=lambda i: nums[i])
    others = ", ".join(
        f"{rows[i].label} ({headline_figure(evs[i].figure or '', language)})"
        for i in range(len(rows))
        if i != best
    )
    # A percentage or a score is higher or lower; a count is more or fewer.
    share = any("%" in (e.figure or "") or _counted(e) in ("diem", "point", "points") for e in evs)
    many = len(rows) > 2
    cmp = prompts[f"cmp_{'low' if low else 'high'}{'' if share else '_count'}{'_many' if many else ''}"]
    # Levels of one unit are no units of their own: "trong các cấp được so sánh".
    template = ("verdict_many_levels" if by == "level" else "verdict_many") if many else "verdict"
    line = prompts[template].format(
        label=rows[best].label,
        figure=headline_figure(evs[best].figure or "", language),
        cmp=cmp,
        others=others,
    )
    # Said only where two documents are dated in different years: undated ones tell nothing.
    years = {e.chunk.published[:4] for e in evs if e.chunk.published}
    if len(years) > 1:
        line += " " + prompts["verdict_dates"]
    return line
