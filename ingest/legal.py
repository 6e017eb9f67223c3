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


# The motto's second and third lines, which share their line with the issuer's second line when a
# two-column header is read across (OCR, a PDF's text layer): "TỈNH LẠNG SƠN Độc lập - Tự do - …".
_MOTTO_REST = re.compile(r"CHỦ\s+NGHĨA\s+VIỆT\s+NAM|Độc\s+lập\s*[-–]", re.IGNORECASE)
_NUMBER_LINE = re.compile(r"^[ \t*_|]*(?:[A-Za-zÀ-ỹĐđ]+\s+)?[Ss]ố\s*[:.]")
MAX_ISSUER_LINES = 5


def _capitals(line: str) -> str | None:
    """The line flattened when it is written in capitals (an issuer's line), else None."""
    flat = _flat(line)
    return flat if flat and flat.upper() == flat and re.search(r"[A-ZÀ-ỸĐ]", flat) else None


def _issuer(head: str) -> str | None:
    """The issuing body ("BỘ KHOA HỌC VÀ CÔNG NGHỆ", "ỦY BAN NHÂN DÂN TỈNH …"): the capitals in the
    header's left column, before the national motto. Portals print that column as its own cell
    (lines up to a '|'), after a preamble of their own; OCR and text layers often read both columns
    across, so the issuer's lines start the motto's lines instead."""
    m = _NATIONAL.search(head)
    if not m:
        return None
    line_start = head.rfind("\n", 0, m.start()) + 1
    parts: list[str] = []
    if across := _capitals(head[line_start : m.start()]):
        parts.append(across)
        for line in head[m.end() :].split("\n")[1 : MAX_ISSUER_LINES]:
            if _NUMBER_LINE.match(line):
                break
            cut = _MOTTO_REST.search(line)
            left = line[: cut.start()] if cut else line
            if re.fullmatch(r"[-_ \t*|]*", left):
                continue  # the motto's own rule, or its line alone
            if (flat := _capitals(left)) is None:
                break
            parts.append(flat)
    else:
        for line in reversed(head[:line_start].split("\n")):
            if line.strip(" \t*_") == "|" or len(parts) >= MAX_ISSUER_LINES:
                if parts:
                    break  # the cell before the issuer's
                continue
            if re.fullmatch(r"[-_ \t*]*", line):
                continue  # its rule, an emphasis left alone on its line, a blank line
            if (flat := _capitals(line)) is None:
                break
            parts.insert(0, flat)
    body = " ".join(" ".join(parts).split())
    return body if 3 <= len(body) <= 160 else None


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
