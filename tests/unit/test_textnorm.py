import unicodedata

from assistant.index.textnorm import (
    clean_document_text,
    fold_accents,
    index_form,
    normalize_tone_marks,
)


def test_tone_mark_placement_is_unified():
    assert normalize_tone_marks("hoà") == normalize_tone_marks("hòa") == "hòa"
    assert normalize_tone_marks("thuỷ") == normalize_tone_marks("thủy") == "thủy"
    assert normalize_tone_marks("Khánh Hoà") == "Khánh Hòa"
    assert normalize_tone_marks("khoẻ") == "khỏe"


def test_closed_syllables_and_consonant_clusters_are_untouched():
    for word in ["hoàng", "thuyền", "quý", "quốc", "giữa", "người", "Nguyễn", "tuổi", "ngoài", "quyết"]:
        assert normalize_tone_marks(word) == word


def test_nfd_input_becomes_nfc():
    decomposed = unicodedata.normalize("NFD", "Hà Giang đạt 35,48%")
    assert index_form(decomposed) == "Hà Giang đạt 35,48%"


def test_whitespace_is_folded_but_paragraphs_survive():
    assert index_form("a \u00a0 b\t c\n\n\n d") == "a b c\n\nd"


def test_fold_accents():
    assert fold_accents("Tỷ lệ trực tuyến Đà Nẵng") == "ty le truc tuyen da nang"


def test_clean_document_text_keeps_text_verbatim_except_newlines():
    raw = "Dòng một\r\nDòng hai  \r\n\r\nĐoạn mới\x00"
    assert clean_document_text(raw) == "Dòng một\nDòng hai\n\nĐoạn mới"


def test_dates_named_in_text_become_a_day_range():
    from assistant.index.dates import date_range

    assert date_range("ngày 14 tháng 2 năm 2025") == (20250214, 20250214)
    assert date_range("Sáng 19/7/2023 và tháng 8/2023") == (20230719, 20230831)
    assert date_range("6 tháng đầu năm 2023") == (20230101, 20231231)
    assert date_range("ngày 31/2/2023, 1.894 TTHC") is None
