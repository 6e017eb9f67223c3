"""POST /v1/documents/inspect (admin): what ingest would read from one file, without ingesting it.

The document library's upload form pre-fills its title, source, date and URL from this, so a
person corrects what the file says rather than typing it all: the title and date from PDF/DOCX
properties, the date a decision states in its header ("Hà Nội, ngày 02 tháng 12 năm 2025", which
ingest trusts over the properties), and a legal document's kind, number, issuer and dates of
issue and effect. It is the same parse as an upload's (the same loaders, in the same budgeted
child process for PDF/Word/HTML), so the form shows exactly what an upload would store; nothing
is written, and the bytes are gone when the reply leaves.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from assistant.api.deps import SettingsDep
from assistant.api.errors import ApiError
from assistant.api.originals import Originals
from assistant.api.routers.documents import _from_upload
from assistant.api.security import AdminDep
from ingest.legal import legal_metadata
from ingest.loaders import LoadError, SourceDocument
from ingest.sandbox import ParseBudget, parse_uploads

router = APIRouter(prefix="/v1", tags=["documents"])
EXCERPT_CHARS = 400


class FileInspection(BaseModel):
    file_name: str
    doc_id: str | None = Field(
        None, description="The id an upload of this file (with these fields) would get."
    )
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published: str | None = Field(
        None, description="YYYY-MM-DD: the date the text states near its top, else the file's properties'."
    )
    published_from: str | None = Field(
        None, description="'text' or 'file properties': where `published` was read."
    )
    metadata: dict[str, Any] = Field(
        default_factory=dict,
        description=(
            "A legal document's doc_kind, doc_number, issuer, issued, effective; ocr for a scan; author."
        ),
    )
    records: int = Field(
        1,
        description="Documents in the file (a JSONL/JSON file holds many: their fields are in the records).",
    )
    chars: int = 0
    excerpt: str = Field("", description="The opening of the text, to recognise the file by.")
    same_name: list[str] = Field(
        default_factory=list, description="doc_ids of documents already held under this file name."
    )


@router.post(
    "/documents/inspect",
    response_model=FileInspection,
    dependencies=[AdminDep],
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"files": {"type": "string", "format": "binary"}},
                    }
                }
            },
            "required": True,
        }
    },
)
async def inspect_file(request: Request, settings: SettingsDep) -> FileInspection:
    size = request.headers.get("content-length")
    if size and size.isdigit() and int(size) > settings.max_upload_bytes:
        raise ApiError(413, "request_too_large", size=int(size), limit=settings.max_upload_bytes)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise ApiError(415, "media_type")
    uploads, rejected = await _from_upload(request, 1)  # one file: a second is a 413, like too many files
    if not uploads:
        raise ApiError(422, "cannot_read", reason=" ".join(rejected)[:300])
    upload = uploads[0]
    budget = ParseBudget(settings.parse_seconds, settings.parse_memory_mb)
    parsed = await run_in_threadpool(parse_uploads, [upload], budget)
    docs = [d for d in parsed if isinstance(d, SourceDocument)]
    same_name = Originals(settings.data_dir).holding(upload.name)
    if not docs:
        errors = [str(e) for e in parsed if isinstance(e, LoadError)]
        raise ApiError(422, "cannot_read", reason=(" ".join(errors) or "no document")[:300])
    if Path(upload.name).suffix.lower() in (".jsonl", ".json"):
        return FileInspection(
            file_name=upload.name,
            records=len(docs),
            chars=sum(len(d.text) for d in docs),
            same_name=same_name,
        )
    doc = docs[0]
    extra = {k: v for k, v in doc.extra.items() if k not in ("file_name", "published_from")}
    # What ingest adds to a legal document's metadata (ingest/pipeline.py), read the same way.
    for key, value in legal_metadata(doc.text).items():
        extra.setdefault(key, value)
    return FileInspection(
        file_name=upload.name,
        doc_id=doc.doc_id,
        title=doc.title or None,
        source=doc.source,
        url=doc.url,
        published=doc.published,
        published_from=doc.extra.get("published_from"),
        metadata=extra,
        chars=len(doc.text),
        excerpt=doc.text[:EXCERPT_CHARS],
        same_name=same_name,
    )
