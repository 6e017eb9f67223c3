"""Text out of scanned pages: Tesseract (Debian's `tesseract-ocr` + `tesseract-ocr-vie`).

A PDF without a text layer is rendered page by page with PDFium (pypdfium2, a wheel that needs
no system library) and each page image read by Tesseract through pytesseract; PNG/JPEG/TIFF
files are read directly. One Tesseract run per page gives both the words and their confidence
(the TSV output), so the text and the figure stored with it come from the same pass.

Tesseract runs as a subprocess of the parsing process: inside the API's parse sandbox
(ingest/sandbox.py) it inherits that process's address-space cap, and every page gets a
timeout of its own so a killed parser never leaves an orphan reading on.
"""

from __future__ import annotations

import functools
import io
import os
import re
import shutil
import time
import unicodedata
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from assistant.index.textnorm import clean_document_text
from ingest.errors import LoadError
from ingest.ocr_tables import Grid, erase, find_grids, has_rules, skew_angle
from ingest.reflow import join_pages, reflow
from ingest.rows import header_rows

OCR_DPI = 300  # Tesseract's own recommendation; diacritics stacked on Vietnamese vowels need it
OCR_LANG = "vie"
MAX_OCR_PAGES = 200  # a scanned file of more pages is refused rather than read for minutes
PAGE_TIMEOUT_S = 60.0
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp"}
MAX_IMAGE_PIXELS = 60_000_000  # an A4 page at 600 dpi is 35 Mpx; bigger is a decompression bomb
# A page read with a lower mean confidence may lie on its side or upside down (a landscape table,
# a sheet fed the wrong way: read as it lies, its text is noise at about 0.5). Only such a page
# pays for Tesseract's orientation detection (OSD, the step ocrmypdf's --rotate-pages runs).
UPRIGHT_CONFIDENCE = 0.75
MAX_CELLS_ALONE = 120  # a page's empty-looking cells read one by one, at most (about 0.1 s each)
CELLS_ALONE_S = 10.0  # and for this long at most: a dense form must not eat an upload's parse budget
OSD_MIN_CONFIDENCE = 5.0  # Tesseract's orientation confidence: 15-19 on a turned page of text


@dataclass(frozen=True)
class OcrResult:
    text: str
    confidence: float  # Tesseract's mean word confidence, 0..1, weighted by word length
    pages: int
    engine: str
    page_starts: list[int] = field(default_factory=list)  # where each page begins in ``text``
    page_texts: list[str] = field(default_factory=list)  # each page read, in the stored form
    page_numbers: list[int] | None = None  # 1-based, when only some pages of a PDF were read
    turned: list[int] = field(default_factory=list)  # 1-based pages read after turning them upright

    def metadata(self) -> dict[str, object]:
        """What the document's metadata keeps: shown to readers as 'văn bản nhận dạng từ ảnh'
        (for the pages in ``page_numbers`` only, when the rest had a text layer)."""
        meta: dict[str, object] = {"engine": self.engine, "lang": OCR_LANG, "confidence": round(self.confidence, 3),
                                   "pages": self.pages, "dpi": OCR_DPI}
        if self.page_numbers is not None:
            meta["page_numbers"] = self.page_numbers
        if self.turned:
            meta["turned"] = self.turned
        return {"ocr": meta}


@functools.cache
def _engine() -> str | None:
    """'tesseract 5.3.0' when Tesseract and its Vietnamese model are installed, else None."""
    if shutil.which("tesseract") is None:
        return None
    import pytesseract

    try:
        if OCR_LANG not in pytesseract.get_languages(config=""):
            return None
        return f"tesseract {pytesseract.get_tesseract_version()}"
    except (pytesseract.TesseractError, OSError):
        return None


def available() -> bool:
    return _engine() is not None


def _missing(origin: str, what: str) -> LoadError:
    return LoadError(
        f"{origin}: {what}, and OCR is not available here: install Tesseract with its Vietnamese "
        "model (`apt-get install tesseract-ocr tesseract-ocr-vie`), or run OCR first, e.g. "
        "`ocrmypdf -l vie in.pdf out.pdf`"
    )


def _words(image, psm: int, timeout_s: float) -> dict[str, list]:
    import pytesseract

    # One thread per page: OpenMP threads fight over the two cores this runs on and read no faster.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    try:
        return pytesseract.image_to_data(
            image, lang=OCR_LANG, config=f"--psm {psm}", output_type=pytesseract.Output.DICT, timeout=timeout_s
        )
    except RuntimeError as exc:  # pytesseract's timeout
        raise LoadError(f"OCR of a page took longer than {timeout_s:g} s") from exc


def _cells_alone(image, grid: Grid, cells: dict[tuple[int, int], list[str]], timeout_s: float) -> tuple[float, int]:
    """Read the grid's cells the page's reading left empty one by one, as a line each: a short
    cell ("1", "Trong ngày") between painted-out rules is what Tesseract's page layout drops."""
    conf_sum, weight, read = 0.0, 0, 0
    inset, until = 4, time.monotonic() + CELLS_ALONE_S
    for r in range(len(grid.ys) - 1):
        for c in range(len(grid.xs) - 1):
            if cells.get((r, c)) or read >= MAX_CELLS_ALONE or time.monotonic() > until:
                continue
            box = (int(grid.xs[c]) + inset, int(grid.ys[r]) + inset, int(grid.xs[c + 1]) - inset, int(grid.ys[r + 1]) - inset)
            if box[2] - box[0] < 8 or box[3] - box[1] < 8:
                continue
            crop = image.crop(box)
            if crop.getextrema()[0] >= 128:  # no ink: an empty cell
                continue
            read += 1
            data = _words(crop, 7, timeout_s)
            for i, word in enumerate(data["text"]):
                if word := (word or "").strip():
                    cells.setdefault((r, c), []).append(word)
                    if (conf := float(data["conf"][i])) >= 0:
                        conf_sum, weight = conf_sum + conf / 100 * len(word), weight + len(word)
    return conf_sum, weight


class _Page(NamedTuple):
    text: str  # blank lines between Tesseract's paragraphs
    conf_sum: float
    weight: int
    header: list[str] | None  # the header row of the page's last ruled table


# A row that starts with its number ("1", "12.") is data: a table's first row on a page that
# is one continues the table of the page before (its header printed there only).
_ROW_NUMBER = re.compile(r"^\d{1,4}\.?$")


def _page_text(image, timeout_s: float, header: list[str] | None = None) -> _Page:
    """A ruled table (ingest/ocr_tables.py) is read with its rules painted out, each word put in
    its cell, and written as header-carrying rows where it stood among the paragraphs; one
    without a header row of its own takes ``header``, the last table's of the page before."""
    import numpy as np
    from PIL import Image

    gray = np.asarray(image.convert("L"))
    grids = find_grids(gray, OCR_DPI)
    if not grids and has_rules(gray, OCR_DPI) and (angle := skew_angle(gray)):
        # A page with rules but no level table may be a table scanned askew: levelled, it is read
        # as one (and its text better too).
        image = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
        gray = np.asarray(image)
        grids = find_grids(gray, OCR_DPI)
    if grids:
        image = Image.fromarray(erase(gray, grids))
    data = _words(image, 3, timeout_s)
    paragraphs: dict[tuple[int, int], dict[int, list[str]]] = {}
    tops: dict[tuple[int, int], int] = {}
    cells: list[dict[tuple[int, int], list[str]]] = [{} for _ in grids]
    conf_sum, weight = 0.0, 0
    for i, word in enumerate(data["text"]):
        word = (word or "").strip()
        if not word:
            continue
        conf = float(data["conf"][i])
        if conf >= 0:
            conf_sum += conf / 100 * len(word)
            weight += len(word)
        x, y = data["left"][i] + data["width"][i] / 2, data["top"][i] + data["height"][i] / 2
        if (found := next(((g, rc) for g, grid in enumerate(grids) if (rc := grid.cell(x, y))), None)) is not None:
            cells[found[0]].setdefault(found[1], []).append(word)
            continue
        key = (data["block_num"][i], data["par_num"][i])
        paragraphs.setdefault(key, {}).setdefault(data["line_num"][i], []).append(word)
        tops[key] = min(tops.get(key, data["top"][i]), data["top"][i])
    blocks = [
        (tops[key], "\n".join(" ".join(words) for _, words in sorted(lines.items())))
        for key, lines in sorted(paragraphs.items())
    ]
    for grid, held in zip(grids, cells, strict=True):
        c, w = _cells_alone(image, grid, held, timeout_s)
        conf_sum, weight = conf_sum + c, weight + w
        rows = [[" ".join(held.get((r, col), [])) for col in range(len(grid.xs) - 1)] for r in range(len(grid.ys) - 1)]
        if header and len(header) == len(rows[0]) and _ROW_NUMBER.match(rows[0][0]):
            rows.insert(0, header)
        header = rows[0]
        table = "\n\n".join(header_rows(rows))
        # In reading order, before the first paragraph that starts below the table's top.
        at = next((n for n, (top, _) in enumerate(blocks) if top > grid.ys[0]), len(blocks))
        blocks.insert(at, (int(grid.ys[0]), table))
    text = "\n\n".join(t for _, t in blocks if t)
    return _Page(unicodedata.normalize("NFC", text), conf_sum, weight, header if grids else None)


def _upright(image, timeout_s: float):
    """The page turned upright when Tesseract's OSD is sure it lies turned (90/180/270°), else None."""
    import pytesseract

    try:
        osd = pytesseract.image_to_osd(image, config="--psm 0", output_type=pytesseract.Output.DICT,
                                       timeout=timeout_s)
    except (pytesseract.TesseractError, RuntimeError):  # too few characters to tell, or its timeout
        return None
    turn = int(osd.get("rotate", 0)) % 360
    if turn == 0 or float(osd.get("orientation_conf", 0.0)) < OSD_MIN_CONFIDENCE:
        return None
    return image.rotate(-turn, expand=True)  # OSD's angle is clockwise, PIL's counter-clockwise


def _read_page(image, timeout_s: float, header: list[str] | None) -> tuple[_Page, bool]:
    """A page read as it lies, or upright when it reads better so; whether it was turned."""
    page = _page_text(image, timeout_s, header)
    if page.weight and page.conf_sum / page.weight >= UPRIGHT_CONFIDENCE:
        return page, False
    if (turned := _upright(image, timeout_s)) is not None:
        upright = _page_text(turned, timeout_s, header)
        if upright.weight and (not page.weight or upright.conf_sum / upright.weight > page.conf_sum / page.weight):
            return upright, True
    return page, False


def _read(images, origin: str, timeout_s: float) -> OcrResult:
    engine = _engine()
    assert engine is not None
    pages, conf_sum, weight, n, turned = [], 0.0, 0, 0, []
    header: list[str] | None = None  # a table running over pages keeps its header row
    for image in images:
        n += 1
        try:
            page, was_turned = _read_page(image, timeout_s, header)
        except LoadError as exc:
            raise LoadError(f"{origin}: page {n}: {exc}") from None
        pages.append(clean_document_text(reflow(page.text)))
        conf_sum, weight = conf_sum + page.conf_sum, weight + page.weight
        header = page.header
        if was_turned:
            turned.append(n)
    text, starts = join_pages(pages)
    if not text.strip():
        raise LoadError(f"{origin}: OCR found no text on {n} page(s)")
    return OcrResult(text, conf_sum / weight if weight else 0.0, n, engine, starts, pages, turned=turned)


def character_accuracy(expected: str, got: str) -> float:
    """1 − (character edit distance / length of ``expected``), both NFC and whitespace-folded:
    the figure the bench and the tests report."""
    a = unicodedata.normalize("NFC", " ".join(expected.split()))
    b = unicodedata.normalize("NFC", " ".join(got.split()))
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return max(0.0, 1 - row[len(b)] / max(1, len(a)))


def ocr_pdf(
    data: bytes, origin: str, timeout_s: float = PAGE_TIMEOUT_S, dpi: int = OCR_DPI, only: list[int] | None = None
) -> OcrResult:
    """Render every page of a PDF (or the 0-based pages ``only``) and read it."""
    if not available():
        raise _missing(origin, "the PDF has no text layer (probably scanned)")
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise LoadError(f"{origin}: broken PDF ({exc})") from exc
    try:
        if len(pdf) > MAX_OCR_PAGES:
            raise LoadError(f"{origin}: refused: {len(pdf)} scanned pages (OCR reads at most {MAX_OCR_PAGES}); "
                            "split it first")

        wanted = range(len(pdf)) if only is None else sorted(i for i in set(only) if 0 <= i < len(pdf))

        def images():
            for i in wanted:
                page = pdf[i]
                try:
                    yield page.render(scale=dpi / 72, grayscale=True).to_pil()
                finally:
                    page.close()

        read = _read(images(), origin, timeout_s)
        if only is not None:  # the pages read by their numbers in the PDF
            read = replace(read, page_numbers=[i + 1 for i in wanted], turned=[wanted[t - 1] + 1 for t in read.turned])
        return read
    finally:
        pdf.close()


def ocr_image(data: bytes, origin: str, timeout_s: float = PAGE_TIMEOUT_S) -> OcrResult:
    """Read a scanned page saved as an image (every frame of a multi-page TIFF)."""
    if not available():
        raise _missing(origin, "an image holds no text layer")
    from PIL import Image, ImageSequence, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    try:
        image = Image.open(io.BytesIO(data))
        frames = getattr(image, "n_frames", 1)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as exc:
        raise LoadError(f"{origin}: not a readable image ({type(exc).__name__})") from exc
    if image.width * image.height > MAX_IMAGE_PIXELS:
        raise LoadError(f"{origin}: refused: {image.width}x{image.height} pixels (at most {MAX_IMAGE_PIXELS:,})")
    if frames > MAX_OCR_PAGES:
        raise LoadError(f"{origin}: refused: {frames} frames (OCR reads at most {MAX_OCR_PAGES})")
    try:
        return _read((f.convert("L") for f in ImageSequence.Iterator(image)), origin, timeout_s)
    except LoadError:
        raise
    except (OSError, ValueError) as exc:
        raise LoadError(f"{origin}: not a readable image ({type(exc).__name__})") from exc
