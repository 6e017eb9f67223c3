"""The chat page in a real headless Chromium against the real server."""

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def page():
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium); .ci/run installs it")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        yield context.new_page()
        browser.close()


@pytest.fixture(autouse=True)
def fresh_page(page, server):
    """Each test starts with no stored conversations (the page reopens the last one)."""
    page.goto(server + "/static/favicon.svg")
    page.evaluate("() => localStorage.clear()")


def test_ask_see_answer_and_open_a_cited_source(page, server):
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(server + "/")
    assert page.locator("#examples button").count() >= 3
    page.fill("#question", "Tỷ lệ TTHC được cung cấp DVC trực tuyến toàn trình của Hà Giang là bao nhiêu?")
    page.click("#send")
    answer = page.locator(".turn.bot").last
    answer.locator(".chip").first.wait_for(timeout=60_000)
    assert "35,48%" in answer.inner_text()
    page.screenshot(path=str(ARTIFACTS / "chat-answer.png"))

    answer.locator(".chip").first.click()
    card = page.locator("#source-card")
    card.wait_for(state="visible")
    page.locator("#source-context mark").wait_for()
    assert "672 TTHC" in page.locator("#source-context mark").inner_text()
    href = page.locator("#source-link").get_attribute("href")
    assert href.startswith("http://baohagiang.vn/") and "#:~:text=" in href  # opens at the quote
    page.wait_for_timeout(300)  # the context around the quote arrives from /v1/documents
    page.screenshot(path=str(ARTIFACTS / "chat-source-card.png"))
    page.keyboard.press("Escape")
    assert card.is_hidden()


def test_followup_uses_the_conversation(page, server):
    page.goto(server + "/")
    page.fill("#question", "Hà Giang có bao nhiêu TTHC được cung cấp DVC trực tuyến toàn trình?")
    page.click("#send")
    page.locator(".turn.bot .chip").first.wait_for(timeout=60_000)
    page.fill("#question", "Còn một phần thì sao?")
    page.click("#send")
    second = page.locator(".turn.bot").nth(1)
    second.locator(".chip").first.wait_for(timeout=60_000)
    second.locator(".chip").first.click()
    assert "1.165" in page.locator("#source-context mark").inner_text()


def test_a_comparison_is_shown_as_a_table_with_cited_rows(page, server):
    page.goto(server + "/")
    page.fill("#question", "Số thủ tục được cung cấp dịch vụ công trực tuyến toàn trình ở Hà Giang và ở Quảng Nam khác nhau thế nào?")
    page.click("#send")
    table = page.locator(".turn.bot").last.locator("table.answer-table")
    table.wait_for(timeout=60_000)
    assert table.locator("tbody tr").count() == 2
    assert table.locator("tbody th").all_inner_texts() == ["Hà Giang", "Quảng Nam"]
    assert table.locator("tbody .chip").count() == 2
    assert "| ---" not in page.locator(".turn.bot").last.inner_text()  # no raw Markdown left
    page.screenshot(path=str(ARTIFACTS / "chat-comparison.png"))


def test_document_text_is_never_rendered_as_html(page, server):
    page.goto(server + "/")
    page.evaluate(
        """() => renderAnswer(document.querySelector('#conversation'),
            '<img src=x onerror="window.pwned=1"> [1]',
            [{n: 1, doc_id: 'x', title: '<b>t</b>', quote: '<script>window.pwned=1</script>', start: 0, end: 1}])"""
    )
    assert page.evaluate("() => window.pwned") is None
    assert "<img" in page.locator("#conversation").inner_text()


def test_feedback_from_the_page_is_stored(page, server, server_dir):
    import json
    import subprocess
    import sys

    page.goto(server + "/")
    page.fill("#question", "Chỉ số PAR Index năm 2023 của thị xã Kỳ Anh đạt bao nhiêu điểm?")
    page.keyboard.press("Enter")  # keyboard only: Enter sends
    bot = page.locator(".turn.bot").last
    bot.locator(".answer-actions").wait_for(timeout=60_000)
    bot.locator("button.rate.down").click()
    bot.locator(".fb-comment").fill("cần số liệu năm 2024")
    bot.locator(".fb-form button[type=submit]").click()
    bot.locator(".fb-status").filter(has_text="Cảm ơn").wait_for()
    assert bot.locator("button.rate.up").is_disabled()
    out = subprocess.run([sys.executable, "-m", "assistant.cli", "feedback", "export", "--data-dir", str(server_dir)],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    rows = [json.loads(line) for line in out.splitlines()]
    row = next(r for r in rows if r["comment"] == "cần số liệu năm 2024")
    assert row["rating"] == -1 and "Kỳ Anh" in row["question"]
    assert row["answer"].replace("**", "")[:60] in bot.inner_text()  # the answer the user rated
    assert row["channel"] == "web"


def test_new_chat_filters_and_phone_layout(page, server):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(server + "/")
    page.locator("details summary").click()
    assert page.locator("#province-list option").count() >= 63  # old and new names offered
    page.fill("#province", "Tuyên Quang")  # the post-2025 unit that absorbed Hà Giang
    page.fill("#question", "Tỷ lệ TTHC được cung cấp DVC trực tuyến toàn trình là bao nhiêu?")
    page.click("#send")
    bot = page.locator(".turn.bot").last
    bot.locator(".chip").first.wait_for(timeout=60_000)
    assert "35,48%" in bot.inner_text()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390  # nothing overflows a phone screen
    page.screenshot(path=str(ARTIFACTS / "chat-phone.png"), full_page=True)
    page.click("#toggle-list")  # on a phone the conversation list opens from the header
    page.screenshot(path=str(ARTIFACTS / "chat-phone-list.png"))
    layout = page.evaluate("""() => ({width: document.documentElement.scrollWidth,
        header: document.querySelector('header').getBoundingClientRect().bottom,
        side: document.querySelector('#side').getBoundingClientRect().top})""")
    assert layout["width"] <= 390 and layout["side"] >= layout["header"] - 1, layout  # the list opens below the header
    page.click("#new-chat")
    assert page.locator(".turn").count() == 0 and page.locator("#empty").is_visible()
    page.click("#lang")
    assert page.locator("#send").inner_text() == "Ask" and page.evaluate("() => document.documentElement.lang") == "en"
    page.click("#lang")
    page.set_viewport_size({"width": 1366, "height": 900})


def test_every_control_has_an_accessible_name(page, server):
    page.goto(server + "/")
    unnamed = page.evaluate(
        """() => [...document.querySelectorAll('button, input, textarea, select')]
            .filter((n) => !n.closest('[hidden]'))
            .filter((n) => !(n.getAttribute('aria-label') || n.labels?.length || n.textContent.trim()))
            .map((n) => n.outerHTML)"""
    )
    assert unnamed == []
