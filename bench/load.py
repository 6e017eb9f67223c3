"""Load on a running server (loopback only): N concurrent clients asking for S seconds while
an ingest job runs; prints errors, throughput and latency percentiles.

    .venv/bin/cchc serve &                       # with CCHC_ADMIN_API_KEYS and a high CCHC_RATE_LIMIT
    .venv/bin/python -m bench.load --base http://127.0.0.1:8000 --clients 50 --seconds 60 --admin-key KEY
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

QUESTIONS = [
    "Tỷ lệ TTHC được cung cấp DVC trực tuyến toàn trình của Hà Giang là bao nhiêu?",
    "What share of procedures are fully online in Hà Giang?",
    "Chỉ số PAR Index năm 2023 của thị xã Kỳ Anh đạt bao nhiêu điểm?",
    "Quảng Nam tiếp nhận bao nhiêu hồ sơ thủ tục hành chính trong tháng 1/2025?",
    "ty le ho so truc tuyen cua Ha Giang",
]


@dataclass
class LoadResult:
    latencies_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    ingest: dict | None = None
    seconds: float = 0.0

    def summary(self) -> dict[str, object]:
        lat = sorted(self.latencies_ms)
        pct = (lambda q: round(lat[min(len(lat) - 1, int(q * len(lat)))], 1)) if lat else (lambda q: None)
        return {
            "requests": len(lat) + sum(self.errors.values()),
            "ok": len(lat),
            "errors": self.errors,
            "rps": round(len(lat) / self.seconds, 2) if self.seconds else 0.0,
            "p50_ms": pct(0.50),
            "p95_ms": pct(0.95),
            "max_ms": round(lat[-1], 1) if lat else None,
            "mean_ms": round(statistics.fmean(lat), 1) if lat else None,
            "ingest": self.ingest,
        }


def run_load(
    base: str,
    clients: int,
    seconds: float,
    admin_key: str | None = None,
    ingest_docs: list[dict] | None = None,
) -> LoadResult:
    if urlsplit(base).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("the load script only targets loopback servers")
    result = LoadResult()
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(i: int) -> None:
        with httpx.Client(timeout=120) as http:
            n = i
            while time.perf_counter() < deadline:
                q = QUESTIONS[n % len(QUESTIONS)]
                n += 1
                started = time.perf_counter()
                try:
                    r = http.post(f"{base}/v1/ask", json={"question": q})
                    key = None if r.status_code == 200 and r.json().get("answer") else f"HTTP {r.status_code}"
                except httpx.HTTPError as exc:
                    key = type(exc).__name__
                ms = (time.perf_counter() - started) * 1000
                with lock:
                    if key is None:
                        result.latencies_ms.append(ms)
                    else:
                        result.errors[key] = result.errors.get(key, 0) + 1

    def ingest() -> None:
        headers = {"Authorization": f"Bearer {admin_key}"}
        r = httpx.post(f"{base}/v1/documents", json={"documents": ingest_docs}, headers=headers, timeout=60)
        job = r.json()
        while "job_id" in job:
            status = httpx.get(f"{base}/v1/jobs/{job['job_id']}", headers=headers, timeout=60).json()
            if status["status"] not in ("queued", "running"):
                result.ingest = {
                    "status": status["status"],
                    "documents": status["total"],
                    "chunks": status["chunks"],
                }
                return
            time.sleep(0.5)
        result.ingest = {"status": f"refused: HTTP {r.status_code}"}

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    if ingest_docs and admin_key:
        threads.append(threading.Thread(target=ingest))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.seconds = time.perf_counter() - started
    return result


def synthetic_documents(n: int) -> list[dict]:
    """Documents to ingest during the load (distinct, realistic-looking, no real figures)."""
    return [
        {
            "doc_id": f"load-{i}",
            "title": f"Báo cáo cải cách hành chính số {i}",
            "text": f"Trong kỳ báo cáo số {i}, đơn vị tiếp nhận {1000 + i} hồ sơ, giải quyết đúng hạn {900 + i} hồ sơ. "
            f"Tỷ lệ hồ sơ trực tuyến đạt {50 + i % 40},{i % 10}%.",
        }
        for i in range(n)
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", default="http://127.0.0.1:8000")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--admin-key", help="to run an ingest job during the load")
    ap.add_argument("--ingest-docs", type=int, default=40)
    a = ap.parse_args()
    docs = synthetic_documents(a.ingest_docs) if a.admin_key else None
    print(json.dumps(run_load(a.base, a.clients, a.seconds, a.admin_key, docs).summary(), ensure_ascii=False))


if __name__ == "__main__":
    main()
