"""A real SIGKILL in the middle of an ingest, and backup/restore while the server answers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from ..conftest import SAMPLE

Q = "Tỷ lệ TTHC được cung cấp DVC trực tuyến toàn trình của Hà Giang là bao nhiêu?"


def cchc(*args: str, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=check,
        env={**os.environ, **(env or {})},
    )


def test_an_ingest_killed_mid_embedding_is_consistent_and_the_rerun_completes(tmp_path: Path):
    data = tmp_path / "idx"
    sample = [str(p) for p in sorted(SAMPLE.glob("*.jsonl"))]
    # A cold embedding cache: the run spends seconds embedding, so the kill lands inside it.
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "ingest", *sample, "--data-dir", str(data), "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 120
    while time.time() < deadline:  # kill once at least one document is stored
        registry = data / "registry.sqlite"
        if registry.exists():
            import sqlite3

            try:
                n = (
                    sqlite3.connect(registry, timeout=1)
                    .execute("SELECT count(*) FROM documents")
                    .fetchone()[0]
                )
            except sqlite3.OperationalError:
                n = 0
            if n >= 1:
                break
        time.sleep(0.1)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    partial = json.loads(cchc("list", "--data-dir", str(data)).stdout.splitlines()[0])
    assert partial["doc_id"]  # what was accepted before the kill is listed
    # Whatever the kill left, answers never come from half-written documents...
    answer = json.loads(cchc("ask", Q, "--json", "--data-dir", str(data)).stdout)
    assert all(c["doc_id"] for c in answer["citations"])
    # ...and the re-run completes: no duplicates, no orphans, every document findable.
    rerun = json.loads(cchc("ingest", *sample, "--data-dir", str(data), "--json").stdout)
    assert (
        rerun["errors"] == [] and rerun["documents"] == rerun["added"] + rerun["unchanged"] + rerun["updated"]
    )
    doctor = json.loads(cchc("doctor", "--repair", "--data-dir", str(data)).stdout)
    after = json.loads(cchc("doctor", "--data-dir", str(data)).stdout)
    assert after["consistent"] and after["vectors"] == after["chunks"] and after["orphan_vectors"] == 0
    assert doctor["documents"] == rerun["documents"]
    answer = json.loads(cchc("ask", Q, "--json", "--data-dir", str(data)).stdout)
    assert "35,48%" in answer["answer"]


def test_backup_while_serving_then_restore(server, server_dir: Path, tmp_path: Path):
    stop = threading.Event()
    errors: list[int] = []

    def traffic() -> None:
        while not stop.is_set():
            r = httpx.post(f"{server}/v1/ask", json={"question": Q}, timeout=60)
            if r.status_code != 200:
                errors.append(r.status_code)

    t = threading.Thread(target=traffic)
    t.start()
    try:
        archive = tmp_path / "cchc-backup.tar.gz"
        made = json.loads(cchc("backup", str(archive), "--data-dir", str(server_dir)).stdout)
    finally:
        stop.set()
        t.join()
    assert errors == [] and archive.exists() and made["documents"] > 0
    target = tmp_path / "restored"
    restored = json.loads(cchc("restore", str(archive), "--data-dir", str(target)).stdout)
    assert {k: restored[k] for k in ("documents", "chunks", "vectors")} == {
        k: made[k] for k in ("documents", "chunks", "vectors")
    }
    answer = json.loads(cchc("ask", Q, "--json", "--data-dir", str(target)).stdout)
    assert "35,48%" in answer["answer"]
    # Restoring over a live index is refused unless forced; nothing is touched.
    refused = cchc("restore", str(archive), "--data-dir", str(server_dir), check=False)
    assert refused.returncode == 2 and "not empty" in refused.stderr
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(archive.read_bytes()[:2000])
    bad = cchc("restore", str(broken), "--data-dir", str(tmp_path / "other"), check=False)
    assert bad.returncode == 2 and "not a complete cchc backup" in bad.stderr
    assert not (tmp_path / "other" / "registry.sqlite").exists()
