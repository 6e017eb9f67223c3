"""The FastAPI application: API under /v1, channels, health, metrics and the chat page at /."""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.middleware.trustedhost import TrustedHostMiddleware

from assistant import logs
from assistant.api import errors, guard
from assistant.api.ratelimit import RateLimitDep, RateLimiter
from assistant.api.routers import ask, documents, facts, feedback, health, inspect, links
from assistant.api.routers import sources as sources_router
from assistant.api.security import KeyRing, QueryDep
from assistant.channels import openai_compat
from assistant.channels.links import link_secret
from assistant.channels.mcp_server import build_server as build_mcp
from assistant.channels.mcp_server import http_endpoint as mcp_endpoint
from assistant.documents import DocumentService
from assistant.feedback import FeedbackStore
from assistant.observability import REQUEST_SECONDS
from assistant.private import harden
from assistant.service import AnswerService, open_cache
from assistant.settings import Settings
from ingest.jobs import IngestJobs
from ingest.sources import Scheduler

log = logging.getLogger("cchc.http")
_REQUEST_ID = re.compile(r"^[\w.-]{1,64}$")


def _web_dir() -> Path:
    return Path(str(resources.files("web")))


def create_app(settings: Settings | None = None, service: AnswerService | None = None) -> FastAPI:
    settings = settings or Settings()
    harden(settings.data_dir)  # before anything opens a database: files 0600, directories 0700
    # Opened here, not in the lifespan: the Slack and Zalo adapters are built around it.
    service = service or AnswerService(settings)
    feedback_store = FeedbackStore(settings.feedback_path)
    jobs = IngestJobs(service.store, open_cache(settings), settings.jobs_path,
                      settings.chunk_chars, settings.chunk_overlap_chars)
    documents_service = DocumentService(service.store, settings, jobs=jobs)
    # Feeds and sitemaps added with `cchc sources add`: polled when due, found pages ingested as a job.
    scheduler = Scheduler(settings.data_dir / "sources.sqlite", jobs.submit, settings.sources_tick_s)
    # /mcp: the same reads as /v1, behind the same keys (an open deployment leaves it open too).
    mcp_app, mcp_sessions = mcp_endpoint(
        build_mcp(service, documents_service),
        lambda key: not app.state.query_keys or app.state.query_keys.accepts(key) or app.state.admin_keys.accepts(key),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        socket = getattr(app.state, "slack_socket", None)
        if socket is not None:
            try:
                await asyncio.to_thread(socket.connect)
            except Exception as exc:  # Slack unreachable: the rest of the service still starts
                log.error("slack socket mode did not connect: %s", type(exc).__name__)
        scheduler.start()
        async with mcp_sessions.run():
            yield
        scheduler.close()  # before the jobs: a poll in flight may still hand them pages
        if socket is not None:
            socket.close()
        jobs.close()  # a running ingest finishes before the process exits
        feedback_store.close()

    app = FastAPI(
        title="cchc-assistant",
        version="0.1.0",
        description="Cited answers about Vietnamese administrative reform.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.service = service
    app.state.feedback = feedback_store
    app.state.jobs = jobs
    app.state.documents = documents_service
    app.state.sources = scheduler
    app.state.admin_keys = KeyRing(settings.admin_api_keys)
    app.state.query_keys = KeyRing(settings.query_api_keys)
    app.state.link_secret = link_secret(settings.data_dir)
    app.state.rate_limiter = RateLimiter(settings.rate_limit)
    errors.install(app)  # every 4xx in the asker's language
    guard.install(app, settings)  # before `observe`, so that it sits inside it: its 413/422s are logged

    @app.middleware("http")
    async def observe(request: Request, call_next):  # type: ignore[no-untyped-def]
        sent = request.headers.get("x-request-id", "")
        rid = sent if _REQUEST_ID.match(sent) else uuid.uuid4().hex[:16]
        token = logs.request_id.set(rid)
        started = time.perf_counter()
        try:
            response = await asyncio.wait_for(call_next(request), settings.request_timeout_s)
        except TimeoutError:
            response = JSONResponse({"detail": f"the request took longer than {settings.request_timeout_s:g} s"}, 503)
        except Exception:  # a bug: logged with its request id and counted like any response, never silent
            log.exception("unhandled error in %s %s", request.method, request.url.path)
            response = JSONResponse({"detail": "internal error", "request_id": rid}, 500)
        elapsed = time.perf_counter() - started
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")  # the template, not the raw URL: bounded labels
        REQUEST_SECONDS.labels(path, request.method, str(response.status_code)).observe(elapsed)
        response.headers["X-Request-ID"] = rid
        log.info("%s %s %s %.1f ms", request.method, path, response.status_code, elapsed * 1000,
                 extra={"method": request.method, "route": path, "status": response.status_code,
                        "ms": round(elapsed * 1000, 1)})
        logs.request_id.reset(token)
        return response

    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST", "DELETE"],
                           allow_headers=["Authorization", "Content-Type", "X-Request-ID"])
    if settings.trusted_hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.trusted_hosts)

    # With query keys configured every read needs one (admin keys pass too); /healthz stays open
    # for liveness probes and tells only counts. /r/ links carry their own token (links.py).
    @app.get("/metrics", include_in_schema=False, dependencies=[QueryDep])
    def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    guarded = [QueryDep, RateLimitDep]
    app.include_router(health.router)
    app.include_router(ask.router, dependencies=guarded)
    app.include_router(facts.router, dependencies=guarded)
    app.include_router(openai_compat.router, dependencies=guarded)
    app.include_router(feedback.router)
    app.include_router(documents.router)  # reads need a query key (when configured), writes an admin key
    app.include_router(inspect.router)  # the admin page's pre-filled upload form
    app.include_router(links.router)
    app.include_router(sources_router.router)
    # An ASGI app (Starlette hands an instance the raw scope); the stub names only request handlers.
    app.add_route("/mcp", mcp_app, methods=["GET", "POST", "DELETE"], include_in_schema=False)  # type: ignore[arg-type]
    if settings.slack_enabled:
        from assistant.channels import slack

        bolt = slack.build_app(settings, service)
        if settings.slack_signing_secret:
            app.include_router(slack.make_router(bolt, settings))
        if settings.slack_app_token:  # Socket Mode: connected in the lifespan, closed at shutdown
            app.state.slack_socket = slack.socket_mode(bolt, settings)
    if settings.zalo_app_secret:
        from assistant.channels import zalo, zalo_oauth

        if settings.zalo_app_id:
            app.include_router(zalo_oauth.make_router(settings))  # `cchc zalo authorize` lands here
        # Tokens from the settings, or a pair the callback stored.
        if settings.zalo_enabled or (settings.zalo_oa_secret_key and zalo_oauth.stored_pair(settings)):
            app.include_router(zalo.make_router(settings, service))
    if settings.zalo_bot_enabled:
        from assistant.channels import zalo_bot

        app.include_router(zalo_bot.make_router(settings, service))
    web = _web_dir()
    app.mount("/static", StaticFiles(directory=web), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(web / "index.html")

    @app.get("/admin", include_in_schema=False)  # the document library; its calls need the admin key
    def admin_page() -> FileResponse:
        return FileResponse(web / "admin.html")

    return app


def app_from_environment() -> FastAPI:
    """The app of one worker process of `cchc serve --workers N` (settings from CCHC_*)."""
    settings = Settings()
    logs.configure(settings.log_format)
    return create_app(settings)
