"""Ingest's hot paths made cheaper without changing what they return (issue 20).

Each speed-up rests on a premise about the code it speeds up; the premise is checked here on
the code itself (the parsed patterns, the schema), and the result against the plain form."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from bench.screening import DISGUISES, PROSE, VARIANTS
from ingest import screening
from ingest.loaders import SourceDocument, load_paths

from ..conftest import SAMPLE

_parser = pytest.importorskip("re._parser")  # Python's own regex parser (3.11+)
from re._constants import AT, AT_BOUNDARY, BRANCH, IN, LITERAL, RANGE, SUBPATTERN  # noqa: E402


def _first_chars(seq) -> set[str] | None:
    """The characters a match of this parsed (sub)pattern can start with (None: unknown)."""
    op, av = seq[0]
    if op is LITERAL:
        return {chr(av)}
    if op is IN:
        out: set[str] = set()
        for o, a in av:
            if o is LITERAL:
                out.add(chr(a))
            elif o is RANGE:
                out.update(map(chr, range(a[0], a[1] + 1)))
            else:
                return None
        return out
    if op is SUBPATTERN:
        return _first_chars(av[3])
    if op is BRANCH:
        parts = [_first_chars(b) for b in av[1]]
        return None if any(p is None for p in parts) else set().union(*parts)  # type: ignore[arg-type]
    return None


def _starts(seq) -> list[str]:
    """How each top-level alternative of a parsed pattern starts: "boundary+letter" (a word
    boundary then a letter), "template" (one of < or [), or what else it is."""
    op, av = seq[0]
    if op is SUBPATTERN:
        return _starts(av[3])
    if op is BRANCH:
        return [s for b in av[1] for s in _starts(b)]
    if op is AT and av is AT_BOUNDARY:
        first = _first_chars(seq[1:])
        return [
            "boundary+letter"
            if first and all(re.fullmatch(r"[^\W\d_]", c) for c in first)
            else f"boundary+{first}"
        ]
    first = _first_chars(seq)
    return ["template" if first and first <= {"<", "["} else f"other:{first}"]


def test_every_screening_pattern_starts_where_the_prefilter_looks():
    """The screen's lookahead lets a match start only at a word boundary before a letter or
    at '<' or '['; that loses nothing only if every alternative starts so."""
    starts = _starts(list(_parser.parse(screening._PATTERNS)))
    assert len(starts) > 20
    assert set(starts) == {"boundary+letter", "template"}, [
        s for s in starts if s not in ("boundary+letter", "template")
    ]


def _texts() -> list[str]:
    docs = [d for d in load_paths(sorted(SAMPLE.glob("*.jsonl"))) if isinstance(d, SourceDocument)]
    phrasings = [
        json.loads(line)["text"] for line in VARIANTS.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    disguised = [PROSE.format(fn(p)) for p in phrasings for fn in DISGUISES.values()]
    # Phrasings glued to what comes before them: inside a word, after a digit, after markup.
    glued = [f"{pre}{p}" for p in phrasings[:10] for pre in ("x", "9", "_", "<b>", "[1]", "đ", "\n")]
    return [f"{d.title}\n{d.text}" for d in docs] + phrasings + disguised + glued


def test_the_screen_finds_what_the_plain_alternation_finds():
    plain = re.compile(screening._PATTERNS)
    texts = [screening.screening_form(t) for t in _texts()]
    got = [(m.span(), m.group()) if (m := screening._RE.search(t)) else None for t in texts]
    want = [(m.span(), m.group()) if (m := plain.search(t)) else None for t in texts]
    assert got == want
    assert sum(g is not None for g in got) > 100  # the variants are found, not only the sample's silence
    assert sum(g is None for g in got) > 10


@pytest.mark.integration  # a real registry and Chroma store in tmp
def test_accent_vocabulary_table_is_one_btree(tmp_path: Path):
    """A new registry keeps accent_vocab WITHOUT ROWID: its upserts (most of a batch's
    registry rows) touch one B-tree instead of the table and its key index."""
    from assistant.index.store import IndexStore
    from bench.ingest_digest import ZeroEmbeddings

    store = IndexStore(tmp_path / "idx", ZeroEmbeddings())
    store.close()
    db = sqlite3.connect(tmp_path / "idx" / "registry.sqlite")
    sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 'accent_vocab'").fetchone()[0]
    assert "WITHOUT ROWID" in sql.upper()
    db.execute("INSERT INTO accent_vocab VALUES ('ha giang', 'hà giang', 2)")
    db.execute(
        "INSERT INTO accent_vocab VALUES ('ha giang', 'hà giang', 3) ON CONFLICT(folded, accented) DO UPDATE SET n = n + excluded.n"
    )
    assert db.execute("SELECT n FROM accent_vocab").fetchall() == [(5,)]
