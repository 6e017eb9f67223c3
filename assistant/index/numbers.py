"""Reading numbers the way Vietnamese (and English) reports write them.

"1.894" is 1894, "35,48%" is 35.48 %, "1.777.005" is 1777005, "4.4.2022" is a date and
"1,894" in an English sentence is 1894. Standard parsers (locale, babel) need to be told the
locale per string; our text mixes both conventions, so the rules below decide per token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*(?:\s?%)?", re.UNICODE)


@dataclass(frozen=True)
class NumberMention:
    text: str
    start: int
    end: int
    values: tuple[Decimal, ...]  # every plausible reading, most likely first
    percent: bool


def _canon(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# Compiled once: every number of every chunk and statement is read through them.
_GROUP_SEP = re.compile(r"[.,]")
_VN_GROUPED = re.compile(r"\d{1,3}(?:\.\d{3})+,\d+")
_EN_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+\.\d+")
_DATE_LIKE = re.compile(r"\d+(?:[.]\d{1,2}){1,2}")


def readings(raw: str) -> tuple[Decimal, ...]:
    """All plausible values of a number token without its % sign."""
    raw = raw.strip()
    out: list[Decimal] = []

    def add(text: str) -> None:
        try:
            value = Decimal(text)
        except InvalidOperation:
            return
        if value not in out:
            out.append(value)

    dots, commas = raw.count("."), raw.count(",")
    groups = _GROUP_SEP.split(raw)
    if dots == 0 and commas == 0:
        add(raw)
    elif commas == 0:
        if all(len(g) == 3 for g in groups[1:]):
            add(raw.replace(".", ""))  # Vietnamese thousands: 1.894
            if dots == 1:
                add(raw)  # English decimal: 3.125
        elif dots == 1:
            add(raw)  # English decimal: 35.48
    elif dots == 0:
        if commas == 1:
            add(raw.replace(",", "."))  # Vietnamese decimal: 35,48
        if all(len(g) == 3 for g in groups[1:]):
            add(raw.replace(",", ""))  # English thousands: 1,894
    else:
        vn = _VN_GROUPED.fullmatch(raw)
        en = _EN_GROUPED.fullmatch(raw)
        if vn:
            add(raw.replace(".", "").replace(",", "."))
        if en:
            add(raw.replace(",", ""))
    return tuple(out)


def find_numbers(text: str) -> list[NumberMention]:
    mentions = []
    for m in NUMBER.finditer(text):
        raw = m.group(0)
        percent = raw.endswith("%")
        body = raw.rstrip("%").rstrip()
        mentions.append(
            NumberMention(raw, m.start(), m.end(), readings(body), percent)
        )
    return mentions


def values_in(text: str) -> set[Decimal]:
    """Every plausible value of every number mentioned in ``text``."""
    return {v for m in find_numbers(text) for v in m.values}


def number_tokens(raw: str) -> list[str]:
    """Keyword tokens for one number: its canonical readings, or its parts for dates."""
    body = raw.rstrip("%").rstrip()
    values = readings(body)
    tokens = [_canon(v) for v in values]
    if not values or _DATE_LIKE.fullmatch(body):
        # "19.7" or "4.4.2022" are dates in this press: index their parts too.
        tokens.extend(g for g in _GROUP_SEP.split(body) if g)
    if raw.endswith("%"):
        tokens.append("%")
    return list(dict.fromkeys(tokens))
