"""GET /r/{doc_id}: a short, stable link to a cited source (used where space is tight, Zalo)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import RedirectResponse

from assistant.api.deps import ServiceDep
from assistant.channels.formatting import safe_url

router = APIRouter(tags=["links"])


@router.get("/r/{doc_id:path}", response_class=RedirectResponse, status_code=302)
def short_link(doc_id: str, service: ServiceDep) -> RedirectResponse:
    doc = service.store.document(doc_id)
    url = safe_url(doc.url) if doc else None
    if url is None:
        raise HTTPException(404, f"no link for {doc_id!r}")
    return RedirectResponse(url, status_code=302)
