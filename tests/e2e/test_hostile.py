"""Hostile input against real servers: every answer is a clear 4xx, never a 5xx (issue 14).

One parametrised test per class of input: non-finite numbers and deep nesting, sizes (chunked
bodies, zip bombs, huge HTML), identities, dates and empty questions, rate-limit buckets, what
leaves the server. The webhooks are in test_hostile_webhooks.py.
"""

from __future__ import annotations

import csv
import io
import json
import socket
import time
import uuid
import zipfile
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from ..conftest import ADMIN_KEY, admin_server
from ..unit.test_formats import make_docx

ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}
DEEP = "[" * 100_000 + "]" * 100_000
MID = "[" * 40 + "]" * 40  # deeper than the 32 levels allowed, far below any recursion limit


@pytest.fixture(scope="module")
def hostile_server(sample_index: Path, tmp_path_factory: pytest.TempPathFactory):
    """No query keys, a small rate limit (class 5), the default 25 MB upload limit."""
    with admin_server(
        sample_index, tmp_path_factory.mktemp("hostile"), {"CCHC_RATE_LIMIT": "5/minute"}
    ) as base:
        yield base


def no_5xx(r: httpx.Response) -> httpx.Response:
    assert r.status_code < 500, (r.status_code, r.text[:300])
    return r


# --- 2. non-finite numbers and deep nesting in any JSON body -----------------------------------

ASK, CHAT, FEEDBACK = "/v1/ask", "/v1/chat/completions", "/v1/feedback"
NON_FINITE = [
    (ASK, '{"question": NaN}'),
    (ASK, '{"question": "q", "filters": {"province": Infinity}}'),
    (ASK, '{"question": "q", "history": [{"role": "user", "content": -Infinity}]}'),
    (ASK, '{"question": "q", "stream": 1e400}'),
    (ASK, '{"question": "q", "filters": ' + MID + "}"),
    (ASK, '{"question": "q", "x": ' + DEEP + "}"),
    (ASK, '{"question": "\\ud800"}'),
    (CHAT, '{"messages": [{"role": "user", "content": "q"}], "temperature": NaN}'),
    (CHAT, '{"messages": [{"role": "user", "content": "q"}], "max_tokens": 1e400}'),
    (CHAT, '{"messages": [{"role": "user", "content": "q"}], "metadata": ' + MID + "}"),
    (CHAT, '{"messages": ' + DEEP + "}"),
    (FEEDBACK, '{"question": "q", "answer": "a", "rating": "up", "citations": [{"n": NaN}]}'),
    (FEEDBACK, '{"question": "q", "answer": "a", "rating": Infinity}'),
    (FEEDBACK, '{"question": "q", "answer": "a", "rating": "up", "comment": ' + MID + "}"),
    ("/v1/documents", '{"documents": [{"doc_id": "d", "text": "t", "score": NaN}]}'),
]


@pytest.mark.parametrize("path,raw", NON_FINITE)
def test_non_finite_and_deep_json_is_422_and_the_connection_survives(server, path, raw):
    with httpx.Client(base_url=server, timeout=30, headers=ADMIN) as client:
        r = no_5xx(client.post(path, content=raw, headers={"Content-Type": "application/json"}))
        assert r.status_code == 422 and "JSON" in r.json()["detail"]
        assert "không hợp lệ" in r.json()["detail"]  # Vietnamese unless asked otherwise
        assert client.get("/healthz").status_code == 200  # the same connection goes on


@pytest.mark.parametrize(
    "path,body",
    [
        (ASK, {"question": 5}),
        (ASK, {"question": "q", "history": "x" * 1000}),
        (ASK, {"question": "q", "k" * 5000: 1}),
        (ASK, {"question": "q", "filters": {"since": "2023-99-99"}}),
        (CHAT, {"messages": []}),
        (FEEDBACK, {"question": "q", "answer": "a", "rating": "meh"}),
    ],
)
def test_validation_errors_do_not_echo_the_input(server, path, body):
    r = no_5xx(httpx.post(f"{server}{path}", json=body, headers={"Accept-Language": "en-GB,en"}, timeout=30))
    assert r.status_code == 422 and r.json()["message"].startswith("Invalid request")
    assert all("input" not in e and len(json.dumps(e)) < 700 for e in r.json()["detail"])


@pytest.mark.parametrize(
    "name,content",
    [
        ("deep.json", '{"doc_id": "d", "text": "t", "x": ' + DEEP + "}"),
        ("deep.jsonl", '{"doc_id": "d", "text": "t", "x": ' + MID + "}\n"),
        ("nan.jsonl", '{"doc_id": "d", "text": "t", "x": NaN}\n'),
        ("big.json", '[{"doc_id": "d", "text": "t", "x": 1e400}]'),
    ],
)
def test_deep_or_non_finite_json_uploads_are_refused(hostile_server, name, content):
    r = no_5xx(
        httpx.post(
            f"{hostile_server}/v1/documents",
            files=[("files", (name, content.encode()))],
            headers=ADMIN,
            timeout=60,
        )
    )
    assert r.status_code == 422 and name in r.json()["detail"]["rejected"][0]


# --- 3. sizes: counted as they arrive; decompression and HTML budgets ---------------------------


def chunks(total: int, piece: bytes = b" " * 65536):
    sent = 0
    while sent < total:
        yield piece
        sent += len(piece)


@pytest.mark.parametrize(
    "path,size,ctype",
    [
        (ASK, 6 * 2**20, "application/json"),
        (CHAT, 6 * 2**20, "application/json"),
        (FEEDBACK, 6 * 2**20, "application/json"),
        (ASK, 6 * 2**20, "text/plain"),
        ("/v1/documents", 30 * 2**20, "multipart/form-data; boundary=xyz"),
        ("/v1/documents", 30 * 2**20, "application/json"),
    ],
)
def test_chunked_bodies_are_cut_off_at_the_limit(hostile_server, path, size, ctype):
    def body():
        if "multipart" in ctype:
            yield b'--xyz\r\nContent-Disposition: form-data; name="files"; filename="a.txt"\r\n\r\n'
        else:
            yield b'{"question": "'
        yield from chunks(size)

    r = httpx.post(
        f"{hostile_server}{path}", content=body(), headers={**ADMIN, "Content-Type": ctype}, timeout=60
    )
    assert r.status_code == 413 and "byte" in r.json()["detail"]


def test_a_declared_oversized_body_is_refused_before_reading(hostile_server):
    # A raw socket: HTTP clients will not send less than they declare.
    url = httpx.URL(hostile_server)
    with socket.create_connection((url.host, url.port), timeout=10) as sock:
        sock.sendall(
            f"POST {ASK} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {50 * 2**20}\r\n\r\n{{}}".encode()
        )
        head = sock.recv(4096).decode("latin-1")
    assert head.startswith("HTTP/1.1 413")


@pytest.mark.parametrize(
    "field,size",
    [("quote", 10_000), ("comment", 5_000), ("question", 5_000), ("title", 5_000), ("also_reported_by", 25)],
)
def test_feedback_fields_are_bounded(server, field, size):
    cit = {"n": 1, "doc_id": "d", "title": "t", "quote": "q", "start": 0, "end": 1}
    body = {"question": "q", "answer": "a", "rating": "down", "citations": [cit]}
    if field in ("comment", "question"):
        body[field] = "x" * size
    elif field == "also_reported_by":
        cit[field] = [{"doc_id": "d"}] * size
    else:
        cit[field] = "x" * size
    assert no_5xx(httpx.post(f"{server}{FEEDBACK}", json=body, timeout=10)).status_code == 422


def peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1]) / 1024


def docx_bomb(tmp: Path, unpacked: int) -> bytes:
    """A valid .docx whose document.xml unpacks to ``unpacked`` bytes (streamed: the test never
    holds it)."""
    src = zipfile.ZipFile(make_docx(tmp / "real.docx"))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            if item.filename != "word/document.xml":
                z.writestr(item, src.read(item))
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            f.write(
                b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                b'wordprocessingml/2006/main"><w:body>'
            )
            para = b"<w:p><w:r><w:t>" + b"a" * 4000 + b"</w:t></w:r></w:p>"
            for _ in range(unpacked // len(para)):
                f.write(para)
            f.write(b"</w:body></w:document>")
    return out.getvalue()


@pytest.mark.parametrize("kind", ["docx-150MB", "docx-dense-20MB", "html-20MB"])
def test_bombs_are_refused_without_the_memory_exploding(hostile_server, tmp_path, kind):
    if kind.startswith("docx"):
        name, data = "bomb.docx", docx_bomb(tmp_path, (150 if "150" in kind else 20) * 2**20)
    else:
        row = "<p>Tỷ lệ hồ sơ trực tuyến toàn trình đạt 35,48% trong quý.</p>\n".encode()
        name, data = "huge.html", b"<html><body>" + row * (20 * 2**20 // len(row)) + b"</body></html>"
    before = peak_rss_mb(hostile_server.pid)
    r = no_5xx(
        httpx.post(
            f"{hostile_server}/v1/documents", files=[("files", (name, data))], headers=ADMIN, timeout=120
        )
    )
    assert r.status_code == 422 and name in r.json()["detail"]["rejected"][0]
    grew = peak_rss_mb(hostile_server.pid) - before
    print(
        f"{kind}: {len(data):,} bytes uploaded, peak RSS {peak_rss_mb(hostile_server.pid):.0f} MB, grew {grew:.0f} MB"
    )
    assert grew < 300  # measured: < 100 MB (the upload itself, spooled); unguarded: 2-8 GB


# --- 4. identities, dates and empty questions --------------------------------------------------


def wait_job(base: str, job_id: str) -> dict:
    deadline = time.time() + 240
    while time.time() < deadline:
        job = httpx.get(f"{base}/v1/jobs/{job_id}", headers=ADMIN).json()
        if job["status"] not in ("queued", "running"):
            return job
        time.sleep(0.3)
    raise AssertionError("job did not finish")


def test_two_files_with_one_name_do_not_replace_each_other(hostile_server):
    ids, originals = (
        [],
        ("Báo cáo của tỉnh Lào Cai về cải cách hành chính.", "Báo cáo của tỉnh Yên Bái về chuyển đổi số."),
    )
    for text in originals:
        r = httpx.post(
            f"{hostile_server}/v1/documents",
            files=[("files", ("bao-cao.txt", text.encode()))],
            headers=ADMIN,
            timeout=60,
        )
        assert r.status_code == 202
        assert wait_job(hostile_server, r.json()["job_id"])["status"] == "succeeded"
        ids.append(r.json()["accepted"][0])
    assert ids[0] != ids[1]
    texts = [httpx.get(f"{hostile_server}/v1/documents/{i}").json()["text"] for i in ids]
    assert "Lào Cai" in texts[0] and "Yên Bái" in texts[1]
    again = httpx.post(
        f"{hostile_server}/v1/documents",
        files=[("files", ("bao-cao.txt", originals[1].encode()))],
        headers=ADMIN,
        timeout=60,
    ).json()
    assert again["accepted"] == [ids[1]]  # the same file again: the same id (idempotent)


@pytest.mark.parametrize(
    "doc_id",
    [
        "a\x00b",
        "a\nb",
        "a\u200bb",
        "a\u202eb",
        "a\\b",
        "a/../b",
        "/lead",
        "trail/",
        "a//b",
        "x" * 201,
        " ",
        "",
    ],
)
def test_bad_doc_ids_are_refused_by_the_one_rule(hostile_server, doc_id):
    body = {"documents": [{"doc_id": doc_id, "text": "Văn bản thử."}]}
    r = no_5xx(httpx.post(f"{hostile_server}/v1/documents", json=body, headers=ADMIN, timeout=30))
    assert r.status_code == 422


@pytest.mark.parametrize("published", ["2023-99-99", "2024-02-30", "31/2/2024", "2023-13-01", "hôm qua"])
def test_impossible_dates_are_refused(hostile_server, published):
    body = {
        "documents": [
            {"doc_id": f"date-{uuid.uuid4().hex[:6]}", "text": "Văn bản thử.", "published": published}
        ]
    }
    r = no_5xx(httpx.post(f"{hostile_server}/v1/documents", json=body, headers=ADMIN, timeout=30))
    assert r.status_code == 422 and "published" in r.json()["detail"]["rejected"][0]


def test_an_id_with_slashes_can_be_read_linked_and_deleted(hostile_server):
    doc_id = "luat|91/2015/QH13|1"  # legal-document numbers are part of real ids
    body = {
        "documents": [
            {"doc_id": doc_id, "text": "Điều 1. Phạm vi điều chỉnh.", "url": "https://example.gov.vn/a"}
        ]
    }
    r = httpx.post(f"{hostile_server}/v1/documents", json=body, headers=ADMIN, timeout=30)
    assert wait_job(hostile_server, r.json()["job_id"])["status"] == "succeeded"
    assert (
        httpx.get(f"{hostile_server}/v1/documents/{quote(doc_id, safe='')}").json()["doc_id"] == doc_id
    )  # as a page sends it
    assert httpx.get(f"{hostile_server}/r/{doc_id}").status_code == 302
    assert httpx.delete(f"{hostile_server}/v1/documents/{doc_id}", headers=ADMIN).status_code == 204
    assert httpx.get(f"{hostile_server}/v1/documents/{doc_id}").status_code == 404


@pytest.mark.parametrize(
    "question", ["\u200b", "\u200b\u200c\u200d\ufeff", "\u00ad\u2060 \u200e", " \u200b\n"]
)
@pytest.mark.parametrize("path", [ASK, CHAT])
def test_questions_of_only_format_characters_are_empty(server, question, path):
    body = {"question": question} if path == ASK else {"messages": [{"role": "user", "content": question}]}
    r = no_5xx(httpx.post(f"{server}{path}", json=body, timeout=30))
    assert r.status_code in (400, 422) and "Câu hỏi trống" in r.text


# --- 5. rate-limit buckets ---------------------------------------------------------------------


def test_a_random_bearer_token_does_not_buy_a_new_bucket(hostile_server):
    body = {"question": "q", "answer": "a", "rating": "up"}
    statuses = [
        httpx.post(
            f"{hostile_server}{FEEDBACK}",
            json=body,
            timeout=10,
            headers={"Authorization": f"Bearer junk-{uuid.uuid4().hex}"},
        ).status_code
        for _ in range(8)
    ]
    assert 429 in statuses and statuses[statuses.index(429) :] == [429] * (8 - statuses.index(429))


# --- 6. what leaves the server: CSV cells; a 5xx is never silent ------------------------------


@pytest.mark.parametrize(
    "text", ['=HYPERLINK("https://evil.example","x")', "@SUM(A1:A9)", "+1+2", "-2+3", "\t=1", "\r=1"]
)
def test_feedback_csv_cells_cannot_be_formulas(server, text):
    body = {"question": text, "answer": "a", "rating": "down", "comment": text}
    assert httpx.post(f"{server}{FEEDBACK}", json=body, timeout=10).status_code == 201
    export = httpx.get(
        f"{server}/v1/feedback/export", params={"format": "csv"}, headers=ADMIN, timeout=10
    ).text
    rows = [r for r in csv.DictReader(io.StringIO(export)) if r["comment"] == "'" + text]
    assert rows and rows[-1]["question"] == "'" + text and rows[-1]["rating"] == "-1"


def test_an_unhandled_error_is_logged_with_its_request_id_and_counted(writable_index, caplog):
    from fastapi.testclient import TestClient

    from assistant.api.app import create_app
    from assistant.settings import Settings

    app = create_app(Settings(data_dir=writable_index))

    @app.get("/boom-for-test")
    def boom() -> None:
        raise RuntimeError("a bug")

    with TestClient(app) as client, caplog.at_level("INFO", logger="cchc.http"):
        r = client.get("/boom-for-test", headers={"X-Request-ID": "rid-boom-1"})
        assert r.status_code == 500 and r.json() == {"detail": "internal error", "request_id": "rid-boom-1"}
        assert r.headers["X-Request-ID"] == "rid-boom-1"
        metrics = client.get("/metrics").text
    assert 'route="/boom-for-test",status="500"' in metrics.replace('method="GET",', "")
    errors = [rec for rec in caplog.records if rec.levelname == "ERROR" and rec.exc_info]
    lines = [rec for rec in caplog.records if getattr(rec, "status", None) == 500]
    assert (
        errors
        and lines
        and all(getattr(rec, "request_id", "rid-boom-1") == "rid-boom-1" for rec in errors + lines)
    )
