"""The Zalo Bot Platform channel (/zalo/bot) against the local fake of the Bot API, and the
OA channel's first-time-right checks (the OA secret key required, non-text events hinted)."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest
from pydantic import ValidationError

from assistant.channels.zalo import NON_TEXT_HINT
from assistant.channels.zalo_bot import parse_update
from assistant.settings import Settings

from .. import channels
from ..conftest import ZALO_MESSAGE_LIMIT

QUESTION = "Tỷ lệ TTHC được cung cấp DVC trực tuyến toàn trình của Hà Giang là bao nhiêu?"


def test_only_the_secret_token_gets_in(server, fake_zalo):
    chat = f"c{uuid.uuid4().hex[:8]}"
    update = channels.zalo_bot_update(chat, QUESTION)
    assert httpx.post(f"{server}/zalo/bot", json=update).status_code == 401  # no header
    assert channels.zalo_bot_request(server, update, secret="zalo-bot-webhook-secreT").status_code == 401
    assert channels.zalo_bot_request(server, {"ok": True, "result": {"message": "x"}}).status_code == 400
    r = httpx.post(f"{server}/zalo/bot", content=b"{not json", headers={"X-Bot-Api-Secret-Token": "zalo-bot-webhook-secret"})
    assert r.status_code in (400, 422)
    time.sleep(0.5)
    assert fake_zalo.bot_messages_for(chat) == []  # nothing refused was answered


def test_answer_split_like_the_oa_and_redeliveries_answered_once(server, fake_zalo):
    chat = f"c{uuid.uuid4().hex[:8]}"
    update = channels.zalo_bot_update(chat, QUESTION)
    assert channels.zalo_bot_request(server, update).json()["status"] == "accepted"
    assert channels.zalo_bot_request(server, update).json()["status"] == "duplicate"
    parts = channels.zalo_bot_reply(fake_zalo, chat)
    assert len(parts) > 1 and all(len(p) <= ZALO_MESSAGE_LIMIT for p in parts)
    assert parts[0].endswith(f"(1/{len(parts)})")
    api = httpx.post(f"{server}/v1/ask", json={"question": QUESTION}, timeout=60).json()
    seen = channels.parse_zalo(server, parts)
    assert seen.urls == [c["url"] for c in api["citations"]]
    time.sleep(1)
    assert len(fake_zalo.bot_messages_for(chat)) == len(parts)  # the redelivery sent nothing more


@pytest.mark.parametrize("event", ["message.image.received", "message.sticker.received", "message.voice.received",
              "message.unsupported.received"])
def test_non_text_messages_get_a_hint(server, fake_zalo, event):
    chat = f"c{uuid.uuid4().hex[:8]}"
    assert channels.zalo_bot_request(server, channels.zalo_bot_update(chat, None, event)).json()["status"] == "hinted"
    assert channels.zalo_bot_reply(fake_zalo, chat) == [NON_TEXT_HINT]


def test_oa_non_text_event_gets_a_hint(server, fake_zalo):
    user = f"u{uuid.uuid4().hex[:8]}"
    event = channels.zalo_event(user, "")
    event["event_name"] = "user_send_sticker"
    event["message"] = {"msg_id": uuid.uuid4().hex, "attachments": [{"type": "sticker", "payload": {"id": "s1"}}]}
    assert channels.zalo_request(server, event).json()["status"] == "hinted"
    sent = channels.wait_for(lambda: fake_zalo.messages_for(user) or None)
    assert [(m["text"], m["reply_to"]) for m in sent] == [(NON_TEXT_HINT, event["message"]["msg_id"])]


def test_parse_update_reads_flat_and_wrapped_updates():
    flat = channels.zalo_bot_update("c1", "xin chào")["result"]
    assert parse_update(flat)[1:] == parse_update({"ok": True, "result": flat})[1:]
    assert parse_update(flat)[0] == "message.text.received" and parse_update(flat)[3] == "xin chào"
    for bad in ([], {"message": {"chat": "c1"}}, {"message": {"chat": {"id": True}, "message_id": "m"}}):
        with pytest.raises(ValueError):
            parse_update(bad)


def test_oa_without_its_secret_key_is_refused_at_startup():
    with pytest.raises(ValidationError, match="CCHC_ZALO_OA_SECRET_KEY"):
        Settings(zalo_app_secret="app-secret", zalo_refresh_token="refresh")
    assert Settings(zalo_app_secret="a", zalo_refresh_token="r", zalo_oa_secret_key="k").zalo_enabled
    with pytest.raises(ValidationError):
        Settings(zalo_bot_token="1:x", zalo_bot_secret_token="short")  # setWebhook takes 8-256 characters


def test_zalo_authorize_with_pkce_stores_the_first_pair(sample_index, tmp_path, fake_zalo):
    """`cchc zalo authorize` prints the v4 permission URL with a S256 challenge; the callback
    exchanges the code with the matching verifier and stores the pair; a restarted server
    answers OA users with it, configured with no token at all. When that pair dies, the same
    command re-seeds the running server."""
    import os
    import shutil
    import subprocess
    import sys
    from urllib.parse import parse_qs, urlsplit

    from ..conftest import ZALO_APP_ID, ZALO_OA_KEY, ZALO_SECRET, running_server

    data_dir = tmp_path / "index"
    shutil.copytree(sample_index, data_dir)
    env = {"CCHC_ZALO_APP_ID": ZALO_APP_ID, "CCHC_ZALO_APP_SECRET": ZALO_SECRET, "CCHC_ZALO_OA_SECRET_KEY": ZALO_OA_KEY,
           "CCHC_ZALO_API_BASE": fake_zalo.base, "CCHC_ZALO_OAUTH_BASE": fake_zalo.base, "CCHC_RATE_LIMIT": "100000/minute"}

    def authorize(base: str) -> tuple[str, dict[str, str]]:
        out = subprocess.run([sys.executable, "-m", "assistant.cli", "zalo", "authorize", "--data-dir", str(data_dir)],
                             capture_output=True, text=True, timeout=60, check=True,
                             env={**os.environ, **env, "CCHC_PUBLIC_BASE_URL": base}).stdout.strip()
        url = urlsplit(out)
        return url.path, {k: v[0] for k, v in parse_qs(url.query).items()}

    with running_server(data_dir, env) as base:
        assert httpx.post(f"{base}/zalo/webhook", content=b"{}").status_code == 404  # no tokens: no OA channel yet
        path, query = authorize(base)
        assert path == "/v4/oa/permission" and query["app_id"] == ZALO_APP_ID
        assert query["redirect_uri"] == f"{base}/zalo/oauth/callback" and len(query["code_challenge"]) == 43
        code = fake_zalo.allow(query["code_challenge"])
        assert httpx.get(f"{base}/zalo/oauth/callback", params={"code": code, "state": "forged"}).status_code == 400
        # A code Zalo refuses (used, expired, another app's) is the person's to redo: a 400 that says how.
        refused = httpx.get(f"{base}/zalo/oauth/callback", timeout=30,
                            params={"code": "not-a-code", "state": authorize(base)[1]["state"]})
        assert refused.status_code == 400 and "cchc zalo authorize" in refused.text
        ok = httpx.get(f"{base}/zalo/oauth/callback", params={"code": code, "state": query["state"]}, timeout=30)
        assert ok.status_code == 200 and "token" in ok.text
        again = httpx.get(f"{base}/zalo/oauth/callback", params={"code": code, "state": query["state"]})
        assert again.status_code == 400  # a state is good once
    with running_server(data_dir, env) as base:
        user = f"u{uuid.uuid4().hex[:8]}"
        assert channels.zalo_request(base, channels.zalo_event(user, QUESTION)).status_code == 200
        replies = channels.zalo_reply(fake_zalo, user)
        assert replies and replies[0]
        first_token = fake_zalo.messages_for(user)[0]["token"]
        assert first_token.startswith("access-")  # the stored pair's token

        # The pair dies (the access token refused, the refresh token unused too long): nobody is
        # answered. `cchc zalo authorize` again re-seeds the running server, no restart.
        fake_zalo.valid_access.discard(first_token)
        with fake_zalo.lock:
            fake_zalo.refresh_token = "refresh-expired"
        stranded = f"u{uuid.uuid4().hex[:8]}"
        assert channels.zalo_request(base, channels.zalo_event(stranded, QUESTION)).status_code == 200
        time.sleep(3)
        assert fake_zalo.messages_for(stranded) == []
        _, query = authorize(base)
        code = fake_zalo.allow(query["code_challenge"])
        assert httpx.get(f"{base}/zalo/oauth/callback", params={"code": code, "state": query["state"]},
                         timeout=30).status_code == 200
        later = f"u{uuid.uuid4().hex[:8]}"
        assert channels.zalo_request(base, channels.zalo_event(later, QUESTION)).status_code == 200
        assert channels.zalo_reply(fake_zalo, later)
        assert fake_zalo.messages_for(later)[0]["token"] not in ("", first_token)
