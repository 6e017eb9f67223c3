"""The HTTP API through a real uvicorn server, and the CLI as a user runs it."""

import json
import subprocess
import sys
from pathlib import Path

import httpx

from ..conftest import SAMPLE

Q = "what share of procedures are fully online in Hà Giang?"


def cli(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], capture_output=True, text=True, check=check, timeout=300)


def test_health_docs_and_chat_page(server):
    health = httpx.get(f"{server}/healthz").json()
    assert health["status"] == "ok" and health["documents"] > 0 and health["vectors"] == health["chunks"]
    page = httpx.get(f"{server}/")
    assert page.status_code == 200 and 'id="ask-form"' in page.text
    assert httpx.get(f"{server}/static/app.js").status_code == 200
    assert "/v1/ask" in httpx.get(f"{server}/openapi.json").json()["paths"]
    assert httpx.get(f"{server}/docs").status_code == 200


def test_api_and_cli_return_the_same_answer(server, sample_index: Path):
    api = httpx.post(f"{server}/v1/ask", json={"question": Q}, timeout=60).json()
    out = json.loads(cli("ask", Q, "--json", "--data-dir", str(sample_index)).stdout)
    for key in ["answer", "answerable", "mode", "citations", "warnings", "language"]:
        assert api[key] == out[key], key
    assert set(api) >= {"answer", "answerable", "mode", "citations", "warnings", "latency_ms"}
    assert api["citations"][0]["doc_id"] == "seed-hagiang-2023-07-19"


def test_api_rejects_bad_input_clearly(server):
    empty = httpx.post(f"{server}/v1/ask", json={"question": "  "})
    assert empty.status_code == 422 and "trống" in empty.json()["detail"]
    huge = httpx.post(f"{server}/v1/ask", json={"question": "thủ tục " * 400})
    assert huge.status_code == 422 and "quá dài" in huge.json()["detail"]
    unknown_filter = httpx.post(f"{server}/v1/ask", json={"question": "TTHC", "filters": {"tinh": "Hà Giang"}})
    assert unknown_filter.status_code == 422
    bad_province = httpx.post(f"{server}/v1/ask", json={"question": "TTHC", "filters": {"province": "Atlantis"}})
    assert bad_province.status_code == 422 and "Không có tỉnh/thành" in bad_province.json()["detail"]
    bad_date = httpx.post(f"{server}/v1/ask", json={"question": "TTHC", "filters": {"since": "hôm qua"}})
    assert bad_date.status_code == 422


def test_documents_endpoint(server):
    listing = httpx.get(f"{server}/v1/documents").json()
    assert listing["total"] == len(listing["documents"]) > 0
    doc = httpx.get(f"{server}/v1/documents/seed-hagiang-2023-07-19").json()
    assert "35,48%" in doc["text"]
    assert httpx.get(f"{server}/v1/documents/nope").status_code == 404


def test_cli_ingest_is_idempotent_and_ask_prints_citations(tmp_path: Path, embed_cache_dir: Path):
    data = tmp_path / "d"
    sample = sorted(str(p) for p in SAMPLE.glob("*.jsonl"))
    first = json.loads(cli("ingest", *sample, "--data-dir", str(data), "--json").stdout)
    assert first["added"] > 0 and first["errors"] == []
    second = json.loads(cli("ingest", *sample, "--data-dir", str(data), "--json").stdout)
    assert second["added"] == 0 and second["unchanged"] == first["added"]
    assert second["chunks_written"] == 0 and second["vectors"] == first["vectors"]
    text = cli("ask", "Tỷ lệ TTHC trực tuyến toàn trình của Hà Giang?", "--data-dir", str(data)).stdout
    assert "35,48%" in text and "[1]" in text and "baohagiang.vn" in text
    bad = cli("ask", "", "--data-dir", str(data), check=False)
    assert bad.returncode == 2 and "error:" in bad.stderr


def test_metrics_count_answers_and_time_routes_and_stages(server):
    httpx.post(f"{server}/v1/ask", json={"question": Q}, timeout=60)
    text = httpx.get(f"{server}/metrics").text
    assert 'cchc_answers_total{answerable="true",mode="extractive"}' in text
    assert 'cchc_request_seconds_count{method="POST",route="/v1/ask",status="200"}' in text
    assert 'cchc_stage_seconds_count{stage="retrieve"}' in text
