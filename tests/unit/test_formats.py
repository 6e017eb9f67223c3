"""PDF and Word documents: text out, tables kept whole, clear errors for bad files."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from assistant.service import AnswerService
from assistant.settings import Settings
from ingest.loaders import LoadError, SourceDocument, load_bytes, load_paths

from ..conftest import build

FIXTURES = Path(__file__).parents[1] / "fixtures"


def make_docx(path: Path) -> Path:
    d = docx.Document()
    d.core_properties.title = "Kết quả cung cấp dịch vụ công trực tuyến các tỉnh miền núi phía Bắc năm 2023"
    d.add_paragraph("Bảng tổng hợp số thủ tục hành chính được cung cấp dịch vụ công trực tuyến toàn trình.")
    rows = [("Tỉnh", "TTHC trực tuyến toàn trình", "Tổng số TTHC", "Tỷ lệ"),
            ("Cao Bằng", "598", "1.803", "33,17%"), ("Điện Biên", "701", "1.766", "39,69%"),
            ("Lai Châu", "455", "1.702", "26,73%")]
    table = d.add_table(rows=len(rows), cols=4)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    d.add_paragraph("Số liệu do Văn phòng Chính phủ tổng hợp ngày 15/12/2023.")
    d.save(path)
    return path


def test_pdf_text_layer_is_read_in_paragraphs():
    [doc] = list(load_paths([FIXTURES / "baocao-laocai-q3-2024.pdf"]))
    assert isinstance(doc, SourceDocument)
    assert doc.title.startswith("Báo cáo kết quả cải cách hành chính quý III")
    # A sentence printed over two lines comes back as one, so it can be quoted whole.
    assert "148.902 hồ sơ được giải quyết đúng hạn, đạt 97,68%." in doc.text


@pytest.mark.parametrize(
    ("name", "message"),
    [("scanned-no-text.pdf", "OCR"), ("encrypted.pdf", "password"), ("broken.pdf", "broken")],
)
def test_bad_pdfs_get_a_clear_error_each(name, message):
    [err] = list(load_paths([FIXTURES / name]))
    assert isinstance(err, LoadError) and message in str(err) and name in str(err)


def test_docx_tables_keep_their_header_with_every_row(tmp_path):
    [doc] = list(load_paths([make_docx(tmp_path / "dvc.docx")]))
    assert isinstance(doc, SourceDocument) and doc.title.startswith("Kết quả cung cấp")
    row = next(line for line in doc.text.split("\n\n") if "Điện Biên" in line)
    assert row == "Tỉnh: Điện Biên; TTHC trực tuyến toàn trình: 701; Tổng số TTHC: 1.766; Tỷ lệ: 39,69%."
    assert doc.text.index("Bảng tổng hợp") < doc.text.index("Cao Bằng") < doc.text.index("ngày 15/12/2023")


def test_not_a_docx_and_unknown_types_are_refused():
    [err] = list(load_bytes(b"PK\x03\x04 not really", "quyet-dinh.docx"))
    assert isinstance(err, LoadError) and ".docx" in str(err)
    [err] = list(load_bytes(b"\xd0\xcf\x11\xe0", "cu.doc"))
    assert isinstance(err, LoadError) and "unsupported" in str(err)


def test_pdf_and_docx_figures_are_answered_with_citations(tmp_path, embed_cache_dir):
    paths = [FIXTURES / "baocao-laocai-q3-2024.pdf", make_docx(tmp_path / "dvc.docx")]
    settings = build(tmp_path / "idx", embed_cache_dir, paths)
    service = AnswerService(Settings(data_dir=settings.data_dir))
    table = service.ask("Tỷ lệ TTHC trực tuyến toàn trình của Điện Biên là bao nhiêu?")
    assert table.answerable and "39,69%" in table.answer
    assert "Điện Biên" in table.citations[0].quote and "Lai Châu" not in table.citations[0].quote
    report = service.ask("Lào Cai giải quyết đúng hạn bao nhiêu phần trăm hồ sơ trong quý III năm 2024?")
    assert report.answerable and "97,68%" in report.answer


def test_a_folders_own_notes_are_not_documents_unless_named(tmp_path):
    from ingest.loaders import iter_paths

    (tmp_path / "bao-cao-quy-1.md").write_text("Báo cáo quý I: tỉnh tiếp nhận 1.200 hồ sơ.", encoding="utf-8")
    (tmp_path / "SOURCES.md").write_text("| Tiêu đề | URL |\n|---|---|\n| Báo cáo quý I | https://x |", encoding="utf-8")
    (tmp_path / "README.md").write_text("Thư mục báo cáo.", encoding="utf-8")
    assert [p.name for p in iter_paths([tmp_path])] == ["bao-cao-quy-1.md"]
    assert [p.name for p in iter_paths([tmp_path / "SOURCES.md"])] == ["SOURCES.md"]
