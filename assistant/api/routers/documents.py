"""GET /v1/documents and GET /v1/documents/{doc_id}: what the index holds."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel

from assistant.api.deps import ServiceDep

router = APIRouter(prefix="/v1/documents", tags=["documents"])


class DocumentSummary(BaseModel):
    doc_id: str
    title: str | None
    url: str | None
    published: str | None
    source: str | None
    chunks: int
    updated_at: str | None


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


@router.get("", response_model=DocumentList)
def list_documents(service: ServiceDep) -> DocumentList:
    docs = [DocumentSummary(**d) for d in service.store.documents()]
    return DocumentList(documents=docs, total=len(docs), chunks=sum(d.chunks for d in docs))


@router.get("/{doc_id}", response_model=DocumentText)
def get_document(doc_id: str, service: ServiceDep) -> DocumentText:
    doc = service.store.document(doc_id)
    if doc is None:
        raise HTTPException(status_code=404, detail=f"no document {doc_id!r}")
    return DocumentText(
        doc_id=doc.doc_id, title=doc.title, url=doc.url, published=doc.published,
        source=doc.source, text=doc.text,
    )
