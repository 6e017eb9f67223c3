"""The bilingual part of the reviewed glossary: an English question's words reach the
Vietnamese terms a report writes, and the reverse, without generic words or folded
look-alike syllables pulling in unrelated groups."""

from collections import defaultdict
from importlib import resources

import pytest
import yaml

from assistant.index.glossary import expansions, groups


@pytest.mark.parametrize(
    ("english", "vietnamese"),
    [
        ("Which tasks did the Ministry of Science and Technology take over?", "Bộ Khoa học và Công nghệ"),
        ("How was the Ministry of Agriculture and Environment formed?", "Bộ Nông nghiệp và Môi trường"),
        ("Who heads the Department of Home Affairs?", "Sở Nội vụ"),
        ("Where is the Public Administration Service Centre?", "Trung tâm Phục vụ hành chính"),
        ("Is residence registered regardless of administrative boundaries?", "không phụ thuộc địa giới"),
        ("What share of fees were paid by cashless payments?", "thanh toán không dùng tiền mặt"),
        ("How long does a driving licence renewal take?", "giấy phép lái xe"),
        ("How many billion dong were saved?", "tỷ đồng"),
        ("within how many working days", "ngày làm việc"),
        ("the Provincial Competitiveness Index of the province", "PCI"),
        ("decentralisation to communes", "phân cấp"),
        ("When does the new law take effect?", "hiệu lực"),
        ("what is a centrally-run city", "thành phố trực thuộc trung ương"),
        ("documents with a digital signature", "chữ ký số"),
        ("the two-tier local government model", "chính quyền địa phương hai cấp"),
    ],
)
def test_english_phrase_expands_to_its_vietnamese_equivalent(english, vietnamese):
    assert vietnamese in expansions(english)


@pytest.mark.parametrize(
    ("vietnamese", "english"),
    [
        ("Giám đốc Sở Nội vụ cho biết", "Department of Home Affairs"),
        ("Bộ Nông nghiệp và Môi trường đã trình", "Ministry of Agriculture and Environment"),
        ("ký bằng chữ ký số", "digital signature"),
        ("các thành phố trực thuộc trung ương", "centrally-run city"),
        ("bãi bỏ 15 thủ tục", "abolish"),
        ("tiết kiệm 300 tỷ đồng", "billion dong"),
        ("so hoa ho so", "digitised dossiers"),  # typed without accents
        ("Trung tâm PVHCC tỉnh", "Public Administration Service Centre"),
        ("thời gian giải quyết tối đa 05 ngày làm việc", "processing time"),
        ("thời gian giải quyết tối đa 05 ngày làm việc", "maximum"),
    ],
)
def test_vietnamese_phrase_expands_to_its_english_equivalent(vietnamese, english):
    assert english in expansions(vietnamese)


@pytest.mark.parametrize(
    "word", ["online", "number", "report", "plan", "data", "year", "office", "department", "system", "level"]
)
def test_a_generic_english_word_alone_expands_to_nothing(word):
    assert expansions(word) == []


@pytest.mark.parametrize(
    ("text", "unwanted"),
    [
        ("cơ sở vật chất của trụ sở", "Department"),  # "sở" inside other words is no department
        ("đủ điều kiện kinh doanh", "article"),
        ("chương trình hành động", "chapter"),
        ("thực hiện theo quy định", "quarter"),
        ("tỉnh Quảng Nam", "year"),
        ("số lượng hồ sơ", "salary"),
        ("cho thuê nhà", "tax"),
        ("khai thác khoáng sản", "about"),
    ],
)
def test_folded_look_alike_syllables_pull_in_no_group(text, unwanted):
    assert not [t for t in expansions(text) if unwanted.lower() in t.lower()]


def test_each_term_belongs_to_one_group_of_equivalents():
    """A folded form in two groups would join notions that are not equivalent."""
    raw = yaml.safe_load(resources.files("assistant.resources").joinpath("glossary.yaml").read_text("utf-8"))
    assert all(isinstance(g, list) and len(g) >= 2 for g in raw)
    owners: dict[str, set[int]] = defaultdict(set)
    for i, group in enumerate(groups()):
        for _, form in group:
            assert form.strip(), group
            owners[form].add(i)
    assert not {form for form, ids in owners.items() if len(ids) > 1}
