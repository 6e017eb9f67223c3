"""Slack specifics: signatures, url_verification, retries, DMs, threads, Block Kit escaping."""

from __future__ import annotations

import time

from assistant.channels.formatting import slack_blocks
from assistant.schemas import AnswerResponse, Citation

from . import channels

HG = "Tỷ lệ TTHC được cung cấp DVC trực tuyến toàn trình của Hà Giang là bao nhiêu?"


def test_url_verification_answers_the_challenge(server):
    r = channels.slack_request(server, {"type": "url_verification", "challenge": "abc123", "token": "t"})
    assert r.status_code == 200 and "abc123" in r.text


def test_bad_or_stale_signatures_are_refused_and_nothing_is_posted(server, fake_slack):
    before = len(fake_slack.posts)
    payload = channels.slack_event(f"<@{fake_slack.bot_user}> {HG}")
    assert channels.slack_request(server, payload, secret="not-the-secret").status_code == 401
    assert channels.slack_request(server, payload, ts=int(time.time()) - 6 * 60).status_code == 401
    unsigned = channels.httpx.post(f"{server}/slack/events", json=payload, timeout=10)
    assert unsigned.status_code == 401
    time.sleep(1.0)
    assert len(fake_slack.posts) == before


def test_mention_is_answered_in_its_thread_once_even_when_slack_retries(server, fake_slack):
    payload = channels.slack_event(f"<@{fake_slack.bot_user}> {HG}", channel="C-retry")
    started = time.perf_counter()
    first = channels.slack_request(server, payload)
    assert first.status_code == 200 and time.perf_counter() - started < 3  # acknowledged in time
    retry = channels.slack_request(server, payload, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert retry.status_code == 200
    ts = payload["event"]["ts"]
    post = channels.wait_for(lambda: fake_slack.posts_in("C-retry", ts))[0]
    time.sleep(1.5)
    assert len(fake_slack.posts_in("C-retry", ts)) == 1
    assert post["thread_ts"] == ts
    seen = channels.parse_slack(post)
    assert seen.urls and seen.answer == channels.api(server, HG, []).answer


def test_direct_messages_are_answered_and_bot_messages_ignored(server, fake_slack):
    dm = channels.slack_event(HG, channel="D-dm", kind="message")
    assert channels.slack_request(server, dm).status_code == 200
    channels.wait_for(lambda: fake_slack.posts_in("D-dm", dm["event"]["ts"]))
    own = channels.slack_event("a message from a bot", channel="D-bot", kind="message")
    own["event"]["bot_id"] = "BOTHER"
    assert channels.slack_request(server, own).status_code == 200
    time.sleep(1.0)
    assert fake_slack.posts_in("D-bot", own["event"]["ts"]) == []


def _resp(answer: str, quote: str, title: str, url: str) -> AnswerResponse:
    c = Citation(n=1, doc_id="d", title=title, url=url, quote=quote, start=0, end=len(quote))
    return AnswerResponse(answer=answer, answerable=True, mode="extractive", citations=[c], latency_ms=1)


def test_block_kit_escapes_document_text_and_links_only_cited_sources():
    resp = _resp("**35,48%** — “<!channel> <script>x</script> & <https://evil.example|click>” [1]",
                 "q", "Tiêu đề <@U999> | x", "https://example.vn/a")
    text, blocks = slack_blocks(resp)
    body = blocks[0]["text"]["text"]
    assert "<!channel>" not in body and "&lt;!channel&gt;" in body
    assert "<https://evil.example" not in body and "&lt;script&gt;" in body and "&amp;" in body
    assert "*35,48%*" in body and "<https://example.vn/a|[1]>" in body
    context = blocks[1]["elements"][0]["text"]
    assert "<@U999>" not in context and context.startswith("<https://example.vn/a|")
    assert context.count("|") == 1  # a '|' in a title cannot end the link label early
    unsafe = slack_blocks(_resp("x [1]", "q", "t", "javascript:alert(1)"))[1]
    assert "javascript:" not in str(unsafe)
    assert "<!channel>" not in text and "35,48%" in text  # the notification text is escaped too
