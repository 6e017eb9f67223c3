"""Fetching pages for `cchc ingest --urls FILE`: a separate, optional step.

Polite by default: robots.txt is honoured, requests to one host are spaced out, the
User-Agent names the tool; transient failures (timeouts, 429, 5xx) are retried with
exponential backoff (tenacity). Pages can be saved (`--save DIR`) so later ingests and tests
run offline from the saved files.
"""

from __future__ import annotations

import hashlib
import re
import time
import urllib.robotparser
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

from ingest.errors import LoadError
from ingest.loaders import SourceDocument, load_bytes

USER_AGENT = "cchc-assistant/0.1 (+https://github.com/cchc-assistant; document ingestion)"


class _Transient(Exception):
    pass


def read_url_list(path: Path) -> list[str]:
    urls = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            urls.append(line)
    return urls


def _saved_name(url: str) -> str:
    parts = urlsplit(url)
    stem = re.sub(r"[^\w-]+", "-", f"{parts.netloc}{parts.path}").strip("-")[:80]
    return f"{stem}-{hashlib.sha1(url.encode()).hexdigest()[:8]}.html"


class Fetcher:
    def __init__(self, delay_s: float = 1.0, timeout_s: float = 20.0, attempts: int = 3) -> None:
        self.delay_s = delay_s
        self._client = httpx.Client(timeout=timeout_s, follow_redirects=True, headers={"User-Agent": USER_AGENT})
        self._last: dict[str, float] = {}
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}
        self._get = retry(
            retry=retry_if_exception(lambda e: isinstance(e, _Transient | httpx.TransportError)),
            stop=stop_after_attempt(attempts),
            wait=wait_exponential(multiplier=0.5, max=8),
            reraise=True,
        )(self._get_once)

    def _allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        base = f"{parts.scheme}://{parts.netloc}"
        if base not in self._robots:
            parser: urllib.robotparser.RobotFileParser | None = urllib.robotparser.RobotFileParser()
            try:
                r = self._client.get(f"{base}/robots.txt")
                assert parser is not None
                parser.parse(r.text.splitlines() if r.status_code == 200 else [])
            except httpx.HTTPError:
                parser = None  # unreachable robots.txt: the page request will tell
            self._robots[base] = parser
        robots = self._robots[base]
        return robots is None or robots.can_fetch(USER_AGENT, url)

    def _get_once(self, url: str, headers: dict[str, str] | None = None) -> httpx.Response:
        host = urlsplit(url).netloc
        wait = self._last.get(host, 0) + self.delay_s - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._last[host] = time.monotonic()
        r = self._client.get(url, headers=headers or None)
        if r.status_code == 429 or r.status_code >= 500:
            raise _Transient(f"HTTP {r.status_code}")
        return r

    def get(self, url: str, headers: dict[str, str]) -> httpx.Response:
        """One polite request (robots.txt, spacing, retries) with conditional headers: a feed's
        or sitemap's list (ingest/sources.py). Failures are a LoadError."""
        if not re.match(r"^https?://", url):
            raise LoadError(f"{url}: not an http(s) URL")
        if not self._allowed(url):
            raise LoadError(f"{url}: disallowed by the site's robots.txt")
        try:
            return self._get(url, headers)
        except (httpx.HTTPError, _Transient) as exc:
            raise LoadError(f"{url}: fetch failed ({exc})") from exc

    def fetch(self, urls: list[str], save_dir: Path | None = None) -> Iterator[SourceDocument | LoadError]:
        for url in urls:
            if not re.match(r"^https?://", url):
                yield LoadError(f"{url}: not an http(s) URL")
                continue
            if not self._allowed(url):
                yield LoadError(f"{url}: disallowed by the site's robots.txt")
                continue
            try:
                r = self._get(url)
            except (httpx.HTTPError, _Transient) as exc:
                yield LoadError(f"{url}: fetch failed ({exc})")
                continue
            if r.status_code != 200:
                yield LoadError(f"{url}: HTTP {r.status_code}")
                continue
            data = r.content
            declared = (r.charset_encoding or "utf-8").lower().replace("_", "-")
            if declared not in ("utf-8", "utf8"):
                data = r.text.encode("utf-8")  # the server declared its charset: convert, do not guess
            if save_dir is not None:
                save_dir.mkdir(parents=True, exist_ok=True)
                (save_dir / _saved_name(url)).write_bytes(data)
            for item in load_bytes(data, _saved_name(url), key=url):
                if isinstance(item, SourceDocument):
                    item.url = item.url or url
                    item.origin = url
                yield item
