"""Vietnamese text normalisation shared by ingest (documents) and the assistant (questions).

Two forms exist:

* the *stored* form (:func:`clean_document_text`): NFC, unified newlines, nothing else, so
  that every quote we cite is a verbatim span of what we store;
* the *index* form (:func:`index_form`): NFC, one tone-mark placement, folded whitespace;
  it feeds the embedder and the keyword tokenizer on both sides of the index.

Tone-mark placement and accent folding are hand-written: generic libraries (unidecode,
unicodedata) know nothing of the Vietnamese "hoà"/"hòa" convention and fold "đ" wrongly.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Combining tone marks (the five tones besides "ngang"); vowel-quality marks (circumflex,
# breve, horn) are not tones and stay where they are.
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_VOWELS = set("aeiouyâăêôơư")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# Runs of horizontal space fold to one space. Only the runs that change are matched (two or
# more, or one that is not a plain space): sub() hands back a text with no match as it is, and
# replacing every single space with a space rebuilt each chunk's text for nothing.
_SPACES_TO_FOLD = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]{2,}|[\t\u00a0\u2000-\u200b\u202f\u205f\u3000]")
_BLANK_LINES = re.compile(r"\n\s*\n\s*")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def clean_document_text(text: str) -> str:
    """The stored form of a document: NFC, ``\\n`` newlines, no trailing blanks, no NULs."""
    text = nfc(text).replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return text.strip()


def _split_tone(syllable: str) -> tuple[list[str], str | None]:
    """Base letters (NFC, vowel marks kept) and the tone mark of one syllable."""
    tone = None
    letters: list[str] = []
    for ch in syllable:
        base = []
        for part in unicodedata.normalize("NFD", ch):
            if part in _TONES:
                tone = part
            else:
                base.append(part)
        letters.append(unicodedata.normalize("NFC", "".join(base)))
    return letters, tone


def _tone_position(letters: list[str]) -> int | None:
    low = [c.lower() for c in letters]
    start = 0
    # "qu" and "gi" are consonant clusters: their vowel letter carries no tone.
    if len(low) > 2 and low[0] == "q" and low[1] == "u" or len(low) > 2 and low[0] == "g" and low[1] == "i" and low[2] in _VOWELS:
        start = 2
    vowel_idx = [i for i in range(start, len(low)) if low[i] in _VOWELS]
    if not vowel_idx:
        vowel_idx = [i for i in range(len(low)) if low[i] in _VOWELS]
        if not vowel_idx:
            return None
    # A vowel with a quality mark always takes the tone (ơ in "thuở", ê in "nghiêng").
    marked = [i for i in vowel_idx if low[i] in "âăêôơư"]
    if marked:
        return marked[-1]
    first, last = vowel_idx[0], vowel_idx[-1]
    ends_with_vowel = last == len(low) - 1
    if len(vowel_idx) == 1:
        return first
    if len(vowel_idx) == 3:
        return vowel_idx[1]
    # Two vowels. The traditional convention ("hòa", "thủy", "hòe") puts the tone on the
    # first vowel of an open oa/oe/uy syllable; we use it since most of the press does.
    if ends_with_vowel:
        return first
    return last


@lru_cache(maxsize=65536)
def _retoned(word: str) -> str:
    # Per word and cached: a corpus has a few thousand distinct syllables.
    if len(word) < 2 or len(word) > 7:
        return word
    letters, tone = _split_tone(word)
    if tone is None:
        return word
    pos = _tone_position(letters)
    if pos is None:
        return word
    letters[pos] = unicodedata.normalize("NFC", letters[pos] + tone)
    return "".join(letters)


_WORD_SPLIT = re.compile(r"([^\W\d_]+)", re.UNICODE)  # _WORD, captured: split keeps the words


_TONE_TABLE = dict.fromkeys(map(ord, _TONES))


def strip_tone_marks(text: str) -> str:
    """``text`` lower-cased without its tone marks, the vowel marks and đ kept ("Đắk" → "đăk"):
    two spellings of a name that differ only in their tones compare equal."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", text.lower()).translate(_TONE_TABLE))


def normalize_tone_marks(text: str) -> str:
    """Rewrite every syllable with the traditional tone-mark placement ("hoà" -> "hòa").

    Split, not ``sub`` with a callback: the words (odd places) go through the cached
    ``_retoned`` in one C-level ``map``; the text between them is kept as it is."""
    text = nfc(text)
    if text.isascii():
        return text  # no tone marks to move
    parts = _WORD_SPLIT.split(text)
    parts[1::2] = map(_retoned, parts[1::2])
    return "".join(parts)


_WORD_CHAR = re.compile(r"[^\W\d_]")  # a character of the words normalize_tone_marks retones


class ToneMarked:
    """:func:`normalize_tone_marks` of slices of one text, read off one pass over all of it.

    Ingest normalises each chunk (overlapping ones, with the title before them) and the whole
    document: one pass and slices of it cost a third of that. A slice of the normalised text is
    the slice normalised where the text is NFC, every word kept its length (so offsets carry
    over), the slice is NFC and it cuts no word; any other slice is normalised by itself."""

    __slots__ = ("text", "form")

    def __init__(self, text: str) -> None:
        self.text = text
        self.form = _aligned_tone_marks(text)

    def of(self, start: int, end: int) -> str:
        piece = self.text[start:end]
        if self.form is None or not (self._uncut(start) and self._uncut(end)):
            return normalize_tone_marks(piece)
        if not unicodedata.is_normalized("NFC", piece):
            return normalize_tone_marks(piece)
        return self.form[start:end]

    def _uncut(self, i: int) -> bool:
        t = self.text
        return i <= 0 or i >= len(t) or not (_WORD_CHAR.match(t, i - 1) and _WORD_CHAR.match(t, i))


def _aligned_tone_marks(text: str) -> str | None:
    """``normalize_tone_marks(text)`` if its offsets are the text's (None otherwise)."""
    if not unicodedata.is_normalized("NFC", text):
        return None
    if text.isascii():
        return text
    parts = _WORD_SPLIT.split(text)
    words = parts[1::2]
    retoned = list(map(_retoned, words))
    if list(map(len, words)) != list(map(len, retoned)):
        return None
    parts[1::2] = retoned
    return "".join(parts)


def fold_whitespace(text: str) -> str:
    text = _SPACES_TO_FOLD.sub(" ", text)
    return _BLANK_LINES.sub("\n\n", text).strip()


@lru_cache(maxsize=8192)
def index_form(text: str) -> str:
    """The form both the embedder and the keyword tokenizer see, for documents and questions.

    Cached: the answerer and the place ranking look at the same candidate chunks."""
    return fold_whitespace(normalize_tone_marks(text))


class _FoldTable(dict[int, str]):
    """``str.translate`` table of each character to its letters without diacritics, filled as
    characters are met. Per character is exact: NFD decomposes each character on its own and
    only reorders combining marks, which are all dropped; lower-casing (context-dependent for
    a final sigma) happens on the whole text first."""

    def __missing__(self, code: int) -> str:
        folded = "".join(c for c in unicodedata.normalize("NFD", chr(code)) if not unicodedata.combining(c))
        self[code] = folded
        return folded


_FOLD = _FoldTable({ord("đ"): "d", ord("Đ"): "d"})


def fold_accents(text: str) -> str:
    """Lower-case, strip every diacritic ("Tỷ lệ Đà Nẵng" -> "ty le da nang").

    Called millions of times at ingest (tokens, vocabulary, facts, screening): one C-level
    ``translate`` instead of a decomposition and a Python loop over every character."""
    low = text.lower()
    return low if low.isascii() else low.translate(_FOLD)


def has_vietnamese_diacritics(text: str) -> bool:
    return fold_accents(text) != text.lower()
