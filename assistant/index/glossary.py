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
def groups() -> list[list[tuple[str, str]]]:
    """Each group's terms with their padded token form, computed once."""
    raw = yaml.safe_load(resources.files("assistant.resources").joinpath("glossary.yaml").read_text("utf-8"))
    return [[(str(t), _padded(str(t))) for t in group] for group in raw]


def tokens_with_equivalents(text: str) -> set[str]:
    """The keyword tokens of ``text`` and of the glossary terms equivalent to its terms: "PAR
    INDEX" in a question reaches "chỉ số cải cách hành chính" in a report."""
    tokens = set(tokenize(text))
    for term in expansions(text):
        tokens.update(tokenize(term))
    return tokens


def expansions(text: str) -> list[str]:
    """Glossary terms equivalent to terms in ``text`` that it does not already contain."""
    padded = _padded(index_form(text))
    found: list[str] = []
    for group in groups():
        present = {term for term, form in group if form in padded}
        if not present:
            continue
        for term, form in group:
            if term not in present and form not in padded and term not in found:
                found.append(term)
    return found
