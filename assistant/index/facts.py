"""Figures as facts: every figure a document states, in prose or in a table row, with the unit
it is about and its level, the metric, the value and its unit, the period, target or achieved,
and the verbatim offsets of the statement and of the figure.

Extracted at ingest (``IndexStore.upsert_document``) and stored with the document's chunks;
``EXTRACTOR_VERSION`` marks which rules wrote a document's facts, so ``cchc doctor --repair``
re-extracts the ones an older version wrote. A figure with nothing saying what it measures
(no metric, no value unit: "Điều 5", "khoản 2") is not a fact.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from assistant.index.facets import Period, kind_of, levels_in, metrics, metrics_in, periods_in
from assistant.index.figures import Figure, figures
from assistant.index.numbers import readings
from assistant.index.sentences import statement_spans
from assistant.index.tables import Cell, Row, table_rows
from assistant.index.textnorm import ToneMarked
from assistant.index.units import UnitMention, units_at

# 2: footnote marks ("[9]") are no figures. 3: ministry-level bodies written in lower case
# ("Ngân hàng nhà nước") are units; a target named as what an action serves ("nhằm cụ thể hóa
# mục tiêu này, …") makes no target. 4: table header groups that sit between the name and
# trailing columns span their own sub-headers (``tables._headers``). 5: "46.7%" is a rate, not
# the date 46/7 (``figures._is_date``). 6: levels as tokenised news writes them ("quận , huyện")
# and a province's departments ("khối các sở") as its level. 7: a sum of money is not of the
# metric it is paid per ("45.000 đồng/hồ sơ" under "Lệ phí" is a fee); HTML tables without a
# bold header row carry their headers (issue 18). 8: a blank line ends a statement, so a photo
# caption without a full stop no longer opens the next paragraph's first statement, and an
# acronym before a full stop ("… CCHC. Đến nay") no longer joins two sentences. 9: a Markdown
# heading is a statement of its own (a converted page's "## Mức hỗ trợ …" joined the paragraphs
# around it).
EXTRACTOR_VERSION = 9


@dataclass(frozen=True)
class Fact:
    fact_id: str
    doc_id: str
    unit: str | None  # as a reader writes it: "Hà Giang", "huyện Cờ Đỏ", "Bộ Tài chính", "Cả nước"
    unit_key: str | None  # ascii key: a gazetteer unit ("ha_giang") or the name's slug
    province: str | None  # the post-2025 province of a gazetteer unit ("tuyen_quang")
    level: str | None  # one of facets.LEVELS
    metric: str | None  # a key of resources/metrics.yaml
    value: Decimal
    value_text: str  # verbatim: "7,5/12", "35,48%", "130.000 tỷ"
    value_unit: str  # %, điểm, hồ sơ, TTHC, ngày, giờ, đồng, thứ hạng, người, … or ""
    period: str | None  # "2024", "2024-Q2", "2024-05"
    period_source: str  # "clause", "sentence", "table", "published" (the document's year) or ""
    kind: str  # "target" or "achieved"
    published: str | None  # the document's date
    start: int  # the statement (sentence, clause or table row) in the stored text
    end: int
    value_start: int  # the figure itself
    value_end: int
    quote: str = ""
    title: str | None = None  # filled by the store's query
    url: str | None = None

    @property
    def year(self) -> int | None:
        return int(self.period[:4]) if self.period else None


@dataclass(frozen=True)
class FactQuery:
    """What a facts lookup keeps: every field given must hold (None: any). One record from the
    API, CLI, MCP and the answerer down to the SQL (``factstore.query``), so a new filter is
    added in one place instead of in each layer's parameter list."""

    metric: str | None = None  # a key of resources/metrics.yaml
    unit: str | None = None  # a name as written, old or new ("Hà Giang", "ha giang")
    level: str | None = None  # one of facets.LEVELS
    year: int | None = None
    period: str | None = None  # "2024" also keeps "2024-Q2" and "2024-05"
    kind: str | None = None  # "target" or "achieved"
    doc_ids: tuple[str, ...] | None = None  # these documents' facts only
    limit: int | None = None


def period_label(p: Period) -> str | None:
    if p.year is None:
        return None
    if p.month:
        return f"{p.year}-{p.month:02d}"
    return f"{p.year}-Q{p.quarter}" if p.quarter else str(p.year)


_SCALE = {
    "nghìn": 1000,
    "ngàn": 1000,
    "trăm": 100,
    "triệu": 10**6,
    "tỷ": 10**9,
    "tỉ": 10**9,
    "thousand": 1000,
    "million": 10**6,
    "billion": 10**9,
}
# Compiled once: every figure looks for each scale word, and every table row and cell for these.
_SCALE_WORDS = tuple((re.compile(rf"\b{w}\b", re.I), v) for w, v in _SCALE.items())
_NEAR_END = re.compile(r"[,(]")
_UNIT_HEADS = re.compile(r"tỉnh|địa phương|bộ|cơ quan", re.I)
_RATE_HEAD = re.compile(r"tỷ lệ|%", re.I)
_NUM = re.compile(r"\d+(?:[.,]\d+)*")
# The value unit from the words right after the figure (or "thứ"/"hạng" right before it).
_MONEY_AFTER = re.compile(r"^\s*(?:tỷ |triệu |nghìn |ngàn )?(?:đồng|VNĐ|VND|USD)\b", re.I)
_UNIT_AFTER = [
    (re.compile(r"^\s*(?:/\s*\d+(?:[.,]\d+)?\s*)?(?:điểm|points?)\b", re.I), "điểm"),
    (re.compile(r"^\s*(?:/\s*\d+(?:[.,]\d+)*\s*)?(?:hồ sơ|dossiers?|applications?)", re.I), "hồ sơ"),
    (re.compile(r"^\s*(?:/\s*\d+(?:[.,]\d+)*\s*)?(?:TTHC|thủ tục|procedures?)", re.I), "TTHC"),
    (re.compile(r"^\s*(?:/\s*\d+(?:[.,]\d+)*\s*)?(?:DVC|DVCTT|dịch vụ công|dịch vụ)", re.I), "DVC"),
    (re.compile(r"^\s*(?:ngày|days?)\b", re.I), "ngày"),
    (re.compile(r"^\s*(?:giờ|hours?)\b", re.I), "giờ"),
    (re.compile(r"^\s*(?:phút|minutes?)\b", re.I), "phút"),
    (re.compile(r"^\s*(?:tỷ |triệu |nghìn |ngàn )?(?:đồng|VNĐ|VND|đ)\b", re.I), "đồng"),
    (re.compile(r"^\s*(?:người|cán bộ|công chức|viên chức|biên chế|people|staff)", re.I), "người"),
    (re.compile(r"^\s*(?:văn bản|documents?)", re.I), "văn bản"),
    (re.compile(r"^\s*(?:tài khoản|accounts?)", re.I), "tài khoản"),
    (re.compile(r"^\s*(?:lượt)", re.I), "lượt"),
]
_RANK_BEFORE = re.compile(r"(?:xếp\s+)?(?:thứ|hạng|vị trí|rank(?:ed)?)\s*(?:hạng\s*)?$", re.I)
_DENOMINATOR = re.compile(r"\s*/\s*(\d+(?:[.,]\d+)*)")
_MONTH_YEAR = re.compile(r"\s?/\s?(?:19|20)\d{2}(?!\d)")  # "tháng 5/2024": a month, not a figure
_DOC_CODE = re.compile(r"\d+/\d{4}/[A-ZĐ][\w-]*|\d+/[A-ZĐ][\w-]+")
_NAME_HEAD = re.compile(
    r"tỉnh|thành phố|địa phương|đơn vị|bộ|cơ quan|ngành|huyện|xã|tên|unit|province|ministry", re.I
)
_SKIP_HEAD = re.compile(r"^(?:stt|tt|số tt|mã|mã số|mã tthc|số hồ sơ|ký hiệu|số hiệu|ghi chú|t\.k)\b", re.I)
_TOTAL = re.compile(r"^(?:tổng|tổng cộng|tổng số|cộng|cả nước|toàn quốc|total)$", re.I)


def figure_value(fig: Figure) -> Decimal | None:
    """The figure's value with its scale word ("130.000 tỷ" → 130,000 × 10⁹), its % sign dropped."""
    m = _NUM.search(fig.text)
    values = readings(m.group(0)) if m else ()
    if not values:
        return None
    scale = next((v for pattern, v in _SCALE_WORDS if pattern.search(fig.text)), 1)
    return values[0] * scale


def _value_unit(text: str, fig: Figure, metric: str | None) -> str:
    if fig.percent:
        return "%"
    if _RANK_BEFORE.search(text[max(0, fig.start - 20) : fig.start]):
        return "thứ hạng"
    after = text[fig.end : fig.end + 40]
    for pattern, unit in _UNIT_AFTER:
        if pattern.match(after):
            return unit
    return metrics()[metric].unit if metric else ""


@lru_cache(maxsize=4096)
def _best_metric(text: str) -> str | None:
    # Cached: a statement with several figures falls back to its whole text for each of them.
    found = {m.key for m in metrics_in(text)}
    return next((k for k in metrics() if k in found), None)  # the yaml lists specific ones first


def _period(*texts: str) -> tuple[str | None, int]:
    for i, t in enumerate(texts):
        for p in periods_in(_DOC_CODE.sub(" ", t)):
            label = period_label(p)
            if label:
                return label, i
    return None, -1


def _fact_id(doc_id: str, start: int, end: int, metric: str | None, unit: str | None) -> str:
    key = f"{doc_id}\x1f{start}\x1f{end}\x1f{metric or ''}\x1f{unit or ''}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


@dataclass
class _Context:
    doc_id: str
    text: str
    published: str | None
    default_unit: UnitMention | None  # the one province a title names

    def fact(
        self,
        fig: Figure,
        value: Decimal,
        unit: UnitMention | None,
        level: str | None,
        metric: str | None,
        value_unit: str,
        period: str | None,
        source: str,
        kind: str,
        span: tuple[int, int],
    ) -> Fact:
        if period is None and self.published and self.published[:4].isdigit():
            period, source = self.published[:4], "published"
        if unit is not None and level is None:
            level = unit.level
        return Fact(
            _fact_id(self.doc_id, fig.start, fig.end, metric, unit.key if unit else None),
            self.doc_id,
            unit.name if unit else None,
            unit.key if unit else None,
            unit.province if unit else None,
            level,
            metric,
            value,
            self.text[fig.start : fig.end],
            value_unit,
            period,
            source if period else "",
            kind,
            self.published,
            span[0],
            span[1],
            fig.start,
            fig.end,
            self.text[span[0] : span[1]],
        )


def _denominator_ends(text: str, figs: list[Figure]) -> tuple[list[Figure], dict[int, int]]:
    """Fractions ("672/1.894", "7,5/12 điểm"): the denominator is part of its numerator."""
    kept: list[Figure] = []
    skip: set[int] = set()
    ends: dict[int, int] = {}
    for i, f in enumerate(figs):
        if i in skip or _MONTH_YEAR.match(text, f.end):
            continue
        m = _DENOMINATOR.match(text, f.end)
        if m and not f.percent:
            if i + 1 < len(figs) and figs[i + 1].start == m.start(1):
                skip.add(i + 1)
            ends[f.start] = m.end(1)  # "7,5/12" reads "5/12" as a date: its denominator is no figure
        kept.append(f)
    return kept, ends


class _ParagraphUnit:
    """The unit the paragraph so far named last, read only when a figure needs it: two
    statements in three state no figure, and reading their units was a fifth of ingest's fact
    extraction. The statements not read yet wait, latest last; the latest one naming a unit
    gives it, as reading each one in turn would have."""

    def __init__(self, text: str, marked: ToneMarked | None = None) -> None:
        self.text = text
        self.marked = marked
        self.known: UnitMention | None = None
        self.unread: list[tuple[int, int]] = []

    def new_paragraph(self) -> None:
        self.known, self.unread = None, []

    def skipped(self, start: int, end: int) -> None:
        """A statement stating no figure: its units are read only if a later figure needs them."""
        self.unread.append((start, end))

    def named(self, units: list[UnitMention]) -> None:
        """A statement read: the last unit it names, if any, is the paragraph's now."""
        if units:
            self.known, self.unread = units[-1], []

    def get(self) -> UnitMention | None:
        for start, end in reversed(self.unread):
            units = units_at(self.text[start:end], self.marked.of(start, end) if self.marked else None)
            if units:
                self.known = units[-1]
                break
        self.unread = []
        return self.known


def _prose(ctx: _Context, start: int, end: int, para: _ParagraphUnit) -> list[Fact]:
    text = ctx.text
    sentence = text[start:end]
    raw, ends = _denominator_ends(sentence, figures(sentence))
    if not raw:
        para.skipped(start, end)
        return []
    units = units_at(sentence, para.marked.of(start, end) if para.marked else None)
    out: list[Fact] = []
    prev: dict[str, object] = {}
    for i, f in enumerate(raw):
        fig = Figure(
            text[start + f.start : start + ends.get(f.start, f.end)],
            start + f.start,
            start + ends.get(f.start, f.end),
            f.percent,
        )
        value = figure_value(Figure(f.text, f.start, f.end, f.percent))
        if value is None:
            continue
        lo = raw[i - 1].end if i else 0
        hi = raw[i + 1].start if i + 1 < len(raw) else len(sentence)
        before, after = sentence[lo : f.start].split(";")[-1], sentence[f.end : hi].split(";")[0]
        # "tỷ lệ hồ sơ đúng hạn đạt 99%": a rate's metric comes before it; "672 TTHC được cung
        # cấp toàn trình": a count's is named right after it.
        near = _NEAR_END.split(after, 1)[0]
        # "45.000 đồng/hồ sơ": what follows a sum of money is what it is paid per, not its metric.
        money = _MONEY_AFTER.match(after)
        metric = (
            (None if f.percent or money else _best_metric(near))
            or _best_metric(before)
            or _best_metric(after)
            or prev.get("metric")
            or _best_metric(sentence)
        )
        levels = levels_in(before)
        level = levels[-1].key if levels else prev.get("level")
        named = [u for u in units if lo <= u.start < f.start] or [u for u in units if f.end <= u.start < hi]
        unit = (
            named[-1]
            if named
            else prev.get("unit") or (units[0] if units else None) or para.get() or ctx.default_unit
        )
        kind = kind_of(before) or prev.get("kind") or "achieved"
        value_unit = _value_unit(text, fig, metric)  # type: ignore[arg-type]
        if not metric and value_unit in ("", "ngày", "giờ", "phút"):
            continue
        period, where = _period(before + sentence[f.start : f.end] + after, sentence)
        prev = {"metric": metric, "level": level, "unit": unit, "kind": kind}
        out.append(
            ctx.fact(
                fig,
                value,
                unit,
                level,
                metric,
                value_unit,
                period,  # type: ignore[arg-type]
                ("clause", "sentence")[where] if period else "",
                kind,
                (start, end),
            )
        )  # type: ignore[arg-type]
    para.named(units)
    return out


def row_name(row: Row) -> Cell | None:
    """The cell that names what a table row is about: under a unit-like header ("Tỉnh",
    "Bộ, cơ quan", "Tên thủ tục"), else its first cell after the number that holds no figure."""
    name = next(
        (c for c in row.cells if c.header and _NAME_HEAD.search(c.header) and not figures(c.text)), None
    )
    return name or next((c for c in row.cells[1:] if c.text and not figures(c.text)), None)


def skipped_column(header: str) -> bool:
    """Columns that hold no fact: the row number, codes, notes."""
    return bool(_SKIP_HEAD.match(header))


def total_row(name: str) -> bool:
    return bool(_TOTAL.match(name))


def _row(ctx: _Context, row: Row) -> list[Fact]:
    text = ctx.text
    name = row_name(row)
    unit: UnitMention | None = None
    level = None
    if name is not None:
        found = units_at(text[name.start : name.end])
        if found:
            u = found[0]
            unit = UnitMention(u.name, u.key, u.level, name.start + u.start, name.start + u.end, u.province)
        elif _TOTAL.match(name.text):
            level = "national" if _UNIT_HEADS.search(" ".join(c.header for c in row.cells)) else None
    out: list[Fact] = []
    for c in row.cells:
        if c is name or not c.text or _SKIP_HEAD.match(c.header) or (c is row.cells[0] and not c.header):
            continue
        for f in figures(c.text)[:1]:
            fig = Figure(
                text[c.start + f.start : c.start + f.end], c.start + f.start, c.start + f.end, f.percent
            )
            if fig.text != f.text:
                continue  # the cell's text was cleaned (emphasis): offsets no longer point at it
            value = figure_value(fig)
            if value is None:
                continue
            metric = _best_metric(c.header) or _best_metric(row.caption)
            value_unit = (
                "%"
                if fig.percent or _RATE_HEAD.search(c.header)
                else (
                    next(
                        (u for pattern, u in _UNIT_AFTER if pattern.search(" " + c.header.replace("/", " "))),
                        None,
                    )
                    or _value_unit(text, fig, metric)
                )
            )
            if not metric and not value_unit:
                continue
            levels = levels_in(c.header)
            period, _ = _period(c.header, row.caption)
            kind = kind_of(c.header) or "achieved"
            out.append(
                ctx.fact(
                    fig,
                    value,
                    unit,
                    levels[-1].key if levels else level,
                    metric,
                    value_unit,
                    period,
                    "table",
                    kind,
                    (row.start, row.end),
                )
            )
    return out


def extract_facts(
    doc_id: str, text: str, title: str = "", published: str | None = None, marked: ToneMarked | None = None
) -> list[Fact]:
    """Every fact ``text`` states, in text order; offsets are those of ``text``. ``marked``: the
    text's tone marks normalised once (``textnorm.ToneMarked``), where the caller has them."""
    in_title = [u for u in units_at(title) if u.level == "province"]
    default = in_title[0] if len({u.key for u in in_title}) == 1 else None
    ctx = _Context(doc_id, text, published, default)
    rows = table_rows(text)
    out: list[Fact] = []
    for row in rows:
        out.extend(_row(ctx, row))
    taken = [(r.start, r.end) for r in rows]
    para = _ParagraphUnit(text, marked if marked is not None and marked.text is text else None)
    last_end = 0
    for span in statement_spans(text):
        if "\n\n" in text[last_end : span.start]:
            para.new_paragraph()  # a new paragraph: the unit it is about is named again
        last_end = span.end
        if any(a < span.end and span.start < b for a, b in taken) or "|" in text[span.start : span.end]:
            continue
        out.extend(_prose(ctx, span.start, span.end, para))
    seen: set[str] = set()
    unique = []
    for f in sorted(out, key=lambda f: (f.value_start, f.fact_id)):
        if f.fact_id not in seen:
            seen.add(f.fact_id)
            unique.append(f)
    return unique
