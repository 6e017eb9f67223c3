"""POST /v1/ask: the same object as `cchc ask --json`, or a stream of server-sent events."""

from __future__ import annotations

import json
from collections.abc import Iterator

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import StreamingResponse

from assistant.answering.question import detect_language
from assistant.api.deps import DocumentsDep, ServiceDep
from assistant.api.errors import ApiError, language
from assistant.retrieval.legal import FilterValueError
from assistant.schemas import AnswerResponse, AskRequest
from assistant.service import InvalidQuestion, filters_from

router = APIRouter(prefix="/v1", tags=["ask"])


def _sse(event: str, data: object) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@router.post(
    "/ask",
    response_model=AnswerResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "With `stream: true`."}},
)
def ask(
    body: AskRequest, service: ServiceDep, documents: DocumentsDep, request: Request
) -> AnswerResponse | StreamingResponse:
    # A plain `def`: answering is CPU-bound, so FastAPI runs it in its thread pool.
    filters = filters_from(body.filters)
    try:
        # Checked here, before any work (and before a stream starts, which cannot turn into a
        # 422 later): the message is in the asker's language, the header's or the question's.
        service.validate(body.question)
    except InvalidQuestion as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    try:
        filters.resolved_province()
    except ValueError as exc:
        lang = language(request.headers, detect_language(body.question))
        raise ApiError(422, "unknown_province", lang=lang, name=(body.filters.province or "")[:80]) from exc
    try:
        filters = documents.check_filters(filters)
    except FilterValueError as exc:
        lang = language(request.headers, detect_language(body.question))
        raise ApiError(422, "filter_value", lang=lang, vi=exc.message("vi"), en=exc.message("en")) from exc
    if not body.stream:
        return service.answer(body.question, body.history, filters)

    def events() -> Iterator[str]:
        for kind, payload in service.stream(body.question, body.history, filters):
            if kind == "token":
                yield _sse("token", {"text": payload})
            else:
                yield _sse("final", payload.model_dump(mode="json"))  # type: ignore[union-attr]

    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
