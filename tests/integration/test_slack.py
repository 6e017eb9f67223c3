"""Slack specifics: signatures, url_verification, retries, DMs, threads, Block Kit escaping."""

from __future__ import annotations

import time

from assistant.channels.formatting import slack_blocks
from assistant.schemas import AnswerResponse, Citation

from .. import channels

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


def _channel_message(text: str, channel: str, thread_ts: str | None) -> dict:
    payload = channels.slack_event(text, channel, thread_ts, kind="message")
    payload["event"]["channel_type"] = "channel"  # message.channels, not a direct message
    return payload


def test_follow_ups_in_a_thread_the_bot_owns_need_no_mention(server, fake_slack):
    import uuid

    channel = f"C{uuid.uuid4().hex[:8]}"
    first = channels.slack_event(f"<@{fake_slack.bot_user}> {HG}", channel)
    thread = first["event"]["ts"]
    assert channels.slack_request(server, first).status_code == 200
    channels.wait_for(lambda: fake_slack.posts_in(channel, thread))
    # The user's own message goes into the thread as Slack would show it to conversations.replies.
    fake_slack.seed(channel, thread, [{"ts": thread, "user": "U1", "text": f"<@{fake_slack.bot_user}> {HG}"}])
    follow = _channel_message("Còn tỷ lệ một phần thì sao?", channel, thread)
    assert channels.slack_request(server, follow).status_code == 200
    posts = channels.wait_for(lambda: fake_slack.posts_in(channel, thread)[1:] and fake_slack.posts_in(channel, thread))
    assert len(posts) == 2 and posts[1]["blocks"]  # answered in the thread, without a mention

    # A thread it never answered in, a top-level channel message, a mention in its own thread
    # (answered once, as app_mention, not twice): no extra reply.
    other = _channel_message("Một câu hỏi khác?", channel, "1700000000.000001")
    top = _channel_message("Chào mọi người", channel, None)
    mention = _channel_message(f"<@{fake_slack.bot_user}> thêm một câu", channel, thread)
    for payload in (other, top, mention):
        assert channels.slack_request(server, payload).status_code == 200
    time.sleep(2)
    assert len(fake_slack.posts_in(channel, thread)) == 2
    assert [p for p in fake_slack.posts if p.get("channel") == channel and p.get("thread_ts") != thread] == []


def test_socket_mode_answers_over_the_websocket(sample_index, tmp_path, fake_slack):
    """No public URL: the server dials out with the app token, acknowledges the envelope and
    answers in the thread; /slack/events is not served without a signing secret."""
    import httpx
    import yaml

    from ..conftest import SLACK_TOKEN, admin_server

    env = {"CCHC_SLACK_BOT_TOKEN": SLACK_TOKEN, "CCHC_SLACK_APP_TOKEN": fake_slack.app_token,
           "CCHC_SLACK_API_BASE": f"{fake_slack.base}/api/"}
    before = fake_slack.connections
    with admin_server(sample_index, tmp_path, env) as base:
        channels.wait_for(lambda: fake_slack.connections > before)
        payload = channels.slack_event(f"<@{fake_slack.bot_user}> {HG}", "CSOCKET")
        envelope = fake_slack.push_event(payload)
        thread = payload["event"]["ts"]
        post = channels.wait_for(lambda: fake_slack.posts_in("CSOCKET", thread))[0]
        assert {"envelope_id": envelope} in [{"envelope_id": a.get("envelope_id")} for a in fake_slack.acks]
        seen = channels.parse_slack(post)
        api = httpx.post(f"{base}/v1/ask", json={"question": HG}, timeout=60).json()
        assert seen.urls == [c["url"] for c in api["citations"]] and seen.urls
        assert httpx.post(f"{base}/slack/events", json={}).status_code == 404

    from pathlib import Path

    manifest = yaml.safe_load((Path(__file__).parents[2] / "docs/slack/manifest.yaml").read_text(encoding="utf-8"))
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert {"app_mention", "message.channels", "message.im"} <= events  # what the handlers listen to
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
