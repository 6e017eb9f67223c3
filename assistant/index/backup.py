"""`cchc backup` / `cchc restore`: the whole data dir, consistent while the server runs.

The backup holds the index's write lock (writers wait, readers and answers go on), copies
every SQLite database through SQLite's online backup API (a WAL database copied byte by
byte can be torn) and every other file as is, and writes a manifest with the counts. A
restore unpacks into a fresh directory, checks vectors, registry and keyword index against
the manifest, and only then moves it into place.

The keyword index (tantivy, ``keywords-N/``) copies as plain files: its segments never change
once written and its writers hold the same write lock, so under the lock the directory is one
commit. Its lock files are left out: they mark a live process, not data.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import sqlite3
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

_SQLITE = {".sqlite", ".sqlite3", ".db"}
_SKIP = {"write.lock", ".tantivy-writer.lock", ".tantivy-meta.lock"}


def _copy_sqlite(src: Path, dst: Path) -> None:
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    target = sqlite3.connect(dst)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def _snapshot(data_dir: Path, into: Path) -> None:
    for path in sorted(data_dir.rglob("*")):
        rel = path.relative_to(data_dir)
        if path.is_dir() or path.name in _SKIP or path.name.endswith(("-wal", "-shm", "-journal")):
            continue
        dst = into / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix in _SQLITE:
            _copy_sqlite(path, dst)
        else:
            shutil.copy2(path, dst)


def backup(data_dir: Path, archive: Path, stats: dict[str, Any]) -> dict[str, Any]:
    if not (data_dir / "registry.sqlite").exists():
        raise FileNotFoundError(f"{data_dir} holds no index")
    with tempfile.TemporaryDirectory(dir=archive.parent) as tmp:
        snap = Path(tmp) / "data"
        with open(data_dir / "write.lock", "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                _snapshot(data_dir, snap)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        manifest = {"created_at": datetime.now(UTC).isoformat(timespec="seconds"), **stats}
        (snap / "backup-manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
        partial = archive.with_name(archive.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(snap, arcname="data")
        partial.replace(archive)  # a crash mid-write leaves no archive that looks complete
    return manifest


def unpack(archive: Path, data_dir: Path, force: bool = False) -> tuple[Path, dict[str, Any]]:
    """Unpack beside `data_dir`; returns (staging dir, manifest). The caller verifies it,
    then calls `swap`."""
    if data_dir.exists() and any(data_dir.iterdir()) and not force:
        raise FileExistsError(
            f"{data_dir} is not empty: restore into a new directory, or pass --force (stop the server first)"
        )
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=data_dir.parent))
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(staging, filter="data")  # no absolute paths, links or devices
        root = staging / "data"
        manifest = json.loads((root / "backup-manifest.json").read_text())
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise ValueError(f"{archive}: not a complete cchc backup ({type(exc).__name__}: {exc})") from exc
    return root, manifest


def swap(staged: Path, data_dir: Path) -> None:
    old = data_dir.with_name(data_dir.name + ".before-restore")
    if data_dir.exists():
        if old.exists():
            shutil.rmtree(old)
        data_dir.rename(old)
    staged.rename(data_dir)
    shutil.rmtree(staged.parent, ignore_errors=True)
