"""The answer contract shared by the CLI (`ask --json`), the HTTP API and every channel."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from assistant.inputs import visible_text


class Turn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Literal["user", "assistant"]
    content: str = Field(max_length=20000)


class FilterModel(BaseModel):
    """Filters on retrieval; unknown keys are rejected rather than silently ignored."""

    model_config = ConfigDict(extra="forbid")
    province: str | None = Field(None, description="Old (pre-2025) or new province name.")
    since: date | None = Field(None, description="Only documents published on or after.")
    until: date | None = Field(None, description="Only documents published on or before.")
    # A legal document's header, read at ingest; documents without one (news) never match these.
    doc_kind: str | None = Field(
        None, max_length=200, description="Kind of legal document: Quyết định, Nghị định, Thông tư, Nghị quyết, Chỉ thị, Luật, "
        "Pháp lệnh, Lệnh (with or without diacritics, or decision, decree, circular, …).")
    doc_number: str | None = Field(None, max_length=200, description="Number/symbol, e.g. '1891/QĐ-TTg' (or the number alone).")
    issuer: str | None = Field(None, max_length=200, description="Issuing body, any part of its name, e.g. 'Bộ Nội vụ'.")
    issued_since: date | None = Field(None, description="Legal documents issued on or after.")
    issued_until: date | None = Field(None, description="Legal documents issued on or before.")
    effective_since: date | None = Field(None, description="Legal documents in force from this date or later.")
    effective_until: date | None = Field(None, description="Legal documents in force from this date or earlier.")


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # Zero-width and other format characters removed: a question of only those is empty (422).
    question: Annotated[str, AfterValidator(visible_text)] = Field(description="The question, Vietnamese or English.")
    history: list[Turn] = Field(default_factory=list, max_length=100, description="Earlier turns, oldest first (at most 100).")
    filters: FilterModel = Field(default_factory=FilterModel)
    stream: bool = Field(
        False,
        description="Server-sent events: 'token' events while an LLM writes, then one 'final' "
        "event with the verified answer object, which replaces the streamed draft.",
    )


class SourceRef(BaseModel):
    doc_id: str
    title: str | None = None
    url: str | None = None
    published: str | None = None
    source: str | None = None


class Citation(BaseModel):
    n: int
    doc_id: str
    title: str
    url: str | None = None
    published: str | None = None
    source: str | None = None
    quote: str = Field(description="A verbatim span of the document.")
    start: int = Field(description="Offset of the quote in the document text.")
    end: int
    path: str | None = Field(
        None, description="Where the quote sits in a legal document: 'Điều 2, Khoản 1, Điểm a' (None elsewhere)."
    )
    page: int | None = Field(None, description="The page (1-based) the quote starts on, for PDFs and scans.")
    ocr: bool = Field(False, description="The document's text was recognised from a scanned image (OCR).")
    ocr_confidence: float | None = Field(None, description="The OCR engine's mean word confidence, 0..1.")
    also_reported_by: list[SourceRef] = Field(
        default_factory=list, description="Near-duplicate copies of the same story elsewhere."
    )


class Table(BaseModel):
    """A comparison or trend as data: one row per unit or period, each cited."""

    columns: list[str]
    rows: list[list[str]]
    citations: list[list[int]] = Field(description="Per row, the `n` of the citations that support it.")


class AnswerResponse(BaseModel):
    answer: str
    answerable: bool
    mode: Literal["extractive", "llm"]
    citations: list[Citation]
    warnings: list[str] = Field(default_factory=list)
    latency_ms: float
    language: Literal["vi", "en"] = "vi"
    standalone_question: str | None = Field(
        None, description="The question as retrieved, after a follow-up was rewritten."
    )
    prompt_version: str | None = None
    table: Table | None = Field(None, description="Comparison and trend answers: the table the answer text shows.")


class FactOut(BaseModel):
    """One figure a document states (`GET /v1/facts`, `cchc facts`)."""

    fact_id: str
    doc_id: str
    title: str | None = None
    url: str | None = None
    published: str | None = None
    unit: str | None = Field(None, description="The unit it is about, as written (province, district, ministry, …).")
    level: str | None = Field(None, description="national, ministry, province, district or commune.")
    metric: str | None = Field(None, description="A metric key of resources/metrics.yaml.")
    metric_name: str | None = None
    value: float
    value_text: str = Field(description="The figure verbatim.")
    value_unit: str
    period: str | None = Field(None, description="YYYY, YYYY-Qn or YYYY-MM.")
    kind: Literal["target", "achieved"]
    quote: str = Field(description="The statement, a verbatim span of the document.")
    start: int
    end: int


class FactList(BaseModel):
    facts: list[FactOut]
    count: int
