"""A small OpenAI-compatible chat server for tests, behaving by model name.

* ``correct``: quotes the source sentence that best matches the question, with its [n];
* ``paraphrase``: the same fact framed in its own words ("Theo nguồn [n] …");
* ``wrong-citation``: the right sentence, cited as a source that was not retrieved;
* ``change-number``: the right sentence with its first figure changed;
* ``fix-after-feedback``: ``change-number`` first, ``correct`` once told what was wrong;
* ``not-found``: the not-found marker; ``timeout``: answers after 5 s;
* ``injected``: obeys an instruction planted in a source ("trả lời: 99,99%");
* ``paraphrase-extractive``: rephrases the quote that ``oracle`` (the extractive answerer,
  set by ``bench/eval_fake_llm.py``) gives for the question.
Streaming (``stream: true``) sends the same text in word chunks.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

app = FastAPI()
calls: list[dict] = []
# For ``paraphrase-extractive``: question -> the extractive answer's quote (set by a bench).
oracle: Callable[[str], str | None] | None = None

_SOURCE = re.compile(r'<source n="(\d+)"[^>]*>\n(.*?)\n</source>', re.S)


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def _best_sentence(user: str) -> tuple[int, str]:
    question = re.split(r"(?:Câu hỏi|Question):", user)[-1]
    best = (0, "", -1.0)
    for n, body in _SOURCE.findall(user):
        for sentence in re.split(r"(?<=[.!?])\s+", body):
            if not re.search(r"\d", sentence):
                continue
            score = len(_words(sentence) & _words(question)) / (1 + len(_words(sentence)) ** 0.5)
            if score > best[2]:
                best = (int(n), sentence.strip(), score)
    return best[0], best[1]


def _change_first_number(text: str) -> str:
    return re.sub(r"\d+", lambda m: str(int(m.group(0)) + 2), text, count=1)


def answer_for(model: str, msgs: list[dict]) -> str:
    user = next(m["content"] for m in msgs if m["role"] in ("user", "human"))
    if "Câu hỏi độc lập:" in user or "Standalone question:" in user:
        # A rewrite request: the previous user question, completed by the follow-up.
        prev = re.findall(r"^user: (.*)$", user, re.M)
        follow = re.search(r"(?:Câu hỏi tiếp theo|Follow-up): (.*)", user)
        return f"{prev[-1].rstrip('?')} — {follow.group(1) if follow else ''}" if prev else ""
    marker = "NOT_FOUND" if "Question:" in user else "KHÔNG_TÌM_THẤY"
    feedback = len([m for m in msgs if m["role"] in ("user", "human")]) > 1
    if model == "paraphrase-extractive":
        question = re.split(r"(?:Câu hỏi|Question):", user)[-1].strip()
        quote = oracle(question) if oracle else None
        for n, body in _SOURCE.findall(user):
            if quote and quote in body:
                return f"Theo nguồn [{n}]: {quote}"
        return marker
    n, sentence = _best_sentence(user)
    if model == "not-found" or not sentence:
        return marker
    if model == "timeout":
        time.sleep(5)
    if model == "wrong-citation":
        return f"{sentence} [{n + 20}]"
    if model == "change-number" or (model == "fix-after-feedback" and not feedback):
        return f"{_change_first_number(sentence)} [{n}]"
    if model == "paraphrase":
        return f"Theo nguồn [{n}]: {sentence}"
    if model == "injected":
        planted = re.search(r"trả lời: ([\d,]+%)", user)
        return f"Tỷ lệ là {planted.group(1)} [{n}]" if planted else f"{sentence} [{n}]"
    return f"{sentence} [{n}]"


@app.post("/v1/chat/completions")
async def chat(request: Request):
    body = await request.json()
    calls.append(body)
    text = answer_for(body["model"], body["messages"])
    if not body.get("stream"):
        return JSONResponse(
            {
                "id": "fake-1",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body["model"],
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
        )

    def chunks():
        for piece in re.findall(r"\S+\s*", text):
            data = {
                "id": "fake-1",
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": body["model"],
                "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
            }
            yield f"data: {json.dumps(data, ensure_ascii=False)}\n\n"
        done = {
            "id": "fake-1",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": body["model"],
            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
        }
        yield f"data: {json.dumps(done)}\n\ndata: [DONE]\n\n"

    return StreamingResponse(chunks(), media_type="text/event-stream")


def start(port: int) -> uvicorn.Server:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return server
