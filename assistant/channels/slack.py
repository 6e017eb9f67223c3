"""Slack: a Bolt app mounted in FastAPI at /slack/events.

Answers @mentions in channels and direct messages, always in the thread; a follow-up in
the thread sees the thread as its history, and needs no new @mention in a thread the bot
owns (one it has answered in: kept beside the seen events for `THREAD_WINDOW_S`). Other
threads and plain channel messages are never answered, though the `message.channels`
subscription delivers them. The signing secret and the 5-minute timestamp
window are checked on the raw bytes before anything parses them (401), a signed body that is
not an event object is a 400, and Bolt answers url_verification; listeners run in
Bolt's thread pool after the acknowledgement, so Slack's 3-second deadline holds while the
answer is being written. Slack retries (X-Slack-Retry-Num) of an event already taken are
acknowledged and dropped, and so is a replay of a captured event: the ids taken are kept
in the data dir's SQLite (channels/seen.py), shared by every worker and kept across restarts.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import logging
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from slack_bolt import App, BoltResponse
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from slack_sdk import WebClient

from assistant.channels.formatting import slack_blocks
from assistant.channels.seen import SeenEvents
from assistant.inputs import loads_json, visible_text
from assistant.schemas import Turn
from assistant.service import AnswerService, InvalidQuestion
from assistant.settings import Settings

log = logging.getLogger("cchc.slack")
_MENTION = re.compile(r"<@[A-Z0-9]+>")
MAX_AGE_S = 300  # Slack's own replay window
THREAD_WINDOW_S = 7 * 24 * 3600  # a thread answered in the last week is followed without a mention
_LINK = re.compile(r"<(?:https?://|mailto:)[^|>]*\|([^>]*)>|<((?:https?://|mailto:)[^>]*)>")


def question_text(text: str) -> str:
    """What the user typed, without the bot mention and Slack's link/escape markup."""
    text = _MENTION.sub(" ", text or "")
    text = _LINK.sub(lambda m: m.group(1) or m.group(2), text)
    return visible_text(html.unescape(text)).strip()


def build_app(settings: Settings, service: AnswerService) -> App:
    assert settings.slack_bot_token
    token = settings.slack_bot_token.get_secret_value()
    bolt = App(
        # Socket Mode alone needs none: the connection is ours, opened with the app token.
        signing_secret=settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else "",
        client=WebClient(token=token, base_url=settings.slack_api_base),
        # No network call at start-up: the bot identity is fetched on the first event.
        token_verification_enabled=False,
    )
    seen = SeenEvents(settings.channels_path)  # shared by the workers, kept across restarts

    @bolt.middleware
    def drop_retries(body: dict, next: Callable[[], BoltResponse]) -> BoltResponse | None:
        event_id = body.get("event_id")
        if isinstance(event_id, str) and event_id and not seen.first_time(f"slack:{event_id}"):
            log.info("slack retry of %s dropped", event_id)
            return BoltResponse(status=200, body="")
        return next()

    def history(client: WebClient, channel: str, thread_ts: str, current_ts: str, bot_user: str | None) -> list[Turn]:
        if settings.channel_history_turns == 0:
            return []
        replies: list[dict[str, Any]] = client.conversations_replies(channel=channel, ts=thread_ts, limit=100).get("messages", [])
        turns = []
        for m in replies:
            if m.get("ts") == current_ts:
                continue
            is_bot = bool(m.get("bot_id")) or (bot_user is not None and m.get("user") == bot_user)
            content = question_text(m.get("text", ""))
            if content:
                turns.append(Turn(role="assistant" if is_bot else "user", content=content[:20000]))
        return turns[-settings.channel_history_turns :]

    def reply(event: dict, client: WebClient, bot_user: str | None) -> None:
        channel, ts = event["channel"], event["ts"]
        thread_ts = event.get("thread_ts") or ts
        past = history(client, channel, thread_ts, ts, bot_user) if event.get("thread_ts") else []
        try:
            resp = service.answer(question_text(event.get("text", "")), past)
        except (InvalidQuestion, ValueError) as exc:
            client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=str(exc))
            return
        text, blocks = slack_blocks(resp)
        client.chat_postMessage(
            channel=channel, thread_ts=thread_ts, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False
        )
        seen.first_time(_thread_key(channel, thread_ts), THREAD_WINDOW_S)  # the bot owns this thread now

    @bolt.event("app_mention")
    def on_mention(event: dict, client: WebClient, context: dict) -> None:
        reply(event, client, context.get("bot_user_id"))

    @bolt.event("message")
    def on_message(event: dict, client: WebClient, context: dict) -> None:
        # People only (no edits, joins or bots, ourselves included); a channel message with
        # our mention comes as app_mention too and is answered there, once.
        if event.get("subtype") or event.get("bot_id"):
            return
        bot_user = context.get("bot_user_id")
        if event.get("channel_type") == "im":
            reply(event, client, bot_user)
            return
        thread_ts, channel = event.get("thread_ts"), event.get("channel")
        mentioned = bool(bot_user) and f"<@{bot_user}>" in (event.get("text") or "")
        if (isinstance(thread_ts, str) and isinstance(channel, str) and not mentioned
                and seen.known(_thread_key(channel, thread_ts), THREAD_WINDOW_S)):
            reply(event, client, bot_user)

    return bolt


def _thread_key(channel: str, thread_ts: str) -> str:
    return f"slack-thread:{channel}:{thread_ts}"


def signed(secret: str, body: bytes, timestamp: str | None, sig: str | None, now: float | None = None) -> bool:
    """Slack's v0 signature over `v0:{ts}:{body}`, within 5 minutes. Checked here, on the raw
    bytes, before anything parses the body: Bolt parses first, and a timestamp that is not an
    integer or a body that is not an object made it fail with a 500 for anyone."""
    if not timestamp or not sig or not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        return False
    if abs((now or time.time()) - int(timestamp)) > MAX_AGE_S:
        return False
    mac = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(f"v0={mac}".encode(), sig.strip().encode("utf-8", "replace"))


def well_formed(body: bytes, content_type: str) -> bool:
    """A signed body Bolt can dispatch: a JSON object (form `payload=` or raw), whose `event`,
    if any, is an object too."""
    try:
        text = body.decode("utf-8")
        if content_type.startswith("application/json") or text.startswith("{"):
            payload = loads_json(text)
        else:
            form = dict(parse_qsl(text, keep_blank_values=True))
            payload = loads_json(form["payload"]) if "payload" in form else form
    except (UnicodeDecodeError, ValueError):
        return False
    return isinstance(payload, dict) and isinstance(payload.get("event", {}), dict)


def socket_mode(bolt: App, settings: Settings) -> SocketModeHandler:
    """Bolt's Socket Mode handler (slack_sdk's built-in WebSocket client, reconnecting on its
    own); `connect()` returns at once and events run in Bolt's thread pool as over HTTP."""
    assert settings.slack_app_token
    return SocketModeHandler(bolt, app_token=settings.slack_app_token.get_secret_value())


def make_router(bolt: App, settings: Settings) -> APIRouter:
    assert settings.slack_signing_secret
    secret = settings.slack_signing_secret.get_secret_value()
    router = APIRouter(tags=["slack"])

    @router.post("/slack/events", include_in_schema=False)
    async def slack_events(request: Request) -> Response:
        body = await request.body()
        sent = request.headers.get("X-Slack-Request-Timestamp"), request.headers.get("X-Slack-Signature")
        if not signed(secret, body, *sent):
            return JSONResponse({"detail": "invalid or stale Slack signature"}, 401)
        if not well_formed(body, request.headers.get("content-type", "")):
            return JSONResponse({"detail": "the body is not a Slack event object"}, 400)
        # Bolt's dispatch is synchronous (signature check, authorisation): keep it off the loop.
        try:
            bolt_resp = await run_in_threadpool(bolt.dispatch, to_bolt_request(request, body))
        except (AttributeError, TypeError, KeyError, IndexError, ValueError) as exc:
            # Bolt reads fields of the (signed) payload assuming Slack's types; a payload with
            # others (`"authorizations": "x"`) is malformed, not our failure.
            log.warning("malformed signed Slack payload: %s: %s", type(exc).__name__, exc)
            return JSONResponse({"detail": "malformed Slack event"}, 400)
        return to_starlette_response(bolt_resp)

    return router
