"""Prometheus metrics: request latency by route, pipeline stage latency, answers by mode.
Ingest outcomes are counted in ``ingest/jobs.py`` (INGESTED), below this layer."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import Counter, Histogram

REQUEST_SECONDS = Histogram(
    "cchc_request_seconds", "HTTP request latency by route", ["route", "method", "status"]
)
STAGE_SECONDS = Histogram(
    "cchc_stage_seconds",
    "Answering pipeline latency by stage",
    ["stage"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
ANSWERS = Counter("cchc_answers_total", "Answers given", ["mode", "answerable"])
FALLBACKS = Counter("cchc_llm_fallbacks_total", "LLM answers replaced by the extractive answer", ["reason"])


@contextmanager
def stage(name: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        STAGE_SECONDS.labels(name).observe(time.perf_counter() - started)
