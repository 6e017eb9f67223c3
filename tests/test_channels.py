"""One contract for every channel: the same question gives the same answer and the same
citations through the HTTP API, the OpenAI-compatible API (plain and streamed), Slack and
Zalo — each driven the way its platform drives it, against the real server."""

from __future__ import annotations

import pytest

from . import channels

QUESTIONS = [
    "Tỷ lệ TTHC được cung cấp DVC trực tuyến toàn trình của Hà Giang là bao nhiêu?",
    "What share of procedures are fully online in Hà Giang?",
    "Chỉ số PAR Index năm 2023 của thị xã Kỳ Anh đạt bao nhiêu điểm?",
    "Dân số sao Hỏa năm 2030 là bao nhiêu người?",  # nothing in the corpus answers it
]
FOLLOW_UP = ("Hà Giang có bao nhiêu TTHC được cung cấp DVC trực tuyến toàn trình?", "Còn một phần thì sao?")

CHANNELS = ["openai", "openai-stream", "slack", "zalo", "zalo-bot", "mcp"]


def through(channel: str, server: str, fake_slack, fake_zalo, q: str, history: list[dict]) -> channels.Seen:
    if channel == "openai":
        return channels.openai_chat(server, q, history)
    if channel == "openai-stream":
        return channels.openai_stream(server, q, history)
    if channel == "slack":
        return channels.slack(server, fake_slack, q, history)
    if channel == "mcp":
        return channels.mcp(server, q, history)
    if channel == "zalo-bot":
        return channels.zalo_bot(server, fake_zalo, q, history)
    return channels.zalo(server, fake_zalo, q, history)


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("question", QUESTIONS)
def test_same_answer_and_citations_on_every_channel(channel, question, server, fake_slack, fake_zalo):
    reference = channels.api(server, question, [])
    seen = through(channel, server, fake_slack, fake_zalo, question, [])
    assert seen.answer == reference.answer
    assert seen.urls == reference.urls


@pytest.mark.parametrize("channel", CHANNELS)
def test_follow_ups_use_the_conversation_on_every_channel(channel, server, fake_slack, fake_zalo):
    first, follow = FOLLOW_UP
    opening = channels.api(server, first, [])
    history = [{"role": "user", "content": first}, {"role": "assistant", "content": opening.answer}]
    reference = channels.api(server, follow, history)
    alone = channels.api(server, follow, [])
    assert reference.urls and reference.answer != alone.answer  # the history matters to this question
    seen = through(channel, server, fake_slack, fake_zalo, follow, history)
    assert seen.answer == reference.answer
    assert seen.urls == reference.urls
