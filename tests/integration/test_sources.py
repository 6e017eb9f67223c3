"""Portals that publish every day: a fake portal on 127.0.0.1 publishes between polls."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ingest.fetch import Fetcher
from ingest.sources import Sources, items_in, parse_every

ARTICLE = ("<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
           "<p>{body} Đây là nội dung bài viết về cải cách hành chính, được đăng trên cổng thông tin "
           "điện tử của tỉnh để người dân và doanh nghiệp theo dõi kết quả thực hiện.</p></article></body></html>")


class Portal:
    def __init__(self) -> None:
        self.pages: dict[str, tuple[str, str]] = {}
        self.dates: dict[str, str] = {}  # an item's pubDate in the feed (RFC 822), none if ""
        self.version = 0
        self.requests: list[tuple[str, str | None]] = []

    def publish(self, slug: str, title: str, body: str, date: str = "") -> None:
        self.pages[slug] = (title, body)
        self.dates[slug] = date
        self.version += 1

    def rss(self, base: str) -> str:
        items = "".join(
            f"<item><title>{t}</title><link>{base}/tin/{s}.html</link>"
            + (f"<pubDate>{self.dates[s]}</pubDate>" if self.dates.get(s) else "") + "</item>"
            for s, (t, _) in self.pages.items()
        )
        return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Cổng</title>{items}</channel></rss>'


@pytest.fixture
def portal() -> Iterator[tuple[Portal, str]]:
    state = Portal()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            state.requests.append((self.path, self.headers.get("If-None-Match")))
            if self.path == "/robots.txt":
                return self._send(200, "User-agent: *\nDisallow: /noi-bo/\n", "text/plain")
            if self.path == "/rss.xml":
                etag = f'"v{state.version}"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.end_headers()
                    return None
                return self._send(200, state.rss(base), "application/rss+xml", {"ETag": etag})
            if self.path == "/sitemap.xml":
                urls = "".join(f"<url><loc>{base}/tin/{s}.html</loc></url>" for s in state.pages)
                urls += f"<url><loc>{base}/noi-bo/mat.html</loc></url>"
                return self._send(200, f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>',
                                  "application/xml")
            slug = self.path.removeprefix("/tin/").removesuffix(".html")
            if slug in state.pages:
                title, body = state.pages[slug]
                return self._send(200, ARTICLE.format(title=title, body=body), "text/html; charset=utf-8")
            return self._send(404, "không có", "text/plain")

        def _send(self, code: int, body: str, ctype: str, headers: dict[str, str] | None = None) -> None:
            data = body.encode("utf-8")
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_feed_is_polled_for_new_pages_only(portal, tmp_path: Path):
    state, base = portal
    state.publish("1", "Tỉnh đẩy mạnh dịch vụ công trực tuyến", "Tỷ lệ hồ sơ trực tuyến đạt 61%.")
    sources = Sources(tmp_path / "sources.sqlite")
    sources.add(f"{base}/rss.xml", parse_every("6h"))
    fetcher = Fetcher(delay_s=0, attempts=1)
    first = sources.poll(f"{base}/rss.xml", fetcher)
    assert first.status == "new" and [d.url for d in first.documents] == [f"{base}/tin/1.html"]
    assert first.documents[0].title.startswith("Tỉnh đẩy mạnh")
    again = sources.poll(f"{base}/rss.xml", fetcher)  # nothing published: the ETag answers
    assert again.status == "not modified" and again.documents == []
    assert state.requests[-1] == ("/rss.xml", '"v1"')
    state.publish("2", "Xã triển khai Bộ phận Một cửa", "Thời gian giải quyết giảm 30%.")
    third = sources.poll(f"{base}/rss.xml", fetcher)
    assert [d.url for d in third.documents] == [f"{base}/tin/2.html"]  # page 1 not fetched again
    assert sum(1 for p, _ in state.requests if p == "/tin/1.html") == 1
    [listed] = sources.list()
    assert listed["seen"] == 2 and listed["new_total"] == 2 and listed["every_s"] == 6 * 3600
    assert sources.due(now=listed["last_run"] + 3600) == [] and sources.due(now=listed["last_run"] + 7 * 3600)


def test_a_feed_items_date_title_and_name_describe_its_page(portal, tmp_path: Path):
    state, base = portal
    # Early morning in Hà Nội is the evening before in UTC: the portal's own day is kept.
    state.publish("3", "Phường rút ngắn thời gian cấp giấy phép", "Thời gian giải quyết còn 3 ngày.",
                  "Tue, 02 Dec 2025 06:30:00 +0700")
    sources = Sources(tmp_path / "sources.sqlite")
    sources.add(f"{base}/rss.xml", 3600)
    [doc] = sources.poll(f"{base}/rss.xml", Fetcher(delay_s=0, attempts=1)).documents
    assert (doc.published, doc.extra["published_from"]) == ("2025-12-02", "feed")
    assert doc.source == "Cổng" and doc.title.startswith("Phường rút ngắn")
    kind, items = items_in(
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/'
        b'sitemap-news/0.9"><url><loc>https://cong.example.vn/tin/9.html</loc><lastmod>2025-12-05</lastmod>'
        b"<news:news><news:publication_date>2025-11-30T08:00:00+07:00</news:publication_date>"
        b"<news:title>X\xc3\xa3 c\xc3\xb4ng b\xe1\xbb\x91 th\xe1\xbb\xa7 t\xe1\xbb\xa5c</news:title></news:news></url></urlset>"
    )
    assert kind == "sitemap" and (items[0].published, items[0].title, items[0].stamp) == (
        "2025-11-30", "Xã công bố thủ tục", "2025-12-05")


def test_a_sitemap_is_read_and_robots_txt_honoured(portal, tmp_path: Path):
    state, base = portal
    state.publish("a", "Kết quả cải cách hành chính quý III", "Chỉ số hài lòng đạt 92%.")
    sources = Sources(tmp_path / "sources.sqlite")
    sources.add(f"{base}/sitemap.xml", 86400)
    result = sources.poll(f"{base}/sitemap.xml", Fetcher(delay_s=0, attempts=1))
    assert [d.url for d in result.documents] == [f"{base}/tin/a.html"]
    assert any("robots.txt" in e for e in result.errors)  # /noi-bo/ is disallowed
    assert not any(p.startswith("/noi-bo/") for p, _ in state.requests)


def test_bad_lists_and_intervals_are_refused():
    with pytest.raises(ValueError, match="interval"):
        parse_every("mỗi ngày")
    with pytest.raises(ValueError, match="5 minutes"):
        parse_every("1m")
    from ingest.errors import LoadError

    with pytest.raises(LoadError):
        items_in(b"<html><body>not a feed</body></html>")


def test_cchc_sources_add_list_run_ingests_what_is_new(portal, tmp_path: Path):
    import json

    from typer.testing import CliRunner

    from assistant.cli import app

    state, base = portal
    state.publish("1", "Tỉnh công bố chỉ số cải cách hành chính", "Chỉ số đạt 88,5 điểm.")
    run = CliRunner()
    data = ["--data-dir", str(tmp_path / "d")]
    assert run.invoke(app, ["sources", "add", f"{base}/rss.xml", "--every", "1d", *data]).exit_code == 0
    first = run.invoke(app, ["sources", "run", "--delay", "0", *data])
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout.strip().splitlines()[-1])["added"] == 1
    state.publish("2", "Xã rút ngắn thời gian giải quyết hồ sơ", "Thời gian giảm 40%.")
    due = run.invoke(app, ["sources", "run", "--delay", "0", *data])  # polled today: not due
    assert json.loads(due.stdout.strip().splitlines()[-1])["added"] == 0
    forced = run.invoke(app, ["sources", "run", "--all", "--delay", "0", *data])
    assert json.loads(forced.stdout.strip().splitlines()[-1])["added"] == 1
    [listed] = [json.loads(line) for line in run.invoke(app, ["sources", "list", *data]).stdout.splitlines()]
    assert listed["new_total"] == 2 and listed["status"] == "new"
    bad = run.invoke(app, ["sources", "add", f"{base}/rss.xml", "--every", "soon", *data])
    assert bad.exit_code == 2 and "interval" in bad.output


def test_cchc_serve_polls_due_sources_and_reports_them(portal, sample_index: Path, tmp_path: Path):
    import time

    import httpx

    from ..conftest import ADMIN_KEY, admin_server

    state, base = portal
    state.publish("9", "Phường triển khai tiếp nhận hồ sơ không phụ thuộc địa giới", "Đã tiếp nhận 1.250 hồ sơ.")
    auth = {"Authorization": f"Bearer {ADMIN_KEY}"}
    with admin_server(sample_index, tmp_path, {"CCHC_SOURCES_TICK_S": "0.5"}) as server:
        assert httpx.get(f"{server}/v1/sources", headers=auth).json() == {"sources": [], "total": 0}
        # Added while it runs, as `cchc sources add` would: the scheduler picks it up.
        Sources(tmp_path / "index" / "sources.sqlite").add(f"{base}/rss.xml", 3600)
        deadline = time.time() + 60
        while time.time() < deadline:
            docs = httpx.get(f"{server}/v1/documents").json()["documents"]
            if any(d["url"] == f"{base}/tin/9.html" for d in docs):
                break
            time.sleep(0.5)
        else:
            raise AssertionError("the due source was not polled and ingested")
        [listed] = httpx.get(f"{server}/v1/sources", headers=auth).json()["sources"]
        assert listed["status"] == "new" and listed["seen"] == 1
        assert httpx.get(f"{server}/v1/sources").status_code == 401
        metrics = httpx.get(f"{server}/metrics").text
        assert 'cchc_source_polls_total{status="new"} 1.0' in metrics
