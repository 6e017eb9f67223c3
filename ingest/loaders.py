"""Loading source files into documents: JSONL/JSON (the corpus format), TXT/MD, HTML, PDF, DOCX.

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
from assistant.inputs import InputError, check_doc_id, loads_json, parse_date
from ingest.errors import LoadError
from ingest.formats import docx_text, pdf_text
from ingest.screening import instructions_to_ai, split_hidden_html

SUPPORTED = {".jsonl", ".json", ".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"}
_KNOWN_FIELDS = {"doc_id", "title", "text", "url", "published", "source"}
# trafilatura holds ~100x the page in memory (a 20 MB page took 2.3 GB); real pages are < 2 MB.
MAX_HTML_BYTES = 4 * 1024 * 1024
MAX_HTML_ELEMENTS = 200_000  # real pages hold a few thousand tags; lxml and trafilatura hold each one
__all__ = ["LoadError", "SourceDocument", "load_bytes", "load_paths"]


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
    """The date of an extracted page, or None when it is absent or impossible."""
    try:
        return parse_date(value)
    except InputError:
        return None


def record_to_document(obj: Any, origin: str) -> SourceDocument:
    if not isinstance(obj, dict):
        raise LoadError(f"{origin}: expected a JSON object")
    try:
        doc_id = check_doc_id(obj.get("doc_id"))  # the one rule of the CLI, the API and the loaders
    except InputError as exc:
        raise LoadError(f"{origin}: {exc}") from None
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        raise LoadError(f"{origin}: document {doc_id!r} has no 'text'")
    try:
        published = parse_date(obj.get("published"))
    except InputError as exc:
        raise LoadError(f"{origin}: 'published' of {doc_id!r}: {exc}") from None
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


def load_records(text: str, origin: str, json_document: bool) -> Iterator[SourceDocument | LoadError]:
    if json_document and text.lstrip().startswith(("[", "{")):
        # A .json file holds one document or an array of them, not JSON lines.
        try:
            data = loads_json(text)  # strict: no NaN/Infinity, bounded depth (no RecursionError)
        except InputError as exc:
            yield LoadError(f"{origin}: {exc}")
            return
        for i, obj in enumerate(data if isinstance(data, list) else [data]):
            try:
                yield record_to_document(obj, f"{origin}[{i}]")
            except LoadError as exc:
                yield exc
        return
    # "\n" only: str.splitlines() also splits at U+2028 and U+0085, which JSON strings may hold raw.
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        where = f"{origin}:{n}"
        try:
            yield record_to_document(loads_json(line), where)
        except InputError as exc:
            yield LoadError(f"{where}: {exc}")
        except LoadError as exc:
            yield exc


def file_doc_id(key: str, name: str) -> str:
    """Stable id of a file: its name plus a digest of where it came from (its absolute path,
    or the upload name), so re-ingesting the same file replaces it."""
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:10]
    stem = re.sub(r"[^\w-]+", "-", Path(name).stem, flags=re.UNICODE).strip("-")[:60]
    return f"file-{stem}-{digest}"


def _title_from(text: str, fallback: str) -> str:
    first = text.split("\n", 1)[0].lstrip("# ").strip()
    return first if 0 < len(first) <= 200 else fallback


def _html_document(data: bytes, origin: str, doc_id: str, name: str) -> SourceDocument:
    import trafilatura

    if len(data) > MAX_HTML_BYTES:
        raise LoadError(f"{origin}: HTML page too large ({len(data):,} bytes, at most {MAX_HTML_BYTES:,}); "
                        "save its main text as .txt instead")
    html = decode_bytes(data, origin)
    if len(data) > 1024 and data.count(b"<") > MAX_HTML_ELEMENTS:
        raise LoadError(f"{origin}: refused: more than {MAX_HTML_ELEMENTS:,} tags (a parse budget); "
                        "save its main text as .txt instead")
    # What no reader of the page sees is not indexed; planted text hidden there is refused.
    html, hidden = split_hidden_html(html)
    if hidden and (planted := instructions_to_ai(hidden)):
        raise LoadError(f"{origin}: held back: hidden text in the page is addressed to an AI assistant "
                        f"({planted!r}); review it before ingesting")
    extracted = trafilatura.bare_extraction(html, with_metadata=True, favor_recall=True)
    body = getattr(extracted, "text", None) if extracted is not None else None
    if not body or not body.strip():
        raise LoadError(f"{origin}: no readable main text found in the HTML")
    # trafilatura separates blocks with one newline; our chunker reads blank lines as
    # paragraph breaks.
    text = clean_document_text(re.sub(r"\n+", "\n\n", body))
    return SourceDocument(
        doc_id=doc_id,
        title=clean_document_text(extracted.title or Path(name).stem),
        text=text,
        url=extracted.url or None,
        published=_published(extracted.date),
        source=extracted.sitename or extracted.hostname or None,
        extra={"author": extracted.author} if extracted.author else {},
        origin=origin,
    )


def load_bytes(data: bytes, name: str, key: str | None = None) -> Iterator[SourceDocument | LoadError]:
    """Documents in one file's bytes; the format is chosen by the file name's suffix.
    ``key`` identifies the file for its stable doc id (default: the name)."""
    suffix = Path(name).suffix.lower()
    doc_id = file_doc_id(key or name, name)
    try:
        if suffix in (".jsonl", ".json"):
            yield from load_records(decode_bytes(data, name), name, suffix == ".json")
        elif suffix in (".html", ".htm"):
            yield _html_document(data, name, doc_id, name)
        elif suffix in (".pdf", ".docx"):
            raw, title = (pdf_text if suffix == ".pdf" else docx_text)(data, name)
            text = clean_document_text(raw)
            yield SourceDocument(doc_id, clean_document_text(title or _title_from(text, Path(name).stem)), text, origin=name)
        elif suffix in (".txt", ".md", ".markdown"):
            text = clean_document_text(decode_bytes(data, name))
            if not text:
                raise LoadError(f"{name}: empty file")
            yield SourceDocument(doc_id, _title_from(text, Path(name).stem), text, origin=name)
        else:
            raise LoadError(f"{name}: unsupported file type {suffix!r} (supported: {', '.join(sorted(SUPPORTED))})")
    except LoadError as exc:
        yield exc


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
            data = item.read_bytes()
        except OSError as exc:
            yield LoadError(f"{item}: cannot read ({exc.strerror or exc})")
            continue
        yield from load_bytes(data, str(item), str(item.resolve()))
