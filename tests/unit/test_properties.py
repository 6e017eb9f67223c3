"""Property tests (hypothesis) for the text processing everything else rests on."""

from __future__ import annotations

import unicodedata
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.index.numbers import find_numbers, readings
from assistant.index.textnorm import fold_accents, index_form, normalize_tone_marks
from ingest.chunking import chunk_text

VIET = "aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
words = st.text(alphabet=VIET + VIET.upper(), min_size=1, max_size=8)
sentences = st.lists(words, min_size=1, max_size=14).map(lambda ws: " ".join(ws) + ".")
paragraphs = st.lists(sentences, min_size=1, max_size=6).map(" ".join)
documents = st.lists(paragraphs, min_size=1, max_size=8).map("\n\n".join)
fast = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@fast
@given(st.text(max_size=300))
def test_normalisation_is_idempotent_and_nfc(text):
    once = index_form(text)
    assert index_form(once) == once
    assert unicodedata.is_normalized("NFC", once)
    assert normalize_tone_marks(normalize_tone_marks(text)) == normalize_tone_marks(text)


@fast
@given(st.text(alphabet=VIET + VIET.upper() + " ,.", max_size=200))
def test_folding_removes_every_vietnamese_mark_and_keeps_length(text):
    folded = fold_accents(text)
    assert folded.isascii()
    assert fold_accents(folded) == folded
    assert len(folded) == len(unicodedata.normalize("NFC", text))


@fast
@given(st.integers(min_value=1000, max_value=10**9))
def test_vietnamese_and_english_thousands_read_the_same(n):
    vn = f"{n:,}".replace(",", ".")
    en = f"{n:,}"
    assert Decimal(n) in readings(vn) and Decimal(n) in readings(en)


@fast
@given(st.integers(min_value=0, max_value=99_999), st.integers(min_value=1, max_value=99))
def test_percentages_in_either_convention_match(whole, frac):
    vn = f"đạt {whole:,}".replace(",", ".") + f",{frac:02d}%"
    en = f"reached {whole:,}.{frac:02d} %"
    a, b = find_numbers(vn), find_numbers(en)
    assert a and b and a[-1].percent and b[-1].percent
    assert set(a[-1].values) & set(b[-1].values)


@fast
@given(documents, st.integers(min_value=200, max_value=1500))
def test_chunks_are_verbatim_ordered_bounded_and_cover_the_text(text, max_chars):
    chunks = chunk_text(text, max_chars, 200)
    assert chunks
    covered = 0
    for i, c in enumerate(chunks):
        assert c.ord == i and text[c.start : c.end] == c.text
        assert len(c.text) <= max_chars or " " not in c.text.strip()  # only an unbreakable run may exceed
        assert text[covered : c.start].strip() == ""  # only whitespace falls between chunks
        covered = max(covered, c.end)
    assert text[covered:].strip() == "" and text[: chunks[0].start].strip() == ""
