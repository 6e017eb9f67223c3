"""The header of a Vietnamese legal document, read into metadata.

An official paper opens with its issuing body (top left), "Số: 1891/QĐ-TTg", the place and date
("Hà Nội, ngày 02 tháng 12 năm 2025") and its kind ("QUYẾT ĐỊNH"); the article that brings it
into force says when ("có hiệu lực thi hành kể từ ngày …", or "kể từ ngày ký"). These become
flat metadata fields (``doc_kind``, ``doc_number``, ``issuer``, ``issued``, ``effective``) that
the document list shows and filters can match.
"""

from __future__ import annotations

import re

from assistant.index.structure import LEGAL_KINDS, is_legal
from assistant.inputs import InputError, parse_date
from ingest.metadata import text_date

HEADER_CHARS = 3000
_NUMBER = re.compile(r"Số\s*[:.]?\s*[*_ ]*(\d{1,5}(?:/\d{4})?/[A-ZĐ][A-ZĐ0-9]*(?:-[A-ZĐ0-9]+)*)")
_KIND = re.compile(rf"(?:^|\n)[ \t*_#]*((?:{'|'.join(k.upper() for k in LEGAL_KINDS)})(?: LIÊN TỊCH)?)[ \t*_:]*(?:\n|$)")
_NATIONAL = re.compile(r"CỘNG\s+HÒA\s+XÃ\s+HỘI|CỘNG\s+HOÀ\s+XÃ\s+HỘI", re.IGNORECASE)
_EFFECTIVE = re.compile(
    r"có\s+hiệu\s+lực(?:\s+thi\s+hành)?\s+(?:kể\s+)?từ\s+ngày\s+"
    r"(?:(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})|(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})|(ký))",
    re.IGNORECASE,
)
# The body's own kind sits in the number's symbol: QĐ, NĐ, TT, NQ, CT.
_SYMBOL_KIND = {"QĐ": "Quyết định", "NĐ": "Nghị định", "TT": "Thông tư", "NQ": "Nghị quyết", "CT": "Chỉ thị"}


def _flat(s: str) -> str:
    return " ".join(re.sub(r"[*_#|]+", " ", s).replace("-", " ").split()).strip(" -")


def _issuer(head: str) -> str | None:
    """The lines before the national motto: the issuing body ("BỘ KHOA HỌC VÀ CÔNG NGHỆ")."""
    m = _NATIONAL.search(head)
    if not m or m.start() > 600:
        return None
    lines = [_flat(line) for line in head[: m.start()].splitlines()]
    body = " ".join(line for line in lines if line and not re.fullmatch(r"[-_ ]*", line))
    return body if 3 <= len(body) <= 160 and body.upper() == body else None


def _date(d: str, m: str, y: str) -> str | None:
    try:
        return parse_date(f"{int(y):04d}-{int(m):02d}-{int(d):02d}")
    except InputError:
        return None


# Where the subject under the kind ends: the signer's title over the preamble ("CHỦ TỊCH ỦY BAN
# NHÂN DÂN …", "BỘ TRƯỞNG …"), the preamble itself ("Căn cứ …"), an article.
_SUBJECT_END = re.compile(
    r"(?:Căn\s+cứ|Điều\s+\d|Chương\s|CHƯƠNG\s|CHỦ\s+TỊCH|BỘ\s+TRƯỞNG|THỦ\s+TƯỚNG|THỐNG\s+ĐỐC|"
    r"TỔNG\s+KIỂM\s+TOÁN|CHÁNH\s+ÁN|VIỆN\s+TRƯỞNG|ỦY\s+BAN\s+NHÂN\s+DÂN|HỘI\s+ĐỒNG\s+NHÂN\s+DÂN|QUỐC\s+HỘI|"
    r"CHÍNH\s+PHỦ|TRƯỞNG\s+BAN)"
)
MAX_TITLE_CHARS = 200


def legal_title(text: str) -> str | None:
    """"Quyết định 2345/QĐ-UBND về việc công bố …": the title an official paper gives itself (its
    kind, number and subject line, as legal portals title them), for a file that came without a
    usable one (a scan's file name, a header line "ỦY BAN NHÂN DÂN"); None for other texts.
    A subject printed in capitals is given in lower case: a title is read, not shouted."""
    head = text[:HEADER_CHARS]
    number, kind = _NUMBER.search(head), _KIND.search(head)
    if not number or not kind:
        return None
    title = f"{kind.group(1).capitalize()} {number.group(1)}"
    words: list[str] = []
    for line in head[kind.end():].split("\n"):
        flat = _flat(line)
        if not flat:
            if words:
                break
            continue
        if _SUBJECT_END.match(flat):
            break
        words.append(flat)
    subject = " ".join(" ".join(words).split())
    if subject:
        if subject.upper() == subject:
            subject = subject.lower()
        elif subject[:1].isupper() and not subject[1:2].isupper():
            subject = subject[0].lower() + subject[1:]
        title += " " + subject
    return title if len(title) <= MAX_TITLE_CHARS else title[: MAX_TITLE_CHARS - 1].rsplit(" ", 1)[0] + "…"


def legal_metadata(text: str) -> dict[str, str]:
    """The header's fields of a legal text; empty for any other text."""
    if not is_legal(text):
        return {}
    head = text[:HEADER_CHARS]
    out: dict[str, str] = {}
    if m := _NUMBER.search(head):
        out["doc_number"] = m.group(1)
    if m := _KIND.search(head):
        out["doc_kind"] = m.group(1).capitalize()
    elif "doc_number" in out and (kind := _SYMBOL_KIND.get(out["doc_number"].split("/")[-1].split("-")[0])):
        out["doc_kind"] = kind
    if issuer := _issuer(head):
        out["issuer"] = issuer
    if issued := text_date(text):
        out["issued"] = issued
    if m := _EFFECTIVE.search(re.sub(r"[*_]+", "", text)):
        if m.group(7) and "issued" in out:
            out["effective"] = out["issued"]
        elif m.group(1) or m.group(4):
            d, mo, y = m.group(1, 2, 3) if m.group(1) else m.group(4, 5, 6)
            if effective := _date(d, mo, y):
                out["effective"] = effective
    return out
