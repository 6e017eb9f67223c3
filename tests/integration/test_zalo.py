"""Zalo OA specifics: event signatures, token refresh, message splitting, per-user history."""

from __future__ import annotations

import time

from assistant.channels.formatting import split_message
from assistant.channels.zalo import numbered_parts

from .. import channels
from ..conftest import ZALO_MESSAGE_LIMIT

HG = "Tỷ lệ TTHC được cung cấp DVC trực tuyến toàn trình của Hà Giang là bao nhiêu?"


def test_bad_unsigned_or_stale_events_are_refused(server, fake_zalo):
    user = "u-forged"
    event = channels.zalo_event(user, HG)
    assert channels.zalo_request(server, event, secret="wrong").status_code == 401
    assert channels.zalo_request(server, event, signature="mac=00").status_code == 401
    assert channels.httpx.post(f"{server}/zalo/webhook", json=event).status_code == 401
    assert channels.zalo_request(server, channels.zalo_event(user, HG, age_s=3600)).status_code == 401
    # Unsigned: refused before the body is parsed.
    bad = channels.httpx.post(f"{server}/zalo/webhook", content=b"not json", headers={"X-ZEvent-Signature": "mac=1"})
    assert bad.status_code == 401
    time.sleep(1.0)
    assert fake_zalo.messages_for(user) == []


def test_expired_token_is_refreshed_and_long_answers_are_split(server, fake_zalo):
    user = "u-split"
    assert channels.zalo_request(server, channels.zalo_event(user, HG)).status_code == 200
    parts = channels.zalo_reply(fake_zalo, user)
    # The configured access token was no longer valid: the refresh token replaced it.
    assert fake_zalo.refreshes >= 1
    assert all(m["token"] != "access-expired" for m in fake_zalo.messages_for(user))
    assert len(parts) > 1 and all(len(p) <= ZALO_MESSAGE_LIMIT for p in parts)
    assert parts[0].endswith(f"(1/{len(parts)})")
    assert channels.parse_zalo(server, parts).answer == channels.api(server, HG, []).answer


def test_every_part_of_a_reply_answers_the_users_message(server, fake_zalo):
    # With the user's msg_id as recipient.message_id Zalo counts a reply (free within 48 hours);
    # with a user_id alone it counts a proactive message, which an unverified OA cannot send.
    user = "u-reply"
    event = channels.zalo_event(user, HG)
    assert channels.zalo_request(server, event).status_code == 200
    parts = channels.zalo_reply(fake_zalo, user)
    sent = fake_zalo.messages_for(user)
    assert len(sent) == len(parts) > 1
    assert [m["reply_to"] for m in sent] == [event["message"]["msg_id"]] * len(sent)


def test_the_id_zalo_gives_a_sent_message_is_returned(tmp_path, fake_zalo):
    from assistant.channels.zalo import TokenStore, ZaloClient
    from assistant.settings import Settings

    from ..conftest import ZALO_APP_ID, ZALO_OA_KEY, ZALO_SECRET

    fake_zalo.valid_access.add("access-direct")
    settings = Settings(data_dir=tmp_path, zalo_app_id=ZALO_APP_ID, zalo_app_secret=ZALO_SECRET,
                        zalo_oa_secret_key=ZALO_OA_KEY, zalo_api_base=fake_zalo.base, zalo_oauth_base=fake_zalo.base)
    client = ZaloClient(settings, TokenStore(tmp_path / "tokens.sqlite", "access-direct", None))
    first = client.send_text("u-direct", "Xin chào.", "msg-42")
    second = client.send_text("u-direct", "Lần hai.")
    assert first and second and first != second
    assert [(m["text"], m["reply_to"]) for m in fake_zalo.messages_for("u-direct")] == [("Xin chào.", "msg-42"), ("Lần hai.", None)]


def test_a_duplicate_delivery_is_answered_once(server, fake_zalo):
    user = "u-dup"
    event = channels.zalo_event(user, HG)
    assert channels.zalo_request(server, event).status_code == 200
    assert channels.zalo_request(server, event).json()["status"] == "duplicate"
    n = len(channels.zalo_reply(fake_zalo, user))
    time.sleep(1.0)
    assert len(fake_zalo.messages_for(user)) == n


def test_other_events_are_acknowledged_and_ignored(server, fake_zalo):
    event = channels.zalo_event("u-follow", "")
    event["event_name"] = "follow"
    r = channels.zalo_request(server, event)
    assert r.status_code == 200 and r.json()["status"] == "ignored"


def test_split_message_keeps_every_character_within_the_limit():
    text = "Câu một dài. " * 40 + "\n\n" + "x" * 700 + "\nNguồn:\n[1] a"
    parts = split_message(text, 200)
    assert all(len(p) <= 200 for p in parts)
    assert "".join(parts).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "")
    numbered = numbered_parts(text, 220)
    assert all(len(p) <= 220 for p in numbered) and numbered[-1].endswith(f"({len(numbered)}/{len(numbered)})")
    assert numbered_parts("ngắn", 220) == ["ngắn"]
