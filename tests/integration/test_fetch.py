"""`cchc ingest --urls`: polite fetching with retries, against a local fake portal."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import free_port
from ..fakes.platforms import FakeNewsSite


def article(title: str, body: str) -> str:
    return (f"<html><head><title>{title}</title><meta property='article:published_time' content='2025-05-06'></head>"
            f"<body><nav>Trang chủ</nav><article><h1>{title}</h1><p>{body}</p></article></body></html>")


PAGES = {
    "tin/1": article("Yên Bái tiếp nhận hồ sơ trực tuyến", "Tháng 4/2025, Yên Bái tiếp nhận 18.204 hồ sơ trực tuyến, đạt 71,3% tổng số hồ sơ."),
    "flaky/2": article("Lạng Sơn số hóa kết quả", "Lạng Sơn đã số hóa 92.417 kết quả giải quyết thủ tục hành chính."),
    "legacy/3": article("Thái Nguyên cải cách hành chính", "Thái Nguyên có 1.956 thủ tục hành chính thuộc thẩm quyền giải quyết."),
    "private/4": article("Nội bộ", "Không được thu thập."),
}


@pytest.fixture(scope="module")
def site():
    fake = FakeNewsSite(PAGES)
    base = fake.start(free_port())
    yield fake, base
    fake.stop()


def test_ingest_urls_with_retries_robots_and_charsets(site, tmp_path: Path):
    fake, base = site
    urls = tmp_path / "urls.txt"
    urls.write_text("\n".join([f"{base}/tin/1", f"{base}/flaky/2", f"{base}/legacy/3", f"{base}/private/4",
                               f"{base}/missing", "# a comment", "ftp://x/y"]) + "\n")
    saved = tmp_path / "saved"
    out = subprocess.run([sys.executable, "-m", "assistant.cli", "ingest", "--urls", str(urls), "--save", str(saved),
                          "--delay", "0.05", "--data-dir", str(tmp_path / "idx"), "--json"],
                         capture_output=True, text=True, timeout=300)
    report = json.loads(out.stdout)
    assert report["added"] == 3, report
    errors = " ".join(report["errors"])
    assert "robots.txt" in errors and "/private/4" in errors and "HTTP 404" in errors and "ftp://" in errors
    assert fake.hits["flaky/2"] == 3  # two 503s, then the retry got it
    assert "private/4" not in fake.hits  # never requested
    assert len(list(saved.glob("*.html"))) == 3
    listed = [json.loads(line) for line in subprocess.run(
        [sys.executable, "-m", "assistant.cli", "list", "--data-dir", str(tmp_path / "idx")],
        capture_output=True, text=True, check=True).stdout.splitlines()]
    assert {d["url"] for d in listed} == {f"{base}/tin/1", f"{base}/flaky/2", f"{base}/legacy/3"}
    legacy = subprocess.run([sys.executable, "-m", "assistant.cli", "ask", "Thái Nguyên có bao nhiêu thủ tục hành chính?",
                             "--json", "--data-dir", str(tmp_path / "idx")], capture_output=True, text=True).stdout
    assert "1.956" in json.loads(legacy)["answer"]  # the windows-1258 page came through intact
    # The saved pages ingest offline to the same documents' text.
    offline = subprocess.run([sys.executable, "-m", "assistant.cli", "ingest", str(saved), "--data-dir",
                              str(tmp_path / "idx2"), "--json"], capture_output=True, text=True, timeout=300)
    assert json.loads(offline.stdout)["added"] == 3
