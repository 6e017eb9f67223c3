"""LLM answering through LangChain chat models, verified before anyone sees it.

Backends by ``CCHC_LLM``: ``openai:<model>`` (any OpenAI-compatible server: vLLM, llama.cpp,
Ollama's /v1, OpenAI; ``CCHC_LLM_BASE_URL``, ``CCHC_LLM_API_KEY``) or ``ollama:<model>``
(needs ``langchain-ollama``). Retrieved passages go to the model only as quoted data.
The draft is checked (``verify``): unknown ``[n]``, figures found in no cited source and not
derivable from them are rejected; one regeneration with feedback, then the caller falls back
to the extractive answer.
"""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from assistant.grounding import REF
from assistant.index.numbers import find_numbers, values_in
from assistant.index.sentences import sentence_spans
from assistant.index.store import StoredChunk
from assistant.prompts import PromptSet
from assistant.retrieval import Hit
from assistant.schemas import Citation

_SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")
log = logging.getLogger("cchc.llm")
# Provider key shapes (OpenAI-style sk-…, and whatever follows "key provided:"), masked here: the
# log formatter's own mask does not know them.
_KEY_SHAPES = re.compile(r"\b(?:sk|pk|rk)-[\w-]{8,}|(?i:key provided:?)\s*\S+")


class LLMUnavailable(RuntimeError):
    """The model could not be reached or timed out. Its text is generic on purpose: callers put
    it in the answer's warnings, which anonymous users read."""


def unavailable(exc: BaseException) -> LLMUnavailable:
    """What a caller may learn of an upstream failure. The upstream text can echo the request,
    the API key included ("Incorrect API key provided: sk-…"), so it goes to the server log
    (whose formatter masks token-shaped strings) and the caller gets only its kind."""
    log.warning("LLM call failed: %s: %s", type(exc).__name__, _KEY_SHAPES.sub("[redacted]", str(exc))[:500])
    kind = "timed out" if "timeout" in type(exc).__name__.lower() else "unreachable or returned an error"
    return LLMUnavailable(f"the language model {kind}; details are in the server log")


@dataclass
class Source:
    n: int
    chunk: StoredChunk


def make_chat_model(
    spec: str, base_url: str | None, api_key: str | None, timeout: float, retries: int
) -> Any:
    kind, _, model = spec.partition(":")
    if kind == "openai" and model:
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(
            model=model,
            base_url=base_url,
            api_key=api_key or "not-needed",  # local servers accept any key
            timeout=timeout,
            max_retries=retries,
            temperature=0,
        )
    if kind == "ollama" and model:
        try:
            from langchain_ollama import ChatOllama
        except ImportError as exc:  # pragma: no cover - optional extra
            raise ValueError("CCHC_LLM=ollama:… needs `pip install langchain-ollama`") from exc
        return ChatOllama(model=model, base_url=base_url, temperature=0, client_kwargs={"timeout": timeout})
    raise ValueError(f"unknown LLM {spec!r}: use 'none', 'openai:<model>' or 'ollama:<model>'")


def sources_from(hits: list[Hit], limit: int = 6) -> list[Source]:
    return [Source(n, h.chunk) for n, h in enumerate(hits[:limit], 1)]


def _escape(text: str) -> str:
    # Passages are data: a document cannot close the <source> element it sits in.
    return text.replace("<", "‹").replace(">", "›")


def render_sources(sources: list[Source]) -> str:
    blocks = []
    for s in sources:
        c = s.chunk
        attrs = f'n="{s.n}" title="{_escape(c.title)}" date="{c.published or "?"}" publisher="{_escape(c.source or "")}"'
        blocks.append(f"<source {attrs}>\n{_escape(c.text)}\n</source>")
    return "\n".join(blocks)


def messages(
    question: str, sources: list[Source], prompts: PromptSet, feedback: list[str] | None = None
) -> list[tuple[str, str]]:
    msgs = [
        ("system", prompts["system"]),
        ("human", prompts["user"].format(sources=render_sources(sources), question=question)),
    ]
    if feedback:
        msgs.append(("human", prompts["feedback"].format(problems="; ".join(feedback))))
    return msgs


def _derivable(value: Decimal, pool: list[Decimal]) -> bool:
    """``value`` is a ratio, percentage, sum or difference of two figures in ``pool``,
    at the precision ``value`` is written with (672/1.894 → 35,48%)."""
    exponent = value.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    tolerance = Decimal(1).scaleb(-places) / 2
    nums = pool[:60]
    for a in nums:
        for b in nums:
            if b != 0:
                for candidate in (a / b * 100, a / b):
                    if abs(candidate - value) <= tolerance:
                        return True
            if a is not b and (abs(a + b - value) <= tolerance or abs(a - b - value) <= tolerance):
                return True
    return False


# What a Markdown or HTML renderer (a chat client of the OpenAI-compatible API) would turn into a
# link, an image or code, in any syntax. Answers are plain text with **bold** and [n]: markup of
# any other kind has no business in one, and a link may only be a cited source's URL.
_TAG = re.compile(r"</?[a-z][\w-]*(?:[\s/>]|$)|<!--|<!\[CDATA\[|<\?", re.I)
_SCRIPT_SCHEME = re.compile(r"\b(?:javascript|vbscript|livescript|jscript|mocha)\s*:", re.I)
_DATA_URL = re.compile(r"\bdata\s*:\s*[a-z-]+/[\w.+-]+\s*[;,]", re.I)
_OTHER_SCHEME = re.compile(r"\b(?:file|ftp|blob|filesystem|intent|ms-[\w-]+)\s*:\s*//", re.I)
_MD_TARGET = re.compile(r"\]\(\s*<?([^)\s>]*)")  # [text](target), ![alt](target)
_MD_REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+)", re.M)  # [label]: target
_URL = re.compile(r"https?://[^\s<>()\[\]\"'»”`]+", re.I)
_PROTOCOL_RELATIVE = re.compile(r"(?<![\w:/])//([\w-]+(?:\.[\w-]+)+[^\s<>()\[\]\"'»”`]*)")
_WWW = re.compile(r"(?<![\w./@-])www\.[\w-]+(?:\.[\w-]+)+[^\s<>()\[\]\"'»”`]*", re.I)
_BARE = re.compile(
    r"(?<![\w./@-])(?:[a-z0-9-]+\.)+(?:com|net|org|info|biz|io|co|me|app|dev|xyz|top|site|online|"
    r"link|click|ru|cn|vn|gov|edu)(?:\.[a-z]{2})?(?:/[^\s<>()\[\]\"'»”`]*)?(?![\w.-]*\w)",
    re.I,
)


def _visible(text: str) -> str:
    # What a renderer sees: entities decoded (&#106;avascript:), full-width and other compatibility
    # forms folded (ｊａｖａｓｃｒｉｐｔ：) and invisible format characters dropped (java\u200bscript:).
    text = unicodedata.normalize("NFKC", html.unescape(text))
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def _cited_link(link: str, allowed: set[str]) -> bool:
    link = link.rstrip(".,;:…!?")
    # A cited source's URL, possibly cut short by the model, is fine; anything else is not.
    return any(url == link or (len(link) > 20 and url.startswith(link)) for url in allowed)


def link_problems(answer: str, cited: list[Source]) -> list[str]:
    """Links, markup and script URLs in a draft, in any syntax, that are not a cited source's
    http(s) URL. A bare host name is fine when a cited passage or URL names it (a portal such as
    a ministry's site mentioned in the report); a link with a path must be the cited URL itself."""
    # A URL parser drops tabs and other control characters inside a URL ("//ev\til.example"): so
    # does the scan; newlines too for the script schemes ("java\nscript:").
    text = re.sub(r"[\x00-\x09\x0b-\x1f\x7f]", "", _visible(answer))
    squeezed = re.sub(r"\s+", "", text)
    allowed = {s.chunk.url for s in cited if s.chunk.url}
    named = " ".join([*(s.chunk.text for s in cited), *allowed]).lower()
    problems: list[str] = []
    if tag := _TAG.search(text):
        problems.append(
            f"the answer contains markup ({tag.group(0).strip()[:20]!r}), which answers never hold"
        )
    for pattern, what in (
        (_SCRIPT_SCHEME, "a script URL"),
        (_DATA_URL, "a data: URL"),
        (_OTHER_SCHEME, "a non-web URL"),
    ):
        if pattern.search(text) or pattern.search(squeezed):
            problems.append(f"the answer contains {what}")
    links = [m.group(0) for m in _URL.finditer(text)]
    links += ["https://" + m.group(1) for m in _PROTOCOL_RELATIVE.finditer(text)]
    targets = [m.group(1) for m in (*_MD_TARGET.finditer(text), *_MD_REFERENCE.finditer(text))]
    links += [t for t in targets if t and not _URL.fullmatch(t)]  # relative or odd targets: never cited
    for link in dict.fromkeys(links):
        if not _cited_link(link, allowed):
            problems.append(f"the answer links to {link[:80]!r}, which is not a cited source")
    rest = _URL.sub(" ", _PROTOCOL_RELATIVE.sub(" ", text))
    for m in (*_WWW.finditer(rest), *_BARE.finditer(rest)):
        bare = m.group(0).rstrip(".,;:…!?")
        host, _, path = bare.partition("/")
        if path and not any(_cited_link(f"{scheme}{bare}", allowed) for scheme in ("https://", "http://")):
            problems.append(f"the answer links to {bare[:80]!r}, which is not a cited source")
        elif not path and host.lower() not in named:
            problems.append(f"the answer names the site {host[:80]!r}, which no cited source names")
    return problems


def verify(answer: str, sources: list[Source]) -> tuple[list[str], list[str]]:
    """(problems that reject the draft, warnings that only flag it)."""
    problems: list[str] = []
    warnings: list[str] = []
    by_n = {s.n: s for s in sources}
    refs = [int(n) for n in REF.findall(answer)]
    for n in sorted(set(refs)):
        if n not in by_n:
            problems.append(f"[{n}] is not one of the retrieved sources")
    cited = [by_n[n] for n in set(refs) if n in by_n]
    if not cited:
        problems.append("the answer cites no source")
    pool: list[Decimal] = []
    for s in cited:
        dates = s.chunk.published or ""
        for v in values_in(f"{s.chunk.text} {s.chunk.title} {dates}"):
            if v not in pool:
                pool.append(v)
    for m in find_numbers(REF.sub(" ", answer)):
        if not m.values:
            continue
        if not (set(m.values) & set(pool)) and not any(_derivable(v, pool) for v in m.values):
            problems.append(f"the figure {m.text.strip()!r} is in none of the cited sources")
    problems.extend(link_problems(answer, cited))
    for sentence in _SENTENCE.findall(REF.sub(lambda x: f"[{x.group(1)}]", answer)):
        if len(sentence.strip()) > 40 and not REF.search(sentence) and find_numbers(sentence):
            warnings.append(f"a sentence carries no citation: {sentence.strip()[:80]!r}")
    return problems, warnings


def citations(answer: str, sources: list[Source]) -> tuple[str, list[Citation]]:
    """Renumber the cited sources 1..k in order of first use and quote, for each, the
    sentence of the passage that best supports the answer (verbatim, with offsets)."""
    by_n = {s.n: s for s in sources}
    order: list[int] = []
    for n in (int(x) for x in REF.findall(answer)):
        if n in by_n and n not in order:
            order.append(n)
    renumber = {old: new for new, old in enumerate(order, 1)}
    text = REF.sub(lambda m: f"[{renumber.get(int(m.group(1)), m.group(1))}]", answer)
    answer_values = values_in(REF.sub(" ", answer))
    answer_words = set(re.findall(r"\w+", answer.lower()))
    out: list[Citation] = []
    for old in order:
        chunk = by_n[old].chunk
        best, best_score = None, -1.0
        for span in sentence_spans(chunk.text):
            sentence = chunk.text[span.start : span.end]
            score = (
                10 * len(values_in(sentence) & answer_values)
                + len(set(re.findall(r"\w+", sentence.lower())) & answer_words) / 100
            )
            if score > best_score:
                best, best_score = span, score
        assert best is not None
        out.append(
            Citation(
                n=renumber[old],
                doc_id=chunk.doc_id,
                title=chunk.title,
                url=chunk.url,
                published=chunk.published,
                source=chunk.source,
                quote=chunk.text[best.start : best.end],
                start=chunk.start + best.start,
                end=chunk.start + best.end,
                **chunk.citation_marks(chunk.start + best.start, chunk.start + best.end),
            )
        )
    return text, out


class LLMAnswerer:
    def __init__(self, model: Any) -> None:
        self.model = model

    def _invoke(self, msgs: list[tuple[str, str]]) -> str:
        try:
            result = self.model.invoke(msgs)
        except Exception as exc:  # timeouts, refused connections, HTTP errors
            raise unavailable(exc) from exc
        return str(result.content).strip()

    def stream(self, msgs: list[tuple[str, str]]) -> Iterator[str]:
        try:
            for chunk in self.model.stream(msgs):
                if chunk.content:
                    yield str(chunk.content)
        except Exception as exc:
            raise unavailable(exc) from exc

    def draft(
        self, question: str, sources: list[Source], prompts: PromptSet, first: str | None = None
    ) -> tuple[str | None, list[str], list[str]]:
        """A verified answer text, or None; plus the problems met and the warnings.

        ``first`` is an already generated draft (streaming); it gets the same checks and the
        same single regeneration.
        """
        marker = prompts["not_found_marker"]
        problems_seen: list[str] = []
        text = first if first is not None else self._invoke(messages(question, sources, prompts))
        for attempt in range(2):
            if marker in text:
                return "", problems_seen, []
            problems, warnings = verify(text, sources)
            if not problems:
                return text, problems_seen, warnings
            problems_seen.extend(problems)
            if attempt == 0:
                text = self._invoke(messages(question, sources, prompts, problems))
        return None, problems_seen, []
