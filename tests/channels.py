"""Test-side drivers of every channel: each asks the running server one question the way
that platform would and returns what the user would see, reduced to (answer, source URLs)
so that the contract suite can compare channels with each other."""

from __future__ import annotations

import hashlib
import hmac
import html
import itertools
import json
import re
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import openai

from assistant.channels.formatting import strip_markup

from .conftest import SLACK_SECRET, ZALO_APP_ID, ZALO_BOT_SECRET, ZALO_OA_KEY
from .fakes.platforms import FakeSlack, FakeZalo

_SOURCES = re.compile(r"\n\n(?:Nguồn|Sources):\n.*\Z", re.S)
_ITALIC_LINE = re.compile(r"(?m)^_(.+)_$")
_ts = itertools.count(1)


@dataclass
class Seen:
    answer: str  # whitespace-normalised, markup removed
    urls: list[str]


def norm(text: str) -> str:
    # Bold and a line set in italics are presentation: a channel may draw them or drop them.
    return " ".join(strip_markup(_ITALIC_LINE.sub(r"\1", text)).split())


def wait_for(predicate, timeout: float = 60.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError("timed out waiting for the channel's reply")


def api(server: str, q: str, history: list[dict]) -> Seen:
    r = httpx.post(f"{server}/v1/ask", json={"question": q, "history": history}, timeout=60).json()
    return Seen(norm(r["answer"]), [c["url"] for c in r["citations"]])


def openai_client(server: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server}/v1", api_key="not-needed", timeout=60, max_retries=0)


def openai_chat(server: str, q: str, history: list[dict]) -> Seen:
    msgs = [*history, {"role": "user", "content": q}]
    r = openai_client(server).chat.completions.create(model="cchc", messages=msgs)  # type: ignore[arg-type]
    text = r.choices[0].message.content or ""
    return Seen(norm(_SOURCES.sub("", text)), [c["url"] for c in (r.model_extra or {})["citations"]])


def openai_stream(server: str, q: str, history: list[dict]) -> Seen:
    msgs = [*history, {"role": "user", "content": q}]
    parts, citations = [], None
    for chunk in openai_client(server).chat.completions.create(model="cchc", messages=msgs, stream=True):  # type: ignore[arg-type]
        parts.extend(c.delta.content or "" for c in chunk.choices)
        citations = (chunk.model_extra or {}).get("citations", citations)
    assert citations is not None, "the last chunk carries the citations"
    return Seen(norm(_SOURCES.sub("", "".join(parts))), [c["url"] for c in citations])


def slack_request(server: str, body: dict | str, ts: int | None = None, secret: str = SLACK_SECRET,
                  headers: dict | None = None) -> httpx.Response:
    raw = body if isinstance(body, str) else json.dumps(body)
    stamp = str(ts if ts is not None else int(time.time()))
    sig = "v0=" + hmac.new(secret.encode(), f"v0:{stamp}:{raw}".encode(), hashlib.sha256).hexdigest()
    h = {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": sig, "Content-Type": "application/json", **(headers or {})}
    return httpx.post(f"{server}/slack/events", content=raw, headers=h, timeout=10)


def slack_event(text: str, channel: str = "C1", thread_ts: str | None = None, kind: str = "app_mention",
                event_id: str | None = None) -> dict:
    ts = f"{time.time():.0f}.{next(_ts):06d}"
    event = {"type": kind, "user": "U1", "text": text, "ts": ts, "channel": channel, "event_ts": ts}
    if kind == "message":
        event["channel_type"] = "im"
    if thread_ts:
        event["thread_ts"] = thread_ts
    return {"token": "t", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:10]}", "event_time": int(time.time()), "event": event}


def parse_slack(post: dict) -> Seen:
    blocks = post["blocks"] if isinstance(post["blocks"], list) else json.loads(post["blocks"])
    body = blocks[0]["text"]["text"]
    urls: list[str] = []
    for m in re.finditer(r"<([^|>]+)\|\[(\d+)\]>", body):
        urls.append(m.group(1))
    body = re.sub(r"<[^|>]+\|(\[\d+\])>", r"\1", body)
    return Seen(norm(html.unescape(body).replace("*", "")), list(dict.fromkeys(urls)))


def _slack_thread(fake: FakeSlack, q: str, history: list[dict], deliver) -> Seen:
    """The question as an @mention, in a thread seeded with `history` when there is one; the
    bot's reply in that thread. `deliver` hands the event to the server as Slack would."""
    channel = f"C{uuid.uuid4().hex[:8]}"
    thread = None
    if history:
        thread = f"{time.time():.0f}.{next(_ts):06d}"
        fake.seed(channel, thread, [
            {"ts": f"{thread[:-6]}{next(_ts):06d}", "user": "U1" if t["role"] == "user" else fake.bot_user,
             "text": t["content"], **({"bot_id": "BBOT"} if t["role"] == "assistant" else {})}
            for t in history
        ])
    payload = slack_event(f"<@{fake.bot_user}> {q}", channel, thread)
    deliver(payload)
    expected_thread = thread or payload["event"]["ts"]
    post = wait_for(lambda: fake.posts_in(channel, expected_thread))[0]
    return parse_slack(post)


def slack(server: str, fake: FakeSlack, q: str, history: list[dict]) -> Seen:
    """Over the Events API: a signed POST to /slack/events."""
    def deliver(payload: dict) -> None:
        assert slack_request(server, payload).status_code == 200
    return _slack_thread(fake, q, history, deliver)


def slack_socket(fake: FakeSlack, q: str, history: list[dict]) -> Seen:
    """Over Socket Mode: the event goes down the WebSocket the server dialled out on (no
    signature, no public URL), and the server acknowledges its envelope."""
    envelopes: list[str] = []
    seen = _slack_thread(fake, q, history, lambda payload: envelopes.append(fake.push_event(payload)))
    wait_for(lambda: envelopes[0] in {a.get("envelope_id") for a in list(fake.acks)})  # acknowledged, as Slack requires
    return seen


def zalo_request(server: str, event: dict, secret: str = ZALO_OA_KEY, signature: str | None = None) -> httpx.Response:
    raw = json.dumps(event, ensure_ascii=False).encode()
    mac = hashlib.sha256(event["app_id"].encode() + raw + event["timestamp"].encode() + secret.encode()).hexdigest()
    return httpx.post(f"{server}/zalo/webhook", content=raw, timeout=10,
                      headers={"X-ZEvent-Signature": signature or f"mac={mac}", "Content-Type": "application/json"})


def zalo_event(user: str, text: str, age_s: float = 0) -> dict:
    return {"app_id": ZALO_APP_ID, "user_id_by_app": f"app-{user}", "event_name": "user_send_text",
            "timestamp": str(int((time.time() - age_s) * 1000)), "sender": {"id": user}, "recipient": {"id": "oa-1"},
            "message": {"text": text, "msg_id": uuid.uuid4().hex}}


_PART = re.compile(r"\n\((\d+)/(\d+)\)\Z")


def zalo_reply(fake: FakeZalo, user: str, already: int = 0) -> list[str]:
    """The texts of one complete reply (all its "(i/n)" parts) after `already` messages."""
    def complete() -> list[str] | None:
        msgs = [m["text"] for m in fake.messages_for(user)[already:]]
        if not msgs:
            return None
        m = _PART.search(msgs[0])
        total = int(m.group(2)) if m else 1
        return msgs[:total] if len(msgs) >= total else None
    return wait_for(complete)


def parse_zalo(server: str, parts: list[str]) -> Seen:
    text = "\n".join(_PART.sub("", p) for p in parts)
    answer = _SOURCES.sub("", text) if _SOURCES.search(text) else re.split(r"\n(?:Nguồn|Sources):\n", text)[0]
    urls = []
    for short in re.findall(r"https?://\S+/r/\S+", text):
        loc = httpx.get(short, follow_redirects=False).headers["location"]
        urls.append(loc)
    return Seen(norm(answer), urls)


def zalo(server: str, fake: FakeZalo, q: str, history: list[dict]) -> Seen:
    user = f"u{uuid.uuid4().hex[:10]}"
    for turn in history:
        if turn["role"] == "user":  # the history is whatever this user said before, in Zalo
            before = len(fake.messages_for(user))
            assert zalo_request(server, zalo_event(user, turn["content"])).status_code == 200
            zalo_reply(fake, user, before)
    before = len(fake.messages_for(user))
    assert zalo_request(server, zalo_event(user, q)).status_code == 200
    return parse_zalo(server, zalo_reply(fake, user, before))


def zalo_bot_request(server: str, update: dict, secret: str = ZALO_BOT_SECRET) -> httpx.Response:
    return httpx.post(f"{server}/zalo/bot", json=update, timeout=10, headers={"X-Bot-Api-Secret-Token": secret})


def zalo_bot_update(chat: str, text: str | None, event: str = "message.text.received") -> dict:
    """An update as the Bot Platform posts it to a webhook (wrapped in ok/result)."""
    message = {"message_id": uuid.uuid4().hex, "from": {"id": chat, "display_name": "Người dùng"},
               "chat": {"id": chat, "chat_type": "PRIVATE"}, "date": int(time.time() * 1000)}
    if text is not None:
        message["text"] = text
    return {"ok": True, "result": {"event_name": event, "message": message}}


def zalo_bot_reply(fake: FakeZalo, chat: str, already: int = 0) -> list[str]:
    def complete() -> list[str] | None:
        msgs = [m["text"] for m in fake.bot_messages_for(chat)[already:]]
        if not msgs:
            return None
        m = _PART.search(msgs[0])
        total = int(m.group(2)) if m else 1
        return msgs[:total] if len(msgs) >= total else None
    return wait_for(complete)


def zalo_bot(server: str, fake: FakeZalo, q: str, history: list[dict]) -> Seen:
    chat = f"c{uuid.uuid4().hex[:10]}"
    for turn in history:
        if turn["role"] == "user":
            before = len(fake.bot_messages_for(chat))
            assert zalo_bot_request(server, zalo_bot_update(chat, turn["content"])).status_code == 200
            zalo_bot_reply(fake, chat, before)
    before = len(fake.bot_messages_for(chat))
    assert zalo_bot_request(server, zalo_bot_update(chat, q)).status_code == 200
    return parse_zalo(server, zalo_bot_reply(fake, chat, before))


def mcp(server: str, q: str, history: list[dict]) -> Seen:
    """The `ask` tool through the MCP SDK's own client over streamable HTTP at /mcp."""
    import anyio
    from mcp import Client

    async def call() -> dict:
        async with Client(f"{server}/mcp", read_timeout_seconds=60) as client:
            result = await client.call_tool("ask", {"question": q, "history": history})
            assert not result.is_error, result.content
            return result.structured_content or json.loads(result.content[0].text)

    # In a thread of its own: Playwright's sync API (the widget's Chromium, when the same module
    # drives it) keeps an event loop on this one, where anyio.run would refuse to start.
    with ThreadPoolExecutor(1) as pool:
        answer = pool.submit(anyio.run, call).result()
    return Seen(norm(strip_markup(answer["answer"])), [c["url"] for c in answer["citations"]])


def portal(script_src: str, port: int, csp: str | None = None) -> ThreadingHTTPServer:
    """A provincial portal's page, on its own origin, that embeds the widget with one tag; with
    `csp`, served under that Content-Security-Policy."""
    # The portal's own loud CSS (the widget must not inherit it), inline unless its policy forbids that.
    style = "" if csp else "<style>button { background: lime !important; }</style>"
    page = (f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Cổng thông tin tỉnh</title>{style}</head>'
            f'<body><h1>Cổng thông tin điện tử</h1><script src="{script_src}" defer></script></body></html>').encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            if csp:
                self.send_header("Content-Security-Policy", csp)
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


_WIDGET_DONE = """(n) => { const r = document.querySelector('#cchc-widget').shadowRoot;
    return r.querySelectorAll('.a').length === n && !r.querySelector('form button').disabled; }"""
_WIDGET_LAST = """() => { const r = document.querySelector('#cchc-widget').shadowRoot;
    const a = [...r.querySelectorAll('.a')].pop(), next = a.nextElementSibling;
    const items = next && next.matches('ol.src') ? [...next.children] : [];
    return [a.textContent, items.map((li) => { const l = li.querySelector('a'); return l ? l.getAttribute('href') : null; })]; }"""


def widget(browser, portal_url: str, q: str, history: list[dict]) -> Seen:
    """The embeddable widget on a portal page in Chromium: the user's earlier questions typed
    into it first (it keeps the conversation itself), then this one; what it shows, with the
    links of its sources list."""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    try:
        page = context.new_page()
        page.goto(portal_url + "/")
        box = page.locator("#cchc-widget")
        box.locator("button.open").click()
        asked = [t["content"] for t in history if t["role"] == "user"] + [q]
        for n, text in enumerate(asked, 1):
            box.locator("input").fill(text)
            box.locator("form button").click()
            page.wait_for_function(_WIDGET_DONE, arg=n, timeout=60_000)
        shown, urls = page.evaluate(_WIDGET_LAST)
    finally:
        context.close()
    return Seen(norm(shown), urls)
