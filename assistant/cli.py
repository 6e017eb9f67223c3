"""`cchc`: ingest, ask, serve, eval, list, delete (the README's "Using it" describes each)."""

from __future__ import annotations

import json
import os
import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError
from tqdm import tqdm

from assistant.private import harden
from assistant.settings import Settings

if TYPE_CHECKING:
    from ingest.metadata import FileMeta

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Index location (default: $CCHC_DATA_DIR or ./.cchc)."),
]


def _settings(data_dir: Path | None) -> Settings:
    try:
        settings = Settings(data_dir=data_dir) if data_dir else Settings()
    except ValidationError as exc:
        # A setting with a fixed set of values names them (settings.py): one line per bad setting,
        # not a traceback. The value itself is not repeated: it may be a secret.
        for error in exc.errors():
            name = "_".join(str(part) for part in error["loc"]).upper()
            typer.echo(f"{'CCHC_' + name if name else 'settings'}: {error['msg']}", err=True)
        raise typer.Exit(2) from None
    harden(settings.data_dir)  # every command: files it creates (backups included) are 0600
    return settings


def _date(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise typer.BadParameter(f"{name} must be a date like 2024-01-31, got {value!r}") from None


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def ingest_paths(settings: Settings, paths: list[Path], quiet: bool = False, items: list | None = None,
                 meta: FileMeta | None = None) -> dict[str, Any]:
    from assistant.api.originals import Originals
    from assistant.documents import DocumentService
    from assistant.service import open_cache, open_store
    from ingest.loaders import SourceDocument, load_paths

    store = open_store(settings)
    items = list(load_paths(paths, meta=meta)) + list(items or [])
    # A single-document file is kept as sent, downloadable like an upload's (GET …/original).
    for item in items:
        if isinstance(item, SourceDocument) and item.extra.get("file_name") and Path(item.origin).is_file():
            Originals(settings.data_dir).save(item.doc_id, str(item.extra["file_name"]), Path(item.origin).read_bytes())
    documents = DocumentService(store, settings, open_cache(settings))
    bar = tqdm(total=len(items), unit="doc", desc="ingest", disable=quiet, file=sys.stderr)
    chunks = [0]

    def on_chunks(n: int) -> None:
        chunks[0] += n
        bar.set_postfix(chunks=chunks[0], refresh=False)

    def on_document(_doc: object, _outcome: str) -> None:
        bar.update(1)

    report = documents.ingest(items, on_document=on_document, on_chunks=on_chunks)
    bar.update(bar.total - bar.n)
    bar.close()
    result: dict[str, Any] = {**report.as_dict(), **store.stats()}
    result["ocr"] = [{"doc_id": i.doc_id, "file": i.extra.get("file_name"), **i.extra["ocr"]}
                     for i in items if isinstance(i, SourceDocument) and "ocr" in i.extra]
    store.close()
    return result


@app.command()
def ingest(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders: JSONL/JSON, HTML, PDF, DOCX, TXT, MD.")] = None,
    urls: Annotated[Path | None, typer.Option("--urls", help="A file of page URLs (one per line) to fetch and ingest.")] = None,
    save: Annotated[Path | None, typer.Option("--save", help="With --urls: keep the fetched pages here.")] = None,
    delay: Annotated[float, typer.Option(help="With --urls: seconds between requests to one site.")] = 1.0,
    title: Annotated[str | None, typer.Option(help="One file's title (else its own, else its name).")] = None,
    source: Annotated[str | None, typer.Option(help="One file's source (publisher).")] = None,
    url: Annotated[str | None, typer.Option(help="One file's canonical URL (its id is then the URL's).")] = None,
    published: Annotated[str | None, typer.Option(help="One file's published date, YYYY-MM-DD or d/m/Y.")] = None,
    doc_id: Annotated[str | None, typer.Option("--id", help="One file's document id (wins over the URL and the bytes).")] = None,
    data_dir: DataDir = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Add or update documents; unchanged documents cost nothing. A file's FILE.meta.json
    (title, source, url, published, doc_id) applies to it; the flags win over it."""
    if not paths and not urls:
        _fail("give files or folders to ingest, or --urls FILE")
    given = {"title": title, "source": source, "url": url, "published": published, "doc_id": doc_id}
    meta = None
    if any(v is not None for v in given.values()):
        from ingest.errors import LoadError
        from ingest.metadata import FileMeta

        if urls or not paths or len(paths) != 1 or not paths[0].is_file():
            _fail("--title/--source/--url/--published/--id describe one file: give exactly one FILE")
        try:
            meta = FileMeta.parse(given, "flags")
        except LoadError as exc:
            _fail(str(exc))
    fetched: list = []
    if urls:
        from ingest.fetch import Fetcher, read_url_list

        fetched = list(Fetcher(delay_s=delay).fetch(read_url_list(urls), save))
    result = ingest_paths(_settings(data_dir), paths or [], quiet=json_out, items=fetched, meta=meta)
    if json_out:
        typer.echo(json.dumps(result, ensure_ascii=False))
    else:
        typer.echo(
            f"added {result['added']}, updated {result['updated']}, unchanged {result['unchanged']}, "
            f"{result['chunks_written']} chunks written; index: {result['documents']} documents, "
            f"{result['vectors']} vectors"
        )
        for read in result["ocr"]:
            typer.echo(f"  {read['file']}: văn bản nhận dạng từ ảnh (OCR {read['engine']}, "
                       f"{read['pages']} trang, độ tin cậy {read['confidence']:.0%})")
        for err in result["errors"]:
            typer.echo(f"  skipped: {err}", err=True)
    if result["errors"] and not (result["added"] or result["updated"] or result["unchanged"]):
        raise typer.Exit(1)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question (Vietnamese or English).")],
    json_out: Annotated[bool, typer.Option("--json", help="Print the answer object as JSON.")] = False,
    province: Annotated[str | None, typer.Option(help="Only sources about this province (old or new name).")] = None,
    since: Annotated[str | None, typer.Option(help="Only sources published on/after YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option(help="Only sources published on/before YYYY-MM-DD.")] = None,
    doc_kind: Annotated[str | None, typer.Option(help="Only legal documents of this kind (Quyết định, Thông tư, …).")] = None,
    doc_number: Annotated[str | None, typer.Option(help="Only the legal document with this number, e.g. 1891/QĐ-TTg.")] = None,
    issuer: Annotated[str | None, typer.Option(help="Only legal documents of this issuing body (any part of its name).")] = None,
    issued_since: Annotated[str | None, typer.Option(help="Only legal documents issued on/after YYYY-MM-DD.")] = None,
    issued_until: Annotated[str | None, typer.Option(help="Only legal documents issued on/before YYYY-MM-DD.")] = None,
    effective_since: Annotated[str | None, typer.Option(help="Only legal documents in force from YYYY-MM-DD or later.")] = None,
    effective_until: Annotated[str | None, typer.Option(help="Only legal documents in force from YYYY-MM-DD or earlier.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Answer one question with numbered citations."""
    from assistant.inputs import visible_text
    from assistant.retrieval import Filters
    from assistant.service import AnswerService, InvalidQuestion

    filters = Filters(
        province, _date(since, "--since"), _date(until, "--until"), doc_kind, doc_number, issuer,
        _date(issued_since, "--issued-since"), _date(issued_until, "--issued-until"),
        _date(effective_since, "--effective-since"), _date(effective_until, "--effective-until"),
    )
    service = AnswerService(_settings(data_dir))
    try:
        resp = service.answer(visible_text(question), filters=filters)
    except (InvalidQuestion, ValueError) as exc:
        _fail(str(exc))
        return
    if json_out:
        typer.echo(resp.model_dump_json(indent=2))
        return
    typer.echo(resp.answer)
    from assistant.channels.formatting import locator

    for c in resp.citations:
        where = locator(c, resp.language)
        typer.echo(f"\n[{c.n}] {c.title} — {c.source or ''} {c.published or ''}"
                   + (f"\n    {where}" if where else "") + f"\n    {c.url or c.doc_id}")
    for w in resp.warnings:
        typer.echo(f"warning: {w}", err=True)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
    sample: Annotated[bool, typer.Option(help="Ingest the bundled sample corpus when the index is empty.")] = True,
    workers: Annotated[int, typer.Option(help="Worker processes sharing the index (answering is CPU-bound: about one per core).")] = 1,
    data_dir: DataDir = None,
) -> None:
    """Serve the chat page (/), the API (/v1) and its docs (/docs)."""
    import uvicorn

    from assistant.api.app import create_app
    from assistant.service import open_store

    settings = _settings(data_dir)
    if sample:
        store = open_store(settings)
        empty = store.stats()["documents"] == 0
        store.close()
        sample_dir = settings.sample_dir or Path(__file__).resolve().parents[1] / "data" / "sample"
        if empty and sample_dir.exists():
            typer.echo(f"empty index: ingesting the sample corpus from {sample_dir}", err=True)
            ingest_paths(settings, sorted(sample_dir.glob("*.jsonl")))
    from assistant import logs

    logs.configure(settings.log_format)
    options: dict[str, Any] = {
        "host": host or settings.host, "port": port or settings.port,
        "log_config": None,  # ours: JSON lines with request ids, secrets redacted
        "proxy_headers": True, "forwarded_allow_ips": settings.forwarded_allow_ips,
        "timeout_graceful_shutdown": 30,  # SIGTERM: stop accepting, let requests in flight finish
    }
    if workers > 1:
        # Each worker process builds its app from the environment: pass the data dir on.
        os.environ["CCHC_DATA_DIR"] = str(settings.data_dir.resolve())
        uvicorn.run("assistant.api.app:app_from_environment", factory=True, workers=workers, **options)
    else:
        uvicorn.run(create_app(settings), **options)


@app.command()
def mcp(data_dir: DataDir = None) -> None:
    """Serve the tools (ask, search, get_document, facts, list_provinces) over MCP on stdio,
    for desktop and IDE assistants; `cchc serve` serves the same at /mcp over HTTP."""
    from assistant.channels.mcp_server import build_server
    from assistant.documents import DocumentService
    from assistant.service import AnswerService

    settings = _settings(data_dir)
    service = AnswerService(settings)
    # stdout carries the protocol: nothing else may print there.
    build_server(service, DocumentService(service.store, settings)).run("stdio")


@app.command("list")
def list_documents(data_dir: DataDir = None) -> None:
    """List the indexed documents as JSON lines."""
    from assistant.documents import DocumentService
    from assistant.service import open_store

    settings = _settings(data_dir)
    for doc in DocumentService(open_store(settings), settings).list_all():
        typer.echo(json.dumps(doc, ensure_ascii=False))


@app.command()
def delete(doc_id: str, data_dir: DataDir = None) -> None:
    """Remove a document from every index; it is never cited again."""
    from assistant.documents import DocumentService
    from assistant.inputs import InputError, check_doc_id
    from assistant.service import open_store

    try:
        doc_id = check_doc_id(doc_id)  # the rule ingest applied: an id it refused cannot exist
    except InputError as exc:
        _fail(str(exc))
    settings = _settings(data_dir)
    if not DocumentService(open_store(settings), settings).delete(doc_id):
        _fail(f"no document {doc_id!r}", 1)
    typer.echo(f"deleted {doc_id}")


@app.command()
def doctor(
    repair: Annotated[bool, typer.Option(
        help="Remove orphan vectors, republish the keyword index, re-extract missing or outdated facts.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Check that vectors, registry and keyword index agree (after a crash, say)."""
    from assistant.service import open_store

    store = open_store(_settings(data_dir))
    report = store.check(repair=repair)
    typer.echo(json.dumps(report, ensure_ascii=False))
    if not report["consistent"] and not repair:
        raise typer.Exit(1)


@app.command("facts")
def facts_command(
    metric: Annotated[str | None, typer.Option(help="A metric key (resources/metrics.yaml), e.g. online_full.")] = None,
    unit: Annotated[str | None, typer.Option(help="A province (old or new name), district, commune or ministry.")] = None,
    level: Annotated[str | None, typer.Option(help="national, ministry, province, district or commune.")] = None,
    period: Annotated[str | None, typer.Option(help="YYYY, YYYY-Qn or YYYY-MM.")] = None,
    kind: Annotated[str | None, typer.Option(help="target or achieved.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    limit: Annotated[int | None, typer.Option(help="At most N facts.")] = None,
    data_dir: DataDir = None,
) -> None:
    """The figures the documents state (unit, level, metric, value, period, target/achieved, quote)."""
    from assistant.facts_table import InvalidFilter, find_facts, to_csv
    from assistant.index.facts import FactQuery
    from assistant.service import open_store

    if fmt not in ("table", "json", "csv"):
        _fail(f"--format must be table, json or csv, got {fmt!r}")
    store = open_store(_settings(data_dir))
    try:
        rows = find_facts(store, FactQuery(metric=metric, unit=unit, level=level, period=period, kind=kind, limit=limit))
    except InvalidFilter as exc:
        _fail(str(exc))
        return
    if fmt == "csv":
        typer.echo(to_csv(rows), nl=False)
    elif fmt == "json":
        typer.echo(json.dumps({"facts": rows, "count": len(rows)}, ensure_ascii=False))
    else:
        for r in rows:
            typer.echo(f"{r['period'] or '-':8} {r['kind']:8} {(r['unit'] or '-')[:24]:24} {r['level'] or '-':9} "
                       f"{(r['metric'] or '-')[:16]:16} {r['value_text']} {r['value_unit']}  [{r['doc_id']}]")
        typer.echo(f"{len(rows)} facts", err=True)


@app.command()
def backup(
    archive: Annotated[Path, typer.Argument(help="The .tar.gz to write.")],
    data_dir: DataDir = None,
) -> None:
    """Back up the whole data dir (index, registry, caches, feedback); safe while serving."""
    from assistant.index import backup as bk
    from assistant.service import open_store

    settings = _settings(data_dir)
    store = open_store(settings)
    stats = {**store.stats(), "embedder": store.embedder.model_id}
    store.close()
    manifest = bk.backup(settings.data_dir, archive.resolve(), stats)
    typer.echo(json.dumps({"archive": str(archive), **manifest}, ensure_ascii=False))


@app.command()
def restore(
    archive: Annotated[Path, typer.Argument(help="A .tar.gz written by `cchc backup`.")],
    force: Annotated[bool, typer.Option(help="Replace a non-empty data dir (stop the server first).")] = False,
    data_dir: DataDir = None,
) -> None:
    """Restore a backup into the data dir, verified before it replaces anything."""
    from assistant.index import backup as bk
    from assistant.index.embeddings import embedder_from
    from assistant.index.store import IndexStore

    settings = _settings(data_dir)
    try:
        staged, manifest = bk.unpack(archive, settings.data_dir, force)
    except (FileExistsError, FileNotFoundError, OSError, ValueError) as exc:
        _fail(str(exc))
    store = IndexStore(staged, embedder_from(settings))
    report = store.check(repair=False)
    store.close()
    # A backup from before facts existed lacks them: `cchc doctor --repair` extracts them later.
    report["consistent"] = report["consistent"] or (
        not report["orphan_vectors"] and not report["documents_missing_vectors"] and not report["keyword_index_stale"])
    expected = {k: manifest[k] for k in ("documents", "chunks", "vectors")}
    got = {k: report[k] for k in expected}
    if got != expected or not report["consistent"]:
        _fail(f"the restored index does not match the backup ({got} vs {expected}); nothing was replaced")
    bk.swap(staged, settings.data_dir)
    typer.echo(json.dumps({"restored": str(settings.data_dir), **got}, ensure_ascii=False))


keys_app = typer.Typer(no_args_is_help=True, help="API keys for CCHC_ADMIN_API_KEYS / CCHC_QUERY_API_KEYS.")
app.add_typer(keys_app, name="keys")


@keys_app.command("new")
def keys_new() -> None:
    """Print a new random key (give it to the client) and its hash (put it in the settings)."""
    from assistant.api.security import new_key

    key, hashed = new_key()
    typer.echo(f"key:  {key}\nhash: {hashed}\n(set CCHC_ADMIN_API_KEYS={hashed}; keep several, comma-separated, to rotate)")


@keys_app.command("hash")
def keys_hash(key: str) -> None:
    """The hash to configure for an existing key."""
    from assistant.api.security import hash_key

    typer.echo(hash_key(key))


sources_app = typer.Typer(no_args_is_help=True, help="Feeds (RSS/Atom) and sitemaps of portals, polled for new pages.")
app.add_typer(sources_app, name="sources")


def _sources(data_dir: Path | None):
    from ingest.sources import Sources

    return Sources(_settings(data_dir).data_dir / "sources.sqlite")


@sources_app.command("add")
def sources_add(
    url: str,
    every: Annotated[str, typer.Option(help="How often to poll: 30m, 6h, 1d.")] = "6h",
    data_dir: DataDir = None,
) -> None:
    """Add (or re-time) a feed or sitemap."""
    from ingest.sources import parse_every

    try:
        _sources(data_dir).add(url, parse_every(every))
    except ValueError as exc:
        _fail(str(exc))
    typer.echo(f"added {url}, polled every {every}")


@sources_app.command("list")
def sources_list(data_dir: DataDir = None) -> None:
    """The sources, when each was last polled, what it gave."""
    for s in _sources(data_dir).list():
        typer.echo(json.dumps(s, ensure_ascii=False))


@sources_app.command("run")
def sources_run(
    all_sources: Annotated[bool, typer.Option("--all", help="Poll every source, not only those due.")] = False,
    delay: Annotated[float, typer.Option(help="Seconds between requests to one site.")] = 1.0,
    data_dir: DataDir = None,
) -> None:
    """Poll the due sources and ingest their new or changed pages."""
    from ingest.errors import LoadError
    from ingest.fetch import Fetcher

    sources = _sources(data_dir)
    fetcher = Fetcher(delay_s=delay)
    items: list = []
    for url in [s["url"] for s in sources.list()] if all_sources else sources.due():
        result = sources.poll(url, fetcher)
        typer.echo(f"{url}: {result.status}, {len(result.documents)} new or changed of {result.seen}", err=True)
        items.extend(result.documents)
        items.extend(LoadError(e) for e in result.errors)
    report = ingest_paths(_settings(data_dir), [], quiet=True, items=items)
    typer.echo(json.dumps(report, ensure_ascii=False))


zalo_app = typer.Typer(no_args_is_help=True, help="Zalo Official Account setup.")
app.add_typer(zalo_app, name="zalo")


@zalo_app.command("authorize")
def zalo_authorize(data_dir: DataDir = None) -> None:
    """Print the OAuth v4 permission URL (PKCE); open it as the OA's admin and allow: Zalo
    redirects to /zalo/oauth/callback on `cchc serve`, which stores the first token pair (or a
    new one, when the refresh token has died). The URL is good for 10 minutes."""
    from assistant.channels.zalo_oauth import CALLBACK, permission_url

    settings = _settings(data_dir)
    try:
        url = permission_url(settings)
    except ValueError as exc:
        _fail(str(exc))
        return
    typer.echo(f"Callback (register it as the app's callback URL): {settings.public_base_url}{CALLBACK}", err=True)
    typer.echo(url)


feedback_app = typer.Typer(no_args_is_help=True, help="Users' thumbs up/down from the chat page.")
app.add_typer(feedback_app, name="feedback")


@feedback_app.command("export")
def feedback_export(
    fmt: Annotated[str, typer.Option("--format", help="jsonl or csv.")] = "jsonl",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File (default: stdout).")] = None,
    data_dir: DataDir = None,
) -> None:
    """Export every feedback row (question, answer, citations, rating, comment, time)."""
    from assistant.feedback import FeedbackStore

    settings = _settings(data_dir)
    try:
        text = FeedbackStore(settings.feedback_path).export(fmt)
    except ValueError as exc:
        _fail(str(exc))
    if output:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {text.count(chr(10)) - (fmt == 'csv')} rows to {output}", err=True)
    else:
        typer.echo(text, nl=False)


@app.command("eval")
def evaluate(
    qa: Annotated[Path, typer.Option("--qa", help="Questions (JSONL).")],
    docs: Annotated[Path, typer.Option("--docs", help="Documents to index (JSONL).")],
    distractors: Annotated[Path | None, typer.Option(help="Extra documents (JSONL).")] = None,
    n: Annotated[int, typer.Option("--n", help="How many distractors (first N).")] = 1000,
    k: Annotated[int, typer.Option("--k", help="Chunks retrieved per question.")] = 10,
    limit: Annotated[int | None, typer.Option(help="Only the first N questions.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print only the JSON report.")] = False,
    misses: Annotated[bool, typer.Option("--misses", help="List every miss with its reason.")] = False,
    index: Annotated[
        Path | None, typer.Option("--index", help="Keep the eval index in this folder and reuse it next run.")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Build a fresh index from DOCS (+ distractors), ask every question, print metrics."""
    from assistant.evaluation import print_report, run_eval

    report = run_eval(_settings(data_dir), qa, docs, distractors, n, k, limit, quiet=json_out, index_dir=index)
    if json_out:
        if not misses:
            report["misses"] = [m["qid"] for m in report["misses"]]
        typer.echo(json.dumps(report, ensure_ascii=False))
    else:
        print_report(report, misses)


if __name__ == "__main__":
    app()
