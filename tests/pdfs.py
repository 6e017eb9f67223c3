"""Text-layer PDFs made by the tests: HTML printed to PDF by the real headless Chromium."""

from __future__ import annotations

import os

import pytest

CHROMIUM = "/usr/bin/chromium"
STYLE = 'body { font-family: "DejaVu Serif"; font-size: 13pt } table { border-collapse: collapse } td, th { border: 1px solid #000; padding: 4px }'


def print_pdf(pages: list[str], title: str) -> bytes:
    """The pages as a text-layer PDF, one HTML section a page, printed by headless Chromium."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("needs /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    body = '<div style="page-break-before: always"></div>'.join(pages)
    html = f'<html><head><meta charset="utf-8"><title>{title}</title><style>{STYLE}</style></head><body>{body}</body></html>'
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        try:
            page = browser.new_page()
            page.set_content(html)
            return page.pdf(format="A4")
        finally:
            browser.close()
