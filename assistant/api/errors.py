"""Every 4xx of the API in the asker's language.

A route raises ``ApiError(status, key, **values)``; the handler renders the message of `key` in
the language the request prefers (``Accept-Language``, else the route's guess, else Vietnamese),
so routes and dependencies need not carry the request around. Pydantic's 422s are explained
here too: the first errors as one sentence a person can act on ("unknown filter 'tinh'; the
filters are province, since and until"), while ``detail`` keeps the machine-readable list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

_TEXT: dict[str, dict[str, str]] = {
    "unknown_province": {
        "vi": "Không có tỉnh/thành «{name}». Hãy chọn một tên trong danh sách gợi ý (tên cũ hoặc mới, "
        "ví dụ Hà Giang, Tuyên Quang; GET /v1/provinces).",
        "en": "There is no province «{name}». Pick one of the suggested names (old or new, e.g. Hà Giang, "
        "Tuyên Quang; GET /v1/provinces).",
    },
    # A legal filter's value that matches nothing: the message is the retrieval layer's
    # (assistant/retrieval/legal.py), which the CLI and MCP tools show too.
    "filter_value": {"vi": "Bộ lọc không hợp lệ: {vi}.", "en": "Invalid filter: {en}."},
    "no_document": {"vi": "Không có tài liệu «{doc_id}».", "en": "There is no document «{doc_id}»."},
    "no_original": {
        "vi": "Tài liệu «{doc_id}» không có tệp gốc được lưu (chỉ tệp tải lên mới có).",
        "en": "Document «{doc_id}» has no stored original file (only uploaded files do).",
    },
    "no_job": {"vi": "Không có tác vụ «{job_id}».", "en": "There is no job «{job_id}»."},
    "no_link": {"vi": "Không có liên kết cho «{doc_id}».", "en": "There is no link for «{doc_id}»."},
    "admin_disabled": {
        "vi": "Chức năng quản trị đang tắt: hãy đặt CCHC_ADMIN_API_KEYS.",
        "en": "Admin endpoints are disabled: set CCHC_ADMIN_API_KEYS.",
    },
    "admin_key": {
        "vi": "Cần khóa API quản trị (Authorization: Bearer …).",
        "en": "An admin API key is required (Authorization: Bearer …).",
    },
    "query_key": {"vi": "Cần khóa API (Authorization: Bearer …).", "en": "An API key is required (Authorization: Bearer …)."},
    "rate_limited": {
        "vi": "Quá nhiều yêu cầu (tối đa {limit}); hãy thử lại sau {retry} giây.",
        "en": "Too many requests (at most {limit}); retry in {retry} s.",
    },
    "request_too_large": {
        "vi": "Yêu cầu quá lớn ({size:,} byte, tối đa {limit:,}).",
        "en": "Request too large ({size:,} bytes, at most {limit:,}).",
    },
    "too_many_files": {
        "vi": "Quá nhiều tệp: tối đa {limit} tệp mỗi lần tải lên.",
        "en": "Too many files: at most {limit} files per upload.",
    },
    "bad_form": {"vi": "Dữ liệu tải lên không đọc được: {reason}", "en": "The upload could not be read: {reason}"},
    "no_files": {
        "vi": "Không có tệp nào trong yêu cầu (trường multipart 'files').",
        "en": "No files in the upload (multipart field 'files').",
    },
    "nothing_to_ingest": {"vi": "Không có gì để nạp.", "en": "Nothing to ingest."},
    "cannot_read": {"vi": "Không đọc được tệp: {reason}", "en": "The file could not be read: {reason}"},
    "bad_documents": {
        "vi": "Nội dung phải là {{'documents': [...]}} theo định dạng kho tài liệu: {reason}",
        "en": "The body must be {{'documents': [...]}} in the corpus format: {reason}",
    },
    "media_type": {
        "vi": "Hãy gửi application/json hoặc multipart/form-data.",
        "en": "Send application/json or multipart/form-data.",
    },
    "not_found": {"vi": "Không tìm thấy địa chỉ này.", "en": "Not found."},
    "method": {"vi": "Phương thức không được hỗ trợ ở địa chỉ này.", "en": "Method not allowed here."},
    # Pydantic's errors, as sentences.
    "invalid": {"vi": "Yêu cầu không hợp lệ: {what}", "en": "Invalid request: {what}"},
    "unknown_filter": {
        "vi": "không có bộ lọc «{name}» (chỉ có province, since, until, doc_kind, doc_number, issuer, "
        "issued_since, issued_until, effective_since, effective_until)",
        "en": "there is no filter «{name}» (the filters are province, since, until, doc_kind, doc_number, "
        "issuer, issued_since, issued_until, effective_since and effective_until)",
    },
    "unknown_field": {"vi": "không có trường «{name}»", "en": "there is no field «{name}»"},
    "bad_date": {
        "vi": "ngày ở «{field}» không hợp lệ: hãy viết YYYY-MM-DD, ví dụ 2024-01-31",
        "en": "the date in «{field}» is not valid: write YYYY-MM-DD, e.g. 2024-01-31",
    },
    "missing": {"vi": "thiếu trường «{field}»", "en": "the field «{field}» is missing"},
    "bad_value": {"vi": "giá trị ở «{field}» không hợp lệ", "en": "the value of «{field}» is not valid"},
    "bad_type": {"vi": "«{field}» phải là {kind}", "en": "«{field}» must be {kind}"},
    "too_many": {"vi": "«{field}» có quá nhiều phần tử", "en": "«{field}» has too many items"},
    "too_long_field": {"vi": "«{field}» quá dài", "en": "«{field}» is too long"},
    "see_detail": {"vi": "xem các trường trong 'detail'", "en": "see the fields in 'detail'"},
}
_KINDS = {
    "string": {"vi": "một chuỗi văn bản", "en": "a string"},
    "list": {"vi": "một danh sách", "en": "a list"},
    "bool": {"vi": "true hoặc false", "en": "true or false"},
    "dict": {"vi": "một đối tượng JSON", "en": "a JSON object"},
    "int": {"vi": "một số nguyên", "en": "an integer"},
}


def language(headers: Mapping[str, str], fallback: str = "vi") -> str:
    """'en' or 'vi' from the first language the client prefers; `fallback` without a header."""
    first = headers.get("accept-language", "").split(",", 1)[0].strip().lower()
    if not first or first == "*":
        return fallback
    return "en" if first.startswith("en") else "vi"


def text(key: str, lang: str, **values: Any) -> str:
    return _TEXT[key]["en" if lang == "en" else "vi"].format(**values)


def _short(value: object, limit: int = 80) -> str:
    s = str(value)
    return s if len(s) <= limit else s[: limit - 1] + "…"


class ApiError(HTTPException):
    """A 4xx whose message is rendered in the request's language by the handler below.
    `lang` fixes the language when the route knows better than the header (the question's)."""

    def __init__(self, status: int, key: str, *, lang: str | None = None, extra: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None, **values: Any) -> None:
        super().__init__(status, text(key, "en", **values), headers=headers)
        self.key, self.values, self.lang, self.extra = key, values, lang, extra


def _field(loc: Sequence[object]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return _short(".".join(parts) or "body", 60)


def explain(errors: Sequence[Mapping[str, Any]], lang: str) -> str:
    """The first (at most three) validation errors as one sentence in `lang`."""
    said: list[str] = []
    for e in errors[:3]:
        loc, kind = list(e.get("loc", ())), str(e.get("type", ""))
        if kind == "extra_forbidden":
            key = "unknown_filter" if len(loc) >= 2 and loc[-2] == "filters" else "unknown_field"
            said.append(text(key, lang, name=_short(loc[-1] if loc else "?", 40)))
        elif kind.startswith("date_") or kind.startswith("datetime_"):
            said.append(text("bad_date", lang, field=_field(loc)))
        elif kind == "missing":
            said.append(text("missing", lang, field=_field(loc)))
        elif kind in ("too_long",) and "list" in str(e.get("msg", "")).lower():
            said.append(text("too_many", lang, field=_field(loc)))
        elif kind in ("too_long", "string_too_long"):
            said.append(text("too_long_field", lang, field=_field(loc)))
        elif kind.endswith("_type") and kind.split("_")[0] in _KINDS:
            said.append(text("bad_type", lang, field=_field(loc), kind=_KINDS[kind.split("_")[0]][lang]))
        else:
            said.append(text("bad_value", lang, field=_field(loc)))
    return text("invalid", lang, what="; ".join(dict.fromkeys(said)) or text("see_detail", lang)) + "."


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse | Any:
    if isinstance(exc, ApiError):
        lang = language(request.headers, exc.lang or "vi")
        body: dict[str, Any] = {"detail": text(exc.key, lang, **exc.values)}
        if exc.extra:  # e.g. the files an upload refused: {"detail": {"message", "rejected"}}
            body = {"detail": {"message": body["detail"], **exc.extra}}
        return JSONResponse(body, exc.status_code, headers=exc.headers)
    # Starlette's own 404/405 (an unknown path or method), in the asker's language too.
    if exc.status_code in (404, 405) and exc.detail in ("Not Found", "Method Not Allowed"):
        key = "not_found" if exc.status_code == 404 else "method"
        return JSONResponse({"detail": text(key, language(request.headers))}, exc.status_code, headers=exc.headers)
    return await http_exception_handler(request, exc)


def install(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
