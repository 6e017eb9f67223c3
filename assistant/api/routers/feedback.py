"""POST /v1/feedback: a thumbs up or down on an answer, with an optional comment."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

from assistant.api.ratelimit import RateLimitDep
from assistant.api.security import AdminDep, QueryDep
from assistant.feedback import FeedbackStore
from assistant.schemas import Citation

router = APIRouter(prefix="/v1", tags=["feedback"])


def get_feedback(request: Request) -> FeedbackStore:
    return request.app.state.feedback


FeedbackDep = Annotated[FeedbackStore, Depends(get_feedback)]


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1, max_length=4000)
    answer: str = Field(max_length=20000)
    citations: list[Citation] = Field(default_factory=list, max_length=20)
    rating: Literal["up", "down"]
    comment: str | None = Field(None, max_length=4000)
    channel: Literal["web", "api", "slack", "zalo"] = "web"


class FeedbackOut(BaseModel):
    id: int


@router.post("/feedback", response_model=FeedbackOut, status_code=201, dependencies=[QueryDep, RateLimitDep])
def feedback(body: FeedbackIn, store: FeedbackDep) -> FeedbackOut:
    rating = 1 if body.rating == "up" else -1
    cits = [c.model_dump(mode="json") for c in body.citations]
    return FeedbackOut(id=store.add(body.question, body.answer, cits, rating, body.comment, body.channel))


@router.get("/feedback/export", response_class=PlainTextResponse, dependencies=[AdminDep])
def export(store: FeedbackDep, format: Literal["jsonl", "csv"] = "jsonl") -> PlainTextResponse:  # noqa: A002
    media = "application/x-ndjson" if format == "jsonl" else "text/csv"
    return PlainTextResponse(store.export(format), media_type=f"{media}; charset=utf-8")
