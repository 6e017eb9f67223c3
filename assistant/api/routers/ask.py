"""POST /v1/ask: the same object as `cchc ask --json`."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from assistant.api.deps import ServiceDep
from assistant.retrieval import Filters
from assistant.schemas import AnswerResponse, AskRequest
from assistant.service import InvalidQuestion

router = APIRouter(prefix="/v1", tags=["ask"])


@router.post("/ask", response_model=AnswerResponse)
def ask(body: AskRequest, service: ServiceDep) -> AnswerResponse:
    # A plain `def`: answering is CPU-bound, so FastAPI runs it in its thread pool.
    f = body.filters
    try:
        response, _ = service.answer(body.question, body.history, Filters(f.province, f.since, f.until))
    except InvalidQuestion as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    except ValueError as exc:  # unknown province and other bad filters
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    return response
