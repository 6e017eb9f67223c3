"""/v1/documents: what the index holds (open unless query keys are configured), and adding or removing documents (admin).

POST takes JSON (`{"documents": [...]}` in the corpus format) or a multipart upload of
files (PDF, DOCX, HTML, TXT/MD, JSONL). What can be refused without parsing (the type, an
HTML page's size, a Word file's zip directory) is refused at once; the rest is parsed inside
the background job, under a budget (ingest/sandbox.py), whose id exists before parsing starts.
The reply waits for the parse at most `CCHC_UPLOAD_WAIT_S`, so a broken file is usually
reported in it; past that it carries the job id and the files still `pending`, and
`GET /v1/jobs/{id}` reports the rest.
"""

from __future__ import annotations

import asyncio
import hashlib
import mimetypes
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException

from assistant.api.deps import DocumentsDep, SettingsDep
from assistant.api.errors import ApiError
from assistant.api.guard import BodyTooLarge
from assistant.api.originals import Originals
from assistant.api.security import AdminDep, QueryDep
from assistant.documents import DocumentService
from ingest.loaders import LoadError, SourceDocument, file_doc_id, record_to_document
from ingest.metadata import FileMeta
from ingest.sandbox import ParseBudget, Upload, precheck

router = APIRouter(prefix="/v1", tags=["documents"])
_META_FIELDS = {"title", "source", "url", "published", "doc_id"}




class DocumentSummary(BaseModel):
    doc_id: str
    title: str | None
    url: str | None
    published: str | None
    source: str | None
    chunks: int
    updated_at: str | None
    file_name: str | None = Field(None, description="The uploaded file's name, when it was uploaded as a file.")


class DocumentList(BaseModel):
    documents: list[DocumentSummary]
    total: int
    chunks: int


class DocumentText(BaseModel):
    doc_id: str
    title: str
    url: str | None
    published: str | None
    source: str | None
    text: str
    file_name: str | None = Field(None, description="Set when the original file can be downloaded (/original).")
    metadata: dict[str, Any] = Field(default_factory=dict, description=(
        "What ingest read beside the text: a legal document's doc_kind, doc_number, issuer, issued, "
        "effective; ocr (engine, confidence 0..1, pages) for text recognised from images; published_from."))


class DocumentIn(BaseModel):
    doc_id: str = Field(min_length=1, max_length=300)
    title: str = ""
    text: str = Field(min_length=1)
    url: str | None = None
    published: str | None = None
    source: str | None = None
    model_config = {"extra": "allow"}


class DocumentsIn(BaseModel):
    documents: list[DocumentIn] = Field(min_length=1, max_length=10_000)


class JobAccepted(BaseModel):
    job_id: str
    status_url: str
    accepted: list[str] = Field(description="doc_ids queued for ingestion.")
    rejected: list[str] = Field(description="Files or records refused, and why.")
    pending: list[str] = Field(default_factory=list, description="Files still being parsed when the reply left.")


class Job(BaseModel):
    job_id: str
    status: Literal["queued", "running", "succeeded", "failed", "interrupted"]
    total: int
    done: int
    chunks: int
    created_at: float
    started_at: float | None
    finished_at: float | None
    report: dict[str, Any] | None
    error: str | None


@router.get("/documents", response_model=DocumentList, dependencies=[QueryDep])
def list_documents(documents: DocumentsDep, settings: SettingsDep) -> DocumentList:
    originals = Originals(settings.data_dir)
    docs = [DocumentSummary(**d, file_name=originals.name(d["doc_id"])) for d in documents.list_all()]
    return DocumentList(documents=docs, total=len(docs), chunks=sum(d.chunks for d in docs))


# Before the catch-all below, which would read ".../original" as part of a doc id.
@router.get("/documents/{doc_id:path}/original", response_class=FileResponse, dependencies=[QueryDep])
def get_original(doc_id: str, documents: DocumentsDep, settings: SettingsDep) -> FileResponse:
    held = Originals(settings.data_dir).get(doc_id) if documents.get(doc_id) is not None else None
    if held is None:
        raise ApiError(404, "no_original", doc_id=doc_id[:80])
    path, name = held
    return FileResponse(path, filename=name, media_type=mimetypes.guess_type(name)[0] or "application/octet-stream")


@router.get("/documents/{doc_id:path}", response_model=DocumentText, dependencies=[QueryDep])
def get_document(doc_id: str, documents: DocumentsDep, settings: SettingsDep) -> DocumentText:
    doc = documents.get(doc_id)
    if doc is None:
        raise ApiError(404, "no_document", doc_id=doc_id[:80])
    return DocumentText(
        doc_id=doc.doc_id, title=doc.title, url=doc.url, published=doc.published,
        source=doc.source, text=doc.text, file_name=Originals(settings.data_dir).name(doc_id),
        metadata=doc.extra,
    )


async def _from_upload(request: Request, max_files: int) -> tuple[list[Upload], list[str]]:
    """The uploaded files not refused by the cheap checks, and the refusals."""
    try:
        form = await request.form(max_files=max_files, max_fields=max_files + 10)
    except BodyTooLarge:
        raise  # counted as it arrived (api/guard.py): a 413 as it is
    except (MultiPartException, StarletteHTTPException) as exc:
        # Starlette reports too many files as a 400; it is a size limit, so 413.
        message = str(getattr(exc, "detail", None) or exc)
        if "too many" in message.lower():
            raise ApiError(413, "too_many_files", limit=max_files) from exc
        raise ApiError(400, "bad_form", reason=message[:200]) from exc
    files = [v for _, v in form.multi_items() if isinstance(v, UploadFile)]
    if not files:
        raise ApiError(422, "no_files")
    # Metadata fields (title, source, url, published, doc_id) describe one file: the same rule as
    # `cchc ingest FILE --title …` and a sidecar FILE.meta.json (ingest/metadata.py).
    fields = {k: v for k, v in form.multi_items() if isinstance(v, str) and k in _META_FIELDS}
    meta = None
    if fields:
        if len(files) > 1:
            raise ApiError(400, "bad_form", reason="title/source/url/published/doc_id describe one file; send one file")
        try:
            meta = FileMeta.parse(fields, "form")
        except LoadError as exc:
            raise ApiError(400, "bad_form", reason=str(exc)[:200]) from exc
    uploads: list[Upload] = []
    rejected: list[str] = []
    for f in files:
        name = f.filename or "upload"
        data = await f.read()
        # The id is the name plus a digest of the name and the bytes: the same file uploaded again
        # replaces itself (idempotent), and another file that happens to share its name ("bao-cao.pdf"
        # from two provinces) gets its own id instead of silently replacing the first.
        key = "upload:" + hashlib.sha256(name.encode("utf-8", "replace") + b"\0" + data).hexdigest()
        upload = Upload(name, key, data, meta)
        refused = await run_in_threadpool(precheck, upload)  # reads a zip directory: off the loop
        if refused is None:
            uploads.append(upload)
        else:
            rejected.append(str(refused))
    return uploads, rejected


def _keep_originals(uploads: list[Upload], documents: DocumentService, originals: Originals, replace: bool) -> list[str]:
    """Keep each single-document file as sent (JSONL/JSON files hold many records: not kept).
    A different file under a name already held gets its own id and both are kept (two
    provinces' "bao-cao.pdf"); with `replace` the documents held under that name are deleted
    first. Nothing is ever replaced silently: the admin page asks which one is meant."""
    singles = [(u, (u.meta.doc_id if u.meta else None) or file_doc_id((u.meta.url if u.meta else None) or u.key,
                                                                    u.name, u.data))
               for u in uploads if not u.name.lower().endswith((".jsonl", ".json"))]
    if replace:
        for u, new in singles:
            for old in originals.holding(u.name):
                if old != new:
                    documents.delete(old)
                    originals.remove(old)
    for u, doc_id in singles:
        originals.save(doc_id, u.name, u.data)
    return [doc_id for _, doc_id in singles]


async def _from_json(request: Request) -> list[SourceDocument | LoadError]:
    try:
        body = DocumentsIn.model_validate_json(await request.body())
    except ValueError as exc:
        raise ApiError(422, "bad_documents", reason=str(exc)[:300]) from exc
    items: list[SourceDocument | LoadError] = []
    for i, d in enumerate(body.documents):
        try:
            items.append(record_to_document(d.model_dump(exclude_none=True), f"documents[{i}]"))
        except LoadError as exc:
            items.append(exc)
    return items


@router.post(
    "/documents", response_model=JobAccepted, status_code=202, dependencies=[AdminDep],
    openapi_extra={"requestBody": {"content": {
        "application/json": {"schema": DocumentsIn.model_json_schema()},
        "multipart/form-data": {"schema": {"type": "object", "properties": {
            "files": {"type": "array", "items": {"type": "string", "format": "binary"}}}}},
    }, "required": True}},
)
async def add_documents(request: Request, documents: DocumentsDep, settings: SettingsDep, replace: bool = False) -> JobAccepted:
    size = request.headers.get("content-length")
    if size and size.isdigit() and int(size) > settings.max_upload_bytes:
        raise ApiError(413, "request_too_large", size=int(size), limit=settings.max_upload_bytes)
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/form-data"):
        uploads, rejected = await _from_upload(request, settings.max_upload_files)
        if not uploads:
            raise ApiError(422, "nothing_to_ingest", extra={"rejected": rejected})
        # Off the loop: a replacing delete waits for an ingest in flight, and files are written.
        kept = await run_in_threadpool(_keep_originals, uploads, documents, Originals(settings.data_dir), replace)
        budget = ParseBudget(settings.parse_seconds, settings.parse_memory_mb)
        job_id, parsed = documents.submit_uploads(uploads, rejected, budget)
        try:
            # Shielded: the reply stops waiting, the parse (and the job) goes on.
            accepted, rejected = await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(parsed)),
                                                        settings.upload_wait_s)
        except TimeoutError:
            return JobAccepted(job_id=job_id, status_url=f"/v1/jobs/{job_id}", accepted=[], rejected=rejected,
                               pending=[u.name for u in uploads])
        for doc_id in set(kept) - set(accepted):  # refused by the parser: nothing to download
            Originals(settings.data_dir).remove(doc_id)
        if not accepted:
            raise ApiError(422, "nothing_to_ingest", extra={"rejected": rejected, "job_id": job_id})
        return JobAccepted(job_id=job_id, status_url=f"/v1/jobs/{job_id}", accepted=accepted, rejected=rejected)
    if not ctype.startswith("application/json"):
        raise ApiError(415, "media_type")
    items = await _from_json(request)
    docs = [i for i in items if isinstance(i, SourceDocument)]
    rejected = [str(i) for i in items if isinstance(i, LoadError)]
    if not docs:
        raise ApiError(422, "nothing_to_ingest", extra={"rejected": rejected})
    job_id = documents.submit(docs, rejected)
    return JobAccepted(job_id=job_id, status_url=f"/v1/jobs/{job_id}", accepted=[d.doc_id for d in docs], rejected=rejected)


@router.delete("/documents/{doc_id:path}", status_code=204, dependencies=[AdminDep])
def delete_document(doc_id: str, documents: DocumentsDep, settings: SettingsDep) -> None:
    if not documents.delete(doc_id):
        raise ApiError(404, "no_document", doc_id=doc_id[:80])
    Originals(settings.data_dir).remove(doc_id)


@router.get("/jobs/{job_id}", response_model=Job, dependencies=[AdminDep])
def get_job(job_id: str, documents: DocumentsDep) -> Job:
    job = documents.job(job_id)
    if job is None:
        raise ApiError(404, "no_job", job_id=job_id[:80])
    return Job(**job)
