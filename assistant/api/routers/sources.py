"""GET /v1/sources: the feeds and sitemaps `cchc serve` polls (added with `cchc sources add`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from assistant.api.security import AdminDep

router = APIRouter(prefix="/v1", tags=["sources"])


@router.get("/sources", dependencies=[AdminDep])
def list_sources(request: Request) -> dict[str, Any]:
    """Each source: url, every_s, last_run, next_due, status of its last poll, pages seen, new_total."""
    sources = request.app.state.sources.list()
    return {"sources": sources, "total": len(sources)}
