"""Zalo Official Account: webhook at /zalo/webhook, answers through the OA message API.

Zalo signs each event with `X-ZEvent-Signature: mac=<sha256(app_id + raw body + timestamp
+ OA secret key)>` (app_id and timestamp are fields of the body). The webhook acknowledges
at once and answers in the background. The OA access token lives ~25 hours; it is
refreshed with the refresh token (single-use: the new one replaces it) before it expires,
or when the API says it is invalid, and both are kept in a SQLite file readable by the
service's user only. Tokens never appear in logs or errors.

Between worker processes: the refresh runs under a file lock beside channels.sqlite and
re-reads the pair inside it, so two workers never spend the same single-use refresh token
(the second finds the first's new token); event ids taken are kept in SQLite (channels/seen.py),
and an event without `msg_id` is deduplicated by a hash of its sender and text within
`DUPLICATE_WINDOW_S`. On several machines: a lock and a seen-set in a shared store (Redis
`SET NX EX`, or a PostgreSQL row lock `SELECT … FOR UPDATE` around the refresh).
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import logging
import os
import re
import threading
import time

import httpx
from fastapi import APIRouter, BackgroundTasks, HTTPException, Request
from pydantic import SecretStr

from assistant.channels.formatting import plain_text, safe_url, short_link, split_message, strip_markup
from assistant.channels.history import ChannelHistory
from assistant.channels.links import link_secret, link_token
from assistant.channels.seen import SeenEvents
from assistant.databases import open_sqlite
from assistant.inputs import loads_json, visible_text
from assistant.schemas import AnswerResponse
from assistant.service import AnswerService, InvalidQuestion
from assistant.settings import Settings

log = logging.getLogger("cchc.zalo")
TOKEN_ERRORS = {-216, -124}  # "access token is invalid" / "has expired"
REFRESH_MARGIN_S = 600
MAX_EVENT_AGE_S = 900  # replay window on the signed event timestamp
DUPLICATE_WINDOW_S = 120  # an event without msg_id: the same sender and text again is a redelivery
# An image, sticker, voice note or file cannot be read as a question: said, rather than silence.
NON_TEXT_HINT = ("Trợ lý chỉ đọc được tin nhắn chữ. Xin gõ câu hỏi về cải cách hành chính, "
                 "ví dụ: Tỉnh đã cắt giảm bao nhiêu thủ tục hành chính năm nay?")


class ZaloError(RuntimeError):
    pass


def signature(app_id: str, raw_body: bytes, timestamp: str, secret: str) -> str:
    digest = hashlib.sha256(app_id.encode() + raw_body + timestamp.encode() + secret.encode()).hexdigest()
    return f"mac={digest}"


def _signed_field(raw_body: bytes, name: str) -> str | None:
    """A scalar field of the event read from the raw bytes, without parsing them: the MAC covers
    app_id and timestamp, and an unauthenticated body must not reach a JSON parser."""
    m = re.search(rb'"' + name.encode() + rb'"\s*:\s*"?([0-9A-Za-z_.-]{1,64})"?', raw_body)
    return m.group(1).decode() if m else None


def verify(raw_body: bytes, header: str | None, app_id: str | None, secret: str) -> tuple[str, str] | None:
    """(app_id, timestamp) the valid MAC was made with, or None. The caller checks that the
    parsed event holds the same values (a body with the key twice cannot smuggle another)."""
    sent_app, timestamp = _signed_field(raw_body, "app_id"), _signed_field(raw_body, "timestamp")
    if not header or sent_app is None or timestamp is None or (app_id and sent_app != app_id):
        return None
    expected = signature(sent_app, raw_body, timestamp, secret)
    if not hmac.compare_digest(expected.encode(), header.strip().encode("utf-8", "replace")):
        return None
    return sent_app, timestamp


def text_event(event: dict) -> tuple[str, str, str]:
    """(user id, text, msg_id) of a `user_send_text` event; ValueError for any other shape."""
    sender, message = event.get("sender"), event.get("message")
    if not isinstance(sender, dict) or not isinstance(message, dict):
        raise ValueError("'sender' and 'message' must be objects")
    user_id, text, msg_id = sender.get("id", ""), message.get("text", ""), message.get("msg_id", "")
    if not all(isinstance(v, str | int) and not isinstance(v, bool) for v in (user_id, text, msg_id)):
        raise ValueError("'sender.id', 'message.text' and 'message.msg_id' must be strings")
    return str(user_id), visible_text(str(text)), str(msg_id)


class TokenStore:
    """Access and refresh token, persisted with owner-only permissions."""

    def __init__(self, path: str | os.PathLike[str], access: str | None, refresh: str | None) -> None:
        os.makedirs(os.path.dirname(os.fspath(path)) or ".", exist_ok=True)
        self._db = open_sqlite(path)
        os.chmod(path, 0o600)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS zalo_tokens (id INTEGER PRIMARY KEY CHECK (id = 1),"
            " access_token TEXT, refresh_token TEXT, expires_at REAL)"
        )
        if self._db.execute("SELECT COUNT(*) FROM zalo_tokens").fetchone()[0] == 0:
            # Unknown age of the configured token: assume it is good for the next hour.
            self.save(access, refresh, time.time() + 3600 if access else 0.0)

    def load(self) -> tuple[str | None, str | None, float]:
        row = self._db.execute("SELECT access_token, refresh_token, expires_at FROM zalo_tokens").fetchone()
        return row if row else (None, None, 0.0)

    def save(self, access: str | None, refresh: str | None, expires_at: float) -> None:
        self._db.execute("INSERT OR REPLACE INTO zalo_tokens VALUES (1, ?, ?, ?)", (access, refresh, expires_at))


class ZaloClient:
    def __init__(self, settings: Settings, tokens: TokenStore) -> None:
        assert settings.zalo_app_secret
        self._settings = settings
        self._secret = settings.zalo_app_secret.get_secret_value()
        self._tokens = tokens
        self._lock = threading.Lock()
        self._lock_path = os.fspath(settings.channels_path) + ".refresh.lock"
        self._http = httpx.Client(timeout=15, transport=httpx.HTTPTransport(retries=2))

    def access_token(self, force_refresh: bool = False) -> str:
        stale = self._tokens.load()[0] if force_refresh else None
        # The thread lock for this process, the file lock for the others; the pair is read inside both.
        with self._lock, open(self._lock_path, "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            access, refresh, expires_at = self._tokens.load()
            if force_refresh and access and access != stale:
                return access  # another worker refreshed while this one waited: use its token
            if access and not force_refresh and expires_at - time.time() > REFRESH_MARGIN_S:
                return access
            if not refresh:
                if access:
                    return access  # nothing to refresh with: try the one we have
                raise ZaloError("no Zalo access token and no refresh token configured")
            r = self._http.post(
                self._settings.zalo_oauth_base.rstrip("/") + "/v4/oa/access_token",
                headers={"secret_key": self._secret},
                data={"app_id": self._settings.zalo_app_id or "", "grant_type": "refresh_token", "refresh_token": refresh},
            )
            body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
            if r.status_code != 200 or "access_token" not in body:
                raise ZaloError(f"token refresh failed: HTTP {r.status_code}, error {body.get('error')}")
            self._tokens.save(body["access_token"], body.get("refresh_token") or refresh,
                              time.time() + float(body.get("expires_in", 3600)))
            log.info("zalo access token refreshed")
            return body["access_token"]

    def send_text(self, user_id: str, text: str, reply_to: str | None = None) -> str | None:
        """Send one text; returns the id Zalo gave it (``data.message_id``), if any.

        ``reply_to`` is the msg_id of the user's message being answered. Zalo counts a message
        that carries it as a reply (free: 8 within 48 hours of the user's message); one with only
        a user_id is a proactive message, which needs a verified OA and is charged to its quota
        (https://zalooa.freshdesk.com/support/solutions/articles/64000261136)."""
        url = self._settings.zalo_api_base.rstrip("/") + "/v3.0/oa/message/cs"
        recipient = {"user_id": user_id, **({"message_id": reply_to} if reply_to else {})}
        payload = {"recipient": recipient, "message": {"text": text}}
        for attempt in range(2):
            r = self._http.post(url, headers={"access_token": self.access_token(force_refresh=attempt > 0)}, json=payload)
            body = r.json() if r.status_code == 200 else {}
            error = body.get("error", 0) if r.status_code == 200 else r.status_code
            if error == 0:
                data = body.get("data")
                sent = data.get("message_id") if isinstance(data, dict) else None
                return str(sent) if sent else None
            if error not in TOKEN_ERRORS:
                raise ZaloError(f"message API error {error}")
        raise ZaloError("message API rejected a freshly refreshed token")


def zalo_text(resp: AnswerResponse, base_url: str | None, link_secret: bytes = b"") -> str:
    """Plain text (Zalo shows no markup) with each citation as a short link: only for a source
    whose URL /r/ will redirect to (the same `safe_url`), signed so that it opens without a key."""
    if base_url:
        short = [c.model_copy(update={"url": short_link(base_url, c.doc_id, link_token(link_secret, c.doc_id))
                                      if safe_url(c.url) else None})
                 for c in resp.citations]
        resp = resp.model_copy(update={"citations": short})
    return strip_markup(plain_text(resp))


def numbered_parts(text: str, limit: int) -> list[str]:
    """Split to the platform limit; several parts end with "(i/n)" so the reader knows
    more is coming."""
    parts = split_message(text, limit - 10)
    if len(parts) == 1:
        return parts
    return [f"{p}\n({i}/{len(parts)})" for i, p in enumerate(parts, 1)]


def _reveal(secret: SecretStr | None) -> str | None:
    return secret.get_secret_value() if secret else None


def make_router(settings: Settings, service: AnswerService) -> APIRouter:
    assert settings.zalo_app_secret and settings.zalo_oa_secret_key  # Settings refuses one without the other
    secret = settings.zalo_oa_secret_key.get_secret_value()
    tokens = TokenStore(settings.channels_path, _reveal(settings.zalo_oa_access_token), _reveal(settings.zalo_refresh_token))
    client = ZaloClient(settings, tokens)
    history = ChannelHistory(settings.channels_path)
    seen = SeenEvents(settings.channels_path)  # shared by the workers, kept across restarts
    links = link_secret(settings.data_dir)
    router = APIRouter(tags=["zalo"])

    def answer(user_id: str, text: str, msg_id: str) -> None:
        try:
            past = history.turns("zalo", user_id, settings.channel_history_turns)
            try:
                resp = service.answer(text, past)
                message = zalo_text(resp, settings.public_base_url, links)
            except (InvalidQuestion, ValueError) as exc:
                resp, message = None, str(exc)
            # Every part answers the user's message (a reply, not a proactive message).
            sent = [client.send_text(user_id, part, msg_id or None)
                    for part in numbered_parts(message, settings.zalo_message_limit)]
            log.debug("zalo reply sent as %s", sent)
            if resp is not None:
                history.add("zalo", user_id, text, resp.answer)
        except (ZaloError, httpx.HTTPError) as exc:
            log.error("zalo reply to a user failed: %s", exc)

    def hint(user_id: str, msg_id: str) -> None:
        try:
            client.send_text(user_id, NON_TEXT_HINT, msg_id)
        except (ZaloError, httpx.HTTPError) as exc:
            log.error("zalo hint to a user failed: %s", exc)

    @router.post("/zalo/webhook", include_in_schema=False)
    async def webhook(request: Request, background: BackgroundTasks) -> dict[str, str]:
        raw = await request.body()
        signed = verify(raw, request.headers.get("X-ZEvent-Signature"), settings.zalo_app_id, secret)
        if signed is None:
            raise HTTPException(401, "bad signature")
        try:
            event = loads_json(raw)
            if not isinstance(event, dict):
                raise ValueError("not a JSON object")
            if (str(event.get("app_id", "")), str(event.get("timestamp", ""))) != signed:
                raise ValueError("the signed app_id/timestamp differ from the event's")
            age = time.time() - int(signed[1]) / 1000
        except ValueError as exc:
            raise HTTPException(400, f"bad event: {exc}") from None
        if abs(age) > MAX_EVENT_AGE_S:
            raise HTTPException(401, "stale event")
        name = str(event.get("event_name", ""))
        if name.startswith("user_send_") and name != "user_send_text":
            sender, message = event.get("sender"), event.get("message")
            sender = sender if isinstance(sender, dict) else {}
            message = message if isinstance(message, dict) else {}
            user_id, msg_id = str(sender.get("id", "")), str(message.get("msg_id", ""))
            if user_id and msg_id and seen.first_time(f"zalo:{msg_id}"):
                background.add_task(hint, user_id, msg_id)
                return {"status": "hinted"}
            return {"status": "ignored"}
        if name != "user_send_text":
            return {"status": "ignored"}
        try:
            user_id, text, msg_id = text_event(event)
        except ValueError as exc:
            raise HTTPException(400, f"bad event: {exc}") from None
        if msg_id:
            first = seen.first_time(f"zalo:{msg_id}")
        else:  # no id to tell a redelivery by: the same sender and text within a short window
            digest = hashlib.sha256(f"{user_id}\0{text}".encode("utf-8", "replace")).hexdigest()
            first = seen.first_time(f"zalo-content:{digest}", DUPLICATE_WINDOW_S)
        if not first:
            return {"status": "duplicate"}
        if user_id:
            background.add_task(answer, user_id, text, msg_id)  # Zalo wants the 200 at once
        return {"status": "accepted"}

    return router
