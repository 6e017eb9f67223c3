"""The chat page as a product, in a real headless Chromium against the real server, at a
desktop (1366×900) and a phone (390×844) size: no dead ends, conversations that persist,
answers drawn from Markdown and tables, sources that open at their quote, dark mode and an
axe-core audit. Screenshots go to test-artifacts/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core" / "axe.min.js"
SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
FIGURE_Q = "Tỷ lệ TTHC được cung cấp DVC trực tuyến toàn trình của Hà Giang là bao nhiêu?"


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium); .ci/run installs it")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield b
        b.close()


def new_page(browser, server, size="desktop", **options):
    """A fresh browser profile (empty localStorage) at one of the two sizes."""
    context = browser.new_context(viewport=SIZES[size], **options)
    page = context.new_page()
    page.console_errors = []  # type: ignore[attr-defined]
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))  # type: ignore[attr-defined]
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))  # type: ignore[attr-defined]
    page.goto(server + "/")
    return page


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def ask(page, question, n_answers):
    page.fill("#question", question)
    page.click("#send")
    page.locator(".turn.bot .answer-actions").nth(n_answers - 1).wait_for(timeout=60_000)
    return page.locator(".turn.bot").nth(n_answers - 1)


@pytest.mark.parametrize("size", SIZES)
def test_server_down_keeps_the_question_and_retry_answers(browser, server, size):
    page = new_page(browser, server, size)
    page.route("**/v1/ask", lambda route: route.abort("connectionrefused"))
    page.fill("#question", FIGURE_Q)
    page.click("#send")
    failed = page.locator(".turn.bot.failed")
    failed.wait_for(timeout=30_000)
    assert "Không kết nối được máy chủ" in failed.inner_text() and "TypeError" not in failed.inner_text()
    assert page.input_value("#question") == FIGURE_Q  # the typed question is not lost
    assert page.locator("#send").is_enabled()
    shot(page, f"page-server-down-{size}")
    page.unroute("**/v1/ask")
    failed.locator("button.retry").click()
    bot = page.locator(".turn.bot").last
    bot.locator(".answer-actions").wait_for(timeout=60_000)
    assert "35,48%" in bot.inner_text() and page.locator(".turn.bot.failed").count() == 0
    assert page.locator(".turn.user").count() == 1  # the failed attempt was replaced, not kept
    assert page.console_errors == [] or all("ERR_CONNECTION_REFUSED" in e for e in page.console_errors)
    page.context.close()


# What a deployment in front of the server answers when things go wrong: a reverse proxy's HTML
# error page, the API's own rate limit, a stream cut before its final event.
BROKEN = {
    "proxy-502": (502, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>", "Máy chủ gặp lỗi (502)"),
    "rate-limited": (429, "application/json", json.dumps({"detail": "rate limited", "message":
                     "Quá nhiều yêu cầu (tối đa 30/minute); hãy thử lại sau 12 giây."}), "hãy thử lại sau 12 giây"),
    "cut-stream": (200, "text/event-stream", 'event: token\ndata: {"text": "Theo báo cáo"}\n\n', "bị ngắt giữa chừng"),
}


@pytest.mark.parametrize("case", BROKEN)
def test_a_proxy_error_a_rate_limit_or_a_cut_stream_says_so_and_retries(browser, server, case):
    status, ctype, body, said = BROKEN[case]
    page = new_page(browser, server, "phone")
    page.route("**/v1/ask", lambda route: route.fulfill(status=status, content_type=ctype, body=body))
    page.fill("#question", FIGURE_Q)
    page.click("#send")
    failed = page.locator(".turn.bot.failed")
    failed.wait_for(timeout=30_000)
    text = failed.inner_text()
    assert said in text and "<html" not in text and "{" not in text, text
    assert page.input_value("#question") == FIGURE_Q and page.locator("#send").is_enabled()
    page.unroute("**/v1/ask")
    failed.locator("button.retry").click()
    page.locator(".turn.bot .answer-actions").wait_for(timeout=60_000)
    assert "35,48%" in page.locator(".turn.bot").last.inner_text() and page.locator(".turn.bot.failed").count() == 0
    page.context.close()


def test_offline_is_said_and_the_question_waits(browser, server):
    page = new_page(browser, server, "phone")
    page.context.set_offline(True)
    assert page.locator("#offline").is_visible()
    page.fill("#question", FIGURE_Q)
    page.click("#send")
    page.locator(".turn.bot.failed").wait_for(timeout=10_000)
    assert "Không có mạng" in page.locator(".turn.bot.failed").inner_text()
    assert page.input_value("#question") == FIGURE_Q
    shot(page, "page-offline-phone")
    page.context.set_offline(False)
    assert page.locator("#offline").is_hidden()
    page.locator(".turn.bot.failed button.retry").click()
    page.locator(".turn.bot .answer-actions").wait_for(timeout=60_000)
    page.context.close()


def test_send_is_disabled_while_an_answer_loads(browser, server):
    page = new_page(browser, server)
    # Hold the request until the test lets it go: the loading state is then certain to be seen.
    page.evaluate("""() => { const real = window.fetch;
        window.fetch = (...a) => new Promise((ok) => { window.release = () => ok(real(...a)); }); }""")
    page.fill("#question", FIGURE_Q)
    page.click("#send")
    assert page.locator("#send").is_disabled()
    assert page.locator("#ask-form").get_attribute("aria-busy") == "true"
    page.fill("#question", "câu hỏi thứ hai")
    page.keyboard.press("Enter")  # ignored while loading: one question at a time
    assert page.locator(".turn.user").count() == 1
    page.evaluate("() => window.release()")
    page.locator(".turn.bot .answer-actions").wait_for(timeout=60_000)
    assert page.locator("#send").is_enabled() and page.input_value("#question") == "câu hỏi thứ hai"
    page.context.close()


@pytest.mark.parametrize("lang,expected", [("vi", "Không có tỉnh/thành «Atlantis»"), ("en", "There is no province «Atlantis»")])
def test_a_bad_filter_is_explained_in_the_page_language_and_removed_as_a_chip(browser, server, lang, expected):
    page = new_page(browser, server)
    if lang == "en":
        page.click("#lang")
    page.locator("#filters summary").click()
    page.fill("#province", "Atlantis")
    page.locator("#filters summary").click()  # collapsed: the chip still shows the filter
    chip = page.locator("#active-filters .filter-chip")
    assert chip.count() == 1 and "Atlantis" in chip.inner_text()
    assert page.locator("#filter-count").inner_text() == "(1)"
    page.fill("#question", FIGURE_Q)
    page.click("#send")
    failed = page.locator(".turn.bot.failed")
    failed.wait_for(timeout=30_000)
    assert expected in failed.inner_text() and "known names" not in failed.inner_text()
    shot(page, f"page-bad-filter-{lang}")
    chip.locator("button.remove-filter").click()
    assert page.input_value("#province") == "" and page.locator("#active-filters .filter-chip").count() == 0
    failed.locator("button.retry").click()
    bot = page.locator(".turn.bot").last
    bot.locator(".answer-actions").wait_for(timeout=60_000)
    assert "35,48%" in bot.inner_text()
    page.context.close()


@pytest.mark.parametrize("size", SIZES)
def test_a_new_answer_comes_into_view_above_the_question_box(browser, server, size):
    page = new_page(browser, server, size)
    for i, q in enumerate([FIGURE_Q, "Còn một phần thì sao?", "Chỉ số PAR Index năm 2023 của thị xã Kỳ Anh đạt bao nhiêu điểm?"]):
        ask(page, q, i + 1)
    box = page.evaluate("""() => { const b = [...document.querySelectorAll('.turn.bot')].pop().getBoundingClientRect();
        const f = document.querySelector('#ask-form').getBoundingClientRect();
        const s = document.querySelector('#scroller').getBoundingClientRect();
        return {top: b.top, formTop: f.top, scrollerTop: s.top}; }""")
    assert box["scrollerTop"] - 1 <= box["top"] < box["formTop"] - 40, box  # its start is visible, not under the form
    shot(page, f"page-third-answer-{size}")
    page.context.close()


def test_conversations_persist_rename_reopen_export_delete(browser, server):
    page = new_page(browser, server)
    page.on("dialog", lambda d: d.accept())
    ask(page, FIGURE_Q, 1)
    ask(page, "Còn một phần thì sao?", 2)
    page.reload()
    assert page.locator(".turn.user").count() == 2  # a reload keeps the conversation
    assert page.locator("#conversation-list .open-conv").count() == 1
    # Rename it.
    page.locator("#conversation-list .rename-conv").click()
    page.fill(".rename-input", "Hà Giang toàn trình")
    page.keyboard.press("Enter")
    assert page.locator("#conversation-list .open-conv").inner_text() == "Hà Giang toàn trình"
    # A question after the reload still carries the conversation's history to the API.
    with page.expect_request("**/v1/ask") as sent:
        ask(page, "Còn Quảng Nam thì sao?", 3)
    history = sent.value.post_data_json["history"]
    assert [t["role"] for t in history] == ["user", "assistant"] * 2 and history[0]["content"] == FIGURE_Q
    # Export as Markdown with its sources.
    with page.expect_download() as download:
        page.click("#export")
    markdown = Path(download.value.path()).read_text(encoding="utf-8")
    assert markdown.startswith("# Hà Giang toàn trình") and f"## {FIGURE_Q}" in markdown
    assert "**Nguồn**" in markdown and "672 TTHC" in markdown and "http://baohagiang.vn/" in markdown
    (ARTIFACTS / "page-conversation-export.md").write_text(markdown, encoding="utf-8")
    # New conversation, then reopen the first from the list.
    page.click("#new-chat")
    assert page.locator(".turn").count() == 0 and page.locator("#empty").is_visible()
    ask(page, "Chỉ số PAR Index năm 2023 của thị xã Kỳ Anh đạt bao nhiêu điểm?", 1)
    assert page.locator("#conversation-list .open-conv").count() == 2
    shot(page, "page-conversations-desktop")
    page.locator("#conversation-list .open-conv", has_text="Hà Giang toàn trình").click()
    assert page.locator(".turn.user").count() == 3
    stored = json.loads(page.evaluate("() => localStorage.getItem('cchc-conversations')"))
    assert sorted(len(c["turns"]) for c in stored) == [1, 3]
    # Delete it (the page asks first): the list and the storage forget it.
    page.locator("#conversation-list li.current .delete-conv").click()
    assert page.locator("#conversation-list .open-conv").count() == 1 and page.locator(".turn").count() == 0
    page.reload()
    assert page.locator("#conversation-list .open-conv").all_inner_texts() != ["Hà Giang toàn trình"]
    page.context.close()


def test_conversations_on_a_phone_open_from_the_header(browser, server):
    page = new_page(browser, server, "phone")
    page.on("dialog", lambda d: d.accept())
    ask(page, FIGURE_Q, 1)
    page.click("#toggle-list")
    assert page.get_attribute("#toggle-list", "aria-expanded") == "true"
    page.click("#new-chat")  # starts a new one and closes the list
    assert page.get_attribute("#toggle-list", "aria-expanded") == "false" and page.locator(".turn").count() == 0
    ask(page, "Chỉ số PAR Index năm 2023 của thị xã Kỳ Anh đạt bao nhiêu điểm?", 1)
    page.click("#toggle-list")
    convs = page.locator("#conversation-list .open-conv")
    assert convs.count() == 2 and page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.locator("#conversation-list li", has_text="Hà Giang").locator(".rename-conv").click()
    page.fill(".rename-input", "Hà Giang trên điện thoại")
    page.keyboard.press("Enter")
    shot(page, "page-conversations-phone")
    page.locator("#conversation-list .open-conv", has_text="Hà Giang trên điện thoại").click()
    # Reopened: the list closes and the answer is there, from storage.
    assert page.get_attribute("#toggle-list", "aria-expanded") == "false"
    assert page.locator(".turn.user").all_inner_texts() == [FIGURE_Q] and "35,48%" in page.locator(".turn.bot").inner_text()
    page.reload()
    assert page.locator(".turn.user").all_inner_texts() == [FIGURE_Q]  # the open one comes back after a reload
    page.context.close()


def test_markdown_is_rendered_and_text_never_becomes_html(browser, server):
    page = new_page(browser, server)
    page.evaluate(
        """() => renderAnswer(document.querySelector('#conversation'),
          '## Mức hỗ trợ\\n\\n- **một** mục [1]\\n- mục <b>hai</b>\\n\\n1. bước\\n2. bước\\n\\n'
          + '<img src=x onerror="window.pwned=1"> [x](javascript:alert(1)) [nguồn](https://example.gov.vn/a) \\\\*không đậm\\\\*',
          [{n: 1, doc_id: 'x', title: '<b>t</b>', quote: '<script>window.pwned=1</script>', start: 0, end: 1}], null, null)"""
    )
    conv = page.locator("#conversation")
    assert conv.locator("h4.md-h").inner_text() == "Mức hỗ trợ"  # "##" under the page's h1/h2
    assert conv.locator("ul.md-list li").count() == 2 and conv.locator("ol.md-list li").count() == 2
    assert conv.locator("ul.md-list strong").inner_text() == "một" and conv.locator("ul .chip").count() == 1
    assert conv.locator("img, script, b").count() == 0 and page.evaluate("() => window.pwned") is None
    assert "<img" in conv.inner_text() and "<b>hai</b>" in conv.inner_text()
    links = conv.locator("a").evaluate_all("(as) => as.map((a) => a.getAttribute('href'))")
    assert links == ["https://example.gov.vn/a"]  # a javascript: link stays text
    assert "*không đậm*" in conv.inner_text() and "##" not in conv.inner_text()
    # The open-original link: start and end words of the quote, its own commas and dashes escaped.
    href = page.evaluate("() => fragmentUrl('https://a.vn/x#top', '## Tiêu đề\\n\\nMột hai, ba-bốn năm sáu bảy tám chín')")
    start, _, end = href.removeprefix("https://a.vn/x#:~:text=").partition(",")
    assert href.startswith("https://a.vn/x#:~:text=") and "#top" not in href and "%23" not in href
    assert start == "Ti%C3%AAu%20%C4%91%E1%BB%81%20M%E1%BB%99t%20hai%2C" and end.startswith("s%C3%A1u")
    assert "ba%2Db%E1%BB%91n" in page.evaluate("() => fragmentUrl('https://a.vn/', 'ba-bốn')")
    page.context.close()


TREND = {
    "columns": ["Năm", "Số liệu", "Nguồn"],
    "rows": [["2023", "35,48%", "«A» (a.vn)"], ["2021", "20,5%", "«B» (b.vn)"], ["2022", "1.894", "«C, D» (c.vn)"]],
    "citations": [[1], [2], [3]],
}


@pytest.mark.parametrize("size", SIZES)
def test_a_trend_table_gets_a_chart_and_copies_as_csv(browser, server, size):
    page = new_page(browser, server, size)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    cites = [{"n": n, "doc_id": "d", "title": f"T{n}", "quote": "q", "start": 0, "end": 1} for n in (1, 2, 3)]
    text = "Xu hướng:\n\n| Năm | Số liệu | Nguồn |\n| --- | --- | --- |\n| 2023 | 35,48% | «A» [1] |"
    page.evaluate("([t, c, table]) => renderAnswer(document.querySelector('#conversation'), t, c, table, null)", [text, cites, TREND])
    conv = page.locator("#conversation")
    assert conv.locator("table.answer-table tbody tr").count() == 3  # from the `table` field, not the text
    assert conv.locator("table .chip").count() == 3 and "| ---" not in conv.inner_text()
    chart = conv.locator("svg.trend-chart")
    assert chart.count() == 1 and chart.locator("circle").count() == 3
    labels = chart.locator("text.trend-label").all_text_contents()
    assert labels == ["2021", "2022", "2023"]  # oldest first, left to right
    assert "2021 20,5%" in chart.get_attribute("aria-label")
    conv.locator("button.copy-csv").click()
    conv.locator(".table-actions .fb-status", has_text="Đã chép").wait_for()
    csv = page.evaluate("() => navigator.clipboard.readText()")
    assert csv.splitlines() == ["Năm,Số liệu,Nguồn", "2023,\"35,48%\",«A» (a.vn)", "2021,\"20,5%\",«B» (b.vn)",
                                "2022,1.894,\"«C, D» (c.vn)\""]
    # The chart fits the answer (a phone's too): nothing wider than the page.
    width = SIZES[size]["width"]
    assert chart.bounding_box()["width"] <= width and page.evaluate("() => document.documentElement.scrollWidth") <= width
    shot(page, f"page-trend-chart-{size}")
    # Quarters and months of one year in time order too, whatever order the rows come in.
    for periods in (["quý 2/2024", "quý IV/2023", "quý 1/2024"], ["tháng 11/2024", "tháng 3/2025", "tháng 2/2024"]):
        page.evaluate("""(periods) => { document.querySelector('#conversation').replaceChildren();
            renderAnswer(document.querySelector('#conversation'), 'x', [],
              {columns: ['Thời kỳ', 'Số liệu'], rows: periods.map((p, i) => [p, String(10 + i)]), citations: periods.map(() => [])}, null); }""",
                      periods)
        drawn = conv.locator("svg.trend-chart text.trend-label").all_text_contents()
        assert drawn == sorted(periods, key=lambda p: (p[-4:], int(p.split()[1].split("/")[0].replace("IV", "4")))), drawn
    # A comparison of units is a table without a chart.
    page.evaluate("""() => { document.querySelector('#conversation').replaceChildren();
        renderAnswer(document.querySelector('#conversation'), 'x', [],
          {columns: ['Đơn vị', 'Số liệu'], rows: [['Hà Giang', '672'], ['Quảng Nam', '1.020']], citations: [[], []]}, null); }""")
    assert conv.locator("table").count() == 1 and conv.locator("svg.trend-chart").count() == 0
    page.context.close()


def test_a_comparison_table_on_a_phone_breaks_between_words_only(browser, server):
    page = new_page(browser, server, "phone")
    bot = ask(page, "So sánh số thủ tục được cung cấp trực tuyến toàn trình giữa Hà Giang và Quảng Nam", 1)
    table = bot.locator("table.answer-table")
    assert table.count() == 1 and table.locator("tbody tr").count() >= 2
    # Every word of every cell is drawn on one line: no "Hà Gia / ng" or "67 / 2".
    split = page.evaluate("""() => {
        const out = [];
        for (const cell of document.querySelectorAll('.turn.bot table.answer-table tbody td, .turn.bot table.answer-table tbody th')) {
          const walk = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
          while (walk.nextNode()) {
            const node = walk.currentNode;
            for (const m of node.nodeValue.matchAll(/\\S+/g)) {
              const r = document.createRange();
              r.setStart(node, m.index);
              r.setEnd(node, m.index + m[0].length);
              if (r.getClientRects().length > 1) out.push(m[0]);
            }
          }
        }
        return out; }""")
    assert split == []
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390  # a wide table scrolls in its frame
    # Follow-ups of a comparison: the compared metric (its first row's figure), other units only.
    suggestion = bot.locator(".suggestions button.suggestion")
    suggestion.first.wait_for(timeout=30_000)
    compared = [r.split("\t")[0].strip() for r in table.locator("tbody tr").all_inner_texts()]
    for text in suggestion.all_inner_texts():
        assert text[0].isupper() and "trực tuyến toàn trình" in text and not any(f"của {u} " in text for u in compared), text
    shot(page, "page-comparison-phone")
    page.context.close()


def test_a_rewritten_follow_up_says_how_it_was_understood(browser, server):
    page = new_page(browser, server)
    ask(page, FIGURE_Q, 1)
    second = ask(page, "Còn một phần thì sao?", 2)
    standalone = page.evaluate("() => JSON.parse(localStorage.getItem('cchc-conversations'))[0].turns[1].data.standalone_question")
    assert standalone, "the follow-up was rewritten"
    assert second.locator(".understood").first.inner_text().startswith("Đã hiểu câu hỏi là:")
    assert page.locator(".turn.bot").first.locator(".understood", has_text="Đã hiểu").count() == 0
    assert second.locator(".understood").count() == 1  # said once, not twice
    # An answer that opens with another italic line (a province's new name) still gets it.
    page.evaluate("""() => renderAnswer(document.querySelector('#conversation'),
        '_Hà Giang nay thuộc Tuyên Quang._\\n\\nMột câu.', [], null, 'Số hồ sơ một phần của Hà Giang?')""")
    said = page.locator("#conversation > p.understood").all_inner_texts()
    assert said == ["Đã hiểu câu hỏi là: Số hồ sơ một phần của Hà Giang?"]
    page.context.close()


@pytest.mark.parametrize("size", SIZES)
def test_source_card_opens_at_the_quote_traps_focus_and_gives_it_back(browser, server, size):
    page = new_page(browser, server, size)
    bot = ask(page, FIGURE_Q, 1)
    chip = bot.locator(".chip").first
    chip.click()
    page.locator("#source-context").filter(has_text="…").wait_for()  # the context arrived
    page.wait_for_timeout(100)
    inside = page.evaluate("""() => { const m = document.querySelector('#source-context mark').getBoundingClientRect();
        const b = document.querySelector('#source-context').getBoundingClientRect();
        return m.top >= b.top - 1 && m.top < b.bottom && m.top < window.innerHeight; }""")
    assert inside, "the quote is scrolled into view inside the card"
    href = page.locator("#source-link").get_attribute("href")
    assert "#:~:text=%C4%90%E1%BA%BFn" in href or "#:~:text=Đến" in href  # the quote's first words
    assert page.locator("#source-title").is_visible()
    for _ in range(6):  # Tab never leaves the dialog
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.querySelector('#source-card').contains(document.activeElement)")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("() => document.querySelector('#source-card').contains(document.activeElement)")
    shot(page, f"page-source-card-{size}")
    page.keyboard.press("Escape")
    assert page.locator("#source-card").is_hidden()
    assert page.evaluate("() => document.activeElement.classList.contains('chip')")  # focus returned
    page.context.close()


def test_uploaded_file_citation_has_no_dangling_date_and_offers_the_file(browser, server):
    page = new_page(browser, server)
    page.evaluate("""() => { const c = {n: 1, doc_id: 'file-baocao-2024-dfb1fb3d21', title: 'baocao-2024.pdf', url: null,
        published: null, source: null, quote: 'một câu', start: 0, end: 7, also_reported_by: []};
        drawAnswer(addTurn('q', {}).bot, 'q', {answer: 'Một câu [1]', answerable: true, citations: [c], warnings: []}); }""")
    source = page.locator(".sources button").inner_text()
    assert source == "[1] baocao-2024.pdf — tệp tải lên, không rõ ngày đăng" and not source.rstrip().endswith("—")
    page.locator(".sources button").click()
    assert page.locator("#source-link").is_hidden()  # no URL: no link (the download is tested in test_page_admin)
    page.context.close()


def test_a_citation_names_its_article_page_and_scan_when_it_has_them(browser, server):
    page = new_page(browser, server)
    page.evaluate("""() => {
        const base = {doc_id: 'file-qd-2025', title: 'Quyết định 45/QĐ-UBND', url: null, published: '2025-03-28',
            source: 'UBND tỉnh', quote: 'một khoản', start: 0, end: 9, also_reported_by: []};
        const cited = [{...base, n: 1, path: 'Điều 2, Khoản 1', page: 3, ocr: true, ocr_confidence: 0.912},
                       {...base, n: 2, doc_id: 'news-1', title: 'Tin tức', path: null, page: null, ocr: false}];
        drawAnswer(addTurn('q', {}).bot, 'q', {answer: 'Một khoản [1] [2]', answerable: true, citations: cited, warnings: []});
        current = Conversations.create('q');
        current.turns.push({question: 'q', filters: {}, data: {answer: 'Một khoản [1]', citations: cited}}); }""")
    first, second = page.locator(".sources button").all_inner_texts()
    assert first == ("[1] Quyết định 45/QĐ-UBND — UBND tỉnh, ngày 28/3/2025 · Điều 2, Khoản 1, tr. 3 · "
                     "văn bản nhận dạng từ ảnh (độ tin cậy 91%)")
    assert second == "[2] Tin tức — UBND tỉnh, ngày 28/3/2025"  # nothing said where nothing is known
    page.locator(".sources button").first.click()
    assert "Điều 2, Khoản 1, tr. 3" in page.locator("#source-meta").inner_text()
    exported = page.evaluate("() => conversationMarkdown(current, I18N.vi)")
    assert "(UBND tỉnh, 2025-03-28, Điều 2, Khoản 1, tr. 3 · văn bản nhận dạng từ ảnh (độ tin cậy 91%))" in exported
    assert "2. Tin tức (UBND tỉnh, 2025-03-28)\n" in exported  # a typed news page claims no scan
    english = page.evaluate("() => { lang = 'en'; return citationMeta(current.turns[0].data.citations[0]); }")
    assert english == "UBND tỉnh, 28 March 2025 · Điều 2, Khoản 1, p. 3 · text recognised from an image (confidence 91%)"
    page.context.close()


def test_the_widget_names_the_article_page_and_scan_of_a_quote(browser, server):
    # The widget's rendering of a citation, from a reply shaped as POST /v1/ask gives one for a
    # scanned decision (tests/integration/test_citations.py checks that the service gives these fields).
    page = new_page(browser, server)
    cited = {"n": 1, "doc_id": "file-qd-2025", "title": "Quyết định 45/QĐ-UBND", "url": None, "published": "2025-03-28",
             "source": "UBND tỉnh", "quote": "một khoản", "start": 0, "end": 9, "path": "Điều 2, Khoản 1", "page": 3,
             "ocr": True, "ocr_confidence": 0.912, "also_reported_by": []}
    typed = {**cited, "n": 2, "doc_id": "news-1", "title": "Tin tức", "path": None, "page": None, "ocr": False,
             "ocr_confidence": None}
    reply = {"answer": "Một khoản [1] [2]", "answerable": True, "mode": "extractive", "citations": [cited, typed],
             "warnings": [], "latency_ms": 1.0, "language": "vi"}
    page.route("**/v1/ask", lambda route: route.fulfill(json=reply))
    page.add_script_tag(url="/static/widget.js")
    widget = page.locator("#cchc-widget")
    widget.locator("button.open").click()
    widget.locator("input").fill("Thời hạn giải quyết là bao lâu?")
    widget.locator("form button").click()
    widget.locator(".src li").nth(1).wait_for()
    first, second = widget.locator(".src li").all_inner_texts()
    assert first == "Quyết định 45/QĐ-UBND (28/3/2025, Điều 2, Khoản 1, tr. 3 · văn bản nhận dạng từ ảnh, độ tin cậy 91%)"
    assert second == "Tin tức (28/3/2025)"
    page.context.close()


def test_a_decline_links_the_closest_documents(browser, server):
    page = new_page(browser, server, "phone")
    bot = ask(page, "Giá vé máy bay đi Paris tháng sau là bao nhiêu?", 1)
    assert "declined" in bot.get_attribute("class")
    links = bot.locator("a.doc-link")
    links.first.wait_for()
    title = links.first.inner_text().strip("«»")
    # A link inside the sentence: its full stop stays on the link's line, not on one of its own.
    assert links.first.get_attribute("href").startswith("http")
    tail = bot.evaluate("""(b) => { const a = b.querySelector('a.doc-link'), next = a.nextSibling;
        if (!next || !next.nodeValue.trim()) return true;
        const r = document.createRange(); r.setStart(next, 0); r.setEnd(next, 1);
        const last = [...a.getClientRects()].pop();
        return Math.abs(r.getBoundingClientRect().top - last.top) < 4; }""")
    assert tail, "the text after the link starts on the link's last line"
    links.first.click()
    assert page.locator("#source-title").inner_text() == title
    # The card opens empty and is filled when the document arrives (a space matched that at once).
    page.wait_for_function("() => document.getElementById('source-context').innerText.length > 100", timeout=30_000)
    assert len(page.locator("#source-context").inner_text()) > 100  # the document's opening
    href = page.locator("#source-link").get_attribute("href")
    assert href.startswith("http") and "#:~:text=" not in href
    shot(page, "page-decline-links-phone")
    page.keyboard.press("Escape")
    assert page.evaluate("() => document.activeElement.classList.contains('doc-link')")
    page.context.close()


def test_follow_ups_are_suggested_from_the_facts_held(browser, server):
    # Against the sample index's own facts table: no stubbed endpoint.
    page = new_page(browser, server)
    bot = ask(page, FIGURE_Q, 1)
    suggestions = bot.locator(".suggestions button.suggestion")
    suggestions.first.wait_for(timeout=30_000)
    texts = suggestions.all_inner_texts()
    held = page.request.get(f"{server}/v1/facts?doc_id=seed-hagiang-2023-07-19&kind=achieved").json()["facts"]
    [cited] = [f for f in held if f["value_text"] == "35,48%"]  # the headline's own fact
    same_metric = page.request.get(f"{server}/v1/facts?kind=achieved&metric={cited['metric']}").json()["facts"]
    offered = {(f["unit"], f["period"]) for f in same_metric if f["unit"] and f["period"]} - {(cited["unit"], cited["period"])}
    assert offered and 1 <= len(texts) <= min(3, len(offered))
    for text in texts:  # a share asked as a share, of a unit and period the index holds a figure for
        assert text.startswith("Tỷ lệ ") and text.endswith(" là bao nhiêu?")
        assert any(f"của {unit} năm {period} " in text for unit, period in offered), text
        assert f"của {cited['unit']} năm {cited['period']} " not in text

    # A unit written two ways ("TX Kỳ Anh", "thị xã Kỳ Anh") is one unit: its other years are
    # suggested, never the same town as if it were another.
    town = ask(page, "Chỉ số PAR Index năm 2023 của thị xã Kỳ Anh đạt bao nhiêu điểm?", 2)
    offered_town = town.locator(".suggestions button.suggestion")
    offered_town.first.wait_for(timeout=30_000)
    town_texts = offered_town.all_inner_texts()
    assert town_texts and all("Kỳ Anh năm " in t and "năm 2023" not in t for t in town_texts), town_texts
    years = [t.split(" năm ")[1][:4] for t in town_texts]
    assert len(set(years)) == len(years), town_texts  # not the same year twice under two spellings
    shot(page, "page-suggestions-desktop")
    offered_town.first.click()
    assert page.locator(".turn.user").last.inner_text() == town_texts[0]
    answer = page.locator(".turn.bot").nth(2)
    answer.locator(".answer-actions").wait_for(timeout=60_000)
    assert "declined" not in answer.get_attribute("class")  # the index does hold that figure
    page.context.close()


@pytest.mark.parametrize("size", SIZES)
def test_dark_mode_and_favicon(browser, server, size):
    page = new_page(browser, server, size, color_scheme="dark")
    bot = ask(page, FIGURE_Q, 1)
    bg = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    card = bot.evaluate("(n) => getComputedStyle(n).backgroundColor")
    assert bg == "rgb(18, 22, 27)" and card == "rgb(27, 32, 39)"
    shot(page, f"page-dark-{size}")
    icon = page.locator("link[rel=icon]").get_attribute("href")
    r = page.request.get(server + icon)
    assert r.status == 200 and r.headers["content-type"].startswith("image/svg+xml")
    assert page.console_errors == []  # no 404 for a favicon, no script error
    page.context.close()


@pytest.mark.parametrize("size", SIZES)
def test_everything_the_page_loads_comes_from_its_own_server(browser, server, size):
    # No CDN, no web font, no framework from elsewhere: every request of a session (the page,
    # an answer, the source card, the conversation list, the English toggle) goes to the server.
    context = browser.new_context(viewport=SIZES[size])
    page = context.new_page()
    requests: list[tuple[str, str]] = []
    page.on("request", lambda r: requests.append((r.url, r.resource_type)))
    page.goto(server + "/")
    ask(page, FIGURE_Q, 1).locator(".chip").first.click()
    page.locator("#source-context mark").wait_for()
    page.keyboard.press("Escape")
    if size == "phone":
        page.click("#toggle-list")
    page.click("#lang")
    page.wait_for_load_state("networkidle")
    elsewhere = [u for u, _ in requests if not (u.startswith(server + "/") or u.startswith(("data:", "blob:")))]
    assert elsewhere == [] and requests, elsewhere
    assert [u for u, kind in requests if kind == "font"] == []
    scripts = page.evaluate("() => [...document.scripts].map((s) => s.getAttribute('src'))")
    assert scripts and all(src and src.startswith("/static/") for src in scripts), scripts
    context.close()


def axe_violations(page):
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", SIZES)
def test_axe_finds_no_serious_or_critical_violations(browser, server, size, scheme):
    if not AXE.exists():
        pytest.fail("tests/vendor/axe-core/axe.min.js is missing")
    page = new_page(browser, server, size, color_scheme=scheme)
    assert [v for v in axe_violations(page) if v[1] in ("serious", "critical")] == []  # the empty page
    bot = ask(page, "Số thủ tục được cung cấp dịch vụ công trực tuyến toàn trình ở Hà Giang và ở Quảng Nam khác nhau thế nào?", 1)
    page.locator("#filters summary").click()
    page.fill("#province", "Tuyên Quang")
    page.evaluate("([table]) => renderAnswer(document.querySelector('.turn.bot'), 'x', [], table, null)", [TREND])
    found = [v for v in axe_violations(page) if v[1] in ("serious", "critical")]
    assert found == [], found
    bot.locator(".chip").first.click()
    page.locator("#source-context mark").wait_for()
    found = [v for v in axe_violations(page) if v[1] in ("serious", "critical")]
    assert found == [], found
    page.context.close()
