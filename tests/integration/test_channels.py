"""One contract for every channel: the same question gives the same answer and the same
citations through the HTTP API, the OpenAI-compatible API (plain and streamed), Slack (Events
API and Socket Mode), the Zalo OA, the Zalo Bot Platform, MCP and the portal widget — each
driven the way its platform drives it, against a real server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .. import channels
from ..conftest import SLACK_TOKEN, admin_server, free_port
from ..e2e.test_page_chat import browser  # noqa: F401 — the shared Chromium fixture (the widget's)
from ..fakes.platforms import FakeSlack

QUESTIONS = [
    "Tỷ lệ TTHC được cung cấp DVC trực tuyến toàn trình của Hà Giang là bao nhiêu?",
    "What share of procedures are fully online in Hà Giang?",
    "Chỉ số PAR Index năm 2023 của thị xã Kỳ Anh đạt bao nhiêu điểm?",
    "Dân số sao Hỏa năm 2030 là bao nhiêu người?",  # nothing in the corpus answers it
]
FOLLOW_UP = ("Hà Giang có bao nhiêu TTHC được cung cấp DVC trực tuyến toàn trình?", "Còn một phần thì sao?")

CHANNELS = ["openai", "openai-stream", "slack", "slack-socket", "zalo", "zalo-bot", "mcp", "widget"]


@pytest.fixture(scope="module")
def outbound(
    sample_index: Path, tmp_path_factory: pytest.TempPathFactory, fake_slack: FakeSlack
) -> Iterator[str]:
    """A second deployment over the same sample, for the channels that need their own settings:
    Slack in Socket Mode only (no signing secret: it dials out), and one portal origin allowed
    for the widget. Yields the portal's URL."""
    port = free_port()
    env = {
        "CCHC_SLACK_BOT_TOKEN": SLACK_TOKEN,
        "CCHC_SLACK_APP_TOKEN": fake_slack.app_token,
        "CCHC_SLACK_API_BASE": f"{fake_slack.base}/api/",  # type: ignore[attr-defined]
        "CCHC_CORS_ORIGINS": f"http://127.0.0.1:{port}",
    }
    before = fake_slack.connections
    with admin_server(sample_index, tmp_path_factory.mktemp("outbound"), env) as base:
        channels.wait_for(lambda: fake_slack.connections > before)  # the WebSocket is up
        site = channels.portal(f"{base}/static/widget.js", port)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            site.shutdown()


def through(
    channel: str,
    server: str,
    fake_slack,
    fake_zalo,
    q: str,
    history: list[dict],
    request: pytest.FixtureRequest,
) -> channels.Seen:
    # The second deployment and Chromium are started only for the channels that use them.
    if channel == "slack-socket":
        request.getfixturevalue("outbound")
        return channels.slack_socket(fake_slack, q, history)
    if channel == "widget":
        portal = request.getfixturevalue("outbound")
        return channels.widget(request.getfixturevalue("browser"), portal, q, history)
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
def test_same_answer_and_citations_on_every_channel(
    channel, question, server, fake_slack, fake_zalo, request
):
    reference = channels.api(server, question, [])
    seen = through(channel, server, fake_slack, fake_zalo, question, [], request)
    assert seen.answer == reference.answer
    assert seen.urls == reference.urls


@pytest.mark.parametrize("channel", CHANNELS)
def test_follow_ups_use_the_conversation_on_every_channel(channel, server, fake_slack, fake_zalo, request):
    first, follow = FOLLOW_UP
    opening = channels.api(server, first, [])
    history = [{"role": "user", "content": first}, {"role": "assistant", "content": opening.answer}]
    reference = channels.api(server, follow, history)
    alone = channels.api(server, follow, [])
    assert reference.urls and reference.answer != alone.answer  # the history matters to this question
    seen = through(channel, server, fake_slack, fake_zalo, follow, history, request)
    assert seen.answer == reference.answer
    assert seen.urls == reference.urls
