"""The document lifecycle over HTTP: upload (multipart or JSON) as a background job,
progress, delete everywhere — admin only, with clear errors and limits."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from ..conftest import ADMIN_KEY, admin_server
from ..unit.test_formats import FIXTURES, make_docx

ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


@pytest.fixture(scope="module")
def docs_server(sample_index: Path, tmp_path_factory: pytest.TempPathFactory):
    from assistant.api.security import hash_key

    env = {"CCHC_ADMIN_API_KEYS": f"sha256:{'0' * 64},{hash_key(ADMIN_KEY)}",  # two keys: rotation
           "CCHC_MAX_UPLOAD_BYTES": "400000", "CCHC_MAX_UPLOAD_FILES": "3"}
    with admin_server(sample_index, tmp_path_factory.mktemp("docs-server"), env) as base:
        yield base


def wait_job(base: str, job_id: str) -> dict:
    deadline = time.time() + 240
    while time.time() < deadline:
        job = httpx.get(f"{base}/v1/jobs/{job_id}", headers=ADMIN).json()
        if job["status"] not in ("queued", "running"):
            return job
        time.sleep(0.3)
    raise AssertionError("job did not finish")


def ask(base: str, q: str) -> dict:
    return httpx.post(f"{base}/v1/ask", json={"question": q}, timeout=60).json()


def test_upload_files_as_a_job_then_answer_from_them(docs_server, tmp_path):
    files = [
        ("files", ("dvc-mien-nui.docx", make_docx(tmp_path / "d.docx").read_bytes(), "application/octet-stream")),
        ("files", ("baocao.pdf", (FIXTURES / "baocao-laocai-q3-2024.pdf").read_bytes(), "application/pdf")),
        ("files", ("broken.pdf", (FIXTURES / "broken.pdf").read_bytes(), "application/pdf")),
    ]
    r = httpx.post(f"{docs_server}/v1/documents", files=files, headers=ADMIN, timeout=60)
    assert r.status_code == 202, r.text
    body = r.json()
    assert len(body["accepted"]) == 2 and len(body["rejected"]) == 1 and "broken.pdf" in body["rejected"][0]
    job = wait_job(docs_server, body["job_id"])
    assert job["status"] == "succeeded" and job["done"] == job["total"] == 2 and job["chunks"] > 0
    assert job["report"]["added"] == 2 and "broken.pdf" in job["report"]["errors"][0]
    answer = ask(docs_server, "Tỷ lệ TTHC trực tuyến toàn trình của Điện Biên là bao nhiêu?")
    assert "39,69%" in answer["answer"] and answer["citations"][0]["doc_id"] in body["accepted"]
    listed = {d["doc_id"]: d for d in httpx.get(f"{docs_server}/v1/documents").json()["documents"]}
    assert all(listed[d]["chunks"] > 0 for d in body["accepted"])
    metrics = httpx.get(f"{docs_server}/metrics").text
    assert 'cchc_ingest_documents_total{outcome="added"} 2.0' in metrics
    assert 'cchc_ingest_documents_total{outcome="error"} 1.0' in metrics
    again = httpx.post(f"{docs_server}/v1/documents", files=files[:2], headers=ADMIN, timeout=60).json()
    assert wait_job(docs_server, again["job_id"])["report"]["unchanged"] == 2  # duplicate upload: nothing new


def test_json_documents_and_delete_everywhere(docs_server):
    doc = {"doc_id": "test-bac-kan-2024", "title": "Bắc Kạn công bố kết quả chuyển đổi số năm 2024",
           "text": "Năm 2024, tỉnh Bắc Kạn có 1.317 thủ tục hành chính được số hóa hồ sơ, đạt tỷ lệ 71,9%.",
           "published": "2024-12-20", "source": "backan.gov.vn", "url": "https://backan.gov.vn/tin/1"}
    r = httpx.post(f"{docs_server}/v1/documents", json={"documents": [doc]}, headers=ADMIN)
    assert r.status_code == 202 and wait_job(docs_server, r.json()["job_id"])["status"] == "succeeded"
    q = "Bắc Kạn số hóa hồ sơ đạt tỷ lệ bao nhiêu năm 2024?"
    assert ask(docs_server, q)["citations"][0]["doc_id"] == doc["doc_id"]
    assert httpx.delete(f"{docs_server}/v1/documents/{doc['doc_id']}", headers=ADMIN).status_code == 204
    after = ask(docs_server, q)
    assert all(c["doc_id"] != doc["doc_id"] for c in after["citations"]) and "71,9%" not in after["answer"]
    assert httpx.get(f"{docs_server}/v1/documents/{doc['doc_id']}").status_code == 404
    assert httpx.delete(f"{docs_server}/v1/documents/{doc['doc_id']}", headers=ADMIN).status_code == 404
    health = httpx.get(f"{docs_server}/healthz").json()
    assert health["vectors"] == health["chunks"]  # no orphans left behind


def test_writes_need_an_admin_key(docs_server):
    doc = {"documents": [{"doc_id": "x", "text": "y"}]}
    assert httpx.post(f"{docs_server}/v1/documents", json=doc).status_code == 401
    wrong = {"Authorization": "Bearer cchc_not-a-key"}
    assert httpx.post(f"{docs_server}/v1/documents", json=doc, headers=wrong).status_code == 401
    assert httpx.delete(f"{docs_server}/v1/documents/seed-hagiang-2023-07-19", headers=wrong).status_code == 401
    assert httpx.get(f"{docs_server}/v1/feedback/export").status_code == 401
    assert httpx.get(f"{docs_server}/v1/feedback/export", headers=ADMIN).status_code == 200
    assert httpx.get(f"{docs_server}/v1/jobs/nope", headers=ADMIN).status_code == 404
    assert httpx.get(f"{docs_server}/v1/documents/seed-hagiang-2023-07-19").status_code == 200  # reading is open


def test_upload_limits_and_bad_bodies(docs_server):
    big = [("files", ("big.txt", ("thủ tục " * 60_000).encode(), "text/plain"))]
    r = httpx.post(f"{docs_server}/v1/documents", files=big, headers=ADMIN)
    assert r.status_code == 413 and "quá lớn" in r.json()["detail"]  # Vietnamese by default
    r = httpx.post(f"{docs_server}/v1/documents", files=big, headers={**ADMIN, "Accept-Language": "en"})
    assert r.status_code == 413 and "too large" in r.json()["detail"]
    many = [("files", (f"f{i}.txt", b"van ban", "text/plain")) for i in range(4)]
    assert httpx.post(f"{docs_server}/v1/documents", files=many, headers=ADMIN).status_code == 413
    assert httpx.post(f"{docs_server}/v1/documents", json={"docs": []}, headers=ADMIN).status_code == 422
    only_bad = [("files", ("cu.doc", b"\xd0\xcf\x11\xe0", "application/msword"))]
    r = httpx.post(f"{docs_server}/v1/documents", files=only_bad, headers=ADMIN)
    assert r.status_code == 422 and "unsupported" in str(r.json()["detail"]["rejected"])
    r = httpx.post(f"{docs_server}/v1/documents", content=b"x", headers={**ADMIN, "Content-Type": "text/plain"})
    assert r.status_code == 415


def test_several_worker_processes_share_one_index(sample_index: Path, tmp_path: Path):
    with admin_server(sample_index, tmp_path, args=("--workers", "2")) as base:
        doc = {"doc_id": "test-lai-chau-2024", "title": "Lai Châu số hóa hồ sơ",
               "text": "Năm 2024, Lai Châu đã số hóa 58.306 hồ sơ thủ tục hành chính, đạt 83,1%.",
               "published": "2024-12-01", "source": "laichau.gov.vn", "url": "https://laichau.gov.vn/1"}
        r = httpx.post(f"{base}/v1/documents", json={"documents": [doc]}, headers=ADMIN)
        assert r.status_code == 202
        assert wait_job(base, r.json()["job_id"])["status"] == "succeeded"  # any worker reads the job
        q = "Lai Châu đã số hóa bao nhiêu hồ sơ thủ tục hành chính năm 2024?"
        # Several requests land on both workers: each one sees the new document.
        assert all(ask(base, q)["citations"][0]["doc_id"] == doc["doc_id"] for _ in range(6))
        assert httpx.delete(f"{base}/v1/documents/{doc['doc_id']}", headers=ADMIN).status_code == 204
        assert all(all(c["doc_id"] != doc["doc_id"] for c in ask(base, q)["citations"]) for _ in range(6))
