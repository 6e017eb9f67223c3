"""State and access under attack (issue 14): files at rest, replay and duplicate memory shared by
worker processes and kept across restarts, the Zalo refresh lock between processes, keys on every
read, /r/ links that resolve, and uploads parsed inside the job under a budget."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
import stat
import subprocess
import sys
import tarfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.api.security import hash_key
from assistant.channels.formatting import safe_url, short_link
from assistant.channels.links import link_token
from assistant.channels.seen import SeenEvents

from ..conftest import (
    ADMIN_KEY,
    ZALO_APP_ID,
    ZALO_OA_KEY,
    ZALO_SECRET,
    admin_server,
    free_port,
    running_server,
    shared_path,
)
from ..fakes.platforms import FakeZalo
from .test_hostile import no_5xx, peak_rss_mb
from .test_web import page  # noqa: F401 — the browser fixture

ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}
QUERY_KEY = "cchc_query-key-for-hostile-state-0123"
KEY = {"Authorization": f"Bearer {QUERY_KEY}"}


def loose(root: Path) -> list[str]:
    """Files under `root` that anyone but the owner may read, write or enter."""
    return [f"{p} {stat.filemode(p.stat().st_mode)}" for p in [root, *root.rglob("*")]
            if not p.is_symlink() and stat.S_IMODE(p.stat().st_mode) & 0o077]


# --- files at rest -----------------------------------------------------------------------------


def test_the_data_dir_is_private_while_serving(server, server_dir):
    # Written by this run: feedback, the channels' tokens and seen events, the link key.
    body = {"question": "q", "answer": "a", "rating": "up"}
    assert httpx.post(f"{server}/v1/feedback", json=body, timeout=10).status_code == 201
    names = {p.name for p in server_dir.rglob("*")}
    assert {"feedback.sqlite", "channels.sqlite", "link.key", "registry.sqlite"} <= names
    assert loose(server_dir) == []


def test_backups_and_what_they_hold_are_private(sample_index, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(sample_index, data_dir)  # 0644 as copied: the command tightens them
    os.chmod(data_dir, 0o755)
    archive = tmp_path / "out" / "b.tar.gz"
    archive.parent.mkdir()
    subprocess.run([sys.executable, "-m", "assistant.cli", "backup", str(archive), "--data-dir", str(data_dir)],
                   check=True, capture_output=True, timeout=300, env={**os.environ, "CCHC_LOG_FORMAT": "text"})
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    with tarfile.open(archive) as tar:
        members = tar.getmembers()
    assert members and all(m.mode & 0o077 == 0 for m in members), [(m.name, oct(m.mode)) for m in members][:5]
    assert loose(data_dir) == []


# --- replay and duplicate memory: every worker, every restart ----------------------------------


def _first_time_elsewhere(path: str, key: str) -> bool:
    return SeenEvents(Path(path)).first_time(key)


def test_seen_events_are_shared_between_processes_and_kept(tmp_path):
    path = tmp_path / "channels.sqlite"
    assert SeenEvents(path).first_time("slack:Ev1")
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:  # other processes, as other workers would be
        assert pool.starmap(_first_time_elsewhere, [(str(path), "slack:Ev1"), (str(path), "slack:Ev2")]) == [False, True]
    reopened = SeenEvents(path)  # a restart
    assert not reopened.first_time("slack:Ev1") and not reopened.first_time("slack:Ev2")
    assert reopened.first_time("slack:Ev1", window_s=0)  # past its window a key is new again


def zalo_event(text: str, msg_id: str | None, user: str = "u-hostile") -> bytes:
    message = {"text": text, **({"msg_id": msg_id} if msg_id else {})}
    event = {"app_id": ZALO_APP_ID, "timestamp": str(int(time.time() * 1000)), "event_name": "user_send_text",
             "sender": {"id": user}, "message": message}
    return json.dumps(event).encode()


def zalo_send(base: str, raw: bytes) -> str:
    ts = json.loads(raw)["timestamp"]
    mac = hashlib.sha256(ZALO_APP_ID.encode() + raw + ts.encode() + ZALO_OA_KEY.encode()).hexdigest()
    r = httpx.post(f"{base}/zalo/webhook", content=raw, timeout=30,
                   headers={"X-ZEvent-Signature": f"mac={mac}", "Content-Type": "application/json"})
    return no_5xx(r).json()["status"]


@pytest.fixture(scope="module")
def zalo_workers(sample_index: Path, tmp_path_factory: pytest.TempPathFactory):
    fake_zalo = FakeZalo(ZALO_SECRET, refresh_token="refresh-0")  # its own: refresh tokens are single-use
    fake_zalo.base = fake_zalo.start(free_port())  # type: ignore[attr-defined]
    data_dir = tmp_path_factory.mktemp("zalo-workers") / "index"
    shutil.copytree(sample_index, data_dir)
    env = {"CCHC_ZALO_APP_ID": ZALO_APP_ID, "CCHC_ZALO_APP_SECRET": ZALO_SECRET, "CCHC_ZALO_OA_SECRET_KEY": ZALO_OA_KEY,
           "CCHC_ZALO_OA_ACCESS_TOKEN": "access-expired", "CCHC_ZALO_REFRESH_TOKEN": "refresh-0",
           "CCHC_ZALO_API_BASE": fake_zalo.base, "CCHC_ZALO_OAUTH_BASE": fake_zalo.base,  # type: ignore[attr-defined]
           "CCHC_RATE_LIMIT": "100000/minute"}
    yield data_dir, env
    fake_zalo.stop()


def test_a_zalo_event_is_answered_once_across_workers_and_restarts(zalo_workers):
    data_dir, env = zalo_workers
    raw = zalo_event("Tỷ lệ hồ sơ trực tuyến?", uuid.uuid4().hex)
    # Delivered at once to whichever worker takes it.
    with running_server(data_dir, env, ("--workers", "2")) as base, ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda _: zalo_send(base, raw), range(8)))
    assert sorted(statuses) == ["accepted"] + ["duplicate"] * 7
    with running_server(data_dir, env) as base:  # restarted: a captured event replayed
        assert zalo_send(base, raw) == "duplicate"
        # Without msg_id: the same sender and text again is a redelivery; other text is not.
        again = zalo_event("Câu hỏi không có mã tin nhắn?", None)
        assert [zalo_send(base, again), zalo_send(base, again)] == ["accepted", "duplicate"]
        assert zalo_send(base, zalo_event("Một câu hỏi khác?", None)) == "accepted"
        assert zalo_send(base, zalo_event("Câu hỏi không có mã tin nhắn?", None, user="u-other")) == "accepted"


def _refresh_in_another_process(data_dir: str, oauth: str, barrier) -> str:
    from assistant.channels.zalo import TokenStore, ZaloClient
    from assistant.settings import Settings

    settings = Settings(data_dir=Path(data_dir), zalo_app_id=ZALO_APP_ID, zalo_app_secret=ZALO_SECRET,
                        zalo_oauth_base=oauth, zalo_api_base=oauth)
    client = ZaloClient(settings, TokenStore(settings.channels_path, None, None))
    barrier.wait()
    return client.access_token(force_refresh=True)


def test_two_processes_never_spend_one_refresh_token(tmp_path):
    from assistant.channels.zalo import TokenStore

    fake = FakeZalo(ZALO_SECRET, refresh_token="r-0")
    base = fake.start(free_port())
    try:
        TokenStore(tmp_path / "channels.sqlite", "expired", "r-0")
        ctx = multiprocessing.get_context("spawn")
        with ctx.Manager() as manager, ctx.Pool(3) as pool:
            barrier = manager.Barrier(3)
            tokens = pool.starmap(_refresh_in_another_process, [(str(tmp_path), base, barrier)] * 3)
        # One refresh; the others found its token (a second use of r-0 would have been refused).
        assert fake.refreshes == 1 and tokens == ["access-1"] * 3
    finally:
        fake.stop()


# --- keys on every read, /r/ links that resolve ------------------------------------------------

ODD = [
    ("luat|91/2015/QH13|2", "https://example.gov.vn/van-ban/luật tổ chức chính phủ.pdf"),
    ("tin#1?a=b&c=%41", "https://example.gov.vn/tin?id=1&q=cải cách"),
    ("don-gian", "https://example.gov.vn/a|b\"c'd<e>"),
    ("co-dau-ệ", "https://bộnộivụ.example.vn/tin-tức/ảnh"),
]


@pytest.fixture(scope="module")
def keyed_server(sample_index: Path, tmp_path_factory: pytest.TempPathFactory):
    where = tmp_path_factory.mktemp("keyed")
    env = {"CCHC_QUERY_API_KEYS": hash_key(QUERY_KEY)}
    with admin_server(sample_index, where, env) as base:
        docs = [{"doc_id": d, "title": "Văn bản thử", "text": f"Nội dung văn bản thử {i}.", "url": u}
                for i, (d, u) in enumerate(ODD)]
        r = httpx.post(f"{base}/v1/documents", json={"documents": docs}, headers=ADMIN, timeout=60)
        deadline = time.time() + 120
        while httpx.get(f"{base}/v1/jobs/{r.json()['job_id']}", headers=ADMIN).json()["status"] in ("queued", "running"):
            assert time.time() < deadline
            time.sleep(0.3)
        yield base, where / "index"


READS = ["/v1/documents", "/v1/documents/seed-hagiang-2023-07-19", "/metrics", "/v1/provinces",
         "/v1/facts", "/v1/facts?format=csv", "/r/seed-hagiang-2023-07-19", "/v1/models"]


@pytest.mark.parametrize("path", READS)
@pytest.mark.parametrize("auth", [None, "Bearer junk", "Bearer", f"Basic {QUERY_KEY}", f"Bearer {QUERY_KEY}x"])
def test_every_read_needs_a_key(keyed_server, path, auth):
    headers = {"Authorization": auth} if auth else {}
    assert no_5xx(httpx.get(f"{keyed_server[0]}{path}", headers=headers, timeout=30)).status_code in (401, 403)


@pytest.mark.parametrize("path", READS)
@pytest.mark.parametrize("headers", [KEY, ADMIN])
def test_reads_with_a_key_work(keyed_server, path, headers):
    r = no_5xx(httpx.get(f"{keyed_server[0]}{path}", headers=headers, timeout=30))
    assert r.status_code == (302 if path.startswith("/r/") else 200)


def test_health_stays_open_for_probes(keyed_server):
    assert httpx.get(f"{keyed_server[0]}/healthz").status_code == 200
    assert httpx.get(f"{keyed_server[0]}/").status_code == 200  # the page, which asks for the key


@pytest.mark.parametrize("doc_id,url", ODD)
def test_a_signed_short_link_resolves_without_a_key(keyed_server, doc_id, url):
    base, data_dir = keyed_server
    secret = (data_dir / "link.key").read_bytes()
    link = short_link(base, doc_id, link_token(secret, doc_id))
    r = no_5xx(httpx.get(link, timeout=30))
    assert r.status_code == 302 and r.headers["location"] == safe_url(url)
    assert httpx.URL(r.headers["location"]).host  # a real, parseable URL
    forged = link[: -4] + ("0000" if not link.endswith("0000") else "1111")
    assert no_5xx(httpx.get(forged, timeout=30)).status_code == 401
    other = short_link(base, "seed-hagiang-2023-07-19", link_token(secret, doc_id))  # a token opens its own link only
    assert no_5xx(httpx.get(other, timeout=30)).status_code == 401


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc_id=st.text(min_size=1, max_size=60), token=st.text(max_size=30), auth=st.booleans())
def test_fuzz_read_paths_never_5xx_and_serve_nothing_without_a_key(keyed_server, doc_id, token, auth):
    for prefix in ("/v1/documents/", "/r/"):
        url = f"{keyed_server[0]}{prefix}{quote(doc_id, safe='')}?t={quote(token, safe='')}"
        r = no_5xx(httpx.get(url, headers=KEY if auth else {}, timeout=30))
        assert auth or r.status_code not in (200, 302)


def test_the_page_asks_for_a_key_and_keeps_it_for_the_session(page, keyed_server):  # noqa: F811
    prompts: list[str] = []

    def answer_prompt(dialog) -> None:
        prompts.append(dialog.message)
        dialog.accept(QUERY_KEY)

    page.on("dialog", answer_prompt)
    try:
        page.goto(keyed_server[0] + "/")
        page.wait_for_function("sessionStorage.getItem('cchc-key') !== null", timeout=30_000)
        page.fill("#question", "Tỷ lệ TTHC được cung cấp DVC trực tuyến toàn trình của Hà Giang là bao nhiêu?")
        page.click("#send")
        answer = page.locator(".turn.bot").last
        answer.locator(".chip").first.wait_for(timeout=60_000)
        assert "35,48%" in answer.inner_text()
        assert len(prompts) == 1 and "API" in prompts[0]  # asked once, then kept
        assert page.evaluate("localStorage.getItem('cchc-key')") is None  # not beyond the session
    finally:
        page.remove_listener("dialog", answer_prompt)


def test_zalo_shows_short_links_only_where_they_resolve():
    from assistant.channels.zalo import zalo_text
    from assistant.schemas import AnswerResponse, Citation

    cits = [Citation(n=i + 1, doc_id=d, title="t", url=u, published=None, source=None, quote="q", start=0, end=1)
            for i, (d, u) in enumerate([*ODD, ("x", "javascript:alert(1)"), ("y", "//evil.example")])]
    resp = AnswerResponse(answer="a [1]", answerable=True, mode="extractive", citations=cits, warnings=[], latency_ms=1)
    text = zalo_text(resp, "https://cchc.example.gov.vn", b"k" * 32)
    assert text.count("/r/") == len(ODD) and "javascript" not in text and "evil" not in text
    for doc_id, _ in ODD:
        assert f"/r/{quote(doc_id, safe='')}?t={link_token(b'k' * 32, doc_id)}" in text


def test_every_source_url_of_the_shared_corpus_is_linkable():
    urls = []
    for name in ("reform.jsonl", "tthc_decisions.jsonl", "general.jsonl"):
        for line in shared_path("corpus", name).read_text(encoding="utf-8").split("\n"):
            if line.strip() and (url := json.loads(line).get("url")):
                urls.append(url)
    refused = [u for u in urls if safe_url(u) is None]
    print(f"source URLs: {len(urls)}, not linkable: {len(refused)}")
    assert urls and refused == []


# --- uploads: the job id before parsing; the parse budget inside the job -----------------------


@pytest.fixture(scope="module")
def budget_server(sample_index: Path, tmp_path_factory: pytest.TempPathFactory):
    env = {"CCHC_UPLOAD_WAIT_S": "0", "CCHC_PARSE_SECONDS": "0.5"}
    with admin_server(sample_index, tmp_path_factory.mktemp("budget"), env) as base:
        yield base


def finished(base: str, job_id: str) -> dict:
    deadline = time.time() + 240
    while (job := httpx.get(f"{base}/v1/jobs/{job_id}", headers=ADMIN).json())["status"] in ("queued", "running"):
        assert time.time() < deadline
        time.sleep(0.3)
    return job


def test_the_job_id_comes_before_parsing(budget_server):
    text = "Báo cáo của tỉnh Cao Bằng về số hóa hồ sơ thủ tục hành chính năm 2024.".encode()
    r = httpx.post(f"{budget_server}/v1/documents", files=[("files", ("cao-bang.txt", text))], headers=ADMIN, timeout=60)
    body = r.json()
    assert r.status_code == 202 and body["job_id"] and body["pending"] == ["cao-bang.txt"] and body["accepted"] == []
    job = finished(budget_server, body["job_id"])
    assert job["status"] == "succeeded" and job["report"]["added"] == 1


def big_page(size: int) -> bytes:
    row = "<p>Tỷ lệ hồ sơ trực tuyến toàn trình của huyện đạt 35,48% trong quý, tăng so với cùng kỳ.</p>\n".encode()
    return b"<html><body><article>" + row * (size // len(row)) + b"</article></body></html>"


def test_a_file_over_its_parse_budget_is_stopped_inside_the_job(budget_server):
    data = big_page(3_500_000)  # under the 4 MiB and tag limits: only the time budget stops it
    before = peak_rss_mb(budget_server.pid)
    r = httpx.post(f"{budget_server}/v1/documents", files=[("files", ("lon.html", data))], headers=ADMIN, timeout=60)
    assert r.status_code == 202 and r.json()["pending"] == ["lon.html"]
    job = finished(budget_server, r.json()["job_id"])
    grew = peak_rss_mb(budget_server.pid) - before
    print(f"3.5 MB page, 0.5 s budget: {job['status']}, server peak RSS grew {grew:.0f} MB")
    assert job["status"] == "failed" and "longer than 0.5 s" in job["report"]["errors"][0]
    assert grew < 150  # parsed in a child process: the server holds the upload only
