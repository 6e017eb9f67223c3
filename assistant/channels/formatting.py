"""Rendering one `AnswerResponse` for each channel.

Every channel shows the same answer and the same citations; only the markup differs.
Text from documents and LLMs is escaped for the target format so that a document
containing `<script>` or Slack's `<!channel>` stays inert text.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit, urlunsplit

from assistant.answering.compose import ESCAPED, unshown
from assistant.schemas import AnswerResponse, Citation

_BOLD = re.compile(r"\*\*([^*]+)\*\*")
_REF = re.compile(r"\[(\d+)\]")
_HEADINGS = {"vi": "Nguồn", "en": "Sources"}


# Kept as they are in a path, query or fragment; anything else (spaces, quotes, <>, |, non-ASCII
# letters of a Vietnamese slug) is percent-encoded, and an existing %XX is left alone.
_URL_SAFE = "/%:@!$&()*+,;=-._~?#[]"


def safe_url(url: str | None) -> str | None:
    """The link shown for a source: only an http(s) URL with a host, percent-encoded so that it
    cannot break out of the markup around it (Slack's `<url|label>`, HTML attributes). A real
    source URL with a space or Vietnamese letters in its path is encoded, not dropped: the /r/
    short links of Zalo and the links everywhere else use this one function, so a link that is
    shown always resolves."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").encode("idna").decode("ascii")
    except (ValueError, UnicodeError):
        return None
    if parts.scheme.lower() not in ("http", "https") or not host or not re.fullmatch(r"[a-z0-9.-]+", host):
        return None
    netloc = host + (f":{parts.port}" if parts.port else "")  # user:password@ is never passed on
    return urlunsplit((parts.scheme.lower(), netloc, quote(parts.path, _URL_SAFE),
                       quote(parts.query, _URL_SAFE), quote(parts.fragment, _URL_SAFE)))


def short_link(base_url: str, doc_id: str, token: str) -> str:
    """`/r/<doc_id>?t=<token>` under the public URL: the id quoted whole (a `/`, `|`, `#` or `?` in
    it stays part of it), the token the link's own credential (see api/routers/links.py)."""
    return f"{base_url.rstrip('/')}/r/{quote(doc_id, safe='')}?t={token}"


_PAGE = {"vi": "tr. {page}", "en": "p. {page}"}
_OCR = {"vi": "văn bản nhận dạng từ ảnh", "en": "text recognised from a scanned image"}
_OCR_CONFIDENCE = {"vi": "độ tin cậy {p:.0%}", "en": "confidence {p:.0%}"}


def locator(c: Citation, language: str = "vi") -> str:
    """Where the quote sits and how its text was read: "Điều 2, Khoản 1 · tr. 3 · văn bản nhận
    dạng từ ảnh (độ tin cậy 91%)"; "" for a news page. A reader of a scanned decision is told
    the words were recognised, not typed, before trusting a figure in them."""
    lang = "en" if language == "en" else "vi"
    parts = [c.path] if c.path else []
    if c.page:
        parts.append(_PAGE[lang].format(page=c.page))
    if c.ocr:
        confidence = f" ({_OCR_CONFIDENCE[lang].format(p=c.ocr_confidence)})" if c.ocr_confidence is not None else ""
        parts.append(_OCR[lang] + confidence)
    return " · ".join(parts)


def source_line(c: Citation, language: str = "vi") -> str:
    meta = ", ".join(x for x in (c.source, c.published) if x)
    where = locator(c, language)
    return f"[{c.n}] {c.title}" + (f" — {meta}" if meta else "") + (f" — {where}" if where else "")


def plain_text(resp: AnswerResponse) -> str:
    """Markdown-light text with the sources listed under the answer (OpenAI API, Zalo)."""
    lines = [resp.answer]
    if resp.citations:
        lines += ["", f"{_HEADINGS.get(resp.language, 'Nguồn')}:"]
        for c in resp.citations:
            url = safe_url(c.url)
            lines.append(source_line(c, resp.language) + (f": {url}" if url else ""))
    return "\n".join(lines)


def strip_markup(text: str) -> str:
    """Plain text: no bold, and a quote's escaped asterisks (``compose.shown``) as written."""
    return unshown(_BOLD.sub(r"\1", text))


def slack_escape(text: str) -> str:
    # Slack's own rule: only &, < and > are control characters in mrkdwn.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_blocks(resp: AnswerResponse) -> tuple[str, list[dict]]:
    """(fallback text, Block Kit blocks): bold figures, [n] as links to the source."""
    by_n = {c.n: c for c in resp.citations}

    def link(m: re.Match[str]) -> str:
        c = by_n.get(int(m.group(1)))
        url = safe_url(c.url) if c else None
        return f"<{url}|[{m.group(1)}]>" if url else m.group(0)

    # Slack's mrkdwn has no escape: a quote's own asterisk becomes "∗" (U+2217), never bold.
    answer = ESCAPED.sub(lambda m: "∗" if m.group(1) == "*" else m.group(1), resp.answer)
    body = _REF.sub(link, _BOLD.sub(r"*\1*", slack_escape(answer)))
    blocks: list[dict] = [{"type": "section", "text": {"type": "mrkdwn", "text": body[:3000]}}]
    if resp.citations:
        items = []
        for c in resp.citations:
            url = safe_url(c.url)
            label = slack_escape(source_line(c, resp.language)).replace("|", "¦")
            items.append(f"<{url}|{label}>" if url else label)
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": t[:3000]} for t in items[:10]]})
    # The fallback text drives notifications and is parsed too: escaped the same way.
    return slack_escape(strip_markup(plain_text(resp)))[:3000], blocks


def split_message(text: str, limit: int) -> list[str]:
    """Split at paragraph, line or sentence boundaries so that no part exceeds `limit`."""
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"))
        if cut < limit // 3:
            cut = max(window.rfind(". "), window.rfind("; "), window.rfind(" "))
        if cut < limit // 3:
            cut = limit  # one unbroken run of characters: a hard cut is all that is left
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts
