"""Local fakes of the Slack Web API and the Zalo OA/OAuth APIs, on 127.0.0.1, recording
what the assistant sends them. Each is a real HTTP server in a thread."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import json
import threading
import time
from typing import Any

import uvicorn
from fastapi import FastAPI, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse


async def _params(request: Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query_params)
    ctype = request.headers.get("content-type", "")
    if "json" in ctype:
        params.update(await request.json())
    elif "form" in ctype:
        params.update(dict(await request.form()))
    return params


ZALO_BOT_TOKEN = "12345689:fake-bot-token"


class FakeServer:
    def __init__(self) -> None:
        self.app = FastAPI()
        self._server: uvicorn.Server | None = None
        self.lock = threading.Lock()

    def start(self, port: int) -> str:
        self._server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=port, log_level="warning"))
        threading.Thread(target=self._server.run, daemon=True).start()
        deadline = time.time() + 10
        while not self._server.started and time.time() < deadline:
            time.sleep(0.05)
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        if self._server:
            self._server.should_exit = True


class FakeSlack(FakeServer):
    """auth.test, chat.postMessage (recorded) and conversations.replies (seeded + recorded)."""

    def __init__(self, token: str, bot_user: str = "UBOT") -> None:
        super().__init__()
        self.token, self.bot_user = token, bot_user
        self.posts: list[dict] = []
        self.threads: dict[tuple[str, str], list[dict]] = {}
        ts = itertools.count(1)

        def authorised(request: Request) -> bool:
            return request.headers.get("authorization") == f"Bearer {self.token}"

        @self.app.api_route("/api/auth.test", methods=["GET", "POST"])
        async def auth_test(request: Request) -> JSONResponse:
            if not authorised(request):
                return JSONResponse({"ok": False, "error": "invalid_auth"})
            return JSONResponse({"ok": True, "user_id": bot_user, "bot_id": "BBOT", "team_id": "T1", "user": "cchc"})

        @self.app.api_route("/api/chat.postMessage", methods=["POST"])
        async def post_message(request: Request) -> JSONResponse:
            if not authorised(request):
                return JSONResponse({"ok": False, "error": "invalid_auth"})
            p = await _params(request)
            message = {"ts": f"{time.time():.0f}.{next(ts):06d}", "user": bot_user, "bot_id": "BBOT", **p}
            with self.lock:
                self.posts.append(message)
                if p.get("thread_ts"):
                    self.threads.setdefault((p["channel"], p["thread_ts"]), []).append(message)
            return JSONResponse({"ok": True, "channel": p.get("channel"), "ts": message["ts"], "message": message})

        @self.app.api_route("/api/conversations.replies", methods=["GET", "POST"])
        async def replies(request: Request) -> JSONResponse:
            p = await _params(request)
            with self.lock:
                msgs = list(self.threads.get((p["channel"], p["ts"]), []))
            return JSONResponse({"ok": True, "messages": msgs, "has_more": False})

        # Socket Mode: apps.connections.open (app token) hands out a WebSocket URL; over it the
        # fake says hello, pushes queued envelopes and records the acknowledgements.
        self.app_token = "xapp-1-fake-app-token"
        self.outbox: list[dict] = []
        self.acks: list[dict] = []
        self.connections = 0

        @self.app.api_route("/api/apps.connections.open", methods=["POST"])
        async def connections_open(request: Request) -> JSONResponse:
            if request.headers.get("authorization") != f"Bearer {self.app_token}":
                return JSONResponse({"ok": False, "error": "invalid_auth"})
            return JSONResponse({"ok": True, "url": f"ws://{request.url.netloc}/link/?ticket=t1"})

        @self.app.websocket("/link/")
        async def link(ws: WebSocket) -> None:
            await ws.accept()
            with self.lock:
                self.connections += 1
            await ws.send_text(json.dumps({"type": "hello", "num_connections": 1,
                                           "connection_info": {"app_id": "A1"}}))
            try:
                while True:
                    with self.lock:
                        pending, self.outbox[:] = list(self.outbox), []
                    for envelope in pending:
                        await ws.send_text(json.dumps(envelope))
                    try:
                        message = await asyncio.wait_for(ws.receive_text(), 0.05)
                    except TimeoutError:
                        continue
                    with self.lock:
                        self.acks.append(json.loads(message))
            except WebSocketDisconnect:
                return

    def push_event(self, payload: dict) -> str:
        """Queue an events_api envelope for the connected app; its envelope id."""
        envelope_id = f"env-{len(self.outbox)}-{payload['event_id']}"
        with self.lock:
            self.outbox.append({"envelope_id": envelope_id, "type": "events_api", "accepts_response_payload": False,
                                "retry_attempt": 0, "retry_reason": "", "payload": payload})
        return envelope_id

    def seed(self, channel: str, thread_ts: str, messages: list[dict]) -> None:
        with self.lock:
            self.threads.setdefault((channel, thread_ts), []).extend(messages)

    def posts_in(self, channel: str, thread_ts: str) -> list[dict]:
        with self.lock:
            return [p for p in self.posts if p.get("channel") == channel and p.get("thread_ts") == thread_ts]


class FakeZalo(FakeServer):
    """/v3.0/oa/message/cs (recorded; rejects unknown tokens with -216) and
    /v4/oa/access_token (single-use refresh tokens, as Zalo issues them)."""

    def __init__(self, app_secret: str, refresh_token: str) -> None:
        super().__init__()
        self.app_secret = app_secret
        self.valid_access: set[str] = set()
        self.refresh_token = refresh_token
        self.refreshes = 0
        self.messages: list[dict] = []
        self.codes: dict[str, str] = {}  # authorization code -> the PKCE challenge it was issued for

        @self.app.post("/v3.0/oa/message/cs")
        async def send(request: Request) -> JSONResponse:
            token = request.headers.get("access_token", "")
            if token not in self.valid_access:
                return JSONResponse({"error": -216, "message": "Access token is invalid"})
            body = await request.json()
            with self.lock:
                # message_id: the user's message a reply answers (without it Zalo counts a proactive message).
                self.messages.append({"user_id": body["recipient"]["user_id"], "text": body["message"]["text"], "token": token,
                                      "reply_to": body["recipient"].get("message_id")})
                n = len(self.messages)
            return JSONResponse({"error": 0, "message": "Success",
                                 "data": {"message_id": f"m{n}", "user_id": body["recipient"]["user_id"]}})

        @self.app.post("/v4/oa/access_token")
        async def refresh(request: Request) -> JSONResponse:
            p = await _params(request)
            if request.headers.get("secret_key") != self.app_secret:
                return JSONResponse({"error": -14002, "error_name": "Invalid secret key"})
            if p.get("grant_type") == "authorization_code":  # OAuth v4 with PKCE
                digest = hashlib.sha256(str(p.get("code_verifier", "")).encode()).digest()
                with self.lock:
                    wanted = self.codes.pop(str(p.get("code")), None)
                    if wanted is None or wanted != base64.urlsafe_b64encode(digest).rstrip(b"=").decode():
                        return JSONResponse({"error": -14019, "error_name": "Invalid code verifier"})
                    self.refreshes += 1
                    access, self.refresh_token = f"access-{self.refreshes}", f"refresh-{self.refreshes}"
                    self.valid_access.add(access)
                    return JSONResponse({"access_token": access, "refresh_token": self.refresh_token,
                                         "expires_in": "90000"})
            with self.lock:
                if p.get("grant_type") != "refresh_token" or p.get("refresh_token") != self.refresh_token:
                    return JSONResponse({"error": -14014, "error_name": "Invalid refresh token"})
                self.refreshes += 1
                access = f"access-{self.refreshes}"
                self.valid_access.add(access)
                self.refresh_token = f"refresh-{self.refreshes}"
                return JSONResponse({"access_token": access, "refresh_token": self.refresh_token, "expires_in": "90000"})

        # Zalo Bot Platform (bot-api.zaloplatforms.com): sendMessage under the bot token's path.
        self.bot_token = ZALO_BOT_TOKEN
        self.bot_messages: list[dict] = []

        @self.app.post("/bot{token}/sendMessage")
        async def bot_send(token: str, request: Request) -> JSONResponse:
            if token != self.bot_token:
                return JSONResponse({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
            body = await request.json()
            if not isinstance(body.get("text"), str) or not 1 <= len(body["text"]) <= 2000 or not body.get("chat_id"):
                return JSONResponse({"ok": False, "error_code": 400, "description": "Bad Request"}, 400)
            with self.lock:
                self.bot_messages.append({"chat_id": body["chat_id"], "text": body["text"]})
                n = len(self.bot_messages)
            return JSONResponse({"ok": True, "result": {"message_id": f"b{n}", "date": int(time.time() * 1000)}})

    def allow(self, code_challenge: str) -> str:
        """The OA admin pressing 'allow' on the permission page: an authorization code."""
        code = f"code-{len(self.codes)}-{time.time_ns()}"
        with self.lock:
            self.codes[code] = code_challenge
        return code

    def messages_for(self, user_id: str) -> list[dict]:
        with self.lock:
            return [m for m in self.messages if m["user_id"] == user_id]

    def bot_messages_for(self, chat_id: str) -> list[dict]:
        with self.lock:
            return [m for m in self.bot_messages if m["chat_id"] == chat_id]


class FakeNewsSite(FakeServer):
    """A provincial portal: robots.txt, pages, a flaky page (503 twice), a legacy-charset
    page, a page robots.txt forbids."""

    def __init__(self, pages: dict[str, str]) -> None:
        super().__init__()
        self.hits: dict[str, int] = {}
        from fastapi.responses import PlainTextResponse, Response

        @self.app.get("/robots.txt")
        def robots() -> PlainTextResponse:
            return PlainTextResponse("User-agent: *\nDisallow: /private/\n")

        @self.app.get("/{path:path}")
        def page(path: str) -> Response:
            with self.lock:
                self.hits[path] = self.hits.get(path, 0) + 1
                n = self.hits[path]
            if path.startswith("flaky") and n <= 2:
                return Response("busy", status_code=503)
            if path not in pages:
                return Response("not found", status_code=404)
            if path.startswith("legacy"):
                return Response(to_cp1258(pages[path]), media_type="text/html; charset=windows-1258")
            return Response(pages[path].encode("utf-8"), media_type="text/html; charset=utf-8")


def to_cp1258(text: str) -> bytes:
    """Windows-1258 as legacy Vietnamese sites write it: base letters precomposed (â, ơ, đ),
    tone marks as separate combining characters."""
    import unicodedata

    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = []
    for ch in text:
        d = unicodedata.normalize("NFD", ch)
        marks = "".join(c for c in d if c in tones)
        out.append(unicodedata.normalize("NFC", "".join(c for c in d if c not in tones)) + marks)
    return "".join(out).encode("cp1258")
