"""The embeddable widget (web/widget.js) in headless Chromium, on a portal page served from
another origin: one <script> tag opens the chat, the answer and its sources arrive across
origins for an origin in CCHC_CORS_ORIGINS, and a portal not listed gets a clear message."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ..channels import portal
from ..conftest import admin_server, free_port
from ..e2e.test_page_chat import browser  # noqa: F401 — the shared Chromium fixture

QUESTION = "Tỷ lệ TTHC được cung cấp DVC trực tuyến toàn trình của Hà Giang là bao nhiêu?"


@pytest.fixture(scope="module")
def portals(sample_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str, str]]:
    """(server, an allowed portal, a portal not allowed, an allowed portal under a strict
    Content-Security-Policy): 127.0.0.1 and localhost are two origins."""
    allowed_port, strict_port = free_port(), free_port()
    allowed, strict = f"http://127.0.0.1:{allowed_port}", f"http://127.0.0.1:{strict_port}"
    env = {"CCHC_CORS_ORIGINS": f"{allowed},{strict}"}
    with admin_server(sample_index, tmp_path_factory.mktemp("widget"), env) as server:
        src = f"{server}/static/widget.js"
        # What a careful portal sends: nothing inline, scripts and requests only from the
        # assistant it embeds (as the README says to allow).
        policy = f"default-src 'self'; script-src 'self' {server}; connect-src 'self' {server}"
        good, other_port = portal(src, allowed_port), free_port()
        other, locked = portal(src, other_port), portal(src, strict_port, csp=policy)
        try:
            yield server, allowed, f"http://localhost:{other_port}", strict
        finally:
            good.shutdown()
            other.shutdown()
            locked.shutdown()


def _ask(browser, portal_url: str):  # noqa: F811
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(portal_url + "/")
    page.locator("#cchc-widget").locator("button.open").click()
    page.locator("#cchc-widget input").fill(QUESTION)
    page.locator("#cchc-widget form button").click()
    return page


def test_widget_answers_with_sources_on_an_allowed_portal(browser, portals):  # noqa: F811
    server, allowed, _, _ = portals
    page = _ask(browser, allowed)
    links = page.locator("#cchc-widget .src a")
    links.first.wait_for(timeout=60_000)
    api = httpx.post(f"{server}/v1/ask", json={"question": QUESTION}, timeout=60).json()
    assert [links.nth(i).get_attribute("href") for i in range(links.count())] == [c["url"] for c in api["citations"]]
    shown = page.locator("#cchc-widget .a").last.text_content()
    # The service's Markdown flattened to what a reader expects in a text box: no marks left.
    assert "35,48%" in shown and "**" not in shown and not any(line.startswith("_") for line in shown.splitlines())
    assert [w for w in shown.split() if w.startswith("[")] == [w for w in api["answer"].split() if w.startswith("[")]
    # A comparison's table as one line a unit, without its pipes and rules.
    page.locator("#cchc-widget input").fill("So sánh số thủ tục được cung cấp trực tuyến toàn trình giữa Hà Giang và Quảng Nam")
    page.locator("#cchc-widget form button").click()
    page.wait_for_function("() => document.querySelector('#cchc-widget').shadowRoot.querySelectorAll('.src').length > 1",
                           timeout=60_000)
    table = page.locator("#cchc-widget .a").last.text_content()
    assert "|" not in table and "---" not in table and "Hà Giang: 672 — «" in table, table
    dates = page.locator("#cchc-widget .src").last.text_content()
    assert "19/7/2023" in dates and "2023-07-19" not in dates
    # The portal's CSS does not reach into the widget (shadow root).
    color = page.locator("#cchc-widget button.open").evaluate("b => getComputedStyle(b).backgroundColor")
    assert color != "rgb(0, 255, 0)"
    page.context.close()


def test_widget_on_a_portal_not_allowed_says_so(browser, portals):  # noqa: F811
    _, _, not_allowed, _ = portals
    page = _ask(browser, not_allowed)
    answer = page.locator("#cchc-widget .a").last
    page.wait_for_function("() => !document.querySelector('#cchc-widget').shadowRoot"
                           ".querySelector('form button').disabled", timeout=60_000)
    assert answer.text_content() == "Không kết nối được trợ lý. Xin thử lại."
    assert page.locator("#cchc-widget .src a").count() == 0
    page.context.close()


def test_widget_works_under_a_portals_strict_content_security_policy(browser, portals):  # noqa: F811
    # No inline style or script of its own: a portal that allows only the assistant's origin for
    # scripts and requests gets a styled widget that answers, and the browser reports no violation.
    server, _, _, strict = portals
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda m: "Content Security Policy" in m.text and refused.append(m.text))
    page.goto(strict + "/")
    opener = page.locator("#cchc-widget button.open")
    assert opener.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(179, 38, 30)"  # its own style applies
    assert opener.evaluate("b => getComputedStyle(b).position") == "fixed"
    opener.click()
    page.locator("#cchc-widget input").fill(QUESTION)
    page.locator("#cchc-widget form button").click()
    page.locator("#cchc-widget .src a").first.wait_for(timeout=60_000)
    assert "35,48%" in page.locator("#cchc-widget .a").last.text_content()
    assert refused == [], refused
    context.close()
