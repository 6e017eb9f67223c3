"""The facts table for `cchc facts` and `GET /v1/facts`: filters checked once, rows as dicts
(JSON) or CSV. A fact is one figure a document states, with its unit, level, metric, period,
target or achieved, and the verbatim statement it comes from (see ``index/facts.py``)."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from assistant.index.facets import LEVELS, metrics
from assistant.index.facts import FactQuery
from assistant.index.store import IndexStore

COLUMNS = (
    "fact_id",
    "doc_id",
    "title",
    "url",
    "published",
    "unit",
    "level",
    "metric",
    "metric_name",
    "value",
    "value_text",
    "value_unit",
    "period",
    "kind",
    "quote",
    "start",
    "end",
)
_PERIOD = re.compile(r"^(?:19|20)\d{2}(?:-Q[1-4]|-(?:0[1-9]|1[0-2]))?$")
_MESSAGES = {
    "metric": {
        "vi": "Chỉ số không hợp lệ {v!r}; các chỉ số: {ok}.",
        "en": "Unknown metric {v!r}; known: {ok}.",
    },
    "level": {"vi": "Cấp không hợp lệ {v!r}; các cấp: {ok}.", "en": "Unknown level {v!r}; known: {ok}."},
    "period": {
        "vi": "Kỳ không hợp lệ {v!r}: dùng YYYY, YYYY-Qn hoặc YYYY-MM.",
        "en": "Invalid period {v!r}: use YYYY, YYYY-Qn or YYYY-MM.",
    },
    "kind": {
        "vi": "Loại không hợp lệ {v!r}: target hoặc achieved.",
        "en": "Invalid kind {v!r}: target or achieved.",
    },
    "limit": {
        "vi": "Giới hạn không hợp lệ {v!r}: một số từ 1 đến 100000.",
        "en": "Invalid limit {v!r}: a number from 1 to 100000.",
    },
    "format": {
        "vi": "Định dạng không hợp lệ {v!r}: json hoặc csv.",
        "en": "Invalid format {v!r}: json or csv.",
    },
}


class InvalidFilter(ValueError):
    """A filter value the facts table refuses, with a message in the asker's language."""


def _fail(what: str, value: object, language: str, ok: str = "") -> InvalidFilter:
    lang = "en" if language == "en" else "vi"
    return InvalidFilter(_MESSAGES[what][lang].format(v=value, ok=ok))


def find_facts(store: IndexStore, query: FactQuery, language: str = "vi") -> list[dict[str, Any]]:
    """The facts matching every filter given, as rows of ``COLUMNS``; InvalidFilter, in the
    asker's language, for a filter value the table does not know."""
    metric, level, period, kind, limit = query.metric, query.level, query.period, query.kind, query.limit
    if metric and metric not in metrics():
        raise _fail("metric", metric, language, ", ".join(metrics()))
    if level and level not in LEVELS:
        raise _fail("level", level, language, ", ".join(LEVELS))
    if period and not _PERIOD.match(period):
        raise _fail("period", period, language)
    if kind and kind not in ("target", "achieved"):
        raise _fail("kind", kind, language)
    if limit is not None and not 1 <= limit <= 100_000:
        raise _fail("limit", limit, language)
    names = metrics()
    rows = []
    for f in store.facts(query):
        m = names.get(f.metric or "")
        rows.append(
            {
                "fact_id": f.fact_id,
                "doc_id": f.doc_id,
                "title": f.title,
                "url": f.url,
                "published": f.published,
                "unit": f.unit,
                "level": f.level,
                "metric": f.metric,
                "metric_name": (m.en if language == "en" else m.vi) if m else None,
                "value": float(f.value) if f.value != f.value.to_integral_value() else int(f.value),
                "value_text": f.value_text,
                "value_unit": f.value_unit,
                "period": f.period,
                "kind": f.kind,
                "quote": f.quote,
                "start": f.start,
                "end": f.end,
            }
        )
    return rows


def to_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
