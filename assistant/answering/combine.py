"""Answers that set several statements side by side: a comparison of units, a trend over
periods. Each row is answered on its own (its own retrieval, its own agreement checks) and
cited on its own; a row nothing answers is said to be missing, never filled with a
neighbour's figure.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.answering.compose import citation, reference, shown
from assistant.answering.extractive import Evidence
from assistant.prompts import PromptSet
from assistant.schemas import Citation, Table


@dataclass
class Row:
    label: str  # the unit or period this row is about, as the question names it
    evidence: Evidence | None


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
