"""Every 4xx the page can meet, in the asker's language: the header's, else the question's."""

from __future__ import annotations

import httpx
import pytest

from assistant.api.errors import explain

from ..conftest import ADMIN_KEY

EN = {"Accept-Language": "en-GB,en;q=0.8"}
VI = {"Accept-Language": "vi-VN,vi;q=0.9"}


def test_unknown_province_follows_the_header_then_the_question(server):
    body = {"question": "Tỷ lệ hồ sơ trực tuyến là bao nhiêu?", "filters": {"province": "Atlantis"}}
    vi = httpx.post(f"{server}/v1/ask", json=body, timeout=30)
    assert vi.status_code == 422 and "Không có tỉnh/thành «Atlantis»" in vi.json()["detail"]
    en = httpx.post(f"{server}/v1/ask", json=body, headers=EN, timeout=30)
    assert en.status_code == 422 and "There is no province «Atlantis»" in en.json()["detail"]
    english_q = {"question": "What share of procedures are online?", "filters": {"province": "Atlantis"}}
    assert "There is no province" in httpx.post(f"{server}/v1/ask", json=english_q, timeout=30).json()["detail"]
    # The streamed form is refused the same way, before a stream starts.
    streamed = httpx.post(f"{server}/v1/ask", json={**body, "stream": True}, headers=VI, timeout=30)
    assert streamed.status_code == 422 and "tỉnh/thành" in streamed.json()["detail"]
    assert "known names" not in vi.text  # no developer list of 90 names on a chat page


@pytest.mark.parametrize(
    "filters,vi_part,en_part",
    [
        ({"tinh": "Hà Giang"}, "không có bộ lọc «tinh»", "there is no filter «tinh»"),
        ({"since": "hôm qua"}, "ngày ở «filters.since» không hợp lệ", "the date in «filters.since» is not valid"),
        ({"until": "2024-13-45"}, "YYYY-MM-DD", "YYYY-MM-DD"),
    ],
)
def test_pydantic_422s_are_sentences_in_the_askers_language(server, filters, vi_part, en_part):
    body = {"question": "thủ tục hành chính", "filters": filters}
    vi = httpx.post(f"{server}/v1/ask", json=body, headers=VI, timeout=30)
    en = httpx.post(f"{server}/v1/ask", json=body, headers=EN, timeout=30)
    assert vi.status_code == en.status_code == 422
    assert vi.json()["message"].startswith("Yêu cầu không hợp lệ") and vi_part in vi.json()["message"]
    assert en.json()["message"].startswith("Invalid request") and en_part in en.json()["message"]
    assert isinstance(vi.json()["detail"], list)  # the machine-readable list stays


def test_other_4xx_are_localised(server):
    vi = httpx.get(f"{server}/v1/documents/khong-co", headers=VI, timeout=30)
    en = httpx.get(f"{server}/v1/documents/khong-co", headers=EN, timeout=30)
    assert vi.status_code == en.status_code == 404
    assert vi.json()["detail"] == "Không có tài liệu «khong-co»." and en.json()["detail"] == "There is no document «khong-co»."
    nowhere = httpx.get(f"{server}/v1/khong-co-dia-chi-nay", headers=VI, timeout=30)
    assert nowhere.status_code == 404 and nowhere.json()["detail"] == "Không tìm thấy địa chỉ này."
    unauth = httpx.delete(f"{server}/v1/documents/x", headers=VI, timeout=30)
    assert unauth.status_code == 401 and "Cần khóa API quản trị" in unauth.json()["detail"]
    assert unauth.headers["WWW-Authenticate"] == "Bearer"
    admin = {"Authorization": f"Bearer {ADMIN_KEY}", **EN}
    wrong_type = httpx.post(f"{server}/v1/documents", content=b"x", headers={**admin, "Content-Type": "text/plain"}, timeout=30)
    assert wrong_type.status_code == 415 and wrong_type.json()["detail"].startswith("Send application/json")


def test_explain_covers_types_lists_and_missing_fields():
    errors = [
        {"loc": ["body", "question"], "type": "missing", "msg": "Field required"},
        {"loc": ["body", "history"], "type": "too_long", "msg": "List should have at most 100 items after validation"},
        {"loc": ["body", "stream"], "type": "bool_parsing", "msg": "Input should be a valid boolean"},
    ]
    vi = explain(errors, "vi")
    assert "thiếu trường «question»" in vi and "«history» có quá nhiều phần tử" in vi and "«stream»" in vi
    assert explain([], "en") == "Invalid request: see the fields in 'detail'."
    assert "«question» must be a string" in explain([{"loc": ["body", "question"], "type": "string_type"}], "en")
