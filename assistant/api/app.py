"""The FastAPI application: API under /v1, health, and the chat page at /."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from assistant.api.routers import ask, documents, feedback, health, links
from assistant.channels import openai_compat
from assistant.feedback import FeedbackStore
from assistant.observability import REQUEST_SECONDS
from assistant.service import AnswerService
from assistant.settings import Settings


def _web_dir() -> Path:
    return Path(str(resources.files("web")))


def create_app(settings: Settings | None = None, service: AnswerService | None = None) -> FastAPI:
    settings = settings or Settings()
    # Opened here, not in the lifespan: the Slack and Zalo adapters are built around it.
    service = service or AnswerService(settings)
    feedback_store = FeedbackStore(settings.feedback_path)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.service = service
        app.state.feedback = feedback_store
        yield
        feedback_store.close()

    app = FastAPI(
        title="cchc-assistant",
        version="0.1.0",
        description="Cited answers about Vietnamese administrative reform.",
        lifespan=lifespan,
    )

    @app.middleware("http")
    async def measure(request: Request, call_next):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")  # the template, not the raw URL: bounded labels
        REQUEST_SECONDS.labels(path, request.method, str(response.status_code)).observe(time.perf_counter() - started)
        return response

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    app.include_router(health.router)
    app.include_router(ask.router)
    app.include_router(documents.router)
    app.include_router(feedback.router)
    app.include_router(links.router)
    app.include_router(openai_compat.router)
    if settings.slack_enabled:
        from assistant.channels import slack

        app.include_router(slack.make_router(slack.build_app(settings, service)))
    if settings.zalo_enabled:
        from assistant.channels import zalo

        app.include_router(zalo.make_router(settings, service))
    web = _web_dir()
    app.mount("/static", StaticFiles(directory=web), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(web / "index.html")

    return app
