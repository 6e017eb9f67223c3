"""'Cấp nào … nhất' through the whole service (real index, real embedder): the levels of one
province ranked from what a report states of each, and no ranking line where the measure asked
is not stated of every level. The report is made up from general reform phrasing; none comes
from an evaluation set."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.service import AnswerService
from tests.conftest import service_over


@pytest.fixture(scope="module")
def levels_service(tmp_path_factory: pytest.TempPathFactory, embed_cache_dir: Path) -> AnswerService:
    doc = {
        "doc_id": "bao-cao-quy-3",
        "title": "Tỉnh Yên Bái tiếp nhận 30.950 hồ sơ thủ tục hành chính trong quý III/2024",
        "url": "https://example.gov.vn/bao-cao-quy-3",
        "published": "2024-10-05",
        "source": "Sở Nội vụ",
        "text": (
            "Trong quý III/2024, toàn tỉnh Yên Bái tiếp nhận 30.950 hồ sơ thủ tục hành chính. "
            "Trong đó, cấp tỉnh tiếp nhận 6.210 hồ sơ (có 6.180 hồ sơ giải quyết đúng hạn, đạt 99,5%). "
            "Ở cấp huyện tiếp nhận 15.320 hồ sơ, (có 14.020 hồ sơ giải quyết đúng hạn, đạt 91,5%). "
            "Ở cấp xã tiếp nhận 9.420 hồ sơ, (có 9.100 hồ sơ được giải quyết đúng hạn)."
        ),
    }
    return service_over(tmp_path_factory, embed_cache_dir, "levels", [doc])


def test_the_level_with_the_most_dossiers_is_named_from_each_levels_figure(levels_service: AnswerService):
    r = levels_service.answer("Trong quý III/2024 ở Yên Bái, cấp nào tiếp nhận nhiều hồ sơ nhất?")
    assert r.answerable and r.table is not None
    headline = re.search(r"\*\*(.+?)\*\* — (.+?) \(", r.answer)  # the first bold: the verdict
    assert headline is not None and headline.groups() == (
        "cấp huyện: 15.320",
        "nhiều nhất trong các cấp được so sánh",
    )
    assert [row[:2] for row in r.table.rows] == [
        ["cấp tỉnh", "6.210"],
        ["cấp huyện", "15.320"],
        ["cấp xã", "9.420"],
    ]


def test_no_level_is_ranked_by_a_rate_one_level_does_not_state(levels_service: AnswerService):
    r = levels_service.answer(
        "Trong quý III/2024 ở Yên Bái, cấp nào có tỷ lệ hồ sơ giải quyết đúng hạn thấp nhất?"
    )
    # The commune level states only a count: no line may say which level's rate is lowest,
    # and no count may stand in bold for a rate.
    assert not re.search(r"\*\*[^*]*\b(?:6\.180|14\.020|9\.100)\b", r.answer)
    assert "nhất trong các cấp" not in r.answer
