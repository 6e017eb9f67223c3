"""The assistant as a Model Context Protocol server (the official `mcp` SDK's MCPServer).

Desktop and IDE assistants start it over stdio (`cchc mcp`); agents reach it over streamable
HTTP at `/mcp` on `cchc serve`, behind the same query keys as `/v1/ask`. The tools are the
API's reads: the verified answer with its citations, passages, one document, the facts table,
the provinces a filter accepts; each document is also a resource (`cchc://documents/{id}`).
Descriptions are bilingual because the callers' models read them to choose a tool, and the
people configuring those callers read them in either language.

The HTTP transport runs stateless with JSON responses: every request stands alone, so
`cchc serve --workers N` needs no sticky sessions, and no stream outlives the request timeout.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import Field
from starlette.types import ASGIApp, Receive, Scope, Send

from assistant.documents import DocumentService
from assistant.facts_table import FactQuery, InvalidFilter
from assistant.index.gazetteer import all_provinces
from assistant.retrieval import Filters
from assistant.schemas import AnswerResponse, Turn
from assistant.service import AnswerService, InvalidQuestion

MAX_PASSAGES = 20
MAX_DOCUMENT_CHARS = 200_000  # a whole report fits; a caller's context window is the limit anyway

INSTRUCTIONS = (
    "Trả lời có trích dẫn về cải cách hành chính Việt Nam từ báo cáo và tin tức đã lập chỉ mục. "
    "Dùng `ask` cho câu hỏi (câu trả lời đã kiểm chứng, mỗi trích dẫn là nguyên văn tài liệu), "
    "`search` để đọc đoạn văn, `facts` cho số liệu. / Cited answers about Vietnamese administrative "
    "reform from indexed reports and news. Use `ask` for questions (a verified answer whose every "
    "citation is a verbatim quote), `search` to read passages, `facts` for figures."
)

Province = Field(None, description="Tỉnh/thành (tên cũ hoặc mới) / province, old or new name")
Since = Field(None, description="Từ ngày (YYYY-MM-DD) / published on or after")
Until = Field(None, description="Đến ngày (YYYY-MM-DD) / published on or before")


DocKind = Field(None, description="Loại văn bản: Quyết định, Nghị định, Thông tư, Nghị quyết, Chỉ thị, Luật … / "
                "kind of legal document (decision, decree, circular, …)")
DocNumber = Field(None, description="Số, ký hiệu văn bản, vd. 1891/QĐ-TTg / number and symbol")
Issuer = Field(None, description="Cơ quan ban hành (một phần tên), vd. Bộ Nội vụ / issuing body, any part of its name")
IssuedSince = Field(None, description="Ban hành từ ngày / legal documents issued on or after")
IssuedUntil = Field(None, description="Ban hành đến ngày / issued on or before")
EffectiveSince = Field(None, description="Có hiệu lực từ ngày / in force from this date or later")
EffectiveUntil = Field(None, description="Có hiệu lực đến ngày / in force from this date or earlier")


def _filters(province: str | None, since: date | None, until: date | None, **legal: Any) -> Filters:
    filters = Filters(province, since, until, **legal)
    try:
        filters.resolved_province()
    except ValueError as exc:
        raise ToolError(f"Không có tỉnh/thành «{province}» / unknown province {province!r}: see list_provinces") from exc
    return filters


def build_server(service: AnswerService, documents: DocumentService) -> MCPServer:
    server = MCPServer(name="cchc-assistant", title="CCHC assistant", instructions=INSTRUCTIONS, version="0.1.0")

    async def off_loop(fn: Callable[[], Any]) -> Any:
        # Answering is CPU-bound: in a worker thread, so `cchc serve` keeps serving meanwhile.
        return await anyio.to_thread.run_sync(fn)

    @server.tool(
        description=(
            "Trả lời một câu hỏi về cải cách hành chính, kèm trích dẫn (nguyên văn, vị trí, URL, ngày). "
            "Không đủ căn cứ thì answerable=false. / Answer a question about administrative reform with "
            "citations (verbatim quote, offsets, URL, date); answerable=false when the sources do not say."
        )
    )
    async def ask(
        question: str = Field(description="Câu hỏi, tiếng Việt hoặc tiếng Anh / the question, Vietnamese or English"),
        history: Annotated[list[Turn] | None, Field(description="Lượt trước / earlier turns, oldest first")] = None,
        province: str | None = Province,
        since: date | None = Since,
        until: date | None = Until,
        doc_kind: str | None = DocKind,
        doc_number: str | None = DocNumber,
        issuer: str | None = Issuer,
        issued_since: date | None = IssuedSince,
        issued_until: date | None = IssuedUntil,
        effective_since: date | None = EffectiveSince,
        effective_until: date | None = EffectiveUntil,
    ) -> AnswerResponse:
        filters = _filters(province, since, until, doc_kind=doc_kind, doc_number=doc_number, issuer=issuer,
                           issued_since=issued_since, issued_until=issued_until,
                           effective_since=effective_since, effective_until=effective_until)
        try:
            return await off_loop(lambda: service.answer(question, (history or [])[-100:], filters))
        except (InvalidQuestion, ValueError) as exc:  # ValueError: a legal filter value matching nothing
            raise ToolError(str(exc)) from exc

    @server.tool(
        description=(
            "Tìm đoạn văn trong tài liệu (nguyên văn, vị trí trong tài liệu, tiêu đề, URL, ngày), lọc theo "
            "tỉnh, thời gian và văn bản pháp luật (loại, số, cơ quan ban hành, ngày ban hành/hiệu lực). / Search "
            "passages (verbatim text with its offsets in the document, legal path and page, title, URL, date), "
            "filtered by province, dates and a legal document's kind, number, issuer, issue and effective dates."
        )
    )
    async def search(
        query: str = Field(description="Nội dung cần tìm / what to look for"),
        k: int = Field(5, ge=1, le=MAX_PASSAGES, description="Số đoạn / number of passages"),
        province: str | None = Province,
        since: date | None = Since,
        until: date | None = Until,
        doc_kind: str | None = DocKind,
        doc_number: str | None = DocNumber,
        issuer: str | None = Issuer,
        issued_since: date | None = IssuedSince,
        issued_until: date | None = IssuedUntil,
        effective_since: date | None = EffectiveSince,
        effective_until: date | None = EffectiveUntil,
    ) -> list[dict[str, Any]]:
        filters = _filters(province, since, until, doc_kind=doc_kind, doc_number=doc_number, issuer=issuer,
                           issued_since=issued_since, issued_until=issued_until,
                           effective_since=effective_since, effective_until=effective_until)
        try:
            prepared = await off_loop(lambda: service.prepare(query, [], filters))
        except (InvalidQuestion, ValueError) as exc:
            raise ToolError(str(exc)) from exc
        return [
            {"doc_id": h.chunk.doc_id, "title": h.chunk.title, "url": h.chunk.url, "published": h.chunk.published,
             "source": h.chunk.source, "text": h.chunk.text, "start": h.chunk.start, "end": h.chunk.end,
             "path": h.chunk.path, "page": h.chunk.page, "ocr": h.chunk.ocr_confidence is not None,
             "ocr_confidence": h.chunk.ocr_confidence, "score": round(h.score, 4)}
            for h in prepared.hits[:k]
        ]

    @server.tool(
        description=(
            "Toàn văn một tài liệu theo doc_id (từ trích dẫn hoặc kết quả tìm). / One document's full text "
            "by doc_id (from a citation or a search result); citation offsets index this text."
        )
    )
    async def get_document(doc_id: str = Field(description="doc_id")) -> dict[str, Any]:
        doc = await off_loop(lambda: documents.get(doc_id))
        if doc is None:
            raise ToolError(f"Không có tài liệu «{doc_id}» / no document {doc_id!r}")
        return {"doc_id": doc.doc_id, "title": doc.title, "url": doc.url, "published": doc.published,
                "source": doc.source, "text": doc.text[:MAX_DOCUMENT_CHARS],
                "truncated": len(doc.text) > MAX_DOCUMENT_CHARS}

    @server.tool(
        description=(
            "Bảng số liệu các tài liệu nêu (chỉ số, đơn vị, cấp, kỳ, loại), mỗi dòng có trích dẫn. / The facts "
            "table: figures the documents state (metric, unit, level, period, kind), each with its quote."
        )
    )
    async def facts(
        metric: str | None = Field(None, description="Chỉ số / metric, e.g. 'hồ sơ trực tuyến'"),
        unit: str | None = Field(None, description="Đơn vị (tỉnh, bộ) / unit (province, ministry)"),
        level: str | None = Field(None, description="Cấp / level"),
        period: str | None = Field(None, description="Kỳ, e.g. 2024 / period"),
        kind: str | None = Field(None, description="Loại: value, target, … / kind"),
        limit: int = Field(50, ge=1, le=500, description="Số dòng tối đa / at most this many rows"),
        language: str = Field("vi", pattern="^(vi|en)$", description="vi | en (the refusals' language)"),
        doc_kind: str | None = DocKind,
        doc_number: str | None = DocNumber,
        issuer: str | None = Issuer,
    ) -> list[dict[str, Any]]:
        def rows() -> list[dict[str, Any]]:
            legal = Filters(doc_kind=doc_kind, doc_number=doc_number, issuer=issuer)
            held = documents.documents_matching(legal)
            query = FactQuery(metric=metric, unit=unit, level=level, period=period, kind=kind,
                              limit=None if held is not None else limit)
            found = documents.facts(query, language)
            return found if held is None else [r for r in found if r["doc_id"] in held][:limit]

        try:
            return await off_loop(rows)
        except (InvalidFilter, ValueError) as exc:  # ValueError: a legal filter value matching nothing
            raise ToolError(str(exc)) from exc

    @server.tool(
        description=(
            "Các tỉnh/thành sau sáp nhập 2025 và tên cũ trong đó: giá trị bộ lọc province nhận. / The "
            "post-2025 provinces with the pre-2025 names inside each: what the province filter accepts."
        )
    )
    def list_provinces() -> list[dict[str, Any]]:
        return [{"name": p.name, "old_names": list(p.old_names)} for p in all_provinces()]

    @server.resource("cchc://documents", name="documents", mime_type="application/json",
                     description="Danh sách tài liệu / the documents the index holds")
    async def document_list() -> list[dict[str, Any]]:
        rows = await off_loop(lambda: list(documents.list_all()))
        return [{"uri": f"cchc://documents/{r['doc_id']}", **{k: r.get(k) for k in ("doc_id", "title", "url", "published")}}
                for r in rows]

    @server.resource("cchc://documents/{doc_id}", name="document", mime_type="text/plain",
                     description="Toàn văn một tài liệu / one document's text")
    async def document_text(doc_id: str) -> str:
        doc = await off_loop(lambda: documents.get(doc_id))
        if doc is None:
            raise ValueError(f"no document {doc_id!r}")
        return doc.text

    return server


def http_endpoint(server: MCPServer, allows: Callable[[str | None], bool]) -> tuple[_Guarded, Any]:
    """The streamable HTTP endpoint, behind `allows(bearer key)`, and the session manager the
    host app must run in its lifespan (a mounted app's own lifespan never runs)."""
    # DNS-rebinding protection is the host app's: its TrustedHostMiddleware (CCHC_TRUSTED_HOSTS)
    # and the query keys; the SDK's default would refuse every host but localhost.
    server.streamable_http_app(stateless_http=True, json_response=True,
                               transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False))
    return _Guarded(StreamableHTTPASGIApp(server.session_manager), allows), server.session_manager


class _Guarded:
    """The endpoint behind the query keys (an ASGI app: a class, so Starlette routes the raw
    scope to it rather than treating it as a request handler)."""

    _REFUSAL = json.dumps({"error": "query_key", "message": "Thiếu khóa truy vấn / a query key is required "
                           "(Authorization: Bearer)"}, ensure_ascii=False).encode()

    def __init__(self, inner: ASGIApp, allows: Callable[[str | None], bool]) -> None:
        self.inner, self.allows = inner, allows

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        header = dict(scope.get("headers") or []).get(b"authorization", b"").decode("latin-1")
        key = header[7:].strip() if header[:7].lower() == "bearer " else None
        if not self.allows(key):
            await send({"type": "http.response.start", "status": 401,
                        "headers": [(b"content-type", b"application/json; charset=utf-8"),
                                    (b"www-authenticate", b"Bearer")]})
            await send({"type": "http.response.body", "body": self._REFUSAL})
            return
        await self.inner(scope, receive, send)
