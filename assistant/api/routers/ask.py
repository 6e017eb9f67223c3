"""POST /v1/ask: the same object as `cchc ask --json`, or a stream of server-sent events."""

from __future__ import annotations

import json
from collections.abc import Iterator

from fastapi import APIRouter, HTTPException
from fastapi.responses import StreamingResponse

from assistant.api.deps import ServiceDep
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
def ask(body: AskRequest, service: ServiceDep) -> AnswerResponse | StreamingResponse:
    # A plain `def`: answering is CPU-bound, so FastAPI runs it in its thread pool.
    filters = filters_from(body.filters)
    try:
        if not body.stream:
            return service.answer(body.question, body.history, filters)
        # A stream cannot turn into a 422 once it has started: check before it does.
        service.validate(body.question)
        filters.resolved_province()
    except (InvalidQuestion, ValueError) as exc:  # bad question, unknown province
        raise HTTPException(status_code=422, detail=str(exc)) from exc

    def events() -> Iterator[str]:
        for kind, payload in service.stream(body.question, body.history, filters):
            if kind == "token":
                yield _sse("token", {"text": payload})
            else:
                yield _sse("final", payload.model_dump(mode="json"))  # type: ignore[union-attr]

    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
