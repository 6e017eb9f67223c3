"""Rule-based rewriting of follow-up questions into standalone ones (the no-LLM mode).

"Còn Khánh Hòa thì sao?" after "… tỷ lệ … của Điện Biên là bao nhiêu?" becomes the
previous question with Khánh Hòa in Điện Biên's place. The rules substitute, in order: a
province for a province, a year for a year, and a new subject for the old one: the words
of the follow-up before the predicate both questions share, put in place of the previous
question's phrase with the same head word ("cấp huyện" for "cấp tỉnh", "Bộ Tư pháp" for
"Bộ Y tế"), or of the clause before that predicate.
Anything else is retrieved together with the previous question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from assistant.answering.agreement import GENERIC_METRICS
from assistant.index.facets import metrics, metrics_in
from assistant.index.gazetteer import name_patterns
from assistant.index.textnorm import fold_accents, has_vietnamese_diacritics, index_form
from assistant.schemas import Turn

_MARKERS = re.compile(
    r"^\s*(?:riêng|rieng|trong số đó|trong so do|trong đó|trong do)\s*,?\s+|"
    r"^\s*(?:(?:thế|vậy|the|vay)\s+)?(?:còn|con)\s+|^\s*(?:what|how)\s+about\s+|^\s*and\s+(?:what\s+about\s+)?|"
    r"\s*(?:thì|thi)\s+(?:sao|thế nào|the nao)\s*\??\s*$|\s*(?:thì\s+)?(?:sao|thế nào)\s*\?\s*$",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
# Words after which a new phrase starts ("… ở cấp tỉnh", "của Bộ Y tế"), folded. Not "cung":
# folded it is both "cũng" (also) and the "cung" of "cung cấp".
_OPENERS = {
    "o",
    "tai",
    "cua",
    "va",
    "cac",
    "nhung",
    "trong",
    "cho",
    "voi",
    "ve",
    "thi",
    "la",
    "con",
    "ma",
    "do",
    "boi",
    "tu",
    "den",
    "theo",
    "nam",
    "thang",
    "so",
    "tinh",
}
_FOLLOWUP_START = re.compile(
    r"^\s*(thế còn|vậy còn|còn|thế|vậy|riêng|trong số đó|trong đó|ngoài ra|what about|how about|and|and in|"
    r"of these|of those|among them)\b",
    re.IGNORECASE,
)
_FOLLOWUP_END = re.compile(r"(thì sao|thế nào)\s*\??\s*$", re.IGNORECASE)
# A noun pointed back at ("năm đó", "con số này", "tỷ lệ ấy", "that year"): the question needs
# the previous turn to say which. "này" after a document type ("Nghị định này") is rarer in a
# first question than in a follow-up, and a follow-up that misses its history is a decline.
_ANAPHORA = re.compile(
    r"\b(?:năm|tháng|quý|kỳ|con số|số liệu|tỷ lệ|tỷ trọng|chỉ số|tỉnh|đơn vị|địa phương|bộ|ngành|lĩnh vực)\s+"
    r"(?:đó|này|ấy|trên)\b|\b(?:that|this|the same)\s+(?:year|figure|share|rate|index|province|period|ministry)\b",
    re.IGNORECASE,
)


def is_followup(question: str) -> bool:
    """Whether ``question`` needs the previous turn: it opens or closes like a follow-up, points
    back at something, or is too short to stand alone. Anything else stands alone, even
    after an unrelated turn (gluing it onto that turn only adds the wrong words)."""
    words = question.split()
    return (
        bool(_FOLLOWUP_START.search(question) or _FOLLOWUP_END.search(question) or _ANAPHORA.search(question))
        or len(words) <= 3
    )


def _strip_markers(question: str) -> str:
    prev = None
    text = question.strip()
    while prev != text:
        prev = text
        text = _MARKERS.sub(" ", text).strip()
    return text.rstrip("?").strip()


def _province_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, key) of province names in ``text``; folded matching, same offsets."""
    folded = fold_accents(text)
    spans = []
    for name in name_patterns():
        for m in name.folded.finditer(folded):
            spans.append((m.start(), m.end(), name.unit))
    # Keep the longest match where aliases overlap ("TP. Hồ Chí Minh" over "Hồ Chí Minh").
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    out: list[tuple[int, int, str]] = []
    for s in spans:
        if not out or s[0] >= out[-1][1]:
            out.append(s)
    return out


def _substitute_province(prev: str, rest: str) -> str | None:
    new = _province_spans(rest)
    old = _province_spans(prev)
    if len(new) == 1 and old and new[0][2] != old[0][2]:
        a, b, _ = old[0]
        return prev[:a] + rest[new[0][0] : new[0][1]] + prev[b:]
    return None


_MONTH = re.compile(
    r"\b(?:tháng|thang)\s+\d{1,2}\s*/\s*(?:19|20)\d{2}\b|\b\d{1,2}/(?:19|20)\d{2}\b", re.IGNORECASE
)


def _substitute_month(prev: str, rest: str) -> str | None:
    """ "Thế đến tháng 6/2024 thì sao?" after a question about tháng 3/2024."""
    new, old = _MONTH.findall(rest), _MONTH.findall(prev)
    if len(new) == 1 and len(old) == 1 and new[0] != old[0]:
        return _MONTH.sub(new[0], prev)
    years = _YEAR.findall(prev)
    if len(new) == 1 and not old and len(years) == 1:
        # "Thế đến tháng 6/2024 thì sao?" after a question about "năm 2024" (or 2023).
        month = new[0] if new[0].lower().startswith(("tháng", "thang")) else f"tháng {new[0]}"
        return re.sub(rf"(?:năm\s+|nam\s+)?{years[0]}", month, prev, count=1)
    return None


# "Còn năm trước đó?", "năm sau thì sao?", "the year before?": a year told from the previous one.
_RELATIVE_YEAR = re.compile(
    r"\b(?:(nam truoc(?: do)?|nam ngoai|the year before|the previous year|a year earlier|last year)|"
    r"(nam sau(?: do)?|nam tiep theo|the year after|the next year|the following year|a year later))\b"
)


def _substitute_year(prev: str, rest: str) -> str | None:
    old_years = _YEAR.findall(prev)
    relative = _RELATIVE_YEAR.search(fold_accents(rest).lower())
    if relative and len(old_years) == 1 and not _YEAR.search(rest):
        # Only relative to a year the previous question names: "năm ngoái" alone is the
        # calendar's, which the documents' dates do not tell.
        rest = (
            rest[: relative.start()]
            + str(int(old_years[0]) + (-1 if relative.group(1) else 1))
            + rest[relative.end() :]
        )
    new, old = _YEAR.findall(rest), _YEAR.findall(prev)
    if len(new) == 1 and len(old) == 1 and new[0] != old[0]:
        return _YEAR.sub(new[0], prev)
    leftover = fold_accents(_YEAR.sub(" ", rest)).lower().split()
    if len(new) == 1 and not old and all(w.strip("?,.") in _BARE_PERIOD_WORDS for w in leftover):
        # "Còn năm 2024?" after a question that names no year: that question, in that year.
        english = not has_vietnamese_diacritics(prev) and bool(re.search(r"\b(?:the|of|what|how|in)\b", prev))
        return prev.rstrip(" ?") + (f" in {new[0]}?" if english else f" năm {new[0]}?")
    return None


# What a bare period follow-up says besides its year ("Còn năm 2024 thì sao?", "And in 2022?").
_BARE_PERIOD_WORDS = {
    "con",
    "nam",
    "trong",
    "vao",
    "thi",
    "sao",
    "the",
    "va",
    "and",
    "in",
    "for",
    "what",
    "about",
    "how",
}


_QUESTION_WORDS = {
    "bao",
    "nhieu",
    "la",
    "gi",
    "nao",
    "may",
    "dat",
    "duoc",
    "co",
    "thi",
    "sao",
    "the",
    "khong",
    "how",
    "many",
    "much",
    "what",
    "is",
    "was",
}
_DEMONSTRATIVES = {"nay", "do", "ay", "tren"}


def _subject_and_predicate(prev: str, rest: str) -> tuple[list[str], int] | None:
    """Split the follow-up into a new subject and the longest tail the previous question
    also contains; returns (subject words, position of that tail in ``prev``)."""
    words = rest.split()
    prev_folded = fold_accents(prev)
    for i in range(1, len(words) - 1):
        tail = [fold_accents(w).strip("?,.") for w in words[i:]]
        if all(w in _QUESTION_WORDS for w in tail):
            break  # "… bao nhiêu": a question phrase is shared by every question, not a predicate
        pos = prev_folded.find(" ".join(fold_accents(w) for w in words[i:]))
        if pos > 0:
            subject = words[:i]
            # "cấp huyện thì tỷ lệ này là bao nhiêu": the subject ends at "thì" — unless what
            # follows it is a predicate of its own ("thì tỷ lệ giải quyết đúng hạn đạt …").
            cut = next((j for j, w in enumerate(subject) if fold_accents(w) == "thi"), None)
            if cut:
                between = {fold_accents(w).strip("?,.") for w in subject[cut + 1 :]}
                if between and not between & _DEMONSTRATIVES and len(between - _QUESTION_WORDS) > 1:
                    return None
                subject = subject[:cut]
            while subject and fold_accents(subject[-1]) in ("thi", "la"):
                subject = subject[:-1]
            return (subject, pos) if subject else None
    return None


def _substitute_subject(prev: str, rest: str) -> str | None:
    """ "Bộ Xây dựng thì mấy điểm" after "Bộ Y tế năm 2017 mấy điểm?":
    the new subject replaces the old one of the same head word and length, else the
    clause before the shared predicate."""
    found = _subject_and_predicate(prev, rest)
    if found is None:
        words = rest.split()
        if len(words) != 2:
            return None
        subject, pos = words, -1
    else:
        subject, pos = found
    prev_words = prev.split()
    head = fold_accents(subject[0])
    for j, w in enumerate(prev_words):
        # The head must open its phrase: "cấp" in "cung cấp DVC" is the end of a word, not
        # the "cấp" of "cấp tỉnh".
        opens_phrase = (
            j == 0 or prev_words[j - 1][-1:] in ",;:(" or fold_accents(prev_words[j - 1]) in _OPENERS
        )
        if fold_accents(w) == head and opens_phrase and j + len(subject) <= len(prev_words):
            old = prev_words[j : j + len(subject)]
            if [fold_accents(x) for x in old] == [fold_accents(x) for x in subject]:
                return None  # same subject: not a substitution
            if j == 0:  # keep the sentence's capital
                subject = [subject[0][:1].upper() + subject[0][1:], *subject[1:]]
            prev_words[j : j + len(subject)] = subject
            return " ".join(prev_words)
    if pos > 0:
        clause_start = prev.rfind(",", 0, pos) + 1
        return (prev[:clause_start] + " " + " ".join(subject) + " " + prev[pos:]).strip()
    return None


def _substitute_metric(prev: str, rest: str) -> str | None:
    """ "Còn một phần thì sao?" after "… TTHC trực tuyến toàn trình?": a bare follow-up that names
    one measure of the lexicon, where the previous question named one other, swaps it in. The
    new measure's term that shares most words with the old one's words replaces them ("trực
    tuyến toàn trình" → "trực tuyến một phần"), written as the previous question is (accented
    or not)."""
    said = [m for m in metrics_in(rest) if m.key not in GENERIC_METRICS]
    if len({m.key for m in said}) != 1:
        return None
    leftover = fold_accents(rest[: said[0].start] + " " + rest[said[-1].end :]).lower().split()
    if any(w.strip("?,.") not in _QUESTION_WORDS | {"con", "va", "and", "about", "the"} for w in leftover):
        return None  # the follow-up says more than the measure: the other rules read it
    new_key = said[0].key
    before = [m for m in metrics_in(prev) if m.key not in GENERIC_METRICS]
    if len({m.key for m in before}) != 1 or before[0].key == new_key:
        return None
    old = before[0]
    old_words = set(fold_accents(prev[old.start : old.end]).lower().split())
    accented = has_vietnamese_diacritics(prev)
    terms = [t for t in metrics()[new_key].terms if has_vietnamese_diacritics(t) == accented or not accented]
    if not terms:
        return None

    def shared(term: str) -> tuple[int, int]:
        words = fold_accents(term).lower().split()
        return (len(old_words & set(words)), -abs(len(words) - len(old_words)))

    term = max(terms, key=shared)
    term = term if accented else fold_accents(term)
    return prev[: old.start] + term + prev[old.end :]


def standalone(question: str, history: Sequence[Turn]) -> str:
    """The question to retrieve with: ``question`` itself unless it only makes sense after
    the previous user turn."""
    return _standalone(question, [t.content for t in history if t.role == "user"])


def _standalone(question: str, previous: list[str]) -> str:
    question = index_form(question)
    if not previous or not is_followup(question):
        return question
    # The previous question as it was understood: a follow-up of a follow-up ("Còn cấp huyện
    # thì sao?" twice) builds on the first question's words, not on the bare phrase.
    prev = _standalone(previous[-1], previous[:-1]).rstrip()
    rest = _strip_markers(question)
    if not rest or rest.lower() in prev.lower():
        return prev  # nothing new, or the same phrase asked again
    asks = bool(_ASKS.search(fold_accents(rest)))
    # A follow-up asking a question of its own at length, pointing back at nothing ("And in the
    # 2021 survey, where did … rank compared with …?"), is not the previous question re-asked
    # with a new year or place.
    # ("… thì …" sets a new topic against the previous question: "cấp huyện thì …").
    # "Trong số đó, …" / "of these" points back at the previous answer whatever follows it.
    own = (
        asks
        and len(rest.split()) >= OWN_QUESTION_WORDS
        and not _ANAPHORA.search(rest)
        and not _TOPIC_THI.search(rest)
        and not _POINTING_START.search(question)
    )
    for rule in (
        ()
        if own
        else (
            _substitute_province,
            _substitute_month,
            _substitute_year,
            _substitute_metric,
            _substitute_subject,
        )
    ):
        rewritten = rule(prev, rest)
        if rewritten:
            return rewritten
    # A follow-up that asks a question of its own ("… thì tỷ lệ X đạt bao nhiêu?") keeps it,
    # with the unit and period it leaves implicit: the previous question's other words would
    # only dilute it. A bare phrase ("Còn một phần thì sao?") needs the whole previous question.
    # One that asks its own question at length and leaves nothing implicit stands alone.
    # "Trong số đó, …" asks about a part of what the previous question asked: its whole topic
    # is needed, not only its places and years.
    carried = _carried_slots(prev, rest) if asks and not _PART_OF.search(question) else []
    if carried:
        return f"{rest} — {', '.join(carried)}"
    return rest if own else f"{rest} — {prev}"


_ASKS = re.compile(
    r"\b(?:bao nhieu|may|nao|gi|ai|khi nao|bao gio|the nao|ra sao|o dau|vi sao|tai sao|"
    r"how|what|which|who|when|where|why)\b"
)
# A follow-up question this long carries its own topic ("… where did Vietnam rank compared
# with …"); a shorter one ("how many in 2023?") needs the previous question's.
OWN_QUESTION_WORDS = 8
_POINTING_START = re.compile(
    r"^\s*(?:trong số đó|trong so do|trong đó|trong do|riêng|rieng|of these|of those|among them|of them)\b",
    re.IGNORECASE,
)
# "Of these": a part of what the previous question asked about ("riêng …" sets its own slot instead).
_PART_OF = re.compile(
    r"^\s*(?:trong số đó|trong so do|trong đó|trong do|of these|of those|among them|of them)\b", re.IGNORECASE
)
_TOPIC_THI = re.compile(r"\b(?:thì|thi)\b", re.IGNORECASE)
_NAME_RUN = re.compile(r"(?<![\w.])(?:[A-ZĐ][\w-]*)(?:\s+[A-ZĐ][\w-]*)+|\b[A-ZĐ]{2,}[\w-]*")


def _carried_slots(prev: str, rest: str) -> list[str]:
    """The places, periods and names of the previous question the follow-up does not state:
    provinces, "tháng 4/2024" / years, and capitalised names ("eTax Mobile", "Bộ Y tế")."""
    rest_folded = fold_accents(rest)
    found: list[str] = []
    # What the follow-up states itself it does not take from before: its own province, its own year.
    if not _province_spans(rest):
        for a, b, _ in _province_spans(prev):
            found.append(prev[a:b])
    if not _YEAR.search(rest):
        found += _MONTH.findall(prev) or _YEAR.findall(prev)
    found += [m.group(0) for m in _NAME_RUN.finditer(prev) if m.start() > 0 or " " in m.group(0)]
    out: list[str] = []
    for f in found:
        if fold_accents(f) not in rest_folded and all(fold_accents(f) not in fold_accents(o) for o in out):
            out.append(f)
    return out


def llm_standalone(question: str, history: Sequence[Turn], model: Any, prompts: dict[str, str]) -> str | None:
    """The LLM's standalone rewrite of a follow-up, or None (not a follow-up, no history,
    or the model failed: the caller then uses the rules above)."""
    if not any(t.role == "user" for t in history) or not is_followup(index_form(question)):
        return None
    transcript = "\n".join(f"{t.role}: {t.content}" for t in history[-6:])
    try:
        result = model.invoke(
            [
                ("system", prompts["system"]),
                ("human", prompts["user"].format(history=transcript, question=question)),
            ]
        )
    except Exception:  # the rules still give a usable question
        return None
    text = (
        str(result.content).strip().strip('"“”').splitlines()[0].strip()
        if str(result.content).strip()
        else ""
    )
    # A rewrite must stay a question of sensible size, not an answer or an essay.
    return text if 5 <= len(text) <= 400 else None
