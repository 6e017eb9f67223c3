"""GET /r/{doc_id}: a short, stable link to a cited source (used where space is tight, Zalo).

With query keys configured a read needs a key, and a person opening a link from a chat holds
none: the link carries a token (an HMAC of the doc id, assistant/channels/links.link_token) that
opens that one link. An API key works as well.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from assistant.api.deps import DocumentsDep
from assistant.api.errors import ApiError
from assistant.api.security import Credentials, require_query_access
from assistant.channels.formatting import safe_url
from assistant.channels.links import link_token

router = APIRouter(tags=["links"])


@router.get("/r/{doc_id:path}", response_class=RedirectResponse, status_code=302)
def short_link(doc_id: str, request: Request, documents: DocumentsDep, creds: Credentials, t: str = "") -> RedirectResponse:
    token = link_token(request.app.state.link_secret, doc_id)
    if not hmac.compare_digest(t.encode("utf-8", "replace"), token.encode()):
        require_query_access(request, creds)  # no valid link token: a key, when keys are configured
    doc = documents.get(doc_id)
    url = safe_url(doc.url) if doc else None
    if url is None:
        raise ApiError(404, "no_link", doc_id=doc_id[:80])
    return RedirectResponse(url, status_code=302)

