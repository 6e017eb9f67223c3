"""Platforms deliver at least once (Slack retries, Zalo redelivers): remember what was taken."""

from __future__ import annotations

import threading
from collections import OrderedDict


class SeenEvents:
    """Bounded memory of the event ids already taken."""

    def __init__(self, size: int = 10_000) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def first_time(self, event_id: str) -> bool:
        with self._lock:
            if event_id in self._ids:
                return False
            self._ids[event_id] = None
            if len(self._ids) > self._size:
                self._ids.popitem(last=False)
            return True
