from decimal import Decimal

from assistant.index.numbers import find_numbers, number_tokens, readings


def test_vietnamese_thousands_and_decimals():
    assert readings("1.894")[0] == Decimal(1894)
    assert readings("1.777.005") == (Decimal(1777005),)
    assert readings("35,48") == (Decimal("35.48"),)
    assert readings("1.234,5")[0] == Decimal("1234.5")


def test_english_forms_are_also_read():
    assert Decimal("35.48") in readings("35.48")
    assert Decimal(1894) in readings("1,894")
    assert Decimal("1234.5") in readings("1,234.5")


def test_percent_with_or_without_space():
    a, b = find_numbers("đạt 35,48%"), find_numbers("đạt 35,48 %")
    assert a[0].percent and b[0].percent
    assert a[0].values == b[0].values


def test_keyword_tokens_make_formats_meet():
    assert "1894" in number_tokens("1.894") and "1894" in number_tokens("1,894")
    assert "35.48" in number_tokens("35,48%") and "35.48" in number_tokens("35.48%")
    assert set(number_tokens("4.4.2022")) >= {"4", "2022"}
