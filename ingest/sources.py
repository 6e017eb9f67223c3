"""Portals that publish every day: RSS/Atom feeds and sitemaps polled for new pages.

A source is a feed or sitemap URL and how often to poll it. A poll asks for the list with the
ETag and Last-Modified of the previous answer (a 304 costs nothing), and fetches only the pages
it has not seen; a page seen before is fetched again only when the list says it changed
(its date moved), and ingested only when its text hash changed. Fetching goes through
ingest/fetch.py's Fetcher: robots.txt, spacing per host, retries. State lives in SQLite in
the data dir, so the CLI (`cchc sources …`) and a server's scheduler share it.
"""

from __future__ import annotations

import builtins
import hashlib
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from prometheus_client import Counter

from assistant.databases import open_sqlite
from ingest.errors import LoadError
from ingest.fetch import Fetcher
from ingest.loaders import SourceDocument

_EVERY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([mhd])\s*$", re.IGNORECASE)
MAX_ITEMS_PER_POLL = 200  # a sitemap of a whole portal is read a page of news at a time
MAX_LIST_BYTES = 10 * 1024 * 1024


def parse_every(value: str) -> int:
    """'30m', '6h', '1d' as seconds; at least 5 minutes (a portal is not a chat)."""
    m = _EVERY.match(value or "")
    if not m:
        raise ValueError(f"not an interval: {value!r} (write e.g. 30m, 6h, 1d)")
    seconds = int(float(m.group(1)) * {"m": 60, "h": 3600, "d": 86400}[m.group(2).lower()])
    if seconds < 300:
        raise ValueError(f"interval {value!r} is under 5 minutes")
    return seconds


@dataclass
class Item:
    url: str
    stamp: str = ""  # the list's date for it (a feed entry's updated, a sitemap's lastmod)
    # What the portal's own list says of the page: its publication date (a feed entry's pubDate
    # or published, a news sitemap's publication_date), its title, the feed's name.
    published: str | None = None
    title: str = ""
    source: str = ""


def _list_date(raw: object) -> str | None:
    """A feed's or sitemap's date as the portal's own calendar day: RFC 822 ("Tue, 02 Dec 2025
    06:00:00 +0700") or ISO 8601, read in the offset it is written in (feedparser's parsed form
    is UTC, which moves an early-morning Vietnamese date to the day before)."""
    text = str(raw or "").strip()
    if not text:
        return None
    try:
        day = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        try:
            day = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
    return day.date().isoformat() if 1990 <= day.year <= 2100 else None


def items_in(data: bytes) -> tuple[str, list[Item]]:
    """('feed'|'sitemap'|'sitemapindex', items) of a list's bytes."""
    head = data[:2000].lstrip().lower()
    if b"<urlset" in head or b"<sitemapindex" in head:
        try:
            root = ElementTree.fromstring(data)
        except ElementTree.ParseError as exc:
            raise LoadError(f"not a readable sitemap ({exc})") from exc
        kind = "sitemapindex" if root.tag.endswith("sitemapindex") else "sitemap"
        out = []
        for node in root:
            loc = next((c.text for c in node if c.tag.endswith("loc")), None)
            lastmod = next((c.text for c in node if c.tag.endswith("lastmod")), None) or ""
            # A news sitemap (Google's news: extension) dates and titles its pages; lastmod is
            # when a page last changed, not when it was published.
            news = {c.tag.rsplit("}", 1)[-1]: (c.text or "").strip() for c in node.iter() if "news" in c.tag}
            if loc and loc.strip().startswith(("http://", "https://")):
                out.append(Item(loc.strip(), lastmod.strip(), _list_date(news.get("publication_date")),
                                news.get("title", "")))
        return kind, out
    import feedparser

    feed = feedparser.parse(data)
    if not feed.entries and not feed.get("version"):  # feedparser reads any page; a feed names its version
        raise LoadError("neither an RSS/Atom feed nor a sitemap")
    name = " ".join(str(feed.feed.get("title") or "").split())
    return "feed", [
        Item(e.link, str(e.get("updated") or e.get("published") or ""), _list_date(e.get("published") or e.get("updated")),
             " ".join(str(e.get("title") or "").split()), name)
        for e in feed.entries if str(e.get("link", "")).startswith(("http://", "https://"))
    ]


@dataclass
class PollResult:
    source: str
    status: str  # 'new', 'not modified', 'unchanged', 'error'
    documents: list[SourceDocument]
    errors: list[str]
    seen: int = 0


class Sources:
    def __init__(self, db_path: Path) -> None:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        self._db = open_sqlite(db_path, timeout=30)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS sources (url TEXT PRIMARY KEY, every_s INTEGER, added_at REAL,"
            " last_run REAL, etag TEXT, last_modified TEXT, status TEXT, new_total INTEGER DEFAULT 0)"
        )
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS seen (source TEXT, url TEXT, stamp TEXT, hash TEXT, PRIMARY KEY (source, url))"
        )

    def add(self, url: str, every_s: int) -> None:
        if not re.match(r"^https?://", url):
            raise ValueError(f"not an http(s) URL: {url!r}")
        self._db.execute(
            "INSERT INTO sources (url, every_s, added_at) VALUES (?, ?, ?)"
            " ON CONFLICT(url) DO UPDATE SET every_s = excluded.every_s",
            (url, every_s, time.time()),
        )

    def remove(self, url: str) -> bool:
        self._db.execute("DELETE FROM seen WHERE source = ?", (url,))
        return self._db.execute("DELETE FROM sources WHERE url = ?", (url,)).rowcount > 0

    def list(self) -> builtins.list[dict[str, Any]]:
        cols = ["url", "every_s", "added_at", "last_run", "status", "new_total"]
        rows = self._db.execute(f"SELECT {', '.join(cols)}, (SELECT COUNT(*) FROM seen WHERE seen.source = sources.url)"
                                " FROM sources ORDER BY added_at").fetchall()
        out = []
        for r in rows:
            d = dict(zip(cols, r))
            d["seen"] = r[-1]
            d["next_due"] = (d["last_run"] or 0) + d["every_s"]
            out.append(d)
        return out

    def due(self, now: float | None = None) -> builtins.list[str]:
        now = time.time() if now is None else now
        return [s["url"] for s in self.list() if s["next_due"] <= now]

    def poll(self, url: str, fetcher: Fetcher) -> PollResult:
        """New or changed pages of one source, as documents (not yet ingested)."""
        row = self._db.execute("SELECT etag, last_modified FROM sources WHERE url = ?", (url,)).fetchone()
        if row is None:
            raise KeyError(url)
        etag, modified = row
        headers = {k: v for k, v in (("If-None-Match", etag), ("If-Modified-Since", modified)) if v}
        try:
            r = fetcher.get(url, headers)
        except LoadError as exc:
            return self._done(url, PollResult(url, "error", [], [str(exc)]))
        if r.status_code == 304:
            return self._done(url, PollResult(url, "not modified", [], []))
        if r.status_code != 200 or len(r.content) > MAX_LIST_BYTES:
            return self._done(url, PollResult(url, "error", [], [f"{url}: HTTP {r.status_code}"]))
        try:
            kind, items = items_in(r.content)
        except LoadError as exc:
            return self._done(url, PollResult(url, "error", [], [f"{url}: {exc}"]))
        if kind == "sitemapindex":  # one level down: the index's own sitemaps
            nested: list[Item] = []
            for child in items[:20]:
                try:
                    nested.extend(items_in(fetcher.get(child.url, {}).content)[1])
                except LoadError:
                    continue
            items = nested
        seen = dict(self._db.execute("SELECT url, stamp FROM seen WHERE source = ?", (url,)).fetchall())
        todo = [i for i in items if i.url not in seen or (i.stamp and i.stamp != seen[i.url])][:MAX_ITEMS_PER_POLL]
        docs, errors = [], []
        for item in todo:
            for got in fetcher.fetch([item.url]):
                if isinstance(got, LoadError):
                    errors.append(str(got))
                    continue
                digest = hashlib.sha256(got.text.encode("utf-8")).hexdigest()
                old = self._db.execute("SELECT hash FROM seen WHERE source = ? AND url = ?", (url, item.url)).fetchone()
                self._db.execute("INSERT OR REPLACE INTO seen (source, url, stamp, hash) VALUES (?, ?, ?, ?)",
                                 (url, item.url, item.stamp, digest))
                if old is None or old[0] != digest:
                    got.extra.setdefault("feed", url)
                    _describe(got, item)
                    docs.append(got)
        self._db.execute("UPDATE sources SET etag = ?, last_modified = ?, new_total = new_total + ? WHERE url = ?",
                         (r.headers.get("etag"), r.headers.get("last-modified"), len(docs), url))
        return self._done(url, PollResult(url, "new" if docs else "unchanged", docs, errors, len(items)))

    def _done(self, url: str, result: PollResult) -> PollResult:
        self._db.execute("UPDATE sources SET last_run = ?, status = ? WHERE url = ?", (time.time(), result.status, url))
        return result

    def close(self) -> None:
        self._db.close()


def _describe(doc: SourceDocument, item: Item) -> None:
    """What the portal's list says of a page over what extraction guessed: the list's date is the
    portal's own (a page's date is guessed from its text and layout), its title and name fill
    what the page lacks."""
    if item.published:
        doc.published = item.published
        doc.extra["published_from"] = "feed"
    if item.title and not doc.title.strip():
        doc.title = item.title
    if item.source and not doc.source:
        doc.source = item.source


POLLS = Counter("cchc_source_polls_total", "Polls of feeds and sitemaps", ["status"])
FOUND = Counter("cchc_source_documents_total", "New or changed pages found by polls")


class Scheduler:
    """Polls due sources inside `cchc serve` and hands what they found to the ingest jobs (one
    writer, like any upload). A thread: polls are network-bound and must not hold the event loop.
    The sources database is opened once `cchc sources add` has made it: a server with no sources
    writes nothing to its data dir (which may be read-only)."""

    def __init__(self, db_path: Path, submit: Callable[[list[SourceDocument], list[str]], object],
                 tick_s: float = 60.0, delay_s: float = 1.0) -> None:
        self.db_path, self.submit, self.tick_s = db_path, submit, tick_s
        self.fetcher = Fetcher(delay_s=delay_s)
        self._sources: Sources | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="sources", daemon=True)

    @property
    def sources(self) -> Sources | None:
        with self._lock:
            if self._sources is None and self.db_path.is_file():
                self._sources = Sources(self.db_path)
            return self._sources

    def list(self) -> builtins.list[dict[str, Any]]:
        sources = self.sources
        return sources.list() if sources is not None else []

    def start(self) -> None:
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.tick_s):
            self.run_due()

    def run_due(self) -> builtins.list[PollResult]:
        sources = self.sources
        results: list[PollResult] = []
        if sources is None:
            return results
        for url in sources.due():
            if self._stop.is_set():
                break
            try:
                result = sources.poll(url, self.fetcher)
            except Exception as exc:  # one source's bug must not stop the others, nor the server
                result = sources._done(url, PollResult(url, "error", [], [f"{url}: {type(exc).__name__}"]))
            POLLS.labels(result.status).inc()
            FOUND.inc(len(result.documents))
            if result.documents:
                self.submit(result.documents, result.errors)
            results.append(result)
        return results

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)
        with self._lock:
            if self._sources is not None:
                self._sources.close()
