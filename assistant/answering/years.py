"""The year that answers "từ năm nào …", "in what year …": the year of the stage a sentence tells
of what was asked.

A sentence that tells stages holds several years, written two ways. Year first, the stage runs
on after it ("Năm 2021, ứng dụng X chạy thử ở các sở và đến năm 2022 mở rộng tới các phường"):
the subject said once, in the first stage, is every later stage's too. Year last, the stage runs
back to the one before ("Hưng Yên vào năm 2019, Bắc Ninh và Hải Dương vào năm 2020"). The end
of a statement ends a stage either way ("Năm 2022, chỉ số A đứng thứ 3; chỉ số B xếp thứ 2").
"""

from __future__ import annotations

import re
from decimal import Decimal

from assistant.answering.question import QuestionProfile
from assistant.index.figures import DOC_TYPES
from assistant.index.glossary import tokens_with_equivalents as _tokens
from assistant.index.keywords import tokenize
from assistant.index.numbers import values_in

# A year stated as such ("năm 2022", "đến năm 2030", "in 2022"); not one inside a date or a
# document number ("4/7/2022", "179/2025/NĐ-CP").
YEAR_STATED = re.compile(
    r"(?:\b(?:năm|nam|in|since|from|by)\s+)?(?<![\d/.-])((?:19|20)\d{2})(?![\d]|\s?[/.-]\s?\w)", re.IGNORECASE
)
# Where one clause of a sentence ends and the next begins.
_CLAUSE_CUT = re.compile(r"[,;:.](?=\s)|\n|\s(?:và|còn|rồi|sau đó|and|then)\s", re.IGNORECASE)
# What ends a statement, and with it a stage: a semicolon, a full stop, a line break (a photo
# caption quoted with the sentence after it).
_STOP = re.compile(r"[;\n]|\.(?=\s)")
_VERB = re.compile(r"\b(?:sẽ|được|đã|đang|bắt đầu|will|is|are|was|were|has|have)\b", re.IGNORECASE)
# Words that may open a clause before its year ("đến năm 2022", "vào năm học 2023", "by 2030").
_JOINS = set(tokenize("và hoặc hay cùng and or"))
_OPENERS = set(
    tokenize(
        "năm học trong vào đến tới từ sau trước cuối đầu hết tính sang riêng in by from since until after the"
    )
)


def _stages(
    sentence: str, m: re.Match[str], years: list[re.Match[str]], clauses: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """The offsets of the stages year ``m`` may date (see the module's docstring), as written
    first: back to the year before where the year closes its clause ("Hưng Yên vào năm 2019"),
    then on to the next year."""

    def clause_of(pos: int) -> tuple[int, int]:
        return next(c for c in clauses if c[0] <= pos < c[1])

    lo, hi = clause_of(m.start())
    out = []
    if (
        not re.search(r"\w", sentence[m.end() : hi])
        and not set(tokenize(sentence[lo : m.start()])) <= _OPENERS
    ):
        # Year last: back to the end of the clause of the year before, or of a statement.
        earlier = [y for y in years if y.end() <= lo]
        start = clause_of(earlier[-1].start())[1] if earlier else clauses[0][0]
        stops = [x.end() for x in _STOP.finditer(sentence, start, lo)]
        out.append((stops[-1] if stops else start, hi))
    # Year first ("Vào đầu năm 2021, …", or inside its clause): on to the clause of the next
    # year, or the end of the statement.
    later = [y for y in years if y.start() > m.start()]
    end = clause_of(later[0].start())[0] if later else clauses[-1][1]
    stop = _STOP.search(sentence, m.end(), end)
    out.append((lo, stop.start() if stop else max(end, hi)))
    return out


# A document the question cites by number ("Quyết định 2629/QĐ-TTg", "Kế hoạch 222"): its number
# is no value the answer must state.
_DOC_NUMBER = re.compile(
    r"\b(?:" + "|".join(map(re.escape, DOC_TYPES)) + r"|chương trình)\s+(?:số\s+)?\d[\w/.-]*",
    re.IGNORECASE,
)


def _values_asked(question: str) -> set[Decimal]:
    """The figures a question states ("đứng thứ 2"), not its years nor its documents' numbers."""
    return {v for v in values_in(_DOC_NUMBER.sub(" ", question)) if not (1900 <= v <= 2099)}


def year_answer(prof: QuestionProfile, sentence: str, a: int, b: int) -> str | None:
    """The year of ``sentence[a:b]`` that answers a "which year" question: the year of the stage
    that holds the most of the question's terms no other stage holds (a tie says none), and the
    value the question states ("đứng thứ 2 năm nào" → the stage where it is second), if any.
    One year answers only where its own stage says some of what was asked."""
    years = [m for m in YEAR_STATED.finditer(sentence, a, b) if m.group(1) not in prof.question_text]
    if not years:
        return None
    bounds = sorted({a, b} | {m.end() for m in _CLAUSE_CUT.finditer(sentence, a, b)})
    clauses = list(zip(bounds, bounds[1:], strict=False))
    terms = set(prof.terms) - set(tokenize("năm year"))  # the word the question asks by
    values = _values_asked(prof.question_text)
    # The names the question asks about ("Hải Dương"): what tells apart the stages of a list
    # written year last, whose first stage also holds what all of them did.
    words = prof.question_text.split()
    names = terms & set(tokenize(" ".join(w for w in words[1:] if w[:1].isupper())))
    stages: list[set[str]] = []
    for m in years:
        held: set[str] = set()
        readings = _stages(sentence, m, years, clauses)
        for lo, hi in readings:
            text = sentence[lo:hi]
            if set(tokenize(text.replace(m.group(0), " "))) <= _OPENERS | _JOINS:
                return None  # "Năm 2020 và năm 2021, …": the years of one statement, no stages
            held = terms & _tokens(text.replace(m.group(0), " "))
            if values and not values & values_in(text):
                held = set()  # "đứng thứ 2": a stage where it is third answers nothing
            if len(readings) > 1 and names:
                held &= names  # a year that closes its clause closes a list item
            if held:
                break  # read as written; a stage that says nothing asked is read the other way
        stages.append(held)
    if len({m.group(1) for m in years}) == 1:
        return years[0].group(0) if any(stages) else None
    # The first stage's subject ("Năm 2021, ứng dụng X sẽ …") is every later stage's too, which
    # leaves it unsaid ("và đến năm 2022 sẽ được …"): it tells no stage apart.
    first = years[0]
    verb = _VERB.search(sentence, first.end(), b)
    subject = terms & _tokens(sentence[first.end() : verb.start()]) if verb else set()
    own = [
        len(st - subject - set().union(*(o for j, o in enumerate(stages) if j != i))) if st else -1
        for i, st in enumerate(stages)
    ]
    order = sorted(range(len(years)), key=lambda i: -own[i])
    return years[order[0]].group(0) if own[order[0]] > max(own[order[1]], 0) else None
