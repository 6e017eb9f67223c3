"""One rule for each kind of untrusted input, shared by the CLI, the HTTP API, the channels and
the loaders: JSON text, document ids, dates, question text.

Every rule raises ``ValueError`` with a message a person can act on, so each caller turns it
into its own 4xx (API), exit code (CLI) or per-file error (ingest) without a 500 in between.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date
from typing import Any

import orjson

# Deeper than any real document or request: legitimate bodies nest 4-5 levels. A bound far
# below Python's recursion limit keeps every later walk (pydantic, json.dumps) safe.
MAX_JSON_DEPTH = 32
MAX_DOC_ID_CHARS = 200


class InputError(ValueError):
    """Input refused by one of the rules below."""


def _depth(value: Any, limit: int) -> None:
    # Iterative, so the check itself cannot hit the recursion limit.
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children: Iterable[Any]
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            raise InputError(f"JSON nested deeper than {limit} levels")
        stack.extend((c, depth + 1) for c in children)


def loads_json(data: bytes | str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Strict JSON: no NaN/Infinity, no number that overflows to infinity (1e400), no lone
    surrogates, at most ``max_depth`` levels. orjson refuses the first three and stops at
    1024 levels without recursing in Python; the depth bound is checked after."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise InputError(f"invalid JSON ({exc})") from None
    _depth(value, max_depth)
    return value


# Control (Cc), format (Cf: zero-width, bidi overrides, soft hyphen), separators other than the
# plain space, and the backslash. '/' is allowed: legal-document numbers such as "91/2015/QH13" are
# part of real ids (the ALQAC eval set), so routes take ids as paths instead (see api/routers).
_BAD_ID_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def check_doc_id(value: object) -> str:
    """The one rule for a document id: 1-200 characters, printable, no backslash, and as a
    '/'-separated path no empty, '.' or '..' segment (so /v1/documents/{id} addresses it)."""
    doc_id = str(value if value is not None else "").strip()
    if not doc_id:
        raise InputError("missing 'doc_id'")
    if len(doc_id) > MAX_DOC_ID_CHARS:
        raise InputError(f"'doc_id' is longer than {MAX_DOC_ID_CHARS} characters ({len(doc_id)})")
    bad = next((ch for ch in doc_id if unicodedata.category(ch) in _BAD_ID_CATEGORIES or ch == "\\"), None)
    if bad is not None:
        raise InputError(f"'doc_id' {doc_id!r} contains a control or invisible character (U+{ord(bad):04X})")
    if "/" in doc_id and any(seg in ("", ".", "..") for seg in doc_id.split("/")):
        raise InputError(f"'doc_id' {doc_id!r} has an empty, '.' or '..' path segment")
    return doc_id


_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def parse_date(value: object) -> str | None:
    """An ISO date (``YYYY-MM-DD``, optionally followed by a time) or Vietnamese ``d/m/Y``,
    returned as ``YYYY-MM-DD``; None when absent. A date that does not exist (2023-99-99,
    31/2/2024) is refused, not stored."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    if m := _ISO.match(text):
        y, mo, d = (int(g) for g in m.groups())
    elif m := _DMY.match(text):
        d, mo, y = (int(g) for g in m.groups())
    else:
        raise InputError(f"not an ISO date: {text[:40]!r}")
    try:
        return date(y, mo, d).isoformat()
    except ValueError:
        raise InputError(f"no such date: {text[:40]!r}") from None


def visible_text(text: str) -> str:
    """The text without format characters (zero-width spaces and joiners, soft hyphens, bidi
    marks): a question made only of them is empty, and one with them inside reads as typed."""
    if text.isascii():
        return text
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
