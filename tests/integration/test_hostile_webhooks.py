"""Hostile input on the webhooks (issue 14, class 1): an unsigned request is a 401 before its
body is parsed, a signed one of the wrong shape a 400, and a bounded fuzz of random bodies and
headers, signed and unsigned, never gets a 5xx."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..conftest import SLACK_SECRET, ZALO_APP_ID, ZALO_OA_KEY
from ..e2e.test_hostile import DEEP, MID, no_5xx

# --- 1. webhooks: refused before parsing, every shape error a 4xx ------------------------------


def slack_post(
    server: str, raw: str | bytes, ts: str | None, sign: bool = True, ctype: str = "application/json"
):
    raw = raw.encode() if isinstance(raw, str) else raw
    headers = {"Content-Type": ctype}
    if ts is not None:
        headers["X-Slack-Request-Timestamp"] = ts
        if sign:
            mac = hmac.new(SLACK_SECRET.encode(), f"v0:{ts}:".encode() + raw, hashlib.sha256).hexdigest()
            headers["X-Slack-Signature"] = f"v0={mac}"
        else:
            headers["X-Slack-Signature"] = "v0=" + "0" * 64
    return httpx.post(f"{server}/slack/events", content=raw, headers=headers, timeout=10)


@pytest.mark.parametrize("ts", ["abc", "1.5", "1e3", "", "-1", "0x10", "1_700", "+12", "9" * 40, None])
@pytest.mark.parametrize("raw", ['{"type": "event_callback"}', "[1]", '"x"', "null", DEEP])
def test_slack_unsigned_or_bad_timestamps_are_401(server, ts, raw):
    assert no_5xx(slack_post(server, raw, ts, sign=False)).status_code == 401
    if ts is not None and not ts.isdigit():  # a bad timestamp fails even when "signed" with it
        assert no_5xx(slack_post(server, raw, ts)).status_code == 401


@pytest.mark.parametrize(
    "raw,ctype",
    [
        ("[1]", "application/json"),
        ('"x"', "application/json"),
        ("null", "application/json"),
        ('{"type": "event_callback", "event": "x"}', "application/json"),
        (DEEP, "application/json"),
        ('{"a": NaN}', "application/json"),
        ("payload=%5B1%5D", "application/x-www-form-urlencoded"),
        ("payload=not-json", "application/x-www-form-urlencoded"),
        (b"\xff\xfe{}", "text/plain"),
    ],
)
def test_slack_signed_but_malformed_is_400(server, raw, ctype):
    assert no_5xx(slack_post(server, raw, str(int(time.time())), ctype=ctype)).status_code == 400


def zalo_post(server: str, raw: bytes, sign: bool = True) -> httpx.Response:
    ts = str(int(time.time() * 1000))
    raw = raw.replace(b"@TS@", ts.encode())
    mac = hashlib.sha256(ZALO_APP_ID.encode() + raw + ts.encode() + ZALO_OA_KEY.encode()).hexdigest()
    sig = f"mac={mac}" if sign else "mac=" + "0" * 64
    return httpx.post(
        f"{server}/zalo/webhook",
        content=raw,
        timeout=10,
        headers={"X-ZEvent-Signature": sig, "Content-Type": "application/json"},
    )


def zalo_body(sender: object, message: object, extra: str = "") -> bytes:
    head = f'{{"app_id": "{ZALO_APP_ID}", "timestamp": "@TS@", "event_name": "user_send_text"'
    return (head + f', "sender": {json.dumps(sender)}, "message": {json.dumps(message)}{extra}}}').encode()


ZALO_MALFORMED = [
    zalo_body("u1", {"text": "hi"}),
    zalo_body(["u1"], {"text": "hi"}),
    zalo_body(None, {"text": "hi"}),
    zalo_body({"id": "u1"}, "hi"),
    zalo_body({"id": "u1"}, ["hi"]),
    zalo_body({"id": "u1"}, None),
    zalo_body({"id": {"x": 1}}, {"text": "hi"}),
    zalo_body({"id": "u1"}, {"text": ["hi"]}),
    zalo_body({"id": "u1"}, {"text": "hi"}, ', "deep": ' + MID),
    zalo_body({"id": "u1"}, {"text": "hi"}, ', "n": NaN'),
    zalo_body({"id": "u1"}, {"text": "hi"}, ', "n": 1e400'),
    zalo_body({"id": "u1"}, {"text": "hi"}, ', "timestamp": "1"'),  # a second, unsigned timestamp
    b'[{"app_id": "' + ZALO_APP_ID.encode() + b'", "timestamp": "@TS@"}]',
]


@pytest.mark.parametrize("raw", ZALO_MALFORMED + [DEEP.encode(), b"\xff\xfe", b""])
def test_zalo_unsigned_is_401_before_parsing(server, raw):
    assert no_5xx(zalo_post(server, raw, sign=False)).status_code == 401


@pytest.mark.parametrize("raw", ZALO_MALFORMED)
def test_zalo_signed_but_malformed_is_400(server, raw):
    assert no_5xx(zalo_post(server, raw)).status_code == 400


# --- a bounded fuzz of the webhooks: random bodies and headers, signed and unsigned -------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
BODIES = st.one_of(
    st.binary(max_size=300),
    JSON_VALUES.map(lambda v: json.dumps(v).encode()),
    st.dictionaries(
        st.sampled_from(
            [
                "type",
                "event",
                "payload",
                "challenge",
                "event_id",
                "authorizations",
                "enterprise",
                "team",
                "team_id",
                "is_enterprise_install",
                "user",
                "channel",
            ]
        ),
        JSON_VALUES,
        max_size=5,
    ).map(lambda v: json.dumps(v).encode()),
)
HEADER_TEXT = st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=20)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=BODIES,
    ts=st.one_of(HEADER_TEXT, st.integers(-(10**12), 10**13).map(str)),
    sign=st.booleans(),
    ctype=st.sampled_from(["application/json", "application/x-www-form-urlencoded", "text/plain"]),
)
def test_fuzz_slack_never_5xx(server, body, ts, sign, ctype):
    if sign and ts.isdigit():
        ts = str(int(time.time()))  # a valid signature: the body itself is what is fuzzed
    assert slack_post(server, body, ts, sign=sign, ctype=ctype).status_code in (200, 400, 401, 404)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    sender=JSON_VALUES,
    message=JSON_VALUES,
    extra=st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=3),
    event=st.sampled_from(["user_send_text", "follow", "x"]),
    sign=st.booleans(),
    raw=st.binary(max_size=200),
)
def test_fuzz_zalo_never_5xx(server, sender, message, extra, event, sign, raw):
    if not sign:
        assert zalo_post(server, raw, sign=False).status_code == 401
    extra_json = "".join(
        f", {json.dumps(k)}: {json.dumps(v)}" for k, v in extra.items() if k not in ("app_id", "timestamp")
    )
    body = zalo_body(sender, message, extra_json).replace(b'"user_send_text"', json.dumps(event).encode(), 1)
    assert zalo_post(server, body, sign=sign).status_code in ((200, 400) if sign else (401,))
