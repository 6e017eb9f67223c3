"""POST /v1/documents/inspect over real HTTP: what an upload would read from one file (title,
date and where it came from, a decision's header), with nothing stored, and clear refusals."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import docx
import httpx
import pytest

from ..conftest import ADMIN_KEY, admin_server
from ..unit.test_formats import FIXTURES

ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}
DECISION_LINES = [
    "ỦY BAN NHÂN DÂN TỈNH MINH HẢI",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "Số: 612/QĐ-UBND",
    "Minh Hải, ngày 28 tháng 3 năm 2025",
    "QUYẾT ĐỊNH",
    "Về việc công bố danh mục thủ tục hành chính được thay thế trong lĩnh vực hộ tịch",
    "Điều 1. Công bố kèm theo Quyết định này danh mục 12 thủ tục hành chính được thay thế.",
    "Điều 2. Quyết định này có hiệu lực thi hành kể từ ngày 01 tháng 4 năm 2025.",
]


def word_file(lines: list[str], title: str | None = None, created: datetime | None = None) -> bytes:
    d = docx.Document()
    if title:
        d.core_properties.title = title
    if created:
        d.core_properties.created = created
    for line in lines:
        d.add_paragraph(line)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def decision() -> bytes:
    # Saved a few days after it was signed: the properties' date is not the decision's.
    return word_file(
        DECISION_LINES,
        "Quyết định công bố danh mục thủ tục hành chính được thay thế",
        datetime(2025, 4, 2, 9, 0),
    )


@pytest.fixture(scope="module")
def base(sample_index: Path, tmp_path_factory: pytest.TempPathFactory):
    with admin_server(sample_index, tmp_path_factory.mktemp("inspect")) as url:
        yield url


def inspect(
    base: str,
    files: list[tuple[str, bytes]],
    data: dict | None = None,
    headers: dict | None = None,
    lang: str = "vi",
) -> httpx.Response:
    return httpx.post(
        f"{base}/v1/documents/inspect",
        files=[("files", f) for f in files],
        data=data or {},
        headers={**ADMIN, "Accept-Language": lang, **(headers or {})},
        timeout=180,
    )


def test_a_decision_is_read_as_an_upload_would_read_it_and_nothing_is_stored(base: str):
    before = httpx.get(f"{base}/v1/documents", timeout=30).json()["total"]
    r = inspect(base, [("qd-612.docx", decision())])
    assert r.status_code == 200, r.text
    info = r.json()
    assert info["file_name"] == "qd-612.docx" and info["records"] == 1
    assert info["title"] == "Quyết định công bố danh mục thủ tục hành chính được thay thế"
    # The date the decision states in its header, not the day the file was saved.
    assert (info["published"], info["published_from"]) == ("2025-03-28", "text")
    assert info["metadata"]["doc_number"] == "612/QĐ-UBND" and info["metadata"]["doc_kind"] == "Quyết định"
    assert info["metadata"]["issued"] == "2025-03-28" and info["metadata"]["effective"] == "2025-04-01"
    assert info["metadata"]["issuer"] == "ỦY BAN NHÂN DÂN TỈNH MINH HẢI"
    assert info["excerpt"].startswith("ỦY BAN NHÂN DÂN") and info["chars"] > 200
    assert info["doc_id"].startswith("file-") and info["same_name"] == []
    after = httpx.get(f"{base}/v1/documents", timeout=30).json()
    assert after["total"] == before and info["doc_id"] not in {d["doc_id"] for d in after["documents"]}
    assert httpx.get(f"{base}/v1/documents/{info['doc_id']}/original", timeout=30).status_code == 404


def test_a_file_that_states_no_date_is_dated_by_its_properties(base: str):
    plain = word_file(
        ["Kế hoạch rà soát thủ tục hành chính của Sở Tư pháp."], created=datetime(2025, 3, 14, 8)
    )
    info = inspect(base, [("ke-hoach.docx", plain)]).json()
    assert (info["published"], info["published_from"]) == ("2025-03-14", "file properties")
    assert info["title"] == "Kế hoạch rà soát thủ tục hành chính của Sở Tư pháp." and info["metadata"] == {}


def test_a_pdf_gives_its_title_and_fields_sent_win_as_they_would_on_upload(base: str):
    pdf = (FIXTURES / "baocao-laocai-q3-2024.pdf").read_bytes()
    info = inspect(base, [("baocao.pdf", pdf)]).json()
    assert info["title"].startswith("Báo cáo kết quả cải cách hành chính quý III")
    given = inspect(
        base,
        [("baocao.pdf", pdf)],
        {"title": "Báo cáo quý III", "source": "Sở Nội vụ", "url": "https://example.gov.vn/bao-cao-q3"},
    ).json()
    assert (given["title"], given["source"], given["url"]) == (
        "Báo cáo quý III",
        "Sở Nội vụ",
        "https://example.gov.vn/bao-cao-q3",
    )
    assert given["doc_id"].startswith("url-") and given["doc_id"] != info["doc_id"]  # the one id rule


def test_a_jsonl_file_says_how_many_records_it_holds(base: str):
    lines = b'{"doc_id": "a1", "title": "A", "text": "Van ban thu nhat."}\n{"doc_id": "a2", "title": "B", "text": "Van ban thu hai."}\n'
    info = inspect(base, [("lo.jsonl", lines)]).json()
    assert info["records"] == 2 and info["title"] is None and info["doc_id"] is None


def test_refusals_are_clear_and_in_the_askers_language(base: str):
    no_key = httpx.post(
        f"{base}/v1/documents/inspect",
        files=[("files", ("a.txt", b"x"))],
        headers={"Accept-Language": "vi"},
        timeout=30,
    )
    assert no_key.status_code == 401 and "khóa API quản trị" in no_key.json()["detail"]
    broken = inspect(base, [("broken.pdf", (FIXTURES / "broken.pdf").read_bytes())], lang="en")
    assert broken.status_code == 422 and broken.json()["detail"].startswith("The file could not be read")
    assert "broken" in broken.json()["detail"]
    odd = inspect(base, [("anh.exe", b"MZ")])
    assert (
        odd.status_code == 422
        and "Không đọc được tệp" in odd.json()["detail"]
        and ".exe" in odd.json()["detail"]
    )
    two = inspect(base, [("a.txt", "Một.".encode()), ("b.txt", b"Hai.")])
    assert two.status_code == 413
    bad_date = inspect(base, [("a.txt", "Văn bản.".encode())], {"published": "2025-02-30"})
    assert bad_date.status_code == 400 and "2025-02-30" in bad_date.json()["detail"]
    as_json = httpx.post(f"{base}/v1/documents/inspect", json={"documents": []}, headers=ADMIN, timeout=30)
    assert as_json.status_code == 415
