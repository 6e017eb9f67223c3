"""POST /v1/chat/completions and GET /v1/models, as OpenAI clients expect them.

Open WebUI, LibreChat or any OpenAI SDK can use the assistant as a model named `cchc`.
The last user message is the question and the earlier turns are the history; a caller's
system message is ignored, because nothing outside the corpus may steer an answer.
Streaming sends the *verified* answer in pieces: an OpenAI stream cannot take a draft
back, so a draft that fails verification is never streamed here.

`usage` counts tokens with OpenAI's o200k_base encoding (the `bpe-openai` package, which
bundles its ranks: nothing is downloaded): prompt tokens are the turns the assistant read
(the question and the history), completion tokens the content returned. No model of ours
bills by them; they are there so that clients which budget or log tokens see real figures.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from functools import cache
from typing import Annotated, Literal

from bpe_openai import Encoding, get_encoding
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from assistant.channels.formatting import plain_text
from assistant.inputs import visible_text
from assistant.schemas import AnswerResponse, Citation, FilterModel, Turn
from assistant.service import AnswerService, InvalidQuestion, filters_from

MODEL = "cchc"
TOKENIZER = "o200k_base"


@cache
def _encoding() -> Encoding:
    return get_encoding(TOKENIZER)


def count_tokens(text: str) -> int:
    return len(_encoding().encode(text)) if text else 0


def _service(request: Request) -> AnswerService:
    # The app's service, as the API's routers get it (``api/deps.py``); channels sit below the
    # API layer, so this router reads app.state itself rather than importing the API's deps.
    return request.app.state.service


ServiceDep = Annotated[AnswerService, Depends(_service)]
router = APIRouter(prefix="/v1", tags=["openai-compatible"])


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            text = "".join(p.text or "" for p in self.content if p.type == "text")
        else:
            text = self.content or ""
        return visible_text(text)  # only zero-width characters: an empty question


class ChatRequest(BaseModel):
    # Clients send temperature, max_tokens, user, …: accepted and ignored.
    model_config = ConfigDict(extra="allow")
    model: str = MODEL
    messages: list[ChatMessage] = Field(min_length=1, max_length=200)
    stream: bool = False
    stream_options: dict[str, object] | None = None
    filters: FilterModel = Field(default_factory=FilterModel, description="cchc extension: retrieval filters.")


class ChatChoiceMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class ChatChoice(BaseModel):
    index: int = 0
    message: ChatChoiceMessage
    finish_reason: Literal["stop"] = "stop"


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[ChatChoice]
    usage: dict[str, int]
    citations: list[Citation] = Field(description="The verified citations of the answer.")
    cchc: AnswerResponse = Field(description="The full answer object, as POST /v1/ask returns it.")


def _error(status: int, message: str, code: str, param: str | None = None) -> JSONResponse:
    error = {"message": message, "type": "invalid_request_error", "param": param, "code": code}
    return JSONResponse({"error": error}, status)


def _usage(body: ChatRequest, answer: str) -> dict[str, int]:
    read = [m.text() for m in body.messages if m.role in ("user", "assistant")]
    prompt, completion = sum(count_tokens(t) for t in read), count_tokens(answer)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _split(body: ChatRequest) -> tuple[str, list[Turn]]:
    turns = [m for m in body.messages if m.role in ("user", "assistant")]
    if not turns or turns[-1].role != "user":
        raise InvalidQuestion("the last message must come from the user")
    history = [Turn(role=m.role, content=m.text()[:20000]) for m in turns[:-1]]  # type: ignore[arg-type]
    return turns[-1].text(), history


def _pieces(text: str, size: int = 24) -> Iterator[str]:
    words = text.split(" ")
    for i in range(0, len(words), size):
        yield " ".join(words[i : i + size]) + (" " if i + size < len(words) else "")


_MODEL_CARD = {"id": MODEL, "object": "model", "created": 0, "owned_by": "cchc-assistant"}


def _unknown_model(model: str) -> JSONResponse:
    return _error(404, f"The model `{model[:100]}` does not exist: this server serves `{MODEL}`.",
                  "model_not_found", "model")


@router.get("/models")
def models() -> dict[str, object]:
    return {"object": "list", "data": [_MODEL_CARD]}


@router.get("/models/{model}", response_model=None)
def model(model: str) -> dict[str, object] | JSONResponse:
    return _MODEL_CARD if model == MODEL else _unknown_model(model)


@router.post("/chat/completions", response_model=ChatCompletion)
def chat_completions(body: ChatRequest, service: ServiceDep):  # type: ignore[no-untyped-def]
    if body.model != MODEL:  # as OpenAI answers a model it does not serve, not silently another one
        return _unknown_model(body.model)
    try:
        question, history = _split(body)
        resp = service.answer(question, history, filters_from(body.filters))
    except (InvalidQuestion, ValueError) as exc:
        return _error(400, str(exc), "invalid_question")
    text = plain_text(resp)
    cid, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
    usage = _usage(body, text)
    if not body.stream:
        return ChatCompletion(
            id=cid, created=created, model=MODEL, usage=usage, citations=resp.citations, cchc=resp,
            choices=[ChatChoice(message=ChatChoiceMessage(content=text))],
        )

    def chunk(delta: dict, finish: str | None = None, **extra: object) -> str:
        obj = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": MODEL,
               "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
        return f"data: {json.dumps(obj, ensure_ascii=False)}\n\n"

    def events() -> Iterator[str]:
        yield chunk({"role": "assistant", "content": ""})
        for piece in _pieces(text):
            yield chunk({"content": piece})
        yield chunk({}, "stop", citations=[c.model_dump(mode="json") for c in resp.citations],
                    cchc=resp.model_dump(mode="json"))
        if (body.stream_options or {}).get("include_usage"):  # OpenAI's last chunk: no choices, the usage
            obj = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": MODEL,
                   "choices": [], "usage": usage}
            yield f"data: {json.dumps(obj)}\n\n"
        yield "data: [DONE]\n\n"

    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
