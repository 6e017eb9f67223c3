"""What a person can say about a file, and the one rule for document ids.

A file's title, source, URL and published date come, in this order of trust, from what the
person ingesting it said (CLI flags, form fields, or a sidecar ``FILE.meta.json``), from the
text's own header ("Hà Nội, ngày 02 tháng 12 năm 2025"), and from the file's properties.

Ids, the same for the CLI, the API and JSONL: an explicit id wins, else the canonical URL, else
the content hash of the original bytes. The same bytes are the same document wherever they come
from, and a different file never replaces another silently.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from assistant.inputs import InputError, check_doc_id, loads_json, parse_date
from ingest.errors import LoadError

SIDECAR_SUFFIX = ".meta.json"
MAX_SIDECAR_BYTES = 64 * 1024
# Parameters that say who sent a reader, not which page it is.
_TRACKING = re.compile(r"^(?:utm_\w+|fbclid|gclid|zarsrc|zaloid)$", re.IGNORECASE)


@dataclass
class FileMeta:
    """Metadata given with a file; None means 'not given', never 'empty'."""

    doc_id: str | None = None
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, obj: object, origin: str) -> FileMeta:
        """From a sidecar's or a form's fields; an impossible date or id is refused, not dropped."""
        if not isinstance(obj, dict):
            raise LoadError(f"{origin}: expected a JSON object of title, source, url, published, doc_id")
        known = {f.name for f in fields(cls)} - {"extra"}
        values: dict[str, Any] = {}
        for key in known:
            value = obj.get(key)
            if value in (None, ""):
                continue
            if not isinstance(value, str):
                raise LoadError(f"{origin}: {key!r} must be a string")
            values[key] = value.strip()
        try:
            if "published" in values:
                values["published"] = parse_date(values["published"])
            if "doc_id" in values:
                values["doc_id"] = check_doc_id(values["doc_id"])
        except InputError as exc:
            raise LoadError(f"{origin}: {exc}") from None
        if "url" in values and not re.match(r"^https?://", values["url"]):
            raise LoadError(f"{origin}: 'url' must be an http(s) URL")
        extra = {k: v for k, v in obj.items() if k not in known and k not in ("text", "extra")}
        return cls(**values, extra=extra)

    def merged_over(self, other: FileMeta) -> FileMeta:
        """This metadata where given, ``other`` elsewhere (flags over a sidecar)."""
        out = FileMeta(**{f.name: getattr(self, f.name) or getattr(other, f.name) for f in fields(self)})
        out.extra = {**other.extra, **self.extra}
        return out


def read_sidecar(path: Path) -> FileMeta | None:
    """``FILE.meta.json`` beside ``FILE``, if there is one."""
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    if not sidecar.is_file():
        return None
    if sidecar.stat().st_size > MAX_SIDECAR_BYTES:
        raise LoadError(f"{sidecar}: larger than {MAX_SIDECAR_BYTES:,} bytes; a sidecar holds a few fields")
    try:
        return FileMeta.parse(loads_json(sidecar.read_bytes()), str(sidecar))
    except InputError as exc:
        raise LoadError(f"{sidecar}: {exc}") from None


def canonical_url(url: str) -> str:
    """One spelling of a page's address: lower-case scheme and host, no default port, no
    fragment, no tracking parameters, the rest of the query sorted, no trailing slash."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.port and not (parts.scheme == "http" and parts.port == 80 or parts.scheme == "https" and parts.port == 443):
        host = f"{host}:{parts.port}"
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if not _TRACKING.match(k)))
    path = parts.path.rstrip("/") or ""
    return urlunsplit((parts.scheme.lower(), host, path, query, ""))


def bytes_id(data: bytes) -> str:
    return "file-" + hashlib.sha256(data).hexdigest()[:20]


def url_id(url: str) -> str:
    return "url-" + hashlib.sha256(canonical_url(url).encode("utf-8")).hexdigest()[:20]


def document_id(data: bytes, explicit: str | None = None, url: str | None = None) -> str:
    """The one id rule: explicit, else the canonical URL, else the hash of the bytes."""
    if explicit:
        return explicit
    if url:
        return url_id(url)
    return bytes_id(data)


_PLACE_DATE = re.compile(
    r"(?:^|\n)[^\n,]{0,60},\s*ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+((?:19|20)\d{2})"
    r"|(?:^|\n)\W*ngày\s*:?\s*(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*((?:19|20)\d{2})",
    re.IGNORECASE,
)
HEADER_CHARS = 2500  # the header of a decision or a report; dates further on are dates it cites


def text_date(text: str) -> str | None:
    """The date a document gives itself near its top: "Hà Nội, ngày 02 tháng 12 năm 2025" (a
    place, a comma, the date: how Vietnamese official papers are dated) or a line "Ngày 10/10/2025".
    Dates inside sentences ("Căn cứ Nghị định … ngày 02/3/2025") are what it cites, not its own."""
    head = re.sub(r"[*_]+", "", text[:HEADER_CHARS])  # Markdown emphasis of converted pages
    head = re.sub(r"[ \t]*\n[ \t]*(?=tháng|năm)", " ", head)  # "ngày 02\ntháng 12 năm 2025"
    m = _PLACE_DATE.search(head)
    if not m:
        return None
    d, mo, y = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(4), m.group(5), m.group(6))
    try:
        return parse_date(f"{int(y):04d}-{int(mo):02d}-{int(d):02d}")
    except InputError:
        return None
