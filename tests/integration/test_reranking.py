"""The sentence-evidence reranker and the question kinds it relies on."""

from assistant.answering import question as question_rules
from assistant.answering.question import question_kind
from assistant.index.keywords import tokenize
from assistant.index.store import StoredChunk
from assistant.retrieval import (
    Filters,
    Hit,
    NoReranker,
    QueryAnalyzer,
    SentenceEvidenceReranker,
    make_reranker,
)

QUESTION = "Tỷ lệ hồ sơ trực tuyến toàn trình của tỉnh Điện Biên là bao nhiêu?"
# Every query term once, but spread over sentences about different things.
SPREAD = (
    "Tỉnh Điện Biên tổ chức hội nghị tổng kết. Tỷ lệ giải ngân vốn đầu tư công còn thấp. "
    "Nhiều hồ sơ đất đai tồn đọng. Cổng dịch vụ công trực tuyến được nâng cấp toàn trình."
)
# The answer in one sentence.
CONCENTRATED = (
    "Sở Nội vụ công bố kết quả quý II. Tỷ lệ hồ sơ trực tuyến toàn trình của tỉnh Điện Biên đạt "
    "39,69%. Kết quả này cao hơn cùng kỳ."
)


def chunk(doc_id: str, text: str, published: str | None = None) -> StoredChunk:
    return StoredChunk(f"{doc_id}-0", doc_id, 0, 0, len(text), text, f"Bài {doc_id}", None, published, "x.vn")


def test_the_chunk_that_answers_in_one_sentence_moves_ahead(service):
    query = QueryAnalyzer()(QUESTION, Filters())
    # A tie in fusion (dense 2 + keyword 1 against dense 1 + keyword 2), broken by the
    # sentence that holds the answer.
    fused = 1 / 21 + 1 / 22
    hits = [Hit(chunk("spread", SPREAD), fused), Hit(chunk("answer", CONCENTRATED), fused - 1e-9)]
    reranked = SentenceEvidenceReranker(service.store, question_rules, weight=0.5, k=20)(query, hits)
    assert [h.chunk.doc_id for h in reranked] == ["answer", "spread"]
    assert reranked[0].ranks["sentence"] == 1
    # Without the stage the fused order stands.
    assert [h.chunk.doc_id for h in NoReranker()(query, list(hits))] == ["spread", "answer"]


def test_a_number_question_prefers_the_sentence_with_a_number(service):
    terms = set(tokenize("tỷ lệ hồ sơ trực tuyến Điện Biên"))
    idf = service.store.keyword_index().idf(sorted(terms))
    with_number = "Tỷ lệ hồ sơ trực tuyến của Điện Biên đạt 39,69%."
    without = "Tỷ lệ hồ sơ trực tuyến của Điện Biên còn thấp."
    score = SentenceEvidenceReranker.evidence
    assert score(with_number, terms, idf, "number") > score(without, terms, idf, "number")
    assert score(without, terms, idf, "fact") == score(without, terms, idf, "number") / 0.7
    assert question_kind(QUESTION) == "number"
    assert question_kind("Nghị định 107 có hiệu lực khi nào?") == "date"
    assert question_kind("Đề án kéo dài trong khoảng thời gian nào?") == "date"
    assert question_kind("Người ký quyết định là ai?") == "person"
    assert question_kind("Who signed the decree?") == "person"
    # "AI" is artificial intelligence, and "Who" in a Vietnamese question is a name.
    assert question_kind("Tỉnh ứng dụng AI trong giải quyết TTHC ra sao?") == "fact"
    assert question_kind("Doctor Who được phát sóng lần đầu vào năm nào?") == "date"


def test_reranker_names():
    assert isinstance(make_reranker("none", None, question_rules), NoReranker)  # type: ignore[arg-type]
    try:
        make_reranker("bogus", None, question_rules)  # type: ignore[arg-type]
    except ValueError as exc:
        assert "sentence" in str(exc)
    else:
        raise AssertionError("an unknown reranker must be refused")
