"""A trend through the whole service (real index, real embedder): a question that names no
years is asked year by year over the years the facts hold for its unit and metric, and one that
names a range asks the years between. The yearly reports are made up from general reform
phrasing; none comes from an evaluation set."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.service import AnswerService
from tests.conftest import service_over

_YEARS = {2021: "41,2", 2022: "55,8", 2023: "63,5"}


@pytest.fixture(scope="module")
def trend_service(tmp_path_factory: pytest.TempPathFactory, embed_cache_dir: Path) -> AnswerService:
    docs = [
        {
            "doc_id": f"bao-cao-{year}",
            "title": f"Báo cáo kết quả cải cách hành chính năm {year} của tỉnh Điện Biên",
            "url": f"https://example.gov.vn/bao-cao-{year}",
            "published": f"{year + 1}-01-15",
            "source": "Sở Nội vụ",
            "text": (
                f"Năm {year}, tỉnh Điện Biên tiếp tục đẩy mạnh cải cách hành chính. "
                f"Năm {year}, tỷ lệ hồ sơ trực tuyến của tỉnh Điện Biên đạt {rate}% tổng số hồ sơ tiếp nhận. "
                "Các sở, ngành đã rà soát quy trình nội bộ và số hóa kết quả giải quyết."
            ),
        }
        for year, rate in _YEARS.items()
    ]
    return service_over(tmp_path_factory, embed_cache_dir, "reports", docs)


def test_a_trend_without_years_is_asked_over_the_years_the_facts_hold(trend_service: AnswerService):
    r = trend_service.answer("Tỷ lệ hồ sơ trực tuyến của tỉnh Điện Biên qua các năm thay đổi thế nào?")
    assert r.answerable and r.table is not None
    assert [row[1] for row in r.table.rows] == ["63,5%", "55,8%", "41,2%"]  # latest first
    assert r.table.citations == [[1], [2], [3]]


def test_a_range_asks_the_year_between(trend_service: AnswerService):
    r = trend_service.answer(
        "Tỷ lệ hồ sơ trực tuyến của tỉnh Điện Biên thay đổi thế nào từ năm 2021 đến năm 2023?"
    )
    assert r.answerable and r.table is not None
    assert [row[1] for row in r.table.rows] == ["63,5%", "55,8%", "41,2%"]
