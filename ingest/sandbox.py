"""Parsing uploaded files under a budget, inside the ingest job.

A PDF, Word or HTML file is parsed in a child process that the server can stop: its address
space is capped (``RLIMIT_AS``, so a decompression or XML bomb that slips past the cheap checks
dies of MemoryError in the child, not in the server), and each file gets a wall-clock budget
after which the child is killed and the file reported. A thread cannot be stopped, which is
why a process: a 20 MB page took the server to 2.3 GB and kept parsing after its client gave up.

Plain text and JSON are parsed in the job's own thread: their cost is bounded by the upload
size, and JSON by the strict parser (``assistant.inputs.loads_json``).
"""

from __future__ import annotations

import multiprocessing
import resource
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from ingest.errors import LoadError
from ingest.formats import check_zip
from ingest.loaders import MAX_HTML_BYTES, SUPPORTED, SourceDocument, load_bytes
from ingest.metadata import FileMeta
from ingest.ocr import IMAGE_SUFFIXES

ISOLATED = {".pdf", ".docx", ".html", ".htm"} | IMAGE_SUFFIXES
_STARTUP_S = 120.0  # the child's interpreter and parsers importing, on a busy machine


@dataclass(frozen=True)
class ParseBudget:
    seconds: float = 60.0  # wall time per file
    memory_mb: int = 1024  # address space of the parsing process


@dataclass(frozen=True)
class Upload:
    name: str
    key: str  # unused for the id since the one id rule (ingest/metadata.py): kept for callers
    data: bytes
    meta: FileMeta | None = None  # the form's title, source, url, published, doc_id


def precheck(upload: Upload) -> LoadError | None:
    """What can be refused without parsing: the type, an HTML page's size, a Word file's zip
    directory (what it says it unpacks to). Cheap, so the request itself runs it."""
    suffix = Path(upload.name).suffix.lower()
    if suffix not in SUPPORTED:
        return LoadError(f"{upload.name}: unsupported file type {suffix!r} (supported: {', '.join(sorted(SUPPORTED))})")
    if suffix in (".html", ".htm") and len(upload.data) > MAX_HTML_BYTES:
        return LoadError(f"{upload.name}: HTML page too large ({len(upload.data):,} bytes, at most {MAX_HTML_BYTES:,}); "
                         "save its main text as .txt instead")
    if suffix == ".docx":
        try:
            check_zip(upload.data, upload.name)
        except LoadError as exc:
            return exc
    return None


def _parse(upload: Upload, ocr_timeout_s: float = 60.0) -> list[SourceDocument | LoadError]:
    try:
        return list(load_bytes(upload.data, upload.name, key=upload.key, meta=upload.meta, ocr_timeout_s=ocr_timeout_s))
    except MemoryError:
        return [LoadError(f"{upload.name}: refused: parsing it needs more memory than its budget")]
    except RecursionError:
        return [LoadError(f"{upload.name}: refused: nested too deeply to parse")]
    except Exception as exc:  # a parser's bug on hostile bytes is this file's error, not the job's
        return [LoadError(f"{upload.name}: cannot be parsed ({type(exc).__name__})")]


def _child(conn: Connection, uploads: list[Upload], memory_mb: int, seconds: float) -> None:
    import docx  # noqa: F401 — imported before the cap, so the cap is the parse's own
    import PIL.Image  # noqa: F401
    import pypdf  # noqa: F401
    import pypdfium2  # noqa: F401
    import pytesseract  # noqa: F401
    import trafilatura  # noqa: F401

    from ingest.ocr import available

    available()  # asks Tesseract its version and languages once, before the cap
    limit = memory_mb * 2**20 + _vm_bytes()
    # Tesseract runs as this process's child and inherits the cap: a scan cannot take more memory
    # than its budget either. Each page's OCR stops within the file's wall-clock budget, so a
    # killed parser leaves no reader behind.
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    conn.send("ready")
    for upload in uploads:
        conn.send(_parse(upload, ocr_timeout_s=seconds))
    conn.close()


def _vm_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


def _isolated(uploads: list[Upload], budget: ParseBudget) -> list[SourceDocument | LoadError]:
    """Parse in a child; a file over its budget is reported and the child replaced for the rest."""
    out: list[SourceDocument | LoadError] = []
    pending = list(uploads)
    ctx = multiprocessing.get_context("spawn")  # not fork: the server has threads and open databases
    while pending:
        receiver, sender = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_child, args=(sender, pending, budget.memory_mb, budget.seconds), daemon=True)
        proc.start()
        sender.close()
        taken = 0
        try:
            if not receiver.poll(_STARTUP_S):
                raise LoadError("the parser did not start")
            receiver.recv()
            for upload in pending:
                taken += 1
                if not receiver.poll(budget.seconds):
                    out.append(LoadError(f"{upload.name}: refused: parsing took longer than {budget.seconds:g} s "
                                         "(a parse budget); split the file or save its text as .txt"))
                    break
                out.extend(receiver.recv())
        except (EOFError, OSError):  # the child died: over its memory cap, or a parser crashed
            out.append(LoadError(f"{pending[max(0, taken - 1)].name}: refused: the parser exceeded its "
                                 f"{budget.memory_mb} MB memory budget or crashed"))
        except LoadError as exc:
            out.extend(LoadError(f"{u.name}: {exc}") for u in pending)
            taken = len(pending)
        finally:
            if proc.is_alive():
                proc.kill()
            proc.join()
            receiver.close()
        pending = pending[max(taken, 1):]
    return out


def parse_uploads(uploads: list[Upload], budget: ParseBudget) -> list[SourceDocument | LoadError]:
    """Every document in the uploads, and an error for each file refused, in upload order
    (isolated files after the others)."""
    light = [u for u in uploads if Path(u.name).suffix.lower() not in ISOLATED]
    heavy = [u for u in uploads if Path(u.name).suffix.lower() in ISOLATED]
    out: list[SourceDocument | LoadError] = []
    for upload in light:
        out.extend(_parse(upload))
    if heavy:
        out.extend(_isolated(heavy, budget))
    return out
