"""Where a quote begins and ends in its passage: a chunk cut inside a sentence is read on to
the sentence's end, a list's lead-in takes its items, and a trend or list told in two
statements is quoted in both. Offsets stay the document's: a quote is its verbatim span."""

from __future__ import annotations

import re
from dataclasses import replace

from assistant.index.figures import figures
from assistant.index.records import StoredChunk
from assistant.index.sentences import Span, sentence_spans
from assistant.index.textnorm import fold_accents

# A list question quotes the whole enumeration: its items are the answer.
MAX_LIST_QUOTE_CHARS = 900
# An enumeration told one item per statement ("Thứ hai là …", "Mô hình thứ ba …") is followed
# to its end, this far: five items of a paragraph each run to ~1,100 characters in the news.
MAX_ENUMERATION_CHARS = 1500
# A chunk cut inside a sentence ("… cao nhất năm 2015 ( năm 201") is read on to the end of
# that sentence in its document, at most this far: a quote cut mid-figure misleads.
SENTENCE_TAIL_CHARS = 400
TERMINAL = re.compile(r"[.!?…:;][\"'”’»)\]]*\s*$")


def whole_sentences(chunk: StoredChunk, text: str | None) -> StoredChunk:
    """``chunk`` read on in its document ``text`` to the end of the sentence it cuts (a copy),
    or ``chunk`` itself when it ends a sentence or the document cannot tell."""
    if not text or not chunk.text.strip() or TERMINAL.search(chunk.text):
        return chunk
    if chunk.end >= len(text) or text[chunk.start : chunk.end] != chunk.text:
        return chunk
    stop = min(len(text), chunk.end + SENTENCE_TAIL_CHARS)
    paragraph = text.find("\n\n", chunk.end, stop)
    if paragraph >= 0:
        end = paragraph
    else:
        # The cut sentence's end: the first boundary after the cut (none within reach: keep the chunk).
        spans = sentence_spans(text, chunk.end, stop)
        if len(spans) < 2 and stop < len(text):
            return chunk
        end = spans[0].end if spans else chunk.end
    tail = text[chunk.start : end].rstrip()
    return replace(chunk, text=tail, end=chunk.start + len(tail))


# "Mục tiêu đến hết năm 2025: - 100% …": a lead-in whose first item follows on its line.
_RUN_IN_ITEM = re.compile(r":\s*[-+•–]\s")
_BULLET_NEXT = re.compile(r"\s*[-+•–]\s")


def with_list_items(text: str, span: Span) -> Span:
    """A statement that opens a list ("… gồm:", or "Mục tiêu: - …" with its first item run
    in) together with the items that follow it in its paragraph, up to the list quote limit."""
    statement = text[span.start : span.end]
    if not statement.rstrip().endswith(":") and not _RUN_IN_ITEM.search(statement):
        return span
    para_end = text.find("\n\n", span.end)
    end = min(len(text) if para_end < 0 else para_end, span.start + MAX_LIST_QUOTE_CHARS)
    while end > span.end and text[end - 1].isspace():
        end -= 1
    return Span(span.start, end)


ITEM_SEP = re.compile(r"[,;]\s|\svà\s|\sand\s|\n\s*[-+•]")


# A statement that opens with its place in an enumeration ("Thứ hai là …", "Mô hình thứ ba
# là …", "Cuối cùng là …") goes on with the list the previous one began.
_ORDINAL = re.compile(
    r"^\W*(?:\w+\s+){0,2}?(?:thứ\s+(?:hai|ba|tư|năm|sáu|bảy|tám|chín|mười)|cuối cùng|secondly|thirdly|finally)\b",
    re.IGNORECASE,
)


def opens_enumeration(sentence: str, following: str) -> bool:
    """Whether ``sentence`` opens a list that ``following`` goes on with, item by item."""
    return bool(_ORDINAL.search(following)) and not _ORDINAL.search(sentence)


def with_continuation(text: str, span: Span) -> Span:
    """The statement and the next one of its paragraph, when that one goes on with figures or
    items ("… thứ 6. Năm 2016 tụt xuống 15."): a list, ranking or trend is often told in two.
    An enumeration told one item per statement ("Thứ hai là …") is followed to its end."""
    first = True
    while True:
        rest = text[span.end : span.end + MAX_ENUMERATION_CHARS]
        if rest.startswith("\n\n") or not rest.strip():
            return span
        nxt = sentence_spans(text, span.end, min(len(text), span.end + MAX_LIST_QUOTE_CHARS))
        if not nxt or "\n\n" in text[span.end : nxt[0].end]:
            return span
        following = text[nxt[0].start : nxt[0].end]
        ordinal = bool(_ORDINAL.search(following))
        if nxt[0].end - span.start > (MAX_ENUMERATION_CHARS if ordinal else MAX_LIST_QUOTE_CHARS):
            return span
        if not ordinal and not (first and (figures(following) or len(ITEM_SEP.findall(following)) >= 2)):
            return span
        span, first = Span(span.start, nxt[0].end), False


# "… lãnh đạo 4 doanh nghiệp là A; B; C", "5 mô hình … gồm …", "các bộ: A, B và C": after the
# item's name, within this many characters, the word that opens its enumeration.
# Not "như trên", "như vậy" ("the targets above"): they point back at a list, they open none.
_OPENS_ITEMS = re.compile(
    r"^[^.;]{0,80}?(?:\b(?:la|gom|gom co|bao gom|nhu(?! tren\b| vay\b)|trong do co|vi du|chang han)\b|:)"
)


# More than one: "khoản 1 Điều 5" counts nothing.
_COUNT = r"(?<!khoan )(?<!diem )(?<!muc )(?:[2-9]|\d{2,}|hai|ba|bon|nam|sau|bay|tam|chin|muoi)"


def enumerates(item: str, sentence: str, following: str = "") -> bool:
    """Whether ``sentence`` enumerates the ``item`` a list question asks for (folded, as
    ``analysis.list_item`` gives it): it names the item, a word that opens a list follows, and
    the items come after, in it (two separators or more) or one per following statement."""
    folded = fold_accents(sentence).lower()
    name = re.escape(item)
    if re.search(rf"\b{name}\b[^.;]{{1,40}}?(?:,|\bva\b|\bhoac\b)\s+{name}\b", folded):
        return True  # the item named again and again: "Điều 3 và Điều 10", "huyện A, huyện B"
    for m in re.finditer(rf"(?:\b({_COUNT})\s+)?\b{name}\b", folded):
        opener = _OPENS_ITEMS.search(folded[m.end() :])
        if not opener and not m.group(1):
            continue
        # A counted item needs no opening word: "3 dịch vụ về A; B; C".
        rest = sentence[m.end() + (opener.end() if opener else 0) :]
        if len(ITEM_SEP.findall(rest)) >= 2 or opens_enumeration(sentence, following):
            return True
        if opener and opener.group(0).endswith(":") and _BULLET_NEXT.match(rest or following):
            return True  # "Mục tiêu: - 100% …" then one bulleted item per line
    return False


# A photo caption ("Người dân làm thủ tục tại … - Ảnh : TỰ TRUNG"): it describes a picture,
# it reports nothing.
CAPTION = re.compile(
    r"(?:\s[-–]\s*|\(|^\s*)Ảnh(?:\s+minh\s+hoạ|\s+minh\s+họa)?\s*:\s*[^.!?]{0,60}\)?\s*$"
    # Who stands where in the picture: "Chị A (bên phải, ở phường B) làm thủ tục …".
    r"|\((?:bên phải|bên trái|giữa|thứ\s+\w+\s+từ\s+(?:trái|phải)\s+sang)\b"
    # An architect's rendering: "Phối cảnh dự án trung tâm hành chính …".
    r"|^\s*Phối cảnh\b",
    re.IGNORECASE,
)

# A statement whose subject points back ("Hai lĩnh vực này …", "Các đơn vị trên …", "Đơn vị
# nói trên …") names its items in the statement before: the two are quoted together.
_POINTS_BACK = re.compile(
    r"^\W*(?:[^,.;]{0,30},\s*)?(?:(?:hai|ba|bốn|năm|các|những|\d+)\s+)?\w+(?:\s+\w+)?\s+(?:này|nói trên|nêu trên|kể trên)\b",
    re.IGNORECASE,
)


def with_antecedent(text: str, span: Span) -> Span:
    """The statement and the one before it in its paragraph when its subject points back."""
    if not _POINTS_BACK.search(text[span.start : span.end]):
        return span
    para = text.rfind("\n\n", 0, span.start)
    lo = 0 if para < 0 else para + 2
    before = sentence_spans(text, lo, span.start)
    if not before or span.end - before[-1].start > MAX_LIST_QUOTE_CHARS:
        return span
    return Span(before[-1].start, span.end)
