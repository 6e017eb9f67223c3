"""What every request body passes before a route sees it, and how bad input is answered.

- Bytes are counted as they arrive, chunked or not: a declared Content-Length over the limit
  is refused before reading, and a body that grows past it is cut off with 413 (the upload
  route has its own, larger limit).
- JSON bodies are parsed once strictly (assistant.inputs.loads_json): NaN, Infinity, numbers
  that overflow (1e400) and nesting deeper than 32 levels are a 422 before FastAPI's lenient
  parser and pydantic see them. Webhook bodies are exempt here: their routes check the
  platform's signature first and parse after.
- A validation error (422) never echoes the input: an input such as NaN cannot be serialised
  and used to turn the 422 into a 500.

Messages are Vietnamese unless the client prefers English (Accept-Language).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.api.errors import explain
from assistant.inputs import InputError, loads_json
from assistant.settings import Settings

UPLOAD_PATHS = ("/v1/documents",)
SIGNED_PATHS = ("/slack/", "/zalo/")  # parsed by the channel after the signature check

_TEXT = {
    "too_large": {
        "vi": "Yêu cầu quá lớn: tối đa {limit:,} byte.",
        "en": "Request too large: at most {limit:,} bytes.",
    },
    "bad_json": {
        "vi": "Nội dung JSON không hợp lệ ({reason}). Không chấp nhận NaN, Infinity, số tràn (1e400) "
        "hay dữ liệu lồng quá sâu.",
        "en": "Invalid JSON body ({reason}). NaN, Infinity, overflowing numbers (1e400) and deep "
        "nesting are not accepted.",
    },
}


def language(headers: Headers) -> str:
    """'en' when the client's first preferred language is English, else Vietnamese."""
    first = headers.get("accept-language", "").split(",", 1)[0].strip().lower()
    return "en" if first.startswith("en") else "vi"


def message(key: str, lang: str, **values: Any) -> str:
    return _TEXT[key][lang].format(**values)


class BodyTooLarge(HTTPException):
    """Raised from inside `receive`: FastAPI re-raises HTTPExceptions from body parsing as they
    are, so a route reading a form or a body gets a 413, not a 400 or a 500."""

    def __init__(self, limit: int, lang: str) -> None:
        super().__init__(413, message("too_large", lang, limit=limit))


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return True  # FastAPI reads a body without a content type as JSON
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


class BodyGuard:
    def __init__(self, app: ASGIApp, body_limit: int, upload_limit: int) -> None:
        self.app, self.body_limit, self.upload_limit = app, body_limit, upload_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        headers = Headers(scope=scope)
        lang = language(headers)
        limit = self.upload_limit if path in UPLOAD_PATHS else self.body_limit
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, 413, message("too_large", lang, limit=limit))
            return
        if (
            scope["method"] in ("POST", "PUT", "PATCH")
            and not path.startswith(SIGNED_PATHS)
            and _is_json(headers.get("content-type"))
        ):
            await self._json(scope, receive, send, limit, lang)
            return
        await self._counted(scope, receive, send, limit, lang)

    async def _json(self, scope: Scope, receive: Receive, send: Send, limit: int, lang: str) -> None:
        chunks, size, more = [], 0, True
        while more:
            msg = await receive()
            if msg["type"] != "http.request":
                return  # the client went away
            chunk = msg.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._refuse(scope, receive, send, 413, message("too_large", lang, limit=limit))
                return
            chunks.append(chunk)
            more = msg.get("more_body", False)
        body = b"".join(chunks)
        if body.strip():
            try:
                loads_json(body)
            except InputError as exc:
                await self._refuse(
                    scope, receive, send, 422, message("bad_json", lang, reason=str(exc)[:200])
                )
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: disconnect notices, as before

        await self.app(scope, replay, send)

    async def _counted(self, scope: Scope, receive: Receive, send: Send, limit: int, lang: str) -> None:
        size, started = 0, False

        async def counting() -> Message:
            nonlocal size
            msg = await receive()
            if msg["type"] == "http.request":
                size += len(msg.get("body", b""))
                if size > limit:
                    raise BodyTooLarge(limit, lang)
            return msg

        async def sending(msg: Message) -> None:
            nonlocal started
            started = started or msg["type"] == "http.response.start"
            await send(msg)

        try:
            await self.app(scope, counting, sending)
        except BodyTooLarge as exc:  # raised where no handler turned it into a response
            if started:
                raise
            await self._refuse(scope, receive, send, 413, str(exc.detail))

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, text: str) -> None:
        # Connection: close — the rest of an oversized body is not read, so the connection
        # cannot carry another request.
        headers = {"Connection": "close"} if status == 413 else None
        await JSONResponse({"detail": text}, status, headers=headers)(scope, receive, send)


async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """FastAPI's 422 without the `input` (and `ctx`) of each error: what the caller sent may not
    be serialisable, and it need not be sent back. Locations are cut short for the same reason."""
    errors = [
        {
            "loc": [part if isinstance(part, int) else str(part)[:100] for part in e.get("loc", ())],
            "msg": str(e.get("msg", ""))[:300],
            "type": str(e.get("type", "")),
        }
        for e in list(exc.errors())[:20]
    ]
    # `message` explains the first errors in the asker's language ("unknown filter 'tinh'…"),
    # for a page to show as it is; `detail` stays the machine-readable list.
    return JSONResponse({"detail": errors, "message": explain(errors, language(request.headers))}, 422)


def install(app: FastAPI, settings: Settings) -> None:
    """Add the guard (call before the request-logging middleware, so it sits inside it and its
    413s and 422s are logged and counted) and the 422 handler."""
    app.add_middleware(BodyGuard, body_limit=settings.max_body_bytes, upload_limit=settings.max_upload_bytes)
    app.add_exception_handler(RequestValidationError, validation_error)  # type: ignore[arg-type]
