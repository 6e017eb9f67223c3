"""Text out of PDF (pypdf) and Word (python-docx) files.

An encrypted or broken file gets a per-file error that says what to do; a PDF without a text
layer (a scan) is read by OCR (ingest/ocr.py) and says so in its metadata. Tables in Word files
keep their header with every row so that "Hà Giang | 672 | 1.894 | 35,48%" stays one
retrievable, quotable unit. Each reader also returns the file's own date (its properties), which
the loader uses when neither the person ingesting nor the text gives one.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from assistant.index.textnorm import clean_document_text
from ingest.errors import LoadError
from ingest.pdf_tables import with_tables
from ingest.reflow import join_pages, reflow
from ingest.rows import header_rows

# Extracted.extra's key for where each page begins in the text (kept in the document's metadata;
# ingest stores each chunk's pages from it: assistant/index/anchors.py).
PAGE_STARTS = "page_starts"

_MIN_CHARS_PER_PAGE = 25  # below this on average, the PDF has no usable text layer
# A Word file is a zip: its directory says what it unpacks to before anything is inflated. Real
# reports unpack to a few MB at 5-20x; a 540 KB bomb unpacked to 150 MB of XML and took the
# server to 8 GB in python-docx, so the directory is checked first and such a file refused.
MAX_UNZIPPED_BYTES = 32 * 1024 * 1024
MAX_ZIP_RATIO = 100  # per member, for members over 1 MiB unpacked
MAX_ZIP_MEMBERS = 5000
MAX_PDF_PAGES = 3000  # a parse budget: pypdf bounds each stream (75 MB), this bounds their number


def check_zip(data: bytes, origin: str) -> None:
    """Refuse a zip-based file (DOCX) whose directory announces too much, or too dense, content.
    The sizes cannot be understated to get past this: zipfile stops a member at its declared size
    and then fails its CRC check."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise LoadError(f"{origin}: not a readable Word (.docx) file ({type(exc).__name__})") from exc
    total = sum(m.file_size for m in members)
    dense = next(
        (m for m in members if m.file_size > 1 << 20 and m.file_size > MAX_ZIP_RATIO * max(1, m.compress_size)), None
    )
    if len(members) > MAX_ZIP_MEMBERS or total > MAX_UNZIPPED_BYTES or dense is not None:
        raise LoadError(
            f"{origin}: refused: the file unpacks to {total:,} bytes in {len(members)} parts"
            + (f", {dense.filename!r} {dense.file_size // max(1, dense.compress_size)}x compressed" if dense else "")
            + f" (at most {MAX_UNZIPPED_BYTES:,} bytes, {MAX_ZIP_MEMBERS} parts, {MAX_ZIP_RATIO}x per part)"
        )


@dataclass
class Extracted:
    text: str
    title: str | None = None
    created: str | None = None  # ISO date from the file's properties
    extra: dict[str, Any] = field(default_factory=dict)


# python-docx's blank template carries this creation stamp: a file made from it says nothing
# about when it was written.
_TEMPLATE_STAMP = datetime(2013, 12, 23, 23, 15)


def _iso(value: object) -> str | None:
    """A properties date (datetime, or pypdf's already-parsed value) as YYYY-MM-DD; only plausible ones."""
    if isinstance(value, datetime) and value.replace(tzinfo=None) == _TEMPLATE_STAMP:
        return None
    if isinstance(value, datetime | date) and 1990 <= value.year <= 2100:
        return value.strftime("%Y-%m-%d")
    return None


def pdf_text(data: bytes, origin: str, ocr: bool = True, ocr_timeout_s: float = 60.0) -> Extracted:
    """Text, title and creation date from the metadata; a scan is read by OCR unless ``ocr`` is off."""
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError(f"{origin}: the PDF is encrypted with a password; save an unprotected copy first")
        if len(reader.pages) > MAX_PDF_PAGES:
            raise LoadError(f"{origin}: refused: {len(reader.pages):,} pages (at most {MAX_PDF_PAGES:,}); split it first")
        pages = [page.extract_text() or "" for page in reader.pages]
        if any(p.strip() for p in pages):
            # Ruled tables as header-carrying rows, where pdfplumber finds them.
            pages = with_tables(data, pages, header_rows)
        title = (reader.metadata.title if reader.metadata else None) or None
        try:
            created = _iso(reader.metadata.creation_date) if reader.metadata else None
        except (ValueError, TypeError):  # a malformed date string is no date, not a broken file
            created = None
    except FileNotDecryptedError:
        raise LoadError(f"{origin}: the PDF is encrypted with a password; save an unprotected copy first") from None
    except LoadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise LoadError(f"{origin}: broken or truncated PDF ({type(exc).__name__}: {exc})") from exc
    # Each page in the stored form before the join, so that where a page begins is an offset
    # into the text as stored: a chunk's and a quote's page come from it.
    stored = [clean_document_text(reflow(p)) for p in pages]
    text, starts = join_pages(stored)
    if len(text) < _MIN_CHARS_PER_PAGE * max(1, len(pages)):
        if not ocr:
            raise LoadError(
                f"{origin}: the PDF has no text layer ({len(pages)} page(s), {len(text)} characters) — "
                "probably scanned, and OCR is turned off; run OCR first, e.g. `ocrmypdf -l vie in.pdf out.pdf`"
            )
        from ingest.ocr import ocr_pdf

        read = ocr_pdf(data, origin, ocr_timeout_s)
        return Extracted(read.text, title, created, {**read.metadata(), PAGE_STARTS: read.page_starts})
    # A typed decision with a signed or scanned page inside (an appendix, the signature page):
    # those pages alone are read by OCR, and only quotes from them say so.
    blank = [i for i, p in enumerate(stored) if len(p) < _MIN_CHARS_PER_PAGE] if ocr else []
    if blank and _has_images(data, blank):
        from ingest.ocr import OcrResult, available, ocr_pdf

        if available():
            partial: OcrResult | None
            try:
                partial = ocr_pdf(data, origin, ocr_timeout_s, only=blank)
            except LoadError:  # nothing legible on them (a stamp, a blank back): the text layer stands
                partial = None
            if partial is not None and partial.page_numbers:
                for number, page_text in zip(partial.page_numbers, partial.page_texts):
                    stored[number - 1] = page_text
                text, starts = join_pages(stored)
                return Extracted(text, title, created, {**partial.metadata(), PAGE_STARTS: starts})
    return Extracted(text, title, created, {PAGE_STARTS: starts})


def _has_images(data: bytes, pages: list[int]) -> bool:
    """Whether any of these 0-based pages draws an image (a scan), rather than being blank."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        return False
    try:
        for i in pages:
            page = pdf[i]
            try:
                if any(o.type == 3 for o in page.get_objects(max_depth=2)):  # FPDF_PAGEOBJ_IMAGE
                    return True
            finally:
                page.close()
        return False
    finally:
        pdf.close()


def docx_text(data: bytes, origin: str) -> Extracted:
    """Paragraphs and tables in document order; each table row as "header: value; …"."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    check_zip(data, origin)
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise LoadError(f"{origin}: not a readable Word (.docx) file ({type(exc).__name__}); "
                        "old .doc files must be saved as .docx first") from exc
    blocks: list[str] = []
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            if item.text.strip():
                blocks.append(item.text.strip())
        elif isinstance(item, Table):
            blocks.extend(_table_rows(item))
    text = "\n\n".join(blocks)
    if not text.strip():
        raise LoadError(f"{origin}: the Word file has no text")
    props = document.core_properties
    return Extracted(text, props.title or None, _iso(props.created))


def _table_rows(table) -> list[str]:
    return header_rows([[" ".join(cell.text.split()) for cell in row.cells] for row in table.rows])
