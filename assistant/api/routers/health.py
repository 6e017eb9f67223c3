"""GET /healthz: liveness plus what the index holds."""

from __future__ import annotations

from fastapi import APIRouter

from assistant.api.deps import DocumentsDep
from assistant.api.security import QueryDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(documents: DocumentsDep) -> dict[str, object]:
    return {"status": "ok", **documents.stats()}


@router.get("/v1/provinces", tags=["filters"], dependencies=[QueryDep])
def provinces() -> dict[str, list[dict[str, object]]]:
    """Values `filters.province` accepts: every post-2025 unit with the pre-2025 names inside it."""
    from assistant.index.gazetteer import all_provinces

    return {"provinces": [{"name": p.name, "old_names": list(p.old_names)} for p in all_provinces()]}
