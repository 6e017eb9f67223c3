"""Levels of government named the way reports and tokenised news write them ("quận , huyện",
"khối các sở"), and a sentence about another level giving way to the one about the level asked.
Examples are made up from general reform phrasing."""

from __future__ import annotations

from assistant.answering.analysis import analyse
from assistant.answering.extractive import ExtractiveAnswerer
from assistant.index.facets import levels_in
from assistant.index.keywords import KeywordIndex, tokenize
from assistant.index.records import StoredChunk
from assistant.retrieval import Hit


def test_levels_are_read_with_the_spacing_of_tokenised_news():
    assert [m.key for m in levels_in("đứng đầu khối các quận , huyện là quận Ba Đình")] == ["district"]
    assert [m.key for m in levels_in("Với khối các sở , ban , ngành , Sở Nội vụ đứng đầu")] == ["province"]
    assert [m.key for m in levels_in("UBND cấp   xã tiếp nhận hồ sơ")] == ["commune"]
    # A named department is a unit, not a level.
    assert levels_in("Sở Tư pháp công bố kết quả") == []


def test_the_sentence_about_the_level_asked_answers_not_the_one_about_another_level():
    text = (
        "Thành phố công bố chỉ số CCHC năm 2023 của các cơ quan, đơn vị. "
        "Với khối các sở, ban, ngành, Sở Nội vụ đứng đầu với chỉ số đạt hơn 92%. "
        "Với khối các quận, huyện, quận Ba Đình đứng đầu với chỉ số đạt trên 90%."
    )
    index = KeywordIndex.build(["d1"], [tokenize(text)], 1)
    hits = [
        Hit(
            StoredChunk(
                "c1", "d1", 0, 0, len(text), text, "Chỉ số cải cách hành chính", None, "2024-03-01", None
            ),
            1.0,
        )
    ]
    q = analyse("Đơn vị nào đứng đầu khối quận, huyện về chỉ số CCHC năm 2023?")
    assert q.levels == ("district",)
    ev = ExtractiveAnswerer().select(q, hits, index)
    assert ev and "Ba Đình" in ev[0].quote
