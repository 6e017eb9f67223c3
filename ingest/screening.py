"""Documents that talk to the AI are held back at ingest.

Reform reports and news never say "ignore previous instructions" or "bỏ qua mọi hướng
dẫn"; a document that does was planted to steer the answers. It is refused with a clear
reason (the rest of the run goes on), so it can neither be quoted nor reach an LLM.
Matching runs on accent-folded text, so "bo qua moi huong dan" is caught too.
"""

from __future__ import annotations

import re

from assistant.index.textnorm import fold_accents

_PATTERNS = [
    r"\b(?:bo qua|phot lo|quen)\s+(?:(?:moi|tat ca|toan bo|cac|nhung)\s+)?(?:huong dan|chi dan|chi thi)\s+(?:truoc do|o tren|phia tren|truoc|he thong)",
    r"\bbo qua moi (?:huong dan|chi dan|chi thi)",
    r"\b(?:ignore|disregard|forget|override)\s+(?:\w+\s+){0,3}(?:instructions|prompts?|rules|directions)\b",
    r"\bsystem prompt\b|\bprompt he thong\b",
    r"\byou are (?:now )?(?:an? )?(?:ai|assistant|language model|chatbot)\b",
    r"\b(?:ban la|hay dong vai) (?:mot )?(?:tro ly ao|chatbot|mo hinh ngon ngu|ai)\b",
    r"<\|im_start\|>|\[/?inst\]|<\|system\|>",
]
_RE = re.compile("|".join(f"(?:{p})" for p in _PATTERNS))


def instructions_to_ai(text: str) -> str | None:
    """The first passage addressed to an AI model, or None."""
    folded = fold_accents(text).lower()
    m = _RE.search(folded)
    if m is None:
        return None
    return text[max(0, m.start() - 10) : m.end() + 10].strip()
