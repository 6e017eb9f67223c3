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
import secrets
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from assistant.api.errors import ApiError

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


def _unauthorised(key: str) -> ApiError:
    return ApiError(401, key, headers={"WWW-Authenticate": "Bearer"})


def require_admin(request: Request, creds: Credentials) -> None:
    admin: KeyRing = request.app.state.admin_keys
    if not admin:
        raise ApiError(403, "admin_disabled")
    if creds is None or not admin.accepts(creds.credentials):
        raise _unauthorised("admin_key")


def require_query_access(request: Request, creds: Credentials) -> None:
    query: KeyRing = request.app.state.query_keys
    if not query:
        return  # question endpoints are open unless keys are configured
    key = creds.credentials if creds else None
    if not (query.accepts(key) or request.app.state.admin_keys.accepts(key)):
        raise _unauthorised("query_key")


AdminDep = Depends(require_admin)
QueryDep = Depends(require_query_access)
