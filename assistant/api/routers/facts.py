"""GET /v1/facts: the figures the documents state, filtered, as JSON or CSV."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from assistant.api.deps import DocumentsDep
from assistant.api.errors import ApiError
from assistant.facts_table import FactQuery, InvalidFilter, to_csv
from assistant.retrieval import Filters
from assistant.retrieval.legal import FilterValueError
from assistant.schemas import FactList

router = APIRouter(prefix="/v1", tags=["facts"])


def _language(request: Request) -> str:
    return "en" if request.headers.get("accept-language", "vi").lower().startswith("en") else "vi"


@router.get("/facts", response_model=FactList, responses={200: {"content": {"text/csv": {}}}})
def list_facts(
    request: Request,
    documents: DocumentsDep,
    metric: str | None = None,
    unit: str | None = None,
    level: str | None = None,
    period: str | None = None,
    kind: str | None = None,
    limit: int | None = None,
    format: str = "json",
    doc_id: str | None = None,
    doc_kind: str | None = Query(None, max_length=200, description="Facts of legal documents of this kind."),
    doc_number: str | None = Query(
        None, max_length=200, description="Facts of the legal document with this number."
    ),
    issuer: str | None = Query(
        None, max_length=200, description="Facts of legal documents of this issuing body."
    ),
    issued_since: date | None = None,
    issued_until: date | None = None,
    effective_since: date | None = None,
    effective_until: date | None = None,
) -> FactList | Response:
    language = _language(request)
    legal = Filters(
        doc_kind=doc_kind,
        doc_number=doc_number,
        issuer=issuer,
        issued_since=issued_since,
        issued_until=issued_until,
        effective_since=effective_since,
        effective_until=effective_until,
    )
    try:
        # Facts of the documents a legal document's header filter keeps (as /v1/ask filters them).
        held = documents.documents_matching(legal)
    except FilterValueError as exc:
        raise ApiError(
            422, "filter_value", lang=language, vi=exc.message("vi"), en=exc.message("en")
        ) from exc
    try:
        if format not in ("json", "csv"):
            raise InvalidFilter(
                (
                    "Invalid format {!r}: json or csv."
                    if language == "en"
                    else "Định dạng không hợp lệ {!r}: json hoặc csv."
                ).format(format)
            )
        # One document's facts (the chat page's suggested follow-ups start from the cited one):
        # filtered here, after the store's own filters, so `limit` counts that document's.
        query = FactQuery(
            metric=metric,
            unit=unit,
            level=level,
            period=period,
            kind=kind,
            limit=None if doc_id or held is not None else limit,
        )
        rows = documents.facts(query, language)
        if doc_id:
            rows = [r for r in rows if r["doc_id"] == doc_id]
        if held is not None:
            rows = [r for r in rows if r["doc_id"] in held]
        if doc_id or held is not None:
            rows = rows[:limit]
    except InvalidFilter as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    if format == "csv":
        return Response(to_csv(rows), media_type="text/csv; charset=utf-8")
    return FactList(facts=rows, count=len(rows))  # type: ignore[arg-type]
