"""Filters on a legal document's header (kind, number, issuer, dates of issue and effect) in
retrieval, `cchc ask`, POST /v1/ask and the MCP tools; values that can match nothing are refused
with a message in the asker's language."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import httpx
import pytest

from assistant.retrieval import Filters
from assistant.retrieval.legal import FilterValueError
from assistant.service import AnswerService
from assistant.settings import Settings

from ..conftest import build, running_server


def _decision(issuer: str, number: str, kind: str, place_date: str, days: str, effect: str) -> str:
    return f"""{issuer}
-------
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc

Số: {number}

{place_date}

{kind}

Quy định thời hạn giải quyết hồ sơ cấp giấy phép hoạt động

Điều 1. Phạm vi điều chỉnh
Văn bản này quy định thời hạn giải quyết hồ sơ cấp giấy phép hoạt động.

Điều 2. Thời hạn giải quyết
1. Thời hạn giải quyết hồ sơ cấp giấy phép hoạt động là {days} ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ.
2. Hồ sơ được tiếp nhận trực tuyến trên Cổng Dịch vụ công quốc gia.

Điều 3. Hiệu lực thi hành
Văn bản này có hiệu lực thi hành kể từ ngày {effect}./.
"""


DOCS = [
    {"doc_id": "qd-tinh-mau", "title": "Quyết định về thời hạn cấp giấy phép của tỉnh Mẫu",
     "text": _decision("ỦY BAN NHÂN DÂN\nTỈNH MẪU", "2345/QĐ-UBND", "QUYẾT ĐỊNH",
                       "Tỉnh Mẫu, ngày 10 tháng 10 năm 2025", "07", "20 tháng 10 năm 2025")},
    {"doc_id": "tt-bo-noi-vu", "title": "Thông tư về thời hạn cấp giấy phép",
     "text": _decision("BỘ NỘI VỤ", "12/2024/TT-BNV", "THÔNG TƯ",
                       "Hà Nội, ngày 05 tháng 3 năm 2024", "10", "20 tháng 4 năm 2024")},
    {"doc_id": "tin-giay-phep", "title": "Rút ngắn thời hạn cấp giấy phép", "published": "2025-11-02",
     "source": "Cổng thông tin tỉnh",
     "text": "Theo lãnh đạo Sở, thời hạn giải quyết hồ sơ cấp giấy phép hoạt động hiện chỉ còn 05 ngày làm việc, "
             "nhanh hơn trước đây. Người dân có thể nộp hồ sơ trực tuyến."},
]
QUESTION = "Thời hạn giải quyết hồ sơ cấp giấy phép hoạt động là bao nhiêu ngày làm việc?"


@pytest.fixture(scope="module")
def legal_index(tmp_path_factory: pytest.TempPathFactory, embed_cache_dir: Path) -> Path:
    root = tmp_path_factory.mktemp("legal")
    docs = root / "docs.jsonl"
    docs.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in DOCS) + "\n", encoding="utf-8")
    return build(root / "idx", embed_cache_dir, [docs]).data_dir


@pytest.fixture(scope="module")
def legal_service(legal_index: Path) -> AnswerService:
    return AnswerService(Settings(data_dir=legal_index))


def _cited(service: AnswerService, **filters: object) -> set[str]:
    resp = service.answer(QUESTION, filters=Filters(**filters))  # type: ignore[arg-type]
    return {c.doc_id for c in resp.citations}


def test_each_header_filter_keeps_only_the_documents_it_names(legal_service: AnswerService):
    assert _cited(legal_service, doc_kind="thong tu") == {"tt-bo-noi-vu"}
    assert _cited(legal_service, doc_kind="Quyết định") == {"qd-tinh-mau"}
    assert _cited(legal_service, doc_number="2345/qd-ubnd") == {"qd-tinh-mau"}
    assert _cited(legal_service, doc_number="12/2024/TT-BNV") == {"tt-bo-noi-vu"}
    assert _cited(legal_service, issuer="UBND tỉnh Mẫu") == {"qd-tinh-mau"}
    assert _cited(legal_service, issuer="bo noi vu") == {"tt-bo-noi-vu"}
    assert _cited(legal_service, issued_since=date(2025, 1, 1)) == {"qd-tinh-mau"}
    assert _cited(legal_service, issued_until=date(2024, 12, 31)) == {"tt-bo-noi-vu"}
    assert _cited(legal_service, effective_since=date(2024, 4, 1), effective_until=date(2024, 4, 30)) == {"tt-bo-noi-vu"}
    # No legal filter: the news item is a candidate too; a legal filter never returns it.
    assert "tin-giay-phep" not in _cited(legal_service, issued_since=date(2000, 1, 1))
    assert _cited(legal_service, doc_kind="Quyết định", issued_until=date(2024, 12, 31)) == set()


def test_values_that_can_match_nothing_are_refused(legal_service: AnswerService):
    for filters, says in [
        ({"doc_kind": "công văn"}, "không có loại văn bản «công văn»"),
        ({"doc_number": "999/QĐ-XYZ"}, "kho không có văn bản số «999/QĐ-XYZ»"),
        ({"issuer": "Bộ Ngoại giao"}, "kho không có văn bản của «Bộ Ngoại giao» (có: BỘ NỘI VỤ"),
        ({"issued_since": date(2025, 2, 1), "issued_until": date(2025, 1, 1)}, "«issued»: ngày bắt đầu 2025-02-01 sau"),
    ]:
        with pytest.raises(FilterValueError) as err:
            legal_service.answer(QUESTION, filters=Filters(**filters))  # type: ignore[arg-type]
        assert says in str(err.value), str(err.value)


@pytest.mark.e2e
def test_the_api_and_the_cli_take_the_filters_and_refuse_bad_values(legal_index: Path):
    with running_server(legal_index) as base:
        ok = httpx.post(f"{base}/v1/ask", json={"question": QUESTION, "filters": {"doc_kind": "Thông tư"}}, timeout=60)
        assert ok.status_code == 200, ok.text
        assert {c["doc_id"] for c in ok.json()["citations"]} == {"tt-bo-noi-vu"}
        assert ok.json()["citations"][0]["path"].startswith("Điều 2")
        bad = httpx.post(f"{base}/v1/ask", json={"question": QUESTION, "filters": {"doc_number": "1/QĐ-KHONGCO"}},
                         timeout=60)
        assert bad.status_code == 422 and bad.json()["detail"] == "Bộ lọc không hợp lệ: kho không có văn bản số «1/QĐ-KHONGCO»."
        en = httpx.post(f"{base}/v1/ask", json={"question": QUESTION, "filters": {"doc_kind": "memo"}},
                        headers={"Accept-Language": "en"}, timeout=60)
        assert en.status_code == 422 and en.json()["detail"].startswith("Invalid filter: there is no document kind «memo»")
        key = httpx.post(f"{base}/v1/ask", json={"question": QUESTION, "filters": {"kind": "x"}}, timeout=60)
        assert key.status_code == 422 and "doc_kind" in key.json()["message"]
        stream = httpx.post(f"{base}/v1/ask", json={"question": QUESTION, "stream": True, "filters": {"issuer": "Bộ Y tế"}},
                            timeout=60)
        assert stream.status_code == 422  # refused before the stream starts
        facts = httpx.get(f"{base}/v1/facts", params={"doc_number": "12/2024/TT-BNV"}, timeout=60)
        assert facts.status_code == 200 and facts.json()["facts"]
        assert {f["doc_id"] for f in facts.json()["facts"]} == {"tt-bo-noi-vu"}
        everything = httpx.get(f"{base}/v1/facts", timeout=60).json()["facts"]
        assert {f["doc_id"] for f in everything} > {"tt-bo-noi-vu"}
        no_kind = httpx.get(f"{base}/v1/facts", params={"doc_kind": "memo"}, headers={"Accept-Language": "en"}, timeout=60)
        assert no_kind.status_code == 422 and "document kind «memo»" in no_kind.json()["detail"]
    cli = [sys.executable, "-m", "assistant.cli", "ask", QUESTION, "--data-dir", str(legal_index), "--json"]
    out = subprocess.run([*cli, "--issuer", "Bộ Nội vụ", "--issued-until", "2024-12-31"], capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert {c["doc_id"] for c in json.loads(out.stdout)["citations"]} == {"tt-bo-noi-vu"}
    out = subprocess.run([*cli, "--doc-kind", "công văn"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 2 and "không có loại văn bản «công văn»" in out.stderr


def test_the_mcp_tools_take_the_filters(legal_service: AnswerService):
    import anyio
    from mcp import Client

    from assistant.channels.mcp_server import build_server
    from assistant.documents import DocumentService

    server = build_server(legal_service, DocumentService(legal_service.store, legal_service.settings))

    async def run() -> tuple[object, object, object]:
        async with Client(server) as client:
            passages = await client.call_tool("search", {"query": QUESTION, "k": 5, "doc_number": "2345/QĐ-UBND"})
            answer = await client.call_tool("ask", {"question": QUESTION, "issuer": "Bộ Nội vụ"})
            refused = await client.call_tool("search", {"query": QUESTION, "doc_kind": "công văn"})
            facts = await client.call_tool("facts", {"doc_kind": "Quyết định"})
            return passages, answer, refused, facts

    passages, answer, refused, facts = anyio.run(run)
    held = facts.structured_content["result"]  # type: ignore[attr-defined]
    assert held and {f["doc_id"] for f in held} == {"qd-tinh-mau"}
    rows = passages.structured_content["result"]  # type: ignore[attr-defined]
    assert rows and {r["doc_id"] for r in rows} == {"qd-tinh-mau"}
    assert any(r["path"] and r["path"].startswith("Điều 2") for r in rows)
    assert {c["doc_id"] for c in answer.structured_content["citations"]} == {"tt-bo-noi-vu"}  # type: ignore[attr-defined]
    assert refused.is_error and "công văn" in refused.content[0].text  # type: ignore[attr-defined]
