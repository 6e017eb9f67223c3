"""The first Zalo OA token pair, by OAuth v4 with PKCE (`cchc zalo authorize`).

The command stores a fresh code verifier under a random `state` in channels.sqlite and prints
the permission URL (`/v4/oa/permission?app_id&redirect_uri&code_challenge&state`, the challenge
being base64url(SHA-256(verifier)) without padding). The OA admin opens it and allows; Zalo
redirects to `/zalo/oauth/callback?code=…&state=…` on `cchc serve`, which takes the verifier for
that state (once, within `PENDING_TTL_S`), exchanges the code at `/v4/oa/access_token` with the
app secret and stores the pair where the OA channel reads it. The same command re-seeds a pair
whose refresh token has died: the new pair replaces it, no restart needed.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import sqlite3
import time
from contextlib import closing
from urllib.parse import urlencode

import httpx
from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse

from assistant.channels.zalo import TokenStore
from assistant.databases import open_sqlite
from assistant.settings import Settings

PENDING_TTL_S = 600
CALLBACK = "/zalo/oauth/callback"


def _pending(settings: Settings) -> sqlite3.Connection:
    db = open_sqlite(settings.channels_path, timeout=30)
    db.execute("CREATE TABLE IF NOT EXISTS zalo_oauth_pending (state TEXT PRIMARY KEY, verifier TEXT, at REAL)")
    return db


def challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def permission_url(settings: Settings) -> str:
    """A permission URL whose verifier is kept for the callback."""
    if not (settings.zalo_app_id and settings.public_base_url):
        raise ValueError("set CCHC_ZALO_APP_ID and CCHC_PUBLIC_BASE_URL (the callback's host) first")
    verifier, state = secrets.token_urlsafe(32), secrets.token_urlsafe(16)  # 43 characters: RFC 7636's minimum
    settings.channels_path.parent.mkdir(parents=True, exist_ok=True)
    with closing(_pending(settings)) as db:
        db.execute("DELETE FROM zalo_oauth_pending WHERE at < ?", (time.time() - PENDING_TTL_S,))
        db.execute("INSERT INTO zalo_oauth_pending VALUES (?, ?, ?)", (state, verifier, time.time()))
    query = {"app_id": settings.zalo_app_id, "redirect_uri": settings.public_base_url.rstrip("/") + CALLBACK,
             "code_challenge": challenge(verifier), "state": state}
    return settings.zalo_oauth_base.rstrip("/") + "/v4/oa/permission?" + urlencode(query)


def _take_verifier(settings: Settings, state: str) -> str | None:
    with closing(_pending(settings)) as db:
        row = db.execute("DELETE FROM zalo_oauth_pending WHERE state = ? AND at >= ? RETURNING verifier",
                         (state, time.time() - PENDING_TTL_S)).fetchone()
    return row[0] if row else None


def make_router(settings: Settings) -> APIRouter:
    assert settings.zalo_app_id and settings.zalo_app_secret
    router = APIRouter(tags=["zalo"])

    @router.get(CALLBACK, include_in_schema=False)
    def callback(code: str = "", state: str = "") -> HTMLResponse:
        verifier = _take_verifier(settings, state[:100]) if state else None
        if not code or verifier is None:
            raise HTTPException(400, "Liên kết đã dùng hoặc đã hết hạn: chạy lại `cchc zalo authorize`. / "
                                     "Unknown or expired state: run `cchc zalo authorize` again.")
        try:
            r = httpx.post(
                settings.zalo_oauth_base.rstrip("/") + "/v4/oa/access_token", timeout=15,
                headers={"secret_key": settings.zalo_app_secret.get_secret_value()},  # type: ignore[union-attr]
                data={"app_id": settings.zalo_app_id, "code": code[:2000], "grant_type": "authorization_code",
                      "code_verifier": verifier},
            )
        except httpx.HTTPError:
            raise HTTPException(502, "Không kết nối được máy chủ OAuth của Zalo: chạy lại `cchc zalo authorize`. / "
                                     "Zalo's OAuth server could not be reached: run `cchc zalo authorize` again.") from None
        body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
        if "access_token" not in body or "refresh_token" not in body:
            # A code used, expired or issued for another app: the person's next step, not ours to fix.
            raise HTTPException(400, f"Zalo không nhận mã (lỗi {body.get('error')}): chạy lại `cchc zalo authorize`. / "
                                     f"Zalo refused the code (error {body.get('error')}): "
                                     "run `cchc zalo authorize` again.")  # tokens never echoed
        tokens = TokenStore(settings.channels_path, None, None)
        tokens.save(body["access_token"], body["refresh_token"], time.time() + float(body.get("expires_in", 3600)))
        return HTMLResponse("<!doctype html><meta charset=utf-8><title>Zalo</title>"
                            "<p>Đã lưu token của OA. Có thể đóng trang này. / The OA's tokens are stored.</p>")

    return router


def stored_pair(settings: Settings) -> bool:
    """Whether a refresh token is stored (by a callback or an earlier run)."""
    if not settings.channels_path.exists():
        return False
    with closing(open_sqlite(settings.channels_path)) as db:
        try:
            row = db.execute("SELECT refresh_token FROM zalo_tokens").fetchone()
        except sqlite3.OperationalError:
            return False
    return bool(row and row[0])
