"""API keys: admin keys guard every write (ingest, delete, feedback export); query keys,
when configured, guard the question endpoints.

Keys are configured as their SHA-256 (`sha256:<hex>`, printed by `cchc keys new`), so the
settings file holds no usable secret; a plain key is accepted too and hashed on load.
Comparison is constant-time against every configured key, so several keys can be valid at
once during a rotation.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

_bearer = HTTPBearer(auto_error=False)


def hash_key(key: str) -> str:
    return "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> tuple[str, str]:
    key = "cchc_" + secrets.token_urlsafe(32)
    return key, hash_key(key)


class KeyRing:
    def __init__(self, entries: list[str]) -> None:
        self._hashes = [e if e.startswith("sha256:") else hash_key(e) for e in entries if e.strip()]

    def __bool__(self) -> bool:
        return bool(self._hashes)

    def accepts(self, key: str | None) -> bool:
        if not key:
            return False
        candidate = hash_key(key).encode()
        ok = False
        for h in self._hashes:  # no early exit: the time does not tell which key matched
            ok |= hmac.compare_digest(candidate, h.encode())
        return ok


Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _unauthorised(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})


def require_admin(request: Request, creds: Credentials) -> None:
    admin: KeyRing = request.app.state.admin_keys
    if not admin:
        raise HTTPException(403, "admin endpoints are disabled: set CCHC_ADMIN_API_KEYS")
    if creds is None or not admin.accepts(creds.credentials):
        raise _unauthorised("an admin API key is required (Authorization: Bearer …)")


def require_query_access(request: Request, creds: Credentials) -> None:
    query: KeyRing = request.app.state.query_keys
    if not query:
        return  # question endpoints are open unless keys are configured
    key = creds.credentials if creds else None
    if not (query.accepts(key) or request.app.state.admin_keys.accepts(key)):
        raise _unauthorised("an API key is required (Authorization: Bearer …)")


AdminDep = Depends(require_admin)
QueryDep = Depends(require_query_access)


def link_secret(data_dir: Path) -> bytes:
    """The key that signs short links (/r/…), one per data dir so that every worker and every
    restart signs alike; created once, 0600, never configured or logged."""
    path = data_dir / "link.key"
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        secret = path.read_bytes()
        if len(secret) >= 32:
            return secret
        os.unlink(path)  # a torn write by a killed process: make a new one
        return link_secret(data_dir)
    with os.fdopen(fd, "wb") as f:
        f.write(secrets.token_bytes(32))
    return path.read_bytes()


def link_token(secret: bytes, doc_id: str) -> str:
    """The credential of one short link: a Zalo user opening a cited source holds no API key, so
    with query keys configured the link carries its own, valid for that document only."""
    return hmac.new(secret, doc_id.encode("utf-8"), hashlib.sha256).hexdigest()[:24]
