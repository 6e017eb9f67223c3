"""Rankings a sentence lets us compute: the items it enumerates with one figure each
("Sơn La (87,26%), Lạng Sơn (76,29%), Lai Châu (59,42%)", "thủ tục A đạt 72,1 %; thủ tục B
đạt 82,7 %"), and the highest or lowest of them.

Reform reports list the laggards or leaders of a measure in one sentence without saying which
one is last; a "which is lowest" question is answered by ranking what the sentence lists, and
the answer says that it ranks only those items (``prompts/extractive.*.yaml``: lead_ranked).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal

from assistant.answering.figures import ranked
from assistant.index.facts import figure_value
from assistant.index.figures import Figure, figures

# Fewer items than this are a comparison, not a list to rank.
MIN_ITEMS = 3
# An item's label is a name, not a clause: longer ones are prose around a figure.
MAX_LABEL_CHARS = 80
MAX_LABEL_WORDS = 8
_PIECE_CUT = re.compile(r"[;,](?=\s)|\n")
# A list whose items are cut by semicolons keeps commas and line breaks inside its items
# ("Bộ Văn hóa, Thể thao và Du lịch 33 VBQPPL; …", a name wrapped onto the next line of a PDF).
# A sentence's end inside it cuts too ("… Bộ D 11 VBQPPL,...\n[8] Như: …"), not an
# abbreviation's dot ("TP. Hồ Chí Minh").
_SEMICOLON_CUT = re.compile(r";(?=\s)|(?<![A-ZĐ]{2})(?<![A-ZĐ])[.…](?=\s+(?:\[\d+\]|[^\W\d_a-zà-ỹđ]))")
# "và" joins the last item ("…; Ứng Hoà (80 %) và Phú Xuyên (77 %)") but also names
# ("Bộ Nông nghiệp và Môi trường"): it cuts only a piece that holds two figures.
_AND_CUT = re.compile(r"\s(?:và|and)\s")
# Words between a label and its figure ("Lai Châu đạt 59,42%", "Bộ X với 71 %", "A: 5 điểm").
_LINK_AFTER = re.compile(
    r"(?:\s|[:(–-])*(?:(?:đạt|với|là|chiếm|có|được|khoảng|hơn|trên|dưới|gần|gồm|reached|with|at)\s*)*[:(–-]*\s*$",
    re.IGNORECASE,
)
# Words that open an enumeration before its first label ("… gồm: A", "như: B", "là C").
_LEAD_IN = re.compile(r"^.*(?:gồm|như|là|including|namely|:)\s*[:]?\s*", re.IGNORECASE | re.DOTALL)


_VERB = re.compile(r"\b(?:đạt|đều|được|có|là|chiếm|tăng|giảm|reached|was|were|is|are)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Item:
    label: str
    figure: Figure
    value: Decimal
    shown: str = ""  # the figure with the unit the item writes after it ("75 VBQPPL"), verbatim
    # A position in a ranking ("xếp thứ 2, Malaysia 29, Thái Lan 31"): the best is the smallest.
    position: bool = False


# A position's word before its figure: "thứ 2", "hạng 55", "xếp 29", "No. 3", "ranked 31".


# The unit an item writes after its figure: a word or two, no clause ("75 VBQPPL", "38 Văn bản").
MAX_UNIT_WORDS = 2
_UNIT_AFTER = re.compile(
    rf"\s+((?:[^\W\d_]+)(?:\s+[^\W\d_]+){{0,{MAX_UNIT_WORDS - 1}}}?)(?:\s+(?:và|and|hoặc|or))?[\s;,.…)]*$",
    re.IGNORECASE,
)


def _shown(sentence: str, fig: Figure, b: int) -> str:
    m = None if fig.percent else _UNIT_AFTER.match(sentence, fig.end, b)
    return sentence[fig.start : m.end(1)] if m else fig.text


_POSITION_LINK = re.compile(
    r"\s*(?:(?:đứng|xếp|xếp hạng|được xếp|ranked?)\s*)?(?:thứ|hạng|No\.?)?\s*$", re.IGNORECASE
)
_CONNECTIVE = re.compile(r"^\s*(?:trong khi|còn|while|whereas)\s+", re.IGNORECASE)


def _label(piece: str, fig: Figure, offset: int) -> str:
    before = piece[: fig.start - offset]
    before = _LINK_AFTER.sub("", before)
    # "trong khi Singapore xếp thứ 2": the position's words and a clause's connective are no name.
    before = _POSITION_LINK.sub("", before)
    before = _CONNECTIVE.sub("", before)
    if ":" in before or re.search(r"\b(?:gồm|như|including)\b", before, re.IGNORECASE):
        before = _LEAD_IN.sub("", before)
    label = " ".join(before.strip(" \t\n*()[]:–-.").split())
    if not (0 < len(label) <= MAX_LABEL_CHARS and len(label.split()) <= MAX_LABEL_WORDS):
        return ""
    # A clause around a figure ("huyện đều đạt số điểm") has a verb in it; a name has none.
    if _VERB.search(label) or not re.search(r"[^\W\d_]", label):
        return ""
    return label


_OPENER = re.compile(r"\s*[^\W\d_]+(?:\s[a-zà-ỹđ]+){0,2},\s")


def _pieces(sentence: str, found: list[Figure]) -> list[tuple[int, int]]:
    """Offsets of the sentence's items: cut at separators outside brackets ("(80, 68%)" is one)."""
    cuts, depth = [0], 0
    semicolons = sentence.count("; ") + sentence.count(";\n")
    cut = _SEMICOLON_CUT if semicolons >= MIN_ITEMS - 1 else _PIECE_CUT
    for i, ch in enumerate(sentence):
        depth += ch in "([" and 1 or ch in ")]" and -1 or 0
        if depth <= 0 and cut.match(sentence, i):
            cuts.append(i + 1)
    cuts.append(len(sentence))
    if cut is _SEMICOLON_CUT and len(cuts) > 1:
        # The first item behind an opener ("Cụ thể, Bộ A đạt 61 %"), not a name with a comma
        # ("Bộ Văn hóa, Thể thao và Du lịch 33"): an opener's later words are lowercase.
        m = _OPENER.match(sentence, 0, cuts[1])
        if m:
            cuts[0] = m.end()
    out: list[tuple[int, int]] = []
    for a, b in zip(cuts, cuts[1:]):
        if sum(a <= f.start and f.end <= b for f in found) > 1:
            # The first item behind its lead-in ("06/34 địa phương dưới 90% gồm: A (87%)").
            colon = sentence.rfind(": ", a, b)
            if colon >= 0:
                a = colon + 2
            if sum(a <= f.start and f.end <= b for f in found) == 1:
                out.append((a, b))  # the lead-in held the other figure ("trong năm 2025 … như: A 75")
                continue
            inner = [a] + [m.end() for m in _AND_CUT.finditer(sentence, a, b)] + [b]
            out.extend(zip(inner, inner[1:]))
        else:
            out.append((a, b))
    return out


def enumerated(sentence: str) -> list[Item]:
    """The (label, figure) items ``sentence`` enumerates, in order; [] unless it lists at
    least ``MIN_ITEMS`` of one kind (all rates or all counts)."""
    found = figures(sentence)
    if len(found) < MIN_ITEMS:
        return []
    items: list[Item] = []
    for a, b in _pieces(sentence, found):
        inside = [f for f in found if a <= f.start and f.end <= b]
        if len(inside) != 1:
            continue
        fig = inside[0]
        value = figure_value(fig)
        label = _label(sentence[a:b], fig, a)
        if label and value is not None:
            items.append(Item(label, fig, value, _shown(sentence, fig, b)))
    # A passage may run on into the next list (a footnote of rates after one of counts): the
    # first run of one kind long enough is the list; kinds interleaved item by item are none.
    runs: list[list[Item]] = []
    for item in items:
        if runs and runs[-1][0].figure.percent == item.figure.percent:
            runs[-1].append(item)
        else:
            runs.append([item])
    run = next((r for r in runs if len(r) >= MIN_ITEMS), [])
    # One item said to be a position makes the list one of positions: the rest are written
    # bare after the first ("Singapore xếp thứ 2, Malaysia 29, Thái Lan 31").
    if any(ranked(sentence, i.figure) for i in run):
        run = [replace(i, position=True) for i in run]
    return run


def extreme(items: list[Item], direction: str) -> Item | None:
    """The highest ("high") or lowest ("low") item; None on a tie, where naming one is a guess."""
    if len(items) < MIN_ITEMS:
        return None
    # The highest position is the smallest number ("thứ 2" is above "thứ 31").
    ordered = sorted(items, key=lambda i: i.value, reverse=(direction == "high") != items[0].position)
    if ordered[0].value == ordered[1].value:
        return None
    return ordered[0]
