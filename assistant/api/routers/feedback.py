"""POST /v1/feedback: a thumbs up or down on an answer, with an optional comment."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

from assistant.api.ratelimit import RateLimitDep
from assistant.api.security import AdminDep, QueryDep
from assistant.feedback import FeedbackStore
from assistant.schemas import Citation, SourceRef

router = APIRouter(prefix="/v1", tags=["feedback"])


def get_feedback(request: Request) -> FeedbackStore:
    return request.app.state.feedback


FeedbackDep = Annotated[FeedbackStore, Depends(get_feedback)]


# Every field of what a user sends back is bounded: the citations echo ours, so they are held to
# what an answer can hold (a 5,000,000-character "quote" was accepted and stored before).
Short = Annotated[str | None, Field(None, max_length=2000)]


class FeedbackSource(SourceRef):
    doc_id: str = Field(max_length=300)
    title: Short
    url: Short
    published: Short
    source: Short


class FeedbackCitation(Citation):
    n: int = Field(ge=0, le=1000)
    doc_id: str = Field(max_length=300)
    title: str = Field(max_length=2000)
    url: Short
    published: Short
    source: Short
    quote: str = Field(max_length=4000)
    start: int = Field(ge=0, le=10**9)
    end: int = Field(ge=0, le=10**9)
    # Narrower than Citation's list[SourceRef]; pydantic validates the field as declared here,
    # mypy holds lists invariant.
    also_reported_by: list[FeedbackSource] = Field(default_factory=list, max_length=20)  # type: ignore[assignment]


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1, max_length=4000)
    answer: str = Field(max_length=20000)
    citations: list[FeedbackCitation] = Field(default_factory=list, max_length=20)
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
def export(store: FeedbackDep, format: Literal["jsonl", "csv"] = "jsonl") -> PlainTextResponse:
    media = "application/x-ndjson" if format == "jsonl" else "text/csv"
    return PlainTextResponse(store.export(format), media_type=f"{media}; charset=utf-8")
