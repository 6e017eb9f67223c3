"""Metadata people can set and trust, and one id rule for the CLI, the API and fetched pages."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import docx

from ingest.loaders import LoadError, SourceDocument, file_doc_id, load_bytes, load_paths
from ingest.metadata import FileMeta, canonical_url, document_id, text_date

REPORT = "Báo cáo kết quả cải cách hành chính quý I\n\nHà Nội, ngày 02 tháng 12 năm 2025\n\nTỷ lệ hồ sơ trực tuyến đạt 81%."


def test_a_document_dates_itself_in_its_header_not_in_what_it_cites():
    assert text_date(REPORT) == "2025-12-02"
    assert text_date("*Hà Nội, ngày 02\ntháng 12 năm 2025 *") == "2025-12-02"
    assert text_date("BÁO CÁO\nNgày 10/10/2025\nNội dung") == "2025-10-10"
    assert text_date("Căn cứ Nghị định số 63/2010/NĐ-CP ngày 08/6/2010 của Chính phủ") is None
    assert text_date("Hà Nội, ngày 31 tháng 2 năm 2025") is None  # no such day


def test_the_same_bytes_are_the_same_document_from_cli_api_and_jsonl(tmp_path: Path):
    data = REPORT.encode("utf-8")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "bao-cao.txt").write_bytes(data)
    (tmp_path / "b" / "bao-cao.txt").write_bytes(data)
    ids = {d.doc_id for d in load_paths([tmp_path / "a", tmp_path / "b"])}
    assert len(ids) == 1
    [doc] = list(load_bytes(data, "upload.txt", key="upload:whatever"))
    assert doc.doc_id in ids and file_doc_id("upload:whatever", "upload.txt", data) == doc.doc_id
    other = (REPORT + " Sửa.").encode("utf-8")
    assert document_id(other) != doc.doc_id  # a different file never takes its place
    assert document_id(data, explicit="bc-q1") == "bc-q1"
    assert document_id(data, url="HTTPS://Cong.Example.vn/tin/1/?utm_source=zalo#top") == document_id(
        b"", url="https://cong.example.vn/tin/1")
    assert canonical_url("https://x.vn:443/a/?b=2&a=1") == "https://x.vn/a?a=1&b=2"


def test_the_text_date_then_a_sidecar_then_flags(tmp_path: Path):
    path = tmp_path / "bao-cao.txt"
    path.write_text(REPORT, encoding="utf-8")
    [doc] = list(load_paths([path]))
    assert doc.published == "2025-12-02" and doc.extra["published_from"] == "text"
    assert doc.extra["file_name"] == "bao-cao.txt"
    path.with_name("bao-cao.txt.meta.json").write_text(json.dumps(
        {"title": "Báo cáo CCHC quý I", "source": "Sở Nội vụ", "published": "2025-12-03", "url": "https://snv.example.vn/bc"}),
        encoding="utf-8")
    [doc] = list(load_paths([tmp_path]))  # the sidecar itself is not a document
    assert (doc.title, doc.source, doc.published, doc.url) == ("Báo cáo CCHC quý I", "Sở Nội vụ", "2025-12-03",
                                                              "https://snv.example.vn/bc")
    assert "published_from" not in doc.extra and doc.doc_id == document_id(b"", url="https://snv.example.vn/bc")
    [doc] = list(load_paths([path], meta=FileMeta(title="Tên khác", doc_id="bc-1")))
    assert (doc.title, doc.source, doc.doc_id) == ("Tên khác", "Sở Nội vụ", "bc-1")


def test_bad_metadata_is_refused_with_the_reason(tmp_path: Path):
    path = tmp_path / "x.txt"
    path.write_text(REPORT, encoding="utf-8")
    path.with_name("x.txt.meta.json").write_text('{"published": "2025-13-40"}', encoding="utf-8")
    [err] = list(load_paths([path]))
    assert isinstance(err, LoadError) and "no such date" in str(err)
    [err] = list(load_bytes(b'{"doc_id": "a", "text": "b"}\n', "many.jsonl", meta=FileMeta(title="t")))
    assert isinstance(err, LoadError) and "many documents" in str(err)


def test_a_word_file_dates_itself_from_its_properties(tmp_path: Path):
    d = docx.Document()
    d.core_properties.created = datetime(2025, 3, 14, 8, 0)
    d.add_paragraph("Kế hoạch cải cách hành chính năm 2025 của Sở Tư pháp.")
    d.save(tmp_path / "kh.docx")
    [doc] = list(load_paths([tmp_path / "kh.docx"]))
    assert isinstance(doc, SourceDocument)
    assert doc.published == "2025-03-14" and doc.extra["published_from"] == "file properties"
    blank = docx.Document()  # python-docx's template stamp (2013) is not a date of the file
    blank.add_paragraph("Không có ngày.")
    blank.save(tmp_path / "blank.docx")
    [doc] = list(load_paths([tmp_path / "blank.docx"]))
    assert doc.published is None


def test_form_fields_set_an_uploads_metadata_and_the_cli_and_api_agree(sample_index: Path, tmp_path: Path):
    import time

    import httpx

    from ingest.loaders import load_paths as load

    from ..conftest import ADMIN_KEY, admin_server

    auth = {"Authorization": f"Bearer {ADMIN_KEY}"}
    data = REPORT.encode("utf-8")
    (tmp_path / "bc.txt").write_bytes(data)
    [cli_doc] = list(load([tmp_path / "bc.txt"]))
    with admin_server(sample_index, tmp_path / "srv") as server:
        files = {"files": ("bc.txt", data, "text/plain")}
        form = {"title": "Báo cáo quý I của Sở Nội vụ", "source": "Sở Nội vụ", "published": "03/12/2025"}
        r = httpx.post(f"{server}/v1/documents", files=files, data=form, headers=auth, timeout=60)
        assert r.status_code == 202, r.text
        assert r.json()["accepted"] == [cli_doc.doc_id]  # the same bytes: the id the CLI gives
        deadline = time.time() + 60
        while httpx.get(f"{server}{r.json()['status_url']}", headers=auth).json()["status"] != "succeeded":
            assert time.time() < deadline, "the ingest job did not finish"
            time.sleep(0.3)
        doc = httpx.get(f"{server}/v1/documents/{cli_doc.doc_id}").json()
        assert (doc["title"], doc["source"], doc["published"]) == ("Báo cáo quý I của Sở Nội vụ", "Sở Nội vụ", "2025-12-03")
        assert doc["metadata"]["file_name"] == "bc.txt"
        two = [("files", ("a.txt", data, "text/plain")), ("files", ("b.txt", data + b"!", "text/plain"))]
        r = httpx.post(f"{server}/v1/documents", files=two, data={"title": "x"}, headers=auth, timeout=60)
        assert r.status_code == 400 and "one file" in r.text
        r = httpx.post(f"{server}/v1/documents", files=files, data={"published": "2025-02-30"}, headers=auth, timeout=60)
        assert r.status_code == 400 and "no such date" in r.text
