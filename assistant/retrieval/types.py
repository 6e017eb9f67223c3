"""What flows between the retrieval stages: filters, the analysed query, a hit, a ranking.

The answering layer reads these (``from assistant.retrieval import Hit``); they hold no
behaviour beyond resolving a filter's province, so every stage can import them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from typing import Protocol

import numpy as np

from assistant.index.gazetteer import Province, resolve
from assistant.index.store import StoredChunk


@dataclass(frozen=True)
class Filters:
    province: str | None = None
    since: date | None = None
    until: date | None = None
    # A legal document's header (assistant/retrieval/legal.py): only documents that have one match.
    doc_kind: str | None = None
    doc_number: str | None = None
    issuer: str | None = None
    issued_since: date | None = None
    issued_until: date | None = None
    effective_since: date | None = None
    effective_until: date | None = None

    def resolved_province(self) -> Province | None:
        return resolve(self.province) if self.province else None

    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))


@dataclass
class Query:
    question: str
    text: str  # index form, what the embedder sees
    tokens: list[str]  # keyword tokens, glossary expansions included
    expansions: list[str]
    filters: Filters = field(default_factory=Filters)
    vector: np.ndarray | None = None
    kind: str | None = None  # the answer kind, from the service's analysis (None: the reranker reads it)
    doc_ids: set[str] | None = None  # the documents the legal filters leave (None: no such filter)


@dataclass
class Hit:
    chunk: StoredChunk
    score: float
    ranks: dict[str, int] = field(default_factory=dict)  # rank per retriever, 1-based


Ranking = list[tuple[str, float]]


class QuestionReader(Protocol):
    """How the reranker reads a question: its informative terms and the kind of answer.

    The rules live with the answering layer (``assistant/answering/question.py``), which sits
    above retrieval; the service passes them in (that module satisfies this protocol), so
    retrieval never imports upward.
    """

    def informative(self, tokens: list[str]) -> list[str]: ...

    def question_kind(self, question: str) -> str: ...
