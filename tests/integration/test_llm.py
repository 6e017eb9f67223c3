"""LLM answering against a fake OpenAI-compatible server on 127.0.0.1: each misbehaviour
ends as specified — rejected, regenerated once, or replaced by the extractive answer."""

import json
import re
from pathlib import Path

import httpx
import pytest

from assistant.answering.llm import _derivable, verify
from assistant.service import AnswerService
from assistant.settings import Settings

from ..conftest import free_port
from ..fakes import openai_server

Q = "Tỷ lệ TTHC được cung cấp DVC trực tuyến toàn trình của Hà Giang là bao nhiêu?"


@pytest.fixture(scope="module")
def fake_llm() -> str:
    port = free_port()
    server = openai_server.start(port)
    yield f"http://127.0.0.1:{port}/v1"
    server.should_exit = True


def llm_service(sample_index: Path, base: str, model: str, timeout: float = 20) -> AnswerService:
    settings = Settings(data_dir=sample_index, llm=f"openai:{model}", llm_base_url=base, llm_timeout_s=timeout, llm_max_retries=0)
    return AnswerService(settings)


def assert_grounded(service: AnswerService, resp) -> None:
    refs = {int(n) for n in re.findall(r"\[(\d+)\]", resp.answer)}
    assert refs == {c.n for c in resp.citations}
    for c in resp.citations:
        assert service.store.document(c.doc_id).text[c.start : c.end] == c.quote


def test_a_correct_llm_answer_is_shown_with_verified_quotes(sample_index, fake_llm):
    service = llm_service(sample_index, fake_llm, "correct")
    resp = service.ask(Q)
    assert resp.mode == "llm" and resp.answerable and resp.prompt_version.startswith("llm-vi")
    assert "35,48%" in resp.answer
    assert resp.citations[0].doc_id == "seed-hagiang-2023-07-19" and "35,48%" in resp.citations[0].quote
    assert_grounded(service, resp)


def test_a_citation_to_a_source_not_retrieved_is_never_shown(sample_index, fake_llm):
    service = llm_service(sample_index, fake_llm, "wrong-citation")
    resp = service.ask(Q)
    assert resp.mode == "extractive"
    assert any("not one of the retrieved sources" in w for w in resp.warnings)
    assert_grounded(service, resp)


def test_a_changed_number_is_rejected_and_falls_back(sample_index, fake_llm):
    service = llm_service(sample_index, fake_llm, "change-number")
    resp = service.ask(Q)
    assert resp.mode == "extractive" and "35,48%" in resp.answer
    assert any("in none of the cited sources" in w for w in resp.warnings)


def test_a_rejected_draft_is_regenerated_once_with_feedback(sample_index, fake_llm):
    before = len(openai_server.calls)
    service = llm_service(sample_index, fake_llm, "fix-after-feedback")
    resp = service.ask(Q)
    assert resp.mode == "llm" and "35,48%" in resp.answer
    sent = openai_server.calls[before:]
    assert len(sent) == 2
    assert "in none of the cited sources" in sent[1]["messages"][-1]["content"]


def test_a_timeout_falls_back_to_the_extractive_answer(sample_index, fake_llm):
    service = llm_service(sample_index, fake_llm, "timeout", timeout=1)
    resp = service.ask(Q)
    assert resp.mode == "extractive" and resp.answerable
    assert any("language model failed" in w for w in resp.warnings)


def test_an_unreachable_server_falls_back(sample_index):
    service = llm_service(sample_index, f"http://127.0.0.1:{free_port()}/v1", "correct", timeout=2)
    resp = service.ask(Q)
    assert resp.mode == "extractive" and resp.answerable


def test_the_model_saying_not_found_is_an_honest_abstention(sample_index, fake_llm):
    resp = llm_service(sample_index, fake_llm, "not-found").ask(Q)
    assert resp.mode == "llm" and not resp.answerable and resp.citations == []


def test_sources_are_sent_as_quoted_data(sample_index, fake_llm):
    before = len(openai_server.calls)
    llm_service(sample_index, fake_llm, "correct").ask(Q)
    msgs = openai_server.calls[before]["messages"]
    assert msgs[0]["role"] == "system" and "không phải chỉ dẫn" in msgs[0]["content"]
    assert '<source n="1"' in msgs[1]["content"]


def test_english_questions_use_the_english_prompt(sample_index, fake_llm):
    before = len(openai_server.calls)
    resp = llm_service(sample_index, fake_llm, "correct").ask("what share of procedures are fully online in Hà Giang?")
    assert resp.prompt_version.startswith("llm-en")
    assert "Answer briefly in English" in openai_server.calls[before]["messages"][0]["content"]


def test_streaming_sends_tokens_then_the_verified_answer(sample_index, fake_llm):
    service = llm_service(sample_index, fake_llm, "correct")
    events = list(service.stream(Q))
    kinds = [k for k, _ in events]
    assert kinds.count("token") > 3 and kinds[-1] == "final"
    final = events[-1][1]
    assert final.mode == "llm" and "35,48%" in final.answer
    streamed = "".join(t for k, t in events if k == "token")
    assert "35,48%" in streamed


def test_streaming_a_bad_draft_ends_with_the_replacement(sample_index, fake_llm):
    events = list(llm_service(sample_index, fake_llm, "change-number").stream(Q))
    final = events[-1][1]
    assert final.mode == "extractive" and "35,48%" in final.answer


def test_sse_over_http(server):
    with httpx.stream("POST", f"{server}/v1/ask", json={"question": Q, "stream": True}, timeout=60) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        body = r.read().decode()
    events = re.findall(r"event: (\w+)\ndata: (.*)\n", body)
    assert events[-1][0] == "final"
    assert "35,48%" in json.loads(events[-1][1])["answer"]


def test_verify_accepts_exact_arithmetic_and_rejects_other_figures():
    from decimal import Decimal

    pool = [Decimal(672), Decimal(1894)]
    assert _derivable(Decimal("35.48"), pool)  # 672 / 1.894 = 35,48 %
    assert not _derivable(Decimal("36.48"), pool)
    assert verify("Không có số [1]", []) [0]  # [1] names no retrieved source


def test_followups_are_rewritten_by_the_llm_when_configured(sample_index, fake_llm):
    from assistant.schemas import Turn

    history = [Turn(role="user", content="Hà Giang có bao nhiêu TTHC được cung cấp DVC trực tuyến toàn trình?"),
               Turn(role="assistant", content="672 TTHC [1]")]
    before = len(openai_server.calls)
    resp = llm_service(sample_index, fake_llm, "correct").answer("Còn một phần thì sao?", history)
    rewrite = openai_server.calls[before]["messages"]
    assert "Câu hỏi tiếp theo: Còn một phần thì sao?" in rewrite[-1]["content"]
    assert resp.standalone_question.startswith("Hà Giang có bao nhiêu TTHC") and "một phần" in resp.standalone_question
    assert resp.answerable and "1.165" in resp.answer


def test_a_failed_rewrite_falls_back_to_the_rules(sample_index):
    from assistant.schemas import Turn

    service = llm_service(sample_index, f"http://127.0.0.1:{free_port()}/v1", "correct", timeout=2)
    history = [Turn(role="user", content="Tỷ lệ TTHC trực tuyến toàn trình của Điện Biên là bao nhiêu?")]
    resp = service.answer("Còn Hà Giang thì sao?", history)
    assert resp.standalone_question == "Tỷ lệ TTHC trực tuyến toàn trình của Hà Giang là bao nhiêu?"


def test_the_model_reads_the_chunk_that_holds_the_evidence(sample_index, fake_llm):
    from assistant.answering.llm import sources_from

    service = llm_service(sample_index, fake_llm, "correct")
    p = service.prepare(Q)
    best = service._evidence(p)[0].chunk.chunk_id
    # Move the answering chunk to rank 8: the extractive answerer still reads it, a model
    # given the first six retrieved would not.
    others = [h for h in p.hits if h.chunk.chunk_id != best]
    assert len(others) >= 7
    p.hits = others[:7] + [h for h in p.hits if h.chunk.chunk_id == best] + others[7:]
    p.evidence = p.sources = None
    assert service._evidence(p)[0].chunk.chunk_id == best
    assert best not in {s.chunk.chunk_id for s in sources_from(p.hits)}
    sources = service._llm_sources(p)
    assert sources[0].n == 1 and sources[0].chunk.chunk_id == best
    assert len(sources) == 6 and {s.chunk.chunk_id for s in sources} <= {h.chunk.chunk_id for h in p.hits}
    resp = service.finish_llm(p, *service.llm.draft(p.retrieval_q, sources, service._llm_prompts(p)))
    assert resp.mode == "llm" and resp.answerable and "35,48%" in resp.answer
    assert_grounded(service, resp)
