"""Figures as facts: extraction from prose and table rows, storage with the document, the
`cchc facts` table and `GET /v1/facts`. Examples are general reform phrasing with made-up
figures (and made-up places where a gazetteer province is not needed)."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import docx
import httpx
import numpy as np

from assistant.facts_table import COLUMNS
from assistant.index.embeddings import embedder_from
from assistant.index.facts import FactQuery, extract_facts
from assistant.index.records import DocumentRecord
from assistant.index.store import IndexStore
from assistant.index.tables import table_rows
from assistant.settings import Settings
from ingest.loaders import load_paths


def _facts(text: str, title: str = "", published: str | None = "2024-07-01"):
    facts = extract_facts("d1", text, title, published)
    for f in facts:  # every offset is verbatim
        assert text[f.value_start : f.value_end] == f.value_text and text[f.start : f.end] == f.quote
    return facts


def test_levels_side_by_side_are_three_facts():
    text = (
        "Năm 2024, tỷ lệ hồ sơ giải quyết đúng hạn của tỉnh Hà Giang: cấp tỉnh đạt 99,1%; "
        "cấp huyện đạt 93,4%; cấp xã đạt 96,8%."
    )
    facts = _facts(text)
    assert [(f.level, f.value, f.metric, f.period) for f in facts] == [
        ("province", Decimal("99.1"), "on_time", "2024"),
        ("district", Decimal("93.4"), "on_time", "2024"),
        ("commune", Decimal("96.8"), "on_time", "2024"),
    ]
    assert {f.unit for f in facts} == {"Hà Giang"} and {f.province for f in facts} == {"tuyen_quang"}


def test_target_and_achieved():
    text = (
        "Tỉnh Lạng Sơn phấn đấu đến năm 2025 đạt 80% hồ sơ trực tuyến. "
        "Đến nay, tỷ lệ hồ sơ nộp trực tuyến đã đạt 62%."
    )
    target, achieved = _facts(text)
    assert (target.kind, target.value, target.period, target.period_source) == (
        "target",
        80,
        "2025",
        "clause",
    )
    assert (achieved.kind, achieved.value, achieved.period_source) == ("achieved", 62, "published")
    assert achieved.metric == target.metric == "online_dossiers"


def test_a_score_and_a_rate_are_two_facts():
    facts = _facts("Quý III/2024, dịch vụ công trực tuyến của tỉnh Sơn La đạt 7,5/12 điểm, tỷ lệ 62,5%.")
    assert [(f.value, f.value_unit, f.value_text, f.period) for f in facts] == [
        (Decimal("7.5"), "điểm", "7,5/12", "2024-Q3"),
        (Decimal("62.5"), "%", "62,5%", "2024-Q3"),
    ]


def test_counts_months_and_named_units():
    text = (
        "Trong tháng 5/2023, huyện Cờ Đỏ tiếp nhận 1.234 hồ sơ; có 672/1.894 TTHC được cung cấp "
        "trực tuyến toàn trình, đạt 35,48%. Bộ Tài chính dự kiến cắt giảm 2.000 tỷ đồng chi phí tuân thủ."
    )
    facts = _facts(text, published=None)
    got = [(f.unit, f.level, f.metric, f.value, f.value_unit, f.period, f.kind) for f in facts]
    assert got == [
        ("huyện Cờ Đỏ", "district", "dossiers", 1234, "hồ sơ", "2023-05", "achieved"),
        ("huyện Cờ Đỏ", "district", "online_full", 672, "TTHC", "2023-05", "achieved"),
        ("huyện Cờ Đỏ", "district", "online_full", Decimal("35.48"), "%", "2023-05", "achieved"),
        ("Bộ Tài chính", "ministry", "cost", 2000 * 10**9, "đồng", None, "target"),
    ]
    # Not facts: the month itself, list marks, document numbers.
    assert not _facts("Căn cứ Nghị định số 61/2018/NĐ-CP ngày 23/4/2018.\n1. Điều 5 quy định chung.")


def test_docx_table_rows_carry_their_headers(tmp_path: Path):
    d = docx.Document()
    d.add_paragraph("Kết quả cung cấp dịch vụ công trực tuyến toàn trình năm 2023.")
    rows = [
        ("Tỉnh", "TTHC trực tuyến toàn trình", "Tỷ lệ"),
        ("Cao Bằng", "598", "33,17%"),
        ("Lai Châu", "455", "26,73%"),
    ]
    table = d.add_table(rows=3, cols=3)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    d.save(tmp_path / "bang.docx")
    [doc] = list(load_paths([tmp_path / "bang.docx"]))
    facts = _facts(doc.text, doc.title, None)
    got = {(f.unit, f.metric, f.value, f.value_unit, f.period) for f in facts}
    assert got == {
        ("Cao Bằng", "online_full", 598, "TTHC", "2023"),
        ("Cao Bằng", "online_full", Decimal("33.17"), "%", "2023"),
        ("Lai Châu", "online_full", 455, "TTHC", "2023"),
        ("Lai Châu", "online_full", Decimal("26.73"), "%", "2023"),
    }


FLAT = """Kết quả năm 2024 của các địa phương:

| STT | Tỉnh | Tổng số TTHC | Tỷ lệ hồ sơ đúng hạn |
|---|---|---|---|
| 1 | Bắc Ninh | 1.750 | 98,5% |
| 2 | Phú Thọ | 1.622 | 97,2% |

PHỤ LỤC
|
**STT**
|
**Bộ, cơ quan**
|
**TTHC đã cắt giảm**
|
|
**Đơn giản hóa**
|
**Bãi bỏ**
|
|
1
|
Bộ Y tế
|
24
|
5
|
|
2
|
Bộ Xây dựng
|
13
|
6
|
"""


def test_flattened_tables_one_row_or_one_cell_a_line():
    rows = table_rows(FLAT)
    assert [[c.text for c in r.cells][1] for r in rows] == ["Bắc Ninh", "Phú Thọ", "Bộ Y tế", "Bộ Xây dựng"]
    assert rows[2].cells[3].header == "TTHC đã cắt giảm — Bãi bỏ"
    facts = _facts(FLAT, published=None)
    got = {(f.unit, f.level, f.metric, f.value, f.value_unit, f.period) for f in facts}
    assert ("Bắc Ninh", "province", "procedures", 1750, "TTHC", "2024") in got
    assert ("Phú Thọ", "province", "on_time", Decimal("97.2"), "%", "2024") in got
    assert ("Bộ Y tế", "ministry", "procedures", 5, "TTHC", None) in got
    assert ("Bộ Xây dựng", "ministry", "procedures", 13, "TTHC", None) in got
    assert not any(
        f.value in (1, 2) and f.unit for f in facts if f.value_text in ("1", "2")
    )  # STT is no figure


def _store(path: Path) -> IndexStore:
    return IndexStore(path, embedder_from(Settings(data_dir=path)))


def _doc(text: str, h: str) -> DocumentRecord:
    return DocumentRecord("bc-1", "Báo cáo tỉnh Hà Giang", text, h, published="2024-03-01")


def test_facts_are_written_replaced_deleted_and_repaired_with_their_document(tmp_path: Path):
    store = _store(tmp_path)
    empty = np.zeros((0, store.embedder.dim), dtype=np.float32)
    store.upsert_document(_doc("Tỷ lệ hồ sơ đúng hạn cấp tỉnh đạt 98%; cấp xã đạt 91%.", "h1"), [], empty)
    assert [f.value for f in store.facts(FactQuery(unit="Tuyên Quang"))] == [
        98,
        91,
    ]  # the new province holds Hà Giang
    assert [f.value for f in store.facts(FactQuery(unit="ha giang", level="commune"))] == [91]
    assert (
        store.facts(FactQuery(unit="Cao Bằng")) == []
        and len(store.facts(FactQuery(metric="on_time", year=2024, kind="achieved"))) == 2
    )
    store.upsert_document(_doc("Năm 2023, tỷ lệ hồ sơ trực tuyến đạt 55%.", "h2"), [], empty)
    [f] = store.facts()
    assert (f.value, f.metric, f.period, f.title) == (55, "online_dossiers", "2023", "Báo cáo tỉnh Hà Giang")
    # A registry from before facts (or an older extractor) is found out and repaired.
    store._db.execute("DELETE FROM facts")
    store._db.execute("DELETE FROM fact_versions")
    store._db.commit()
    report = store.check()
    assert report["documents_missing_facts"] == ["bc-1"] and not report["facts_consistent"]
    store.check(repair=True)
    assert [f.value for f in store.facts()] == [55] and store.check()["facts_consistent"]
    store.delete_document("bc-1")
    assert store.facts() == []
    assert (
        sqlite3.connect(tmp_path / "registry.sqlite")
        .execute("SELECT count(*) FROM fact_versions")
        .fetchone()[0]
        == 0
    )
    store.close()


def test_cli_facts_csv_and_bad_filters(sample_index: Path):
    run = [sys.executable, "-m", "assistant.cli", "facts", "--data-dir", str(sample_index)]
    out = subprocess.run(
        [*run, "--unit", "Hà Giang", "--format", "csv"], capture_output=True, text=True, check=True
    )
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert rows and all(r["doc_id"] and r["quote"] for r in rows)
    assert any(r["value_text"] == "35,48%" and r["metric"] == "online_full" for r in rows)
    bad = subprocess.run([*run, "--period", "2024-13"], capture_output=True, text=True)
    assert bad.returncode == 2 and "YYYY-MM" in bad.stderr


def test_facts_endpoint_json_csv_and_422(server):
    r = httpx.get(f"{server}/v1/facts", params={"unit": "Hà Giang", "metric": "online_full"}, timeout=30)
    body = r.json()
    assert r.status_code == 200 and body["count"] == len(body["facts"]) > 0
    f = body["facts"][0]
    assert set(f) >= set(COLUMNS)  # every column of the CSV export is in the JSON too
    doc = httpx.get(f"{server}/v1/documents/{f['doc_id']}", timeout=30).json()
    assert doc["text"][f["start"] : f["end"]] == f["quote"] and f["value_text"] in f["quote"]
    csv_r = httpx.get(f"{server}/v1/facts", params={"format": "csv", "limit": 3}, timeout=30)
    assert (
        csv_r.headers["content-type"].startswith("text/csv")
        and len(list(csv.DictReader(io.StringIO(csv_r.text)))) == 3
    )
    vi = httpx.get(f"{server}/v1/facts", params={"level": "tỉnh"}, timeout=30)
    en = httpx.get(
        f"{server}/v1/facts", params={"kind": "plan"}, headers={"Accept-Language": "en"}, timeout=30
    )
    assert vi.status_code == en.status_code == 422
    assert "Cấp không hợp lệ" in vi.json()["detail"] and "Invalid kind" in en.json()["detail"]
    assert json.dumps(body, ensure_ascii=False)


def test_a_sum_of_money_is_a_fee_not_of_what_it_is_paid_per():
    text = "Điều 2. Lệ phí\nMức thu lệ phí cấp giấy phép là 45.000 đồng/hồ sơ đối với hồ sơ nộp trực tiếp."
    fact = next(f for f in extract_facts("d1", text) if f.value_text.startswith("45.000"))
    assert fact.metric == "fees" and fact.value_unit == "đồng"
