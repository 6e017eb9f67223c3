"""Loading source files into documents: JSONL/JSON (the corpus format), TXT/MD, HTML, PDF, DOCX,
and scanned pages as images (PNG/JPEG/TIFF, read by OCR: ingest/ocr.py).

Each loader yields :class:`SourceDocument` or raises :class:`LoadError` with a message a
person can act on; one bad file or line never stops the others. A single-document file's id
and metadata follow ingest/metadata.py: what the person said (flags, form fields, a sidecar
``FILE.meta.json``) wins, then the text's own date, then the file's properties.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from assistant.index.textnorm import clean_document_text
from assistant.inputs import InputError, check_doc_id, loads_json, parse_date
from ingest.errors import LoadError
from ingest.formats import PAGE_STARTS, Extracted, docx_text, pdf_text
from ingest.legal import legal_title
from ingest.metadata import SIDECAR_SUFFIX, FileMeta, document_id, read_sidecar, text_date
from ingest.ocr import IMAGE_SUFFIXES, ocr_image
from ingest.screening import instructions_to_ai, split_hidden_html

if TYPE_CHECKING:
    from trafilatura.settings import Document

SUPPORTED = {".jsonl", ".json", ".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"} | IMAGE_SUFFIXES
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


def file_doc_id(key: str, name: str, data: bytes | None = None) -> str:
    """The id of a single-document file (ingest/metadata.py's rule): a URL key gives the
    canonical URL's id, anything else the hash of the bytes (``key`` is then unused: the same
    bytes are the same document from the CLI, the API or a fetch). Without the bytes (callers
    of the old signature) the key's digest, as before."""
    if key.startswith(("http://", "https://")):
        return document_id(b"", url=key)
    if data is not None:
        return document_id(data)
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
    # A Document (not a dict: as_dict stays False), or None when nothing was found.
    extracted = cast("Document | None", trafilatura.bare_extraction(html, with_metadata=True, favor_recall=True))
    body = getattr(extracted, "text", None) if extracted is not None else None
    if extracted is None or not body or not body.strip():
        raise LoadError(f"{origin}: no readable main text found in the HTML")
    # trafilatura separates blocks with one newline; our chunker reads blank lines as
    # paragraph breaks.
    text = re.sub(r"\n+", "\n\n", body)
    # ...but a <table>'s rows ("| a | b |", one a line) stay one block, so each row keeps its
    # header row (assistant/index/tables.py reads a table as consecutive lines).
    text = clean_document_text(re.sub(r"(?m)^(\|[^\n]*\|)[ \t]*\n\n(?=\|)", r"\1\n", text))
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


def _dated(doc: SourceDocument, created: str | None) -> SourceDocument:
    """A file's date where its source gave none: the text's own ("Hà Nội, ngày …"), else its
    properties'; where it came from is kept beside it."""
    if doc.published:
        return doc
    if found := text_date(doc.text):
        doc.published, doc.extra["published_from"] = found, "text"
    elif created:
        doc.published, doc.extra["published_from"] = created, "file properties"
    return doc


def _file_document(extracted: Extracted, doc_id: str, name: str) -> SourceDocument:
    text = clean_document_text(extracted.text)
    title = clean_document_text(extracted.title or _title_from(text, Path(name).stem))
    extra = dict(extracted.extra)
    if text != extracted.text:  # page offsets index the extracted text: only kept when it is the stored one
        extra.pop(PAGE_STARTS, None)
    return _dated(SourceDocument(doc_id, title, text, extra=extra, origin=name), extracted.created)


# Titles a file's properties carry that say nothing about it: a browser's print of a blank tab,
# a template's placeholder, Word's "Microsoft Word - name.docx".
_EMPTY_TITLE = re.compile(r"^(?:about:blank|untitled|không tiêu đề|microsoft word - .*|document\d*)$", re.IGNORECASE)


def _weak_title(title: str, name: str) -> bool:
    """A title that is only the file's name, a placeholder, or a header line in capitals
    ("ỦY BAN NHÂN DÂN TỈNH …", the first line of a decision)."""
    t = title.strip()
    return not t or t == Path(name).stem or bool(_EMPTY_TITLE.match(t)) or (t.upper() == t and any(c.isalpha() for c in t))


def _apply(doc: SourceDocument, meta: FileMeta | None, name: str, single: bool, fetched: bool = False) -> SourceDocument:
    if single:
        doc.extra.setdefault("file_name", Path(name).name)
        # A decision scanned or saved without a title is titled as it titles itself; an uploaded
        # file is cited by its name rather than an internal id when it names no source.
        if _weak_title(doc.title, name) and (own := legal_title(doc.text)):
            doc.title = own
        elif _EMPTY_TITLE.match(doc.title.strip()):
            doc.title = _title_from(doc.text, Path(name).stem)
        if not doc.source and not doc.url and not fetched:  # a fetched page's name is made from its URL
            doc.source = Path(name).name
    if meta is None:
        return doc
    doc.title = clean_document_text(meta.title) if meta.title else doc.title
    doc.source = meta.source or doc.source
    doc.url = meta.url or doc.url
    if meta.published:
        doc.published = meta.published
        doc.extra.pop("published_from", None)
    doc.extra.update(meta.extra)
    return doc


def load_bytes(
    data: bytes, name: str, key: str | None = None, meta: FileMeta | None = None,
    ocr: bool = True, ocr_timeout_s: float = 60.0,
) -> Iterator[SourceDocument | LoadError]:
    """Documents in one file's bytes; the format is chosen by the file name's suffix.
    ``key``: a URL the file was fetched from (its id is then the canonical URL's); ``meta``:
    what the person ingesting it said (id, title, source, url, published)."""
    suffix = Path(name).suffix.lower()
    url_key = key if key and key.startswith(("http://", "https://")) else None
    doc_id = document_id(data, meta.doc_id if meta else None, (meta.url if meta else None) or url_key)
    single = suffix not in (".jsonl", ".json")
    try:
        if not single:
            if meta is not None and (meta.doc_id or meta.title or meta.url):
                raise LoadError(f"{name}: a JSONL/JSON file holds many documents: give their id, title "
                                "and url in the records, not as flags or a sidecar")
            yield from load_records(decode_bytes(data, name), name, suffix == ".json")
            return
        if suffix in (".html", ".htm"):
            doc = _html_document(data, name, doc_id, name)
            doc = _dated(doc, None)
        elif suffix == ".pdf":
            doc = _file_document(pdf_text(data, name, ocr=ocr, ocr_timeout_s=ocr_timeout_s), doc_id, name)
        elif suffix == ".docx":
            doc = _file_document(docx_text(data, name), doc_id, name)
        elif suffix in IMAGE_SUFFIXES:
            if not ocr:
                raise LoadError(f"{name}: an image is read by OCR, which is turned off")
            read = ocr_image(data, name, ocr_timeout_s)
            # A page number is worth citing in a multi-page scan (TIFF), not in a single photo.
            pages = {PAGE_STARTS: read.page_starts} if read.pages > 1 else {}
            doc = _file_document(Extracted(read.text, None, None, {**read.metadata(), **pages}), doc_id, name)
        elif suffix in (".txt", ".md", ".markdown"):
            text = clean_document_text(decode_bytes(data, name))
            if not text:
                raise LoadError(f"{name}: empty file")
            doc = _dated(SourceDocument(doc_id, _title_from(text, Path(name).stem), text, origin=name), None)
        else:
            raise LoadError(f"{name}: unsupported file type {suffix!r} (supported: {', '.join(sorted(SUPPORTED))})")
        yield _apply(doc, meta, name, single, fetched=url_key is not None)
    except LoadError as exc:
        yield exc


# A folder's own notes (its README, the attribution of its sources, its licence) describe the
# documents, they are not one: indexed, "SOURCES.md" repeats every title and wins keyword search
# for title-like questions. Named explicitly, such a file is still ingested.
_FOLDER_NOTES = re.compile(r"(?i)^(?:readme|sources|license|licence|changelog|contributing)(?:\.[a-z]+)?$")


def iter_paths(paths: list[Path]) -> Iterator[Path | LoadError]:
    for root in paths:
        if not root.exists():
            yield LoadError(f"{root}: no such file or directory")
        elif root.is_dir():
            for p in sorted(root.rglob("*")):
                if (p.is_file() and p.suffix.lower() in SUPPORTED and not p.name.startswith(".")
                        and not p.name.endswith(SIDECAR_SUFFIX) and not _FOLDER_NOTES.match(p.name)):
                    yield p
        elif root.suffix.lower() in SUPPORTED:
            yield root
        else:
            yield LoadError(
                f"{root}: unsupported file type {root.suffix!r} (supported: {', '.join(sorted(SUPPORTED))})"
            )


def load_paths(paths: list[Path], meta: FileMeta | None = None, ocr: bool = True) -> Iterator[SourceDocument | LoadError]:
    """Every document under ``paths``; failures are yielded as :class:`LoadError`. Each file's
    sidecar ``FILE.meta.json`` applies to it; ``meta`` (the CLI's flags) over that."""
    for item in iter_paths(paths):
        if isinstance(item, LoadError):
            yield item
            continue
        try:
            data = item.read_bytes()
            sidecar = read_sidecar(item)
        except OSError as exc:
            yield LoadError(f"{item}: cannot read ({exc.strerror or exc})")
            continue
        except LoadError as exc:
            yield exc
            continue
        given = meta.merged_over(sidecar) if meta and sidecar else (meta or sidecar)
        yield from load_bytes(data, str(item), meta=given, ocr=ocr)
