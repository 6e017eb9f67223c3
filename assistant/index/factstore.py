"""The registry's ``facts`` table: written, replaced and deleted with a document's chunks in
the same SQLite transaction (see ``IndexStore.upsert_document``), queried for comparisons,
rankings and the `cchc facts` / `GET /v1/facts` table, and checked by `cchc doctor`.

Registries made before facts existed get the table on open (CREATE TABLE IF NOT EXISTS) and
their documents' facts on `cchc doctor --repair`, which re-extracts from the stored text.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from assistant.index.facets import LEVELS
from assistant.index.facts import EXTRACTOR_VERSION, Fact, FactQuery, extract_facts
from assistant.index.gazetteer import resolve
from assistant.index.units import unit_key

FACTS_SCHEMA = """
CREATE TABLE IF NOT EXISTS facts (
    fact_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL, unit TEXT, unit_key TEXT, province TEXT, level TEXT,
    metric TEXT, value TEXT, value_text TEXT, value_unit TEXT, period TEXT, year INTEGER, period_source TEXT,
    kind TEXT, start INTEGER, "end" INTEGER, value_start INTEGER, value_end INTEGER);
CREATE INDEX IF NOT EXISTS facts_doc ON facts(doc_id);
CREATE INDEX IF NOT EXISTS facts_metric ON facts(metric, year);
CREATE TABLE IF NOT EXISTS fact_versions (doc_id TEXT PRIMARY KEY, version INTEGER NOT NULL);
"""
_COLUMNS = (
    "fact_id, doc_id, unit, unit_key, province, level, metric, value, value_text, value_unit, period, "
    'period_source, kind, published, start, "end", value_start, value_end'
)


def write(db: sqlite3.Connection, doc_id: str, facts: Sequence[Fact]) -> None:
    """Replace a document's facts; the caller holds the transaction."""
    db.execute("DELETE FROM facts WHERE doc_id=?", (doc_id,))
    db.executemany(
        "INSERT OR REPLACE INTO facts VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [
            (
                f.fact_id,
                f.doc_id,
                f.unit,
                f.unit_key,
                f.province,
                f.level,
                f.metric,
                str(f.value),
                f.value_text,
                f.value_unit,
                f.period,
                f.year,
                f.period_source,
                f.kind,
                f.start,
                f.end,
                f.value_start,
                f.value_end,
            )
            for f in facts
        ],
    )
    db.execute("INSERT OR REPLACE INTO fact_versions VALUES (?,?)", (doc_id, EXTRACTOR_VERSION))


def delete(db: sqlite3.Connection, doc_id: str) -> None:
    db.execute("DELETE FROM facts WHERE doc_id=?", (doc_id,))
    db.execute("DELETE FROM fact_versions WHERE doc_id=?", (doc_id,))


def _unit_clause(unit: str) -> tuple[str, list[Any]]:
    """A gazetteer name matches its unit; a post-2025 province's name also the units merged
    into it; any other name matches by its accent-folded key ("Cờ Đỏ" = "huyện Cờ Đỏ")."""
    key = unit_key(unit)
    try:
        p = resolve(unit)
    except ValueError:
        return "f.unit_key = ?", [key]
    if key == p.key:
        return "(f.province = ? OR f.unit_key = ?)", [p.key, key]
    return "f.unit_key = ?", [key]


def query(db: sqlite3.Connection, q: FactQuery) -> list[Fact]:
    """The facts ``q`` keeps, newest period first."""
    where, params = ["1=1"], []  # type: ignore[var-annotated]
    if q.metric:
        where.append("f.metric = ?")
        params.append(q.metric)
    if q.unit:
        sql, args = _unit_clause(q.unit)
        where.append(sql)
        params.extend(args)
    if q.level:
        where.append("f.level = ?")
        params.append(q.level)
    if q.year is not None:
        where.append("f.year = ?")
        params.append(q.year)
    if q.period:
        where.append("(f.period = ? OR f.period LIKE ?)")
        params.extend([q.period, f"{q.period}-%"])
    if q.kind:
        where.append("f.kind = ?")
        params.append(q.kind)
    if q.doc_ids is not None:
        ids = list(q.doc_ids) or [""]
        where.append(f"f.doc_id IN ({','.join('?' * len(ids))})")
        params.extend(ids)
    sql = (
        f"SELECT {', '.join('f.' + c.strip() if c.strip() != 'published' else 'd.published' for c in _COLUMNS.split(','))}, "
        'substr(d.text, f.start + 1, f."end" - f.start), d.title, d.url '
        f"FROM facts f JOIN documents d USING (doc_id) WHERE {' AND '.join(where)} "
        "ORDER BY f.year DESC, d.published DESC, f.doc_id, f.value_start"
    )
    if q.limit is not None:
        sql += " LIMIT ?"
        params.append(int(q.limit))
    out = []
    for r in db.execute(sql, params):
        # Columns in Fact's field order (``_COLUMNS``, then quote, title, url); value is text.
        out.append(Fact(*r[:7], Decimal(r[7]), *r[8:]))
    return out


def check(db: sqlite3.Connection, repair: bool) -> dict[str, Any]:
    """Facts of unknown documents; documents without facts or with an older extractor's.
    With ``repair`` (inside the caller's write lock) drop the first, re-extract the others."""
    orphans = [
        r[0]
        for r in db.execute(
            "SELECT DISTINCT doc_id FROM facts WHERE doc_id NOT IN (SELECT doc_id FROM documents)"
        )
    ]
    orphans += [
        r[0]
        for r in db.execute(
            "SELECT doc_id FROM fact_versions WHERE doc_id NOT IN (SELECT doc_id FROM documents)"
        )
        if r[0] not in orphans
    ]
    rows = db.execute(
        "SELECT d.doc_id, v.version FROM documents d LEFT JOIN fact_versions v USING (doc_id)"
    ).fetchall()
    missing = sorted(d for d, v in rows if v is None)
    stale = sorted(d for d, v in rows if v is not None and v != EXTRACTOR_VERSION)
    if repair:
        with db:
            for doc_id in orphans:
                delete(db, doc_id)
        for doc_id in missing + stale:
            row = db.execute(
                "SELECT text, title, published FROM documents WHERE doc_id=?", (doc_id,)
            ).fetchone()
            facts = extract_facts(doc_id, row[0], row[1] or "", row[2])
            with db:
                write(db, doc_id, facts)
    return {
        "facts": db.execute("SELECT count(*) FROM facts").fetchone()[0],
        "orphan_facts_documents": orphans,
        "documents_missing_facts": missing,
        "documents_stale_facts": stale,
        "facts_consistent": not orphans and not missing and not stale,
    }


def valid_level(level: str) -> bool:
    return level in LEVELS
