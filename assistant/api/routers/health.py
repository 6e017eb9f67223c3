"""GET /healthz: liveness plus what the index holds."""

from __future__ import annotations

from fastapi import APIRouter

from assistant.api.deps import ServiceDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(service: ServiceDep) -> dict[str, object]:
    return {"status": "ok", "embedder": service.store.embedder.model_id, **service.store.stats()}
