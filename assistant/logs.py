"""Structured logs: one JSON object per line with the request id, secrets redacted."""

from __future__ import annotations

import contextvars
import logging
import re

from pythonjsonlogger.json import JsonFormatter

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

# Anything shaped like a credential is masked, whatever logged it (a library's error, say).
_SECRET = re.compile(
    r"(xox[abprs]-[\w-]+|cchc_[\w-]{20,}|\bsk-[\w-]{8,}|sha256:[0-9a-f]{64}|(?i:bearer)\s+[\w.~+/=-]+"
    r"|(?i:access_token|refresh_token|secret_key|api_key)[\"']?\s*[:=]\s*[\"']?[\w.~+/=-]+)"
)


def redact(text: str) -> str:
    return _SECRET.sub("[redacted]", text)


class _Context(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        record.__dict__.pop("color_message", None)  # uvicorn's ANSI-coloured copy of the message
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if record.args:
            record.args = (
                tuple(redact(a) if isinstance(a, str) else a for a in record.args)
                if isinstance(record.args, tuple)
                else record.args
            )
        return True


def configure(fmt: str = "json", level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(_Context())
    if fmt == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # Our middleware logs each request with its id; uvicorn's own access log would repeat it.
    logging.getLogger("uvicorn.access").disabled = True
