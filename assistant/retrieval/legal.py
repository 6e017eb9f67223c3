"""Filters on a legal document's header: its kind, number/symbol, issuer, dates of issue and effect.

Ingest reads these from the header into each document's metadata (ingest/legal.py:
``doc_kind``, ``doc_number``, ``issuer``, ``issued``, ``effective``). A filter on any of them
keeps the documents whose header matches; one without the field (news, reports) never matches.
Values are matched the way people type them: a kind by its Vietnamese name with or without
diacritics, or in English ("decision"); a number whatever its case and "Đ"/"D" ("1891/qd-ttg");
an issuer by any part of its name ("Bộ Nội vụ", "UBND tỉnh Phú Thọ"). A kind not in the list,
a number or issuer that no indexed document has, and a range that ends before it starts are
refused with a message that names the value (``FilterValueError``), not answered from nothing.

The documents' header fields are read once per registry generation (a few hundred legal
documents among thousands of news items cost one pass over the registry, then nothing).
"""

from __future__ import annotations

import re
import threading
import weakref
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

from assistant.index.structure import LEGAL_KINDS
from assistant.index.textnorm import fold_accents

if TYPE_CHECKING:
    from assistant.index.store import IndexStore
    from assistant.retrieval.types import Filters

FIELDS = ("doc_kind", "doc_number", "issuer")
KINDS = LEGAL_KINDS
_ENGLISH_KINDS = {
    "decision": "Quyết định", "decree": "Nghị định", "circular": "Thông tư", "resolution": "Nghị quyết",
    "directive": "Chỉ thị", "law": "Luật", "ordinance": "Pháp lệnh", "order": "Lệnh",
}
# How issuers are abbreviated in questions and titles.
_ISSUER_ABBREVIATIONS = {"ubnd": "uy ban nhan dan", "hdnd": "hoi dong nhan dan", "ttg": "thu tuong chinh phu"}
_MESSAGES = {
    "doc_kind": ("không có loại văn bản «{value}» (chọn một trong: {known})",
                 "there is no document kind «{value}» (pick one of: {known})"),
    "doc_number": ("kho không có văn bản số «{value}»", "no indexed document has the number «{value}»"),
    "issuer": ("kho không có văn bản của «{value}»{known_vi}", "no indexed document was issued by «{value}»{known_en}"),
    "range": ("«{field}»: ngày bắt đầu {since} sau ngày kết thúc {until}",
              "«{field}»: the start {since} is after the end {until}"),
}


class FilterValueError(ValueError):
    """A filter value that matches nothing by construction; ``str()`` is bilingual (CLI, MCP,
    the OpenAI-compatible API), the HTTP API renders ``key`` in the asker's language."""

    def __init__(self, key: str, field: str, value: str, known: list[str] | None = None, **extra: str) -> None:
        self.key, self.field, self.value, self.known, self.extra = key, field, value, known or [], extra
        super().__init__(" / ".join(self.message(lang) for lang in ("vi", "en")))

    def message(self, lang: str) -> str:
        vi, en = _MESSAGES[self.key]
        known = ", ".join(self.known)
        return (en if lang == "en" else vi).format(
            value=self.value, field=self.field, known=known,
            known_vi=f" (có: {known})" if known else "", known_en=f" (indexed: {known})" if known else "",
            **self.extra,
        )


def canonical_kind(value: str) -> str:
    """"quyet dinh", "QUYẾT ĐỊNH", "decision" -> "Quyết định"; a kind not in the list raises."""
    folded = " ".join(fold_accents(value).split())
    for kind in KINDS:
        if folded in (fold_accents(kind), fold_accents(kind) + " lien tich"):
            return kind
    if folded in _ENGLISH_KINDS:
        return _ENGLISH_KINDS[folded]
    raise FilterValueError("doc_kind", "doc_kind", value[:80], list(KINDS))


def _number_key(value: str) -> str:
    return re.sub(r"\s+", "", fold_accents(value))


def _issuer_key(value: str) -> str:
    words = re.sub(r"[^\w]+", " ", fold_accents(value)).split()
    return " ".join(_ISSUER_ABBREVIATIONS.get(w, w) for w in words)


@dataclass(frozen=True)
class _Header:
    doc_id: str
    kind: str | None
    number: str | None
    issuer: str | None
    issued: str | None
    effective: str | None


_cache: weakref.WeakKeyDictionary[IndexStore, tuple[str, list[_Header]]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _headers(store: IndexStore) -> list[_Header]:
    """Every document's header fields (only documents that have one), cached per generation."""
    generation = store.registry_generation()
    with _lock:
        held = _cache.get(store)
        if held is not None and held[0] == generation:
            return held[1]
    rows = [_Header(*r) for r in store.document_fields(("doc_kind", "doc_number", "issuer", "issued", "effective"))]
    with _lock:
        _cache[store] = (generation, rows)
    return rows


def _in_range(day: str | None, since: date | None, until: date | None) -> bool:
    if since is None and until is None:
        return True
    if not day:
        return False
    return (since is None or day[:10] >= since.isoformat()) and (until is None or day[:10] <= until.isoformat())


def is_legal_filter(filters: Filters) -> bool:
    return any(getattr(filters, f) for f in (*FIELDS, "issued_since", "issued_until", "effective_since", "effective_until"))


def checked(store: IndexStore, filters: Filters) -> Filters:
    """The filters with their legal values made canonical; a value that can match nothing raises
    ``FilterValueError`` (before any retrieval, so an API caller gets a 4xx, not an empty answer)."""
    if not is_legal_filter(filters):
        return filters
    for name in ("issued", "effective"):
        since, until = getattr(filters, f"{name}_since"), getattr(filters, f"{name}_until")
        if since and until and since > until:
            raise FilterValueError("range", name, "", since=since.isoformat(), until=until.isoformat())
    kind = canonical_kind(filters.doc_kind) if filters.doc_kind else None
    headers = _headers(store)
    if filters.doc_number:
        key = _number_key(filters.doc_number)
        if not any(h.number and _number_matches(key, h.number) for h in headers):
            raise FilterValueError("doc_number", "doc_number", filters.doc_number[:80])
    if filters.issuer:
        key = _issuer_key(filters.issuer)
        if not key or not any(h.issuer and key in _issuer_key(h.issuer) for h in headers):
            known = sorted({h.issuer for h in headers if h.issuer}, key=lambda s: fold_accents(s))[:8]
            raise FilterValueError("issuer", "issuer", filters.issuer[:80], known)
    return replace(filters, doc_kind=kind)


def _number_matches(key: str, number: str) -> bool:
    """"1891/qd-ttg" matches that symbol; a bare "1891" matches any symbol with that number."""
    stored = _number_key(number)
    return stored == key if "/" in key else stored.split("/", 1)[0] == key


def matching_documents(store: IndexStore, filters: Filters) -> set[str] | None:
    """The doc_ids whose header passes every legal filter; None when no legal filter is set."""
    if not is_legal_filter(filters):
        return None
    kind = fold_accents(canonical_kind(filters.doc_kind)) if filters.doc_kind else None
    number = _number_key(filters.doc_number) if filters.doc_number else None
    issuer = _issuer_key(filters.issuer) if filters.issuer else None
    out: set[str] = set()
    for h in _headers(store):
        if kind and not (h.kind and fold_accents(h.kind).startswith(kind)):
            continue
        if number and not (h.number and _number_matches(number, h.number)):
            continue
        if issuer and not (h.issuer and issuer in _issuer_key(h.issuer)):
            continue
        if not _in_range(h.issued, filters.issued_since, filters.issued_until):
            continue
        if not _in_range(h.effective, filters.effective_since, filters.effective_until):
            continue
        out.add(h.doc_id)
    return out
