"""The API in process: `create_app(settings, service)` with the service injected, driven by
FastAPI's TestClient — real routers, dependencies, error handlers and the real sample index,
with no server process (those are tested in the e2e tier, tests/e2e/test_api_cli.py and others)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.service import AnswerService
from assistant.settings import Settings

from ..conftest import SAMPLE

QUESTION = "Năm 2023 thị xã Kỳ Anh xếp hạng mấy trong tỉnh về chỉ số PAR Index?"


@pytest.fixture(scope="module")
def app_and_service(
    sample_index: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, AnswerService]]:
    data_dir = tmp_path_factory.mktemp("inprocess") / "index"
    shutil.copytree(sample_index, data_dir)  # the app opens its job, feedback and source stores here
    settings = Settings(data_dir=data_dir, rate_limit="100000/minute")
    service = AnswerService(settings)
    with TestClient(create_app(settings, service)) as client:
        yield client, service


def test_ask_answers_through_the_injected_service(app_and_service):
    client, service = app_and_service
    r = client.post("/v1/ask", json={"question": QUESTION})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["answerable"] and body["citations"]
    # Every [n] of the answer is a citation, and each quote is a verbatim span of its document.
    cited = {c["n"] for c in body["citations"]}
    assert {int(n) for n in re.findall(r"\[(\d+)\]", body["answer"])} <= cited
    for c in body["citations"]:
        assert c["quote"] in service.store.document(c["doc_id"]).text
    # The same object the service gives a direct caller (the CLI), less the timing.
    direct = service.answer(QUESTION).model_dump(mode="json")
    assert {k: v for k, v in body.items() if k != "latency_ms"} == {
        k: v for k, v in direct.items() if k != "latency_ms"
    }


def test_documents_are_listed_and_read_through_the_document_service(app_and_service):
    client, _ = app_and_service
    listed = client.get("/v1/documents")
    assert listed.status_code == 200
    ids = {d["doc_id"] for d in listed.json()["documents"]}
    sample_ids = {
        line.split('"doc_id": "', 1)[1].split('"', 1)[0]
        for line in (SAMPLE / "reform_sample.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    assert ids == sample_ids
    one = sorted(ids)[0]
    doc = client.get(f"/v1/documents/{one}")
    assert doc.status_code == 200 and doc.json()["doc_id"] == one and doc.json()["text"]
    assert client.get("/v1/documents/no-such-document").status_code == 404


def test_bad_input_is_a_4xx_in_the_askers_language(app_and_service):
    client, _ = app_and_service
    empty = client.post("/v1/ask", json={"question": "   "})
    assert 400 <= empty.status_code < 500
    vi = client.post("/v1/ask", json={"question": QUESTION, "filters": {"province": "Tỉnh Không Có"}})
    en = client.post(
        "/v1/ask",
        json={"question": QUESTION, "filters": {"province": "Tỉnh Không Có"}},
        headers={"Accept-Language": "en"},
    )
    assert vi.status_code == en.status_code == 422
    assert vi.json() != en.json()  # one refusal, said in each language
    # Writes need an admin key; none is configured here, so a delete is refused, not a 5xx.
    assert client.delete(f"/v1/documents/{'x'}").status_code in (401, 403)
