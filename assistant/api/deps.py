"""Typed dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from assistant.documents import DocumentService
from assistant.service import AnswerService
from assistant.settings import Settings


def get_service(request: Request) -> AnswerService:
    return request.app.state.service


def get_documents(request: Request) -> DocumentService:
    return request.app.state.documents


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


ServiceDep = Annotated[AnswerService, Depends(get_service)]
DocumentsDep = Annotated[DocumentService, Depends(get_documents)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
