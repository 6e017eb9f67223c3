"""Loading source files into documents: JSONL (the corpus format), TXT/MD and HTML.

Each loader yields :class:`SourceDocument` or raises :class:`LoadError` with a message a
person can act on; one bad file or line never stops the others.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.index.textnorm import clean_document_text

SUPPORTED = {".jsonl", ".json", ".txt", ".md", ".markdown", ".html", ".htm"}
_KNOWN_FIELDS = {"doc_id", "title", "text", "url", "published", "source"}


class LoadError(ValueError):
    """A file (or one record of it) that cannot be ingested, and why."""


@dataclass
class SourceDocument:
    doc_id: str
    title: str
    text: str
    url: str | None = None
    published: str | None = None
    source: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    origin: str = ""  # where it came from, for error messages

    def content_hash(self) -> str:
        payload = json.dumps(
            [self.title, self.text, self.url, self.published, self.source, self.extra],
            ensure_ascii=False,
            sort_keys=True,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def decode_bytes(data: bytes, origin: str) -> str:
    """UTF-8 (with or without BOM) or UTF-16 with BOM; anything else is reported, not guessed.

    Guessing a legacy Vietnamese encoding (TCVN3, VNI, Windows-1258) silently turns every
    diacritic into noise, and a wrong figure is worse than a refused file.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(
            f"{origin}: not valid UTF-8 (byte {exc.start}). Legacy Vietnamese encodings "
            "(Windows-1258, TCVN3, VNI) must be converted to UTF-8 first, e.g. "
            "`iconv -f CP1258 -t UTF-8`."
        ) from exc


def _published(value: Any) -> str | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", text)
    if m:
        return m.group(0)
    m = re.match(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    if m:
        return f"{m.group(3)}-{int(m.group(2)):02d}-{int(m.group(1)):02d}"
    return None


def record_to_document(obj: Any, origin: str) -> SourceDocument:
    if not isinstance(obj, dict):
        raise LoadError(f"{origin}: expected a JSON object")
    doc_id = str(obj.get("doc_id") or "").strip()
    text = obj.get("text")
    if not doc_id:
        raise LoadError(f"{origin}: missing 'doc_id'")
    if not isinstance(text, str) or not text.strip():
        raise LoadError(f"{origin}: document {doc_id!r} has no 'text'")
    published = _published(obj.get("published"))
    if obj.get("published") and published is None:
        raise LoadError(f"{origin}: 'published' of {doc_id!r} is not an ISO date: {obj['published']!r}")
    return SourceDocument(
        doc_id=doc_id,
        title=clean_document_text(str(obj.get("title") or "")),
        text=clean_document_text(text),
        url=obj.get("url") or None,
        published=published,
        source=obj.get("source") or None,
        extra={k: v for k, v in obj.items() if k not in _KNOWN_FIELDS},
        origin=origin,
    )


def load_jsonl(path: Path) -> Iterator[SourceDocument | LoadError]:
    text = decode_bytes(path.read_bytes(), str(path))
    if path.suffix.lower() == ".json" and text.lstrip().startswith(("[", "{")):
        # A .json file holds one document or an array of them, not JSON lines.
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            yield LoadError(f"{path}: invalid JSON ({exc.msg} at line {exc.lineno})")
            return
        for i, obj in enumerate(data if isinstance(data, list) else [data]):
            try:
                yield record_to_document(obj, f"{path}[{i}]")
            except LoadError as exc:
                yield exc
        return
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        origin = f"{path}:{n}"
        try:
            yield record_to_document(json.loads(line), origin)
        except json.JSONDecodeError as exc:
            yield LoadError(f"{origin}: invalid JSON ({exc.msg})")
        except LoadError as exc:
            yield exc


def _file_doc_id(path: Path) -> str:
    digest = hashlib.sha1(str(path.resolve()).encode("utf-8")).hexdigest()[:10]
    stem = re.sub(r"[^\w-]+", "-", path.stem, flags=re.UNICODE).strip("-")[:60]
    return f"file-{stem}-{digest}"


def load_text(path: Path) -> SourceDocument:
    text = clean_document_text(decode_bytes(path.read_bytes(), str(path)))
    if not text:
        raise LoadError(f"{path}: empty file")
    first = text.split("\n", 1)[0].lstrip("# ").strip()
    title = first if len(first) <= 200 else path.stem
    return SourceDocument(_file_doc_id(path), title, text, origin=str(path))


def load_html(path: Path) -> SourceDocument:
    import trafilatura

    html = decode_bytes(path.read_bytes(), str(path))
    extracted = trafilatura.bare_extraction(html, with_metadata=True, favor_recall=True)
    body = getattr(extracted, "text", None) if extracted is not None else None
    if not body or not body.strip():
        raise LoadError(f"{path}: no readable main text found in the HTML")
    # trafilatura separates blocks with one newline; our chunker reads blank lines as
    # paragraph breaks.
    text = clean_document_text(re.sub(r"\n+", "\n\n", body))
    return SourceDocument(
        doc_id=_file_doc_id(path),
        title=clean_document_text(extracted.title or path.stem),
        text=text,
        url=extracted.url or None,
        published=_published(extracted.date),
        source=extracted.sitename or extracted.hostname or None,
        extra={"author": extracted.author} if extracted.author else {},
        origin=str(path),
    )


def iter_paths(paths: list[Path]) -> Iterator[Path | LoadError]:
    for root in paths:
        if not root.exists():
            yield LoadError(f"{root}: no such file or directory")
        elif root.is_dir():
            for p in sorted(root.rglob("*")):
                if p.is_file() and p.suffix.lower() in SUPPORTED and not p.name.startswith("."):
                    yield p
        elif root.suffix.lower() in SUPPORTED:
            yield root
        else:
            yield LoadError(
                f"{root}: unsupported file type {root.suffix!r} (supported: {', '.join(sorted(SUPPORTED))})"
            )


def load_paths(paths: list[Path]) -> Iterator[SourceDocument | LoadError]:
    """Every document under ``paths``; failures are yielded as :class:`LoadError`."""
    for item in iter_paths(paths):
        if isinstance(item, LoadError):
            yield item
            continue
        try:
            suffix = item.suffix.lower()
            if suffix in (".jsonl", ".json"):
                yield from load_jsonl(item)
            elif suffix in (".html", ".htm"):
                yield load_html(item)
            else:
                yield load_text(item)
        except LoadError as exc:
            yield exc
        except OSError as exc:
            yield LoadError(f"{item}: cannot read ({exc.strerror or exc})")
