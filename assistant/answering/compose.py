"""Turning selected evidence into the answer text and its citations, from prompt templates."""

from __future__ import annotations

import re

from assistant.answering.analysis import QuestionAnalysis
from assistant.answering.decline import Decline
from assistant.answering.extractive import Evidence
from assistant.index.gazetteer import merged_into
from assistant.prompts import PromptSet
from assistant.schemas import Citation, SourceRef

_MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def shown(quote: str) -> str:
    """A quote as it appears inside an answer: a document's own Markdown emphasis
    ("**trong năm 2025**") escaped, so that only our headline is bold, and its link syntax
    ("[x](javascript:…)", "<https://…>") escaped, so that a Markdown client renders no link
    the document planted. The citation keeps the verbatim quote; the page, Slack and Zalo
    unescape it (CommonMark clients do so themselves)."""
    return quote.replace("\\", "\\\\").replace("*", "\\*").replace("](", "]\\(").replace("<", "\\<")


# What ``shown`` escaped: a backslash before one of these.
ESCAPED = re.compile(r"\\([*\\(<])")


def unshown(text: str) -> str:
    """``text`` with the escapes of ``shown`` removed: the quotes as their documents wrote them."""
    return ESCAPED.sub(r"\1", text)


def format_date(iso: str | None, language: str) -> str | None:
    if not iso or len(iso) < 10:
        return None
    y, m, d = int(iso[:4]), int(iso[5:7]), int(iso[8:10])
    if language == "en":
        return f"{d} {_MONTHS_EN[m - 1]} {y}"
    return f"{d}/{m}/{y}"


def reference(ev: Evidence, prompts: PromptSet, language: str) -> str:
    date = format_date(ev.chunk.published, language)
    source = ev.chunk.source or ev.chunk.url or ev.chunk.doc_id
    template = prompts["ref_with_date"] if date else prompts["ref_without_date"]
    return template.format(title=ev.chunk.title or ev.chunk.doc_id, source=source, date=date)


def citation(n: int, ev: Evidence, copies: list[SourceRef] | None = None) -> Citation:
    return Citation(
        n=n,
        doc_id=ev.chunk.doc_id,
        title=ev.chunk.title,
        url=ev.chunk.url,
        published=ev.chunk.published,
        source=ev.chunk.source,
        quote=ev.quote,
        start=ev.start,
        end=ev.end,
        also_reported_by=copies or [],
        **ev.chunk.citation_marks(ev.start, ev.end),
    )


# "22.3%" in a table of a Vietnamese document: a decimal point, since a thousands dot is
# followed by three digits. Vietnamese reports write it "22,3%", and a reader of "22.3"
# copied into one could take the dot for thousands; the quote below still shows it verbatim.
_DECIMAL_POINT = re.compile(r"(?<![\d.,])(\d+)\.(\d{1,2}|\d{4,})(?![\d.,])")


def headline_figure(figure: str, language: str) -> str:
    """The figure as the headline shows it: with a decimal comma in a Vietnamese answer."""
    return _DECIMAL_POINT.sub(r"\1,\2", figure) if language == "vi" else figure


def compose(
    evidence: list[Evidence],
    prompts: PromptSet,
    language: str,
    copies: dict[str, list[SourceRef]] | None = None,
    direction: str | None = None,
) -> tuple[str, list[Citation]]:
    """``direction``: the end of a ranking asked for ("high"/"low"), said in a ranked lead."""
    copies = copies or {}
    best = evidence[0]
    figure = headline_figure(best.figure, language) if best.figure else best.figure
    if best.column and best.label and figure:
        template = "lead_cell_ranked" if best.ranked_cell else "lead_cell"
        end = prompts["rank_high" if direction == "high" else "rank_low"]
        lead = prompts[template].format(figure=figure, row=best.label, column=best.column, end=end)
    elif best.label and figure:
        end = prompts["rank_high" if direction == "high" else "rank_low"]
        lead = prompts["lead_ranked"].format(label=best.label, figure=figure, end=end)
    else:
        lead = prompts["lead"].format(figure=figure) if figure else ""
    parts = [
        prompts["answer"].format(
            lead=lead, ref=reference(best, prompts, language), quote=shown(best.quote), n=1
        )
    ]
    for n, ev in enumerate(evidence[1:], 2):
        # Evidence comes latest first: an older date is an earlier report of the same figure.
        earlier = bool(
            ev.chunk.published and best.chunk.published and ev.chunk.published < best.chunk.published
        )
        template = prompts["also_earlier"] if earlier else prompts["also"]
        parts.append(template.format(ref=reference(ev, prompts, language), n=n))
    republished = [c.source or c.url or c.doc_id for ev in evidence for c in copies.get(ev.chunk.doc_id, [])]
    if republished:
        parts.append(prompts["also_reported"].format(sources=", ".join(dict.fromkeys(republished))))
    citations = [citation(n, ev, copies.get(ev.chunk.doc_id)) for n, ev in enumerate(evidence, 1)]
    return "\n\n".join(parts), citations


def merger_note(prompts: PromptSet, q: QuestionAnalysis) -> str:
    """The line that says a province asked by its pre-2025 name is now part of another
    ("Hà Giang nay thuộc tỉnh Tuyên Quang"), so a figure of the old unit is read as such; "" if none."""
    notes = []
    for u in q.units:
        new = merged_into(u.name) if u.level == "province" else None
        if new:
            notes.append(prompts["merged"].format(old=u.surface or u.name, new=new))
    return "".join(n + "\n\n" for n in notes)  # one italic block each


# The reading of a follow-up is shown, not echoed: a pasted page of text stays one line.
MAX_UNDERSTOOD_CHARS = 300


def understood(prompts: PromptSet, question: str | None) -> str:
    """The line that shows how a follow-up was read ("Đã hiểu câu hỏi là: …"), or ""."""
    if not question:
        return ""
    if len(question) > MAX_UNDERSTOOD_CHARS:
        question = question[:MAX_UNDERSTOOD_CHARS].rsplit(" ", 1)[0] + " …"
    return prompts["understood"].format(question=question) + "\n\n"


def declined(
    decline: Decline, ev: Evidence, prompts: PromptSet, language: str, copies: list[SourceRef] | None = None
) -> tuple[str, list[Citation]]:
    """A refusal that shows the closest statement held, quoted and cited but never bolded."""
    template = f"declined_{decline.reason}"
    if decline.reason == "period" and not decline.held:
        template = "declined_period_unknown"
    held = decline.held
    if decline.reason == "period" and held:
        held = (f"tháng {held}" if "/" in held else f"năm {held}") if language == "vi" else held
    text = prompts[template].format(
        asked=decline.asked, held=held, ref=reference(ev, prompts, language), quote=shown(ev.quote), n=1
    )
    return text, [citation(1, ev, copies)]


def not_found(prompts: PromptSet, nearest_titles: list[str]) -> str:
    text = prompts["not_found"]
    if nearest_titles:
        titles = "; ".join(f"«{t}»" for t in nearest_titles)
        text += " " + prompts["not_found_nearest"].format(titles=titles)
    return text
