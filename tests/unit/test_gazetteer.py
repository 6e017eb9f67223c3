import pytest

from assistant.index.gazetteer import all_provinces, provinces_in, provinces_in_question, resolve


def test_34_new_units_cover_63_old_ones():
    provinces = all_provinces()
    assert len(provinces) == 34
    assert len({old for p in provinces for old in p.old_names}) == 63


def test_old_and_new_names_resolve_to_the_merged_unit():
    assert resolve("Hà Giang").key == resolve("Tuyên Quang").key == "tuyen_quang"
    assert resolve("ha giang").name == "Tuyên Quang"
    with pytest.raises(ValueError, match="unknown province"):
        resolve("Atlantis")


def test_document_matching_is_exact_question_matching_is_lenient():
    assert provinces_in("vì hòa bình và phát triển") == []
    assert provinces_in("tỉnh Hòa Bình") == ["phu_tho"]
    assert provinces_in_question("ty le o ha giang") == ["tuyen_quang"]


def test_accented_words_that_fold_to_a_name_are_not_that_name():
    # "diễn biến" (how it went) folds to "dien bien"; typed with its tone marks it is no province.
    assert provinces_in_question("Số hồ sơ trực tuyến năm 2024 diễn biến thế nào?") == []
    assert provinces_in_question("Số hồ sơ trực tuyến của Điện Biên năm 2024?") == ["dien_bien"]
    assert provinces_in_question("so ho so truc tuyen cua dien bien nam 2024") == ["dien_bien"]
    # A name typed plain inside an accented question, or with its tone marks placed otherwise.
    assert provinces_in_question("Tỷ lệ hồ sơ của Dien Bien là bao nhiêu?") == ["dien_bien"]
    assert provinces_in_question("Tỷ lệ hồ sơ của Đăk Lăk là bao nhiêu?") == ["dak_lak"]


def test_a_name_read_across_the_words_of_a_longer_one_is_not_asked_for():
    from assistant.index.gazetteer import units_in_question

    # "Lạng Sơn là …" unaccented holds "son la": Sơn La was compared with Lạng Sơn before.
    assert units_in_question("Tỷ lệ hồ sơ trực tuyến của Lạng Sơn là bao nhiêu?") == {"lang_son"}
    assert provinces_in_question("ty le cua lang son la bao nhieu") == ["lang_son"]
    assert units_in_question("Sơn La là tỉnh có tỷ lệ bao nhiêu?") == {"son_la"}
    assert units_in_question("So sánh Sơn La và Lạng Sơn") == {"son_la", "lang_son"}


def test_the_former_provinces_inside_a_merged_one_are_its_predecessors_asked_by_their_names():
    from assistant.answering.analysis import analyse
    from assistant.answering.sides import predecessor_sides
    from assistant.index.gazetteer import predecessors

    assert predecessors("tuyen_quang") == [("ha_giang", "Hà Giang")]
    assert predecessors("ha_giang") == [] and predecessors("ha_noi") == []  # an old unit; one not merged
    got = predecessor_sides(analyse("Số hồ sơ trực tuyến của tỉnh Tuyên Quang năm 2024 là bao nhiêu?"))
    assert [(new, side.label) for new, side in got] == [("Tuyên Quang", "Hà Giang")]
    side = got[0][1]
    assert "Hà Giang" in side.analysis.text and "Tuyên Quang" not in side.analysis.text
    assert [u.name for u in side.analysis.units] == ["ha_giang"] and side.analysis.years == {2024}


def test_unaccented_bo_makes_a_ministry_only_before_a_ministrys_name():
    from assistant.answering.analysis import analyse

    # "công bố bao nhiêu" (how many were announced) typed without accents names no ministry.
    assert [u.level for u in analyse("lang son cong bo bao nhieu thu tuc toan trinh").units] == ["province"]
    assert [(u.name, u.level) for u in analyse("chi so cchc cua bo noi vu nam 2022").units] == [
        ("noi vu", "ministry")
    ]
