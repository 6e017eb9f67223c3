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


def _plain_find(vocabulary, text: str):
    """``_Vocabulary.find`` as it was before its word prefilter: every key's pattern scanned."""
    from assistant.index import facets

    accented = facets.has_vietnamese_diacritics(text)
    form = facets._matching_form(text, accented)
    found = [
        facets.Match(key, hit.start(), hit.end())
        for key, exact, folded in vocabulary.entries
        for hit in (exact if accented else folded).finditer(form)
    ]
    found.sort(key=lambda m: (-(m.end - m.start), m.start))
    kept: list = []
    for m in found:
        if all(m.end <= k.start or m.start >= k.end for k in kept):
            kept.append(m)
    return sorted(kept, key=lambda m: m.start)


def _facet_texts() -> list[str]:
    from assistant.index.sentences import statement_spans
    from assistant.index.textnorm import fold_accents

    docs = [d for d in load_paths(sorted(SAMPLE.glob("*.jsonl"))) if isinstance(d, SourceDocument)]
    spans = [d.text[s.start : s.end] for d in docs for s in statement_spans(d.text)]
    made = [
        "Tỷ lệ hồ sơ trực tuyến toàn trình của cấp huyện đạt 87,35% trong quý II",
        "bộ,ngành và địa phương phấn đấu đến năm 2025",
        "ty le ho so dung han cap xa",
        "TỶ LỆ THỦ TỤC HÀNH CHÍNH CỦA CÁC SỞ, BAN, NGÀNH",
        "ministry-level bodies achieved the target; at least 80% of districts",
        "tỷlệ hồsơ",  # words glued: no whole word, nothing found
        "xcấp huyện",
        "cấp huyệnx",
        "cấp  \n huyện",
        "quận , huyện",
        "ſở, ngành dıgital provınces",  # case pairs re matches beyond str.lower: not prefiltered
    ]
    return spans + [fold_accents(t) for t in spans] + [t.upper() for t in spans] + made


@pytest.mark.parametrize("case_table", [True, False], ids=["word-prefilter", "one-pattern-check"])
def test_facet_vocabularies_find_what_every_key_scanned_finds(case_table: bool, monkeypatch):
    """The word prefilter skips a key only where no term of it can match: the same matches as
    scanning every key's pattern, on the sample's statements accented, folded, upper-cased;
    so does the one-pattern check a Python without re's case-pair table falls back to."""
    from assistant.index import facets

    if not case_table:
        monkeypatch.setattr(facets, "_CASE_EXOTIC", None)
    facets._forms.cache_clear()  # the words it caches are read only under the table in force

    vocabularies = [facets._metric_vocabulary(), facets._level_vocabulary(), facets._kind_vocabulary()]
    assert all(v.needs_exact is not None and v.needs_folded is not None for v in vocabularies)
    texts = _facet_texts()
    hits = 0
    for v in vocabularies:
        for t in texts:
            want = _plain_find(v, t)
            assert v.find(t) == want, t
            hits += bool(want)
    assert hits > 200 and hits < 3 * len(texts)  # both sides of the prefilter are exercised


def test_tone_marks_split_equals_the_per_word_substitution():
    from assistant.index import textnorm

    def plain(text: str) -> str:
        return textnorm._WORD.sub(lambda m: textnorm._retoned(m.group(0)), textnorm.nfc(text))

    texts = _facet_texts() + ["hoà bình, thuỷ lợi; khoẻ", "Hoà\u0301", "a\u0300b 12 hoà_x", ""]
    assert [textnorm.normalize_tone_marks(t) for t in texts] == [plain(t) for t in texts]
    assert textnorm.normalize_tone_marks("hoà thuỷ") == "hòa thủy"


def test_units_prefilters_skip_no_text_a_pattern_matches():
    """units_at scans a pattern only where the text has what every match of it holds: the
    gazetteer names' words, NAMED_UNIT's type word, MINISTRY's and _NATIONAL's literals."""
    from assistant.index import units
    from assistant.index.gazetteer import name_patterns
    from assistant.index.textnorm import normalize_tone_marks

    texts = _facet_texts() + [
        "UBND tỉnh Hà Giang, TP. Hà Nội, Thừa Thiên - Huế và TX Kỳ Anh",
        "Bộ: Tài chính, BộY tế, Ngân hàng Nhà nước, Ủy ban dân tộc; cả nước",
        "huyện Cờ Đỏ.quận Ô Môn(Cần Thơ)",
    ]
    by_first = units._names_by_first_word()
    checked = {"names": 0, "named": 0, "ministry": 0, "national": 0}
    for t in texts:
        form = normalize_tone_marks(t)
        words = set(units._RUN.findall(form))
        wanted = {i for w in words.intersection(by_first) for i, need in by_first[w] if need <= words}
        for i, p in enumerate(name_patterns()):
            if p.exact.search(form):
                assert i in wanted, (p.exact_text, t)
                checked["names"] += 1
        text_words = set(units._RUN.findall(t))
        if units.NAMED_UNIT.search(t):
            assert not text_words.isdisjoint(units._NAMED_FIRST), t
            checked["named"] += 1
        if units.MINISTRY.search(t):
            assert any(w in t for w in units._MINISTRY_LITERALS), t
            checked["ministry"] += 1
        if units._NATIONAL.search(t):
            assert "nước" in t or "quốc" in t
            checked["national"] += 1
    assert all(n > 0 for n in checked.values()), checked


def test_keyword_tokens_from_findall_equal_the_match_by_match_reading():
    """``_tokens`` reads findall's (number, word, break) tuples: the same tokens, in the same
    order, as reading each match's named group (numbers, words, bigrams, breaks)."""
    from assistant.index import keywords
    from assistant.index.numbers import number_tokens

    assert keywords._PIECE.groups == 3  # NUMBER holds no group of its own: findall gives triples

    def plain(lowered: str) -> list[str]:
        out: list[str] = []
        prev = None
        for m in keywords._PIECE.finditer(lowered):
            if m.group("num"):
                out.extend(number_tokens(m.group("num")))
                prev = None
            elif m.group("word"):
                word = keywords._word_token(m.group("word"))
                out.append(word)
                if prev is not None:
                    out.append(f"{prev}_{word}")
                prev = word
            else:
                prev = None
        return out

    texts = _facet_texts() + ["tỷ lệ 35,48% (672/1.894 TTHC); ngày 4.4.2022 — 19.7 và 1,894", "", "a-b c.d"]
    for t in texts:
        assert list(keywords._tokens(t.lower())) == plain(t.lower()), t
    assert "35.48" in keywords.tokenize("đạt 35,48%") and "ti_le" in keywords.tokenize("Tỷ lệ")


def test_provinces_of_an_index_form_text_equal_those_of_the_raw_text():
    from assistant.index.gazetteer import provinces_in, provinces_in_index_form
    from assistant.index.textnorm import index_form

    texts = _facet_texts() + ["UBND tỉnh Hà Giang và  TP. Hồ Chí Minh", "Thừa Thiên Huế, Đắk Lắk, Hoà Bình"]
    found = 0
    for t in texts:
        assert provinces_in_index_form(index_form(t)) == provinces_in(t), t
        found += bool(provinces_in(t))
    assert found >= 2


def test_a_paragraphs_unit_is_read_only_when_a_figure_needs_it_and_reads_as_before(monkeypatch):
    """Statements without a figure are not read for units until one with a figure and no unit
    of its own needs the paragraph's; then the latest statement naming one gives it, and a new
    paragraph forgets it, as reading every statement in turn did."""
    from assistant.index import facts as facts_module
    from assistant.index.facts import extract_facts

    text = (
        "Tỉnh Hà Giang đẩy mạnh cải cách hành chính.\n"
        "Tại tỉnh Cao Bằng, công tác này được triển khai đồng bộ. Người dân hài lòng.\n"
        "Tỷ lệ hồ sơ giải quyết đúng hạn đạt 98,5%.\n\n"
        "Tỷ lệ hồ sơ trực tuyến đạt 40%."
    )
    read: list[str] = []
    real = facts_module.units_at

    def counting(t: str, tone_marked: str | None = None):
        read.append(t)
        return real(t, tone_marked)

    monkeypatch.setattr(facts_module, "units_at", counting)
    got = extract_facts("d", text)
    by_value = {str(f.value): f for f in got}
    assert "Cao Bằng" in (by_value["98.5"].unit or "")  # the latest statement naming a unit
    assert by_value["40"].province is None  # a new paragraph names its unit again
    # The figure's own statement, then back to the latest one naming a unit ("Người dân hài
    # lòng." names none); the first statement is never read.
    assert not any(t.startswith("Tỉnh Hà Giang") for t in read)


def test_a_sentence_that_fits_is_not_searched_for_cuts_and_one_that_does_not_still_is():
    from assistant.index.sentences import Span, _split_long

    text = "  Tỷ lệ hồ sơ đúng hạn đạt 98,5%, cao hơn năm trước; hồ sơ trực tuyến tăng.  "
    whole = Span(0, len(text))
    assert _split_long(text, whole, len(text)) == [Span(2, len(text) - 2)]
    assert _split_long("   ", Span(0, 3), 10) == []
    pieces = _split_long(text, whole, 40)
    assert len(pieces) > 1 and all(p.end - p.start <= 40 for p in pieces)
    assert text[pieces[0].start : pieces[-1].end] == text.strip()


def _plain_vocabulary(text: str) -> dict[tuple[str, str], int]:
    """The (folded, accented) counts as they were built before the analysers counted the
    accented forms alone: every word and pair folded where it was counted."""
    from collections import Counter

    from assistant.index.accents import _WORD
    from assistant.index.textnorm import fold_accents, index_form

    counts: Counter[tuple[str, str]] = Counter()
    for line in index_form(text).lower().split("\n"):
        words = _WORD.findall(line)
        counts.update((fold_accents(w), w) for w in words)
        counts.update((fold_accents(f"{a} {b}"), f"{a} {b}") for a, b in zip(words, words[1:]))
    return dict(counts)


def test_accent_vocabulary_keyed_by_accented_form_folds_to_the_plain_rows():
    from assistant.index.accents import vocabulary, vocabulary_rows

    docs = [d for d in load_paths([SAMPLE]) if isinstance(d, SourceDocument)][:20]
    # Beside the sample: letters that fold to several ("ǆ", "ﬁ"), Greek case, capitals.
    texts = [f"{d.title}\n{d.text}" for d in docs] + ["Ǆ ǆem ﬁle ΣΊΣΥΦΟΣ Đắk Lắk\nhoà  HÒA thuỷ"]
    for text in texts:
        assert {(f, a): n for f, a, n in vocabulary_rows(vocabulary(text))} == _plain_vocabulary(text)


def test_vocabulary_rows_of_keys_holding_a_newline_fold_one_by_one():
    from assistant.index.accents import vocabulary_rows

    assert vocabulary_rows({"hà\ngiang": 2, "lắk": 1}) == [("ha\ngiang", "hà\ngiang", 2), ("lak", "lắk", 1)]


def test_figures_of_a_text_without_digits_are_none_as_the_full_reading_finds(monkeypatch):
    import re as _re

    from assistant.index import figures as figures_module
    from assistant.index.sentences import statement_spans

    docs = [d for d in load_paths([SAMPLE]) if isinstance(d, SourceDocument)][:30]
    texts = [d.text[s.start : s.end] for d in docs for s in statement_spans(d.text)]
    texts += ["ngày mười hai", "tháng ba năm nay", "٣٥ %", "tỷ lệ ৫/১২"]  # digits of other scripts
    fast = [figures_module.figures(t) for t in texts]
    monkeypatch.setattr(figures_module, "_DIGIT", _re.compile(""))  # the prefilter always passes
    assert [figures_module.figures(t) for t in texts] == fast
    assert any(fast) and not all(fast)


def test_date_range_of_a_text_without_a_year_is_none_as_the_full_scan_finds(monkeypatch):
    import re as _re

    from assistant.index import dates

    docs = [d for d in load_paths([SAMPLE]) if isinstance(d, SourceDocument)]
    texts = [p for d in docs for p in f"{d.title}\n{d.text}".split("\n\n")]
    texts += ["ngày 5 tháng 3 năm 2024", "tháng 7/2023", "19-7-2023", "năm 1999.", "số 20235", "12/2024a"]
    fast = [dates.date_range(t) for t in texts]
    monkeypatch.setattr(dates, "YEAR", _re.compile(""))  # the prefilter always passes
    assert [dates.date_range(t) for t in texts] == fast
    assert any(fast) and not all(fast)


@pytest.mark.parametrize(
    "tokens", [["tỷ_lệ", "hồ", "672", "%"], [], ["a b", "c"], ["", "x"], ["x", ""]], ids=str
)
def test_a_chunk_record_pickles_back_equal_whatever_its_tokens(tokens: list[str]):
    """Analysers send chunks with their tokens joined; tokens that would not split back (a
    space inside, an empty one) travel as a list."""
    import pickle

    from assistant.index.records import ChunkRecord

    chunk = ChunkRecord("c-1", "d", 3, 10, 90, tokens, ["ha_giang"], (20240101, 20241231), {"pages": [1]})
    back = pickle.loads(pickle.dumps(chunk, protocol=pickle.HIGHEST_PROTOCOL))
    assert back == chunk and isinstance(back.tokens, list)


def test_regex_whitespace_is_what_str_strip_removes():
    """statement_spans finds the next line's first character with ``\\S`` instead of
    ``lstrip()`` on a copy of the rest of the text: the two agree on every code point."""
    import sys

    space = re.compile(r"\s")
    assert [c for c in range(sys.maxunicode + 1) if bool(space.match(chr(c))) != chr(c).isspace()] == []


def test_whitespace_folding_equals_replacing_every_run():
    """fold_whitespace matches only the runs of spaces that change; the text is the one
    replacing every run (single spaces included) gives."""
    import random

    from assistant.index.textnorm import _SPACES_TO_FOLD

    every_run = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
    pieces = [" ", "\t", "\u00a0", "\u2000", "\u200b", "\u202f", "\u205f", "\u3000", "x", "ữ", "\n"]
    rnd = random.Random(20)
    texts = ["".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 12))) for _ in range(5000)]
    texts += [d.text for d in load_paths([SAMPLE]) if isinstance(d, SourceDocument)]
    assert [_SPACES_TO_FOLD.sub(" ", t) for t in texts] == [every_run.sub(" ", t) for t in texts]


def _tone_mark_texts() -> list[str]:
    docs = [d for d in load_paths([SAMPLE]) if isinstance(d, SourceDocument)]
    exotic = [
        "Thủ tục hoà giải, uỷ quyền; quý khách",  # modern placements the normalisation moves
        "hoa\u0300 giải và thu\u0309y lợi",  # tone marks as combining characters (not NFC)
        "x\u0301 tà\u0301i q\u0303 ươ\u0300i",  # a tone mark no vowel takes, two on one vowel
        "ΣΊΣΥΦΟΣ ǅ ﬁ Đắk Lắk 2024 – 35,48%",
        "nghiêng thuở giữa gìn quốc",
    ]
    return [d.text for d in docs] + [d.title for d in docs] + exotic


def test_tone_marks_read_off_the_whole_text_equal_each_slice_normalised():
    import random

    from assistant.index.textnorm import ToneMarked, normalize_tone_marks

    rnd = random.Random(7)
    texts = _tone_mark_texts()
    for text in texts:
        marked = ToneMarked(text)
        spans = [(0, len(text))] + [tuple(sorted(rnd.sample(range(len(text) + 1), 2))) for _ in range(60)]
        for s, e in spans:
            assert marked.of(s, e) == normalize_tone_marks(text[s:e]), (text[:40], s, e)
    # Most texts are read off one pass (the rest normalise each slice alone).
    assert sum(ToneMarked(t).form is not None for t in texts) > len(texts) / 2
    assert ToneMarked("hoa\u0300 giải").form is None  # not NFC: offsets would not carry over


def test_a_passage_from_the_documents_tone_marks_is_the_passage():
    from assistant.index.contract import passage_text
    from assistant.index.textnorm import ToneMarked
    from ingest.chunking import chunk_document

    docs = [d for d in load_paths([SAMPLE]) if isinstance(d, SourceDocument)]
    checked = 0
    for d in docs:
        marked = ToneMarked(d.text)
        for c in chunk_document(d.text):
            for title in (d.title, f"  {d.title} — Điều 2 ", c.text[:30], "", "x\u0301 hoà"):
                assert passage_text(title, c.text, marked.of(c.start, c.end)) == passage_text(title, c.text)
                checked += 1
    assert checked > 50


def test_facts_read_with_the_documents_tone_marks_are_the_facts():
    from assistant.index.facts import extract_facts
    from assistant.index.textnorm import ToneMarked

    docs = [d for d in load_paths([SAMPLE]) if isinstance(d, SourceDocument)]
    odd = (
        "Tỉnh Hà Giang: 672/1.894 TTHC (35,48%) hoà\u0301 thuỷ.\n\nHuyện Vị Xuyên đạt 12 hồ sơ, ya\u0300 45%."
    )
    pairs = [(d.doc_id, d.text, d.title, d.published) for d in docs] + [("odd", odd, "Hà Giang", None)]
    found = 0
    for doc_id, text, title, published in pairs:
        plain = extract_facts(doc_id, text, title, published)
        assert extract_facts(doc_id, text, title, published, ToneMarked(text)) == plain
        found += len(plain)
    assert found > 20
