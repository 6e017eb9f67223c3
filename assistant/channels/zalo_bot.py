"""Zalo Bot Platform: webhook at /zalo/bot, answers through the bot's `sendMessage`.

A bot (created at bot.zapps.me) needs no Official Account. Its API is Telegram-like:
`POST {base}/bot{TOKEN}/sendMessage` with `{chat_id, text}`; `setWebhook` registers our URL
with a secret token of 8-256 characters, which Zalo sends back on every event as
`X-Bot-Api-Secret-Token`. There is no signature over the body, so that header is the whole
authentication: compared in constant time, before the body is parsed. The webhook answers
at once and replies in the background, split and numbered like the OA channel, with the same
per-chat history and de-duplication (event name and message id, kept in SQLite).
"""

from __future__ import annotations

import hmac
import logging

import httpx
from fastapi import APIRouter, BackgroundTasks, HTTPException, Request

from assistant.channels.history import ChannelHistory
from assistant.channels.links import link_secret
from assistant.channels.seen import SeenEvents
from assistant.channels.zalo import NON_TEXT_HINT, numbered_parts, zalo_text
from assistant.inputs import loads_json, visible_text
from assistant.service import AnswerService, InvalidQuestion
from assistant.settings import Settings

log = logging.getLogger("cchc.zalo_bot")
HEADER = "X-Bot-Api-Secret-Token"
MESSAGE_LIMIT = 2000  # sendMessage's text limit


class ZaloBotError(RuntimeError):
    pass


def parse_update(body: object) -> tuple[str, str, str, str]:
    """(event name, chat id, message id, text) of an update, wrapped (`{"ok", "result"}`) or
    flat; ValueError for any other shape."""
    if isinstance(body, dict) and isinstance(body.get("result"), dict):
        body = body["result"]
    if not isinstance(body, dict) or not isinstance(body.get("message"), dict):
        raise ValueError("an update is an object with 'event_name' and a 'message' object")
    message = body["message"]
    chat = message.get("chat")
    if not isinstance(chat, dict):
        raise ValueError("'message.chat' must be an object")
    values = (body.get("event_name", ""), chat.get("id", ""), message.get("message_id", ""), message.get("text", ""))
    if not all(isinstance(v, str | int) and not isinstance(v, bool) for v in values):
        raise ValueError("'event_name', 'message.chat.id', 'message.message_id' and 'message.text' must be strings")
    name, chat_id, message_id, text = (str(v) for v in values)
    return name, chat_id, message_id, visible_text(text)


class ZaloBotClient:
    def __init__(self, base: str, token: str) -> None:
        self._url = f"{base.rstrip('/')}/bot{token}/sendMessage"
        self._http = httpx.Client(timeout=15, transport=httpx.HTTPTransport(retries=2))

    def send_text(self, chat_id: str, text: str) -> None:
        r = self._http.post(self._url, json={"chat_id": chat_id, "text": text})
        body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
        if r.status_code != 200 or not body.get("ok"):
            # The URL holds the token: never in the message.
            raise ZaloBotError(f"sendMessage failed: HTTP {r.status_code}, error {body.get('error_code')}")


def make_router(settings: Settings, service: AnswerService) -> APIRouter:
    assert settings.zalo_bot_token and settings.zalo_bot_secret_token
    expected = settings.zalo_bot_secret_token.get_secret_value().encode()
    client = ZaloBotClient(settings.zalo_bot_api_base, settings.zalo_bot_token.get_secret_value())
    history = ChannelHistory(settings.channels_path)
    seen = SeenEvents(settings.channels_path)
    links = link_secret(settings.data_dir)
    limit = min(settings.zalo_message_limit, MESSAGE_LIMIT)
    router = APIRouter(tags=["zalo"])

    def send(chat_id: str, message: str) -> None:
        for part in numbered_parts(message, limit):
            client.send_text(chat_id, part)

    def answer(chat_id: str, text: str) -> None:
        try:
            past = history.turns("zalo_bot", chat_id, settings.channel_history_turns)
            try:
                resp = service.answer(text, past)
                message = zalo_text(resp, settings.public_base_url, links)
            except (InvalidQuestion, ValueError) as exc:
                resp, message = None, str(exc)
            send(chat_id, message)
            if resp is not None:
                history.add("zalo_bot", chat_id, text, resp.answer)
        except (ZaloBotError, httpx.HTTPError) as exc:
            log.error("zalo bot reply failed: %s", exc)

    def hint(chat_id: str) -> None:
        try:
            send(chat_id, NON_TEXT_HINT)
        except (ZaloBotError, httpx.HTTPError) as exc:
            log.error("zalo bot hint failed: %s", exc)

    @router.post("/zalo/bot", include_in_schema=False)
    async def webhook(request: Request, background: BackgroundTasks) -> dict[str, str]:
        sent = request.headers.get(HEADER, "").encode("utf-8", "replace")
        if not hmac.compare_digest(sent, expected):
            raise HTTPException(401, "bad secret token")
        try:
            name, chat_id, message_id, text = parse_update(loads_json(await request.body()))
        except ValueError as exc:
            raise HTTPException(400, f"bad update: {exc}") from None
        if not chat_id or not message_id or not seen.first_time(f"zalo_bot:{name}:{message_id}"):
            return {"status": "duplicate" if chat_id and message_id else "ignored"}
        if name == "message.text.received" and text:
            background.add_task(answer, chat_id, text)  # the platform wants its 200 at once
            return {"status": "accepted"}
        if name.startswith("message.") and name.endswith(".received"):  # image, sticker, unsupported
            background.add_task(hint, chat_id)
            return {"status": "hinted"}
        return {"status": "ignored"}

    return router
