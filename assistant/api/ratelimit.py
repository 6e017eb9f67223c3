"""Per-client rate limits on the question endpoints (the `limits` library, moving window).

The client is its API key when query keys are configured (hashed: the key itself is never
kept), else its IP address as uvicorn resolved it (X-Forwarded-For only from CCHC_FORWARDED_ALLOW_IPS).
A client over its limit gets 429 with Retry-After.
"""

from __future__ import annotations

import math
import time

from fastapi import Depends, Request
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from assistant.api.errors import ApiError
from assistant.api.security import hash_key


class RateLimiter:
    def __init__(self, rule: str) -> None:
        self.item = parse(rule) if rule.strip() else None
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def check(self, client: str) -> None:
        if self.item is None:
            return
        if not self._limiter.hit(self.item, client):
            reset, _remaining = self._limiter.get_window_stats(self.item, client)
            retry = max(1, math.ceil(reset - time.time()))
            raise ApiError(429, "rate_limited", limit=str(self.item), retry=retry, headers={"Retry-After": str(retry)})


def client_key(request: Request) -> str:
    # A key names the bucket only when keys are required, i.e. when it has just been checked
    # (the key dependency runs first). With the endpoints open, any `Bearer <junk>` would buy a
    # fresh bucket, so the address it comes from is the client.
    auth = request.headers.get("authorization", "")
    if request.app.state.query_keys and auth.lower().startswith("bearer ") and len(auth) > 7:
        return "key:" + hash_key(auth[7:].strip())
    return "ip:" + (request.client.host if request.client else "unknown")


def rate_limited(request: Request) -> None:
    request.app.state.rate_limiter.check(client_key(request))


RateLimitDep = Depends(rate_limited)
