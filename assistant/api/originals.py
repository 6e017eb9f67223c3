"""The uploaded files themselves, kept so a citation of an upload can be downloaded as it was
sent (``GET /v1/documents/{id}/original``) and so a different file under a name already held
is noticed (the admin page asks before it replaces one).

One file per document under ``<data_dir>/originals/``, named by a digest of the doc id (ids
come from users' file names), and ``index.json`` mapping each doc id to its file name. Files
are written 0600 like the rest of the data dir; deleting a document deletes its original.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path

_LOCK = threading.Lock()  # index.json is read-modify-written by concurrent requests


class Originals:
    def __init__(self, data_dir: Path) -> None:
        self.root = Path(data_dir) / "originals"

    def _path(self, doc_id: str) -> Path:
        return self.root / hashlib.sha256(doc_id.encode("utf-8")).hexdigest()

    def _index(self) -> dict[str, str]:
        try:
            data = json.loads((self.root / "index.json").read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def _write(self, path: Path, data: bytes) -> None:
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)  # a reader never sees half a file

    def save(self, doc_id: str, name: str, data: bytes) -> None:
        with _LOCK:
            self._write(self._path(doc_id), data)
            index = self._index()
            index[doc_id] = name
            self._write(self.root / "index.json", json.dumps(index, ensure_ascii=False).encode("utf-8"))

    def get(self, doc_id: str) -> tuple[Path, str] | None:
        name = self._index().get(doc_id)
        path = self._path(doc_id)
        return (path, name) if name and path.is_file() else None

    def name(self, doc_id: str) -> str | None:
        return self._index().get(doc_id)

    def holding(self, name: str) -> list[str]:
        """The doc ids of the originals uploaded under this file name."""
        return [d for d, n in self._index().items() if n == name]

    def remove(self, doc_id: str) -> None:
        with _LOCK:
            index = self._index()
            if index.pop(doc_id, None) is not None:
                self._write(self.root / "index.json", json.dumps(index, ensure_ascii=False).encode("utf-8"))
            self._path(doc_id).unlink(missing_ok=True)
