"""How fast the chat page loads from a local server, in a real headless Chromium.

Each round opens a fresh browser context (empty cache, empty localStorage) and navigates to
the page, then to a baseline in the same server: /healthz, a tiny JSON reply through the
same stack, so the page's own cost (HTML, CSS, three scripts, the favicon and the province
list) is read as a ratio against what any request costs on this machine right now.
Printed: the page's load-event time (median and p95), the baseline's, their ratio, and the
bytes the page transfers.

    .venv/bin/cchc serve &                   # or let the script start one over data/sample
    .venv/bin/python -m bench.page_load [--base http://127.0.0.1:8000] [--rounds 30]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx

CHROMIUM = "/usr/bin/chromium"


@contextmanager
def local_server(base: str | None):
    if base:
        if urlsplit(base).hostname not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit("the page-load bench only targets loopback servers")
        yield base
        return
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.Popen(
            [sys.executable, "-m", "assistant.cli", "serve", "--data-dir", str(Path(tmp) / "d"),
             "--host", "127.0.0.1", "--port", str(port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):  # the first start ingests the sample
                try:
                    if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def load_ms(page, url: str) -> float:
    page.goto(url, wait_until="load")
    timing = page.evaluate("() => JSON.stringify(performance.getEntriesByType('navigation')[0])")
    nav = json.loads(timing)
    return float(nav["loadEventEnd"] - nav["startTime"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", help="a running server (loopback); default: start one over data/sample")
    ap.add_argument("--rounds", type=int, default=30)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with local_server(args.base) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page_ms, base_ms, transferred = [], [], 0
        for i in range(args.rounds + 2):
            context = browser.new_context(viewport={"width": 1366, "height": 900})
            page = context.new_page()
            sizes: list[int] = []
            page.on("response", lambda r, sizes=sizes: sizes.append(int(r.headers.get("content-length") or len(r.body()))))
            ms = load_ms(page, base + "/")
            page.wait_for_load_state("networkidle")  # the province list, fetched after load
            baseline = load_ms(page, base + "/healthz")
            context.close()
            if i >= 2:  # two warm-up rounds: the server's first requests import and open things
                page_ms.append(ms)
                base_ms.append(baseline)
                transferred = sum(sizes)
        browser.close()
    p95 = lambda xs: sorted(xs)[min(len(xs) - 1, int(0.95 * len(xs)))]  # noqa: E731
    page_med, base_med = statistics.median(page_ms), statistics.median(base_ms)
    print(json.dumps({
        "rounds": args.rounds,
        "page_load_ms_p50": round(page_med, 1), "page_load_ms_p95": round(p95(page_ms), 1),
        "baseline_healthz_ms_p50": round(base_med, 1),
        "ratio_page_to_baseline": round(page_med / base_med, 2) if base_med else None,
        "bytes_transferred": transferred,
        "target_ms": 200, "under_target": p95(page_ms) < 200,
    }, indent=2))


if __name__ == "__main__":
    main()
