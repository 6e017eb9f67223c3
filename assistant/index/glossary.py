"""Query expansion from the reviewed reform glossary (``resources/glossary.yaml``)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml

from assistant.index.keywords import tokenize
from assistant.index.textnorm import index_form


def _padded(text: str) -> str:
    return f" {' '.join(tokenize_words(text))} "


def tokenize_words(text: str) -> list[str]:
    """Folded words only (no bigrams): the form glossary terms are matched in."""
    return [t for t in tokenize(text) if "_" not in t]


@lru_cache
def groups() -> list[list[str]]:
    raw = yaml.safe_load(
        resources.files("assistant.resources").joinpath("glossary.yaml").read_text("utf-8")
    )
    return [[str(t) for t in group] for group in raw]


def expansions(question: str) -> list[str]:
    """Glossary terms equivalent to terms in ``question`` that it does not already contain."""
    text = _padded(index_form(question))
    found: list[str] = []
    for group in groups():
        present = [t for t in group if _padded(t) in text]
        if not present:
            continue
        for term in group:
            if term not in present and _padded(term) not in text and term not in found:
                found.append(term)
    return found
