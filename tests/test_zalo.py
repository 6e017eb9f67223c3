"""Zalo OA specifics: event signatures, token refresh, message splitting, per-user history."""

from __future__ import annotations

import time

from assistant.channels.formatting import split_message
from assistant.channels.zalo import numbered_parts

from . import channels
from .conftest import ZALO_MESSAGE_LIMIT

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
