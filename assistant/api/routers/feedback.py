"""POST /v1/feedback: a thumbs up or down on an answer, with an optional comment."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

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


@router.post("/feedback", response_model=FeedbackOut, status_code=201)
def feedback(body: FeedbackIn, store: FeedbackDep) -> FeedbackOut:
    rating = 1 if body.rating == "up" else -1
    cits = [c.model_dump(mode="json") for c in body.citations]
    return FeedbackOut(id=store.add(body.question, body.answer, cits, rating, body.comment, body.channel))
