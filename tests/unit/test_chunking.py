import json

from assistant.index.sentences import sentence_spans
from ingest.chunking import chunk_text

from ..conftest import SAMPLE


def _sentences(text: str) -> list[str]:
    return [text[s.start : s.end] for s in sentence_spans(text)]


def test_sentences_do_not_split_numbers_or_abbreviations():
    text = "Sáng 19.7, tại Hà Nội, BCĐ họp. TP. Hồ Chí Minh có 1.894 TTHC (đạt 35,48%). ThS. Lê Văn A phát biểu! Xong?"
    assert _sentences(text) == [
        "Sáng 19.7, tại Hà Nội, BCĐ họp.",
        "TP. Hồ Chí Minh có 1.894 TTHC (đạt 35,48%).",
        "ThS. Lê Văn A phát biểu!",
        "Xong?",
    ]


def _sample_docs() -> list[dict]:
    docs = []
    for path in SAMPLE.glob("*.jsonl"):
        docs += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert docs
    return docs


def test_chunks_are_verbatim_bounded_and_cover_the_text():
    for doc in _sample_docs():
        text = doc["text"]
        chunks = chunk_text(text, max_chars=600, overlap_chars=150)
        assert chunks
        for c in chunks:
            assert text[c.start : c.end] == c.text
            assert len(c.text) <= 600
        covered = set()
        for c in chunks:
            covered.update(range(c.start, c.end))
        non_space = {i for i, ch in enumerate(text) if not ch.isspace()}
        assert non_space <= covered


def test_no_chunk_boundary_falls_inside_a_number():
    import re

    for doc in _sample_docs():
        text = doc["text"]
        spans = [m.span() for m in re.finditer(r"\d+(?:[.,]\d+)+%?", text)]
        for c in chunk_text(text, max_chars=300, overlap_chars=0):
            for a, b in spans:
                assert not (a < c.start < b) and not (a < c.end < b), text[a:b]


def test_a_paragraph_that_fits_starts_a_chunk():
    para1 = "Câu mở đầu khá dài của đoạn một. " * 8
    para2 = "Đối với tỉnh X, con số là 1.234 hồ sơ. Câu thứ hai của đoạn hai nói thêm."
    text = para1.strip() + "\n\n" + para2
    chunks = chunk_text(text, max_chars=len(para1) + 20, overlap_chars=0)
    assert any(c.text.startswith("Đối với tỉnh X") for c in chunks)
    assert any("Đối với tỉnh X" in c.text and "1.234" in c.text for c in chunks)


def test_bulleted_lines_are_statements_of_their_own_but_legal_items_stay_with_their_lead_in():
    from assistant.index.sentences import statement_spans

    bullets = (
        "Nhà nước áp dụng chính sách ưu đãi, cụ thể:\n\n- Công dân được miễn, giảm phí, lệ phí\n\n"
        "**+ Miễn 100% phí, lệ phí **đối với thủ tục cơ bản;\n\n**+ Giảm tối thiểu 50% phí, lệ phí** đối với thủ tục phức tạp"
    )
    pieces = [bullets[s.start : s.end] for s in statement_spans(bullets)]
    assert pieces[-1] == "**+ Giảm tối thiểu 50% phí, lệ phí** đối với thủ tục phức tạp"
    assert any(p.startswith("**+ Miễn 100%") and "50%" not in p for p in pieces)
    legal = "2. Phạm tội thuộc một trong các trường hợp sau đây, thì bị phạt tù từ 07 năm đến 15 năm:\n\na) Là chỉ huy hoặc sĩ quan;\n\nb) Giao nộp vũ khí."
    assert [legal[s.start : s.end] for s in statement_spans(legal)] == [legal]


def test_an_acronym_before_a_full_stop_ends_a_statement_a_title_does_not():
    from assistant.index.sentences import sentence_spans, statement_spans

    text = "Các sở đã hoàn thành 4 nhiệm vụ của CCHC. Đến nay, tỉnh có 41,5% hồ sơ trực tuyến. Theo TS. Lê Văn B, tỉnh đạt."
    assert [text[s.start : s.end] for s in statement_spans(text)] == [
        "Các sở đã hoàn thành 4 nhiệm vụ của CCHC.",
        "Đến nay, tỉnh có 41,5% hồ sơ trực tuyến.",
        "Theo TS. Lê Văn B, tỉnh đạt.",
    ]
    # Chunk boundaries (sentence_spans) stay where they were: the embeddings cached for them hold.
    assert len(sentence_spans(text)) == 2


def test_a_blank_line_ends_a_statement_after_a_caption_not_after_an_articles_heading():
    from assistant.index.sentences import statement_spans

    heading = "Điều 12. Thời hạn giải quyết\n\nThời hạn giải quyết là 05 ngày làm việc."
    assert [heading[s.start : s.end] for s in statement_spans(heading)] == [heading]
    caption = "Người dân làm thủ tục. Ảnh N.H\n\nTỉnh đạt 45%."
    assert [caption[s.start : s.end] for s in statement_spans(caption)] == [
        "Người dân làm thủ tục.",
        "Ảnh N.H",
        "Tỉnh đạt 45%.",
    ]


def test_a_markdown_heading_is_a_statement_of_its_own():
    from assistant.index.sentences import statement_spans

    # The paragraph before ends without a full stop, as converted pages' items often do.
    text = (
        "Đối tượng áp dụng gồm công chức cấp xã làm công nghệ thông tin\n\n"
        "## Mức phụ cấp 2 triệu đồng/tháng\n\n"
        "Theo Nghị định, đối tượng trên được hưởng mức phụ cấp 2 triệu đồng/tháng."
    )
    got = [text[s.start : s.end] for s in statement_spans(text)]
    assert got == [
        "Đối tượng áp dụng gồm công chức cấp xã làm công nghệ thông tin",
        "## Mức phụ cấp 2 triệu đồng/tháng",
        "Theo Nghị định, đối tượng trên được hưởng mức phụ cấp 2 triệu đồng/tháng.",
    ]
    # Without a heading, a paragraph without a full stop still runs on (a line broken mid-sentence).
    plain = "Đối tượng áp dụng gồm công chức cấp xã\n\nlàm công nghệ thông tin."
    assert [plain[s.start : s.end] for s in statement_spans(plain)] == [plain]
