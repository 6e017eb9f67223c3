"""Signed short links (/r/…): the key that signs them and the token one link carries.

Here, not in the API's security module, because a channel (Zalo) writes these links and
channels sit below the API; the API's /r/ route checks them with the same functions.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path


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
