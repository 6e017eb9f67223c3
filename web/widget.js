/* The embeddable chat for provincial portals: one tag on any page,
 *   <script src="https://cchc.example.gov.vn/static/widget.js" defer></script>
 * adds a button that opens a small chat with the assistant of the server the script came from.
 * It calls that server's POST /v1/ask across origins, so the page's origin must be listed in
 * CCHC_CORS_ORIGINS (the browser refuses the answer otherwise). Everything lives in a shadow
 * root (the portal's CSS cannot break it, ours cannot leak), and answers and sources are set as
 * text, never as HTML: a document's text cannot run script on the portal.
 * Optional attributes on the tag: data-lang="en", data-key="<query key>" (for a deployment
 * with query keys; it is visible to anyone who views the page, so use a key meant for that). */
(() => {
  const script = document.currentScript;
  if (!script || window.__cchcWidget) return;
  window.__cchcWidget = true;
  const base = new URL(script.src).origin;
  const en = (script.dataset.lang || document.documentElement.lang || "vi").startsWith("en");
  const t = en
    ? { open: "Ask about administrative reform", title: "Administrative reform assistant", send: "Ask",
        placeholder: "Your question…", wait: "Looking in the documents…", sources: "Sources", page: "p.",
        ocr: "text recognised from a scanned image", confidence: "confidence",
        failed: "The assistant could not be reached. Please try again.", close: "Close" }
    : { open: "Hỏi về cải cách hành chính", title: "Trợ lý cải cách hành chính", send: "Hỏi",
        placeholder: "Câu hỏi của bạn…", wait: "Đang tìm trong tài liệu…", sources: "Nguồn", page: "tr.",
        ocr: "văn bản nhận dạng từ ảnh", confidence: "độ tin cậy",
        failed: "Không kết nối được trợ lý. Xin thử lại.", close: "Đóng" };
  const history = [];

  const host = document.createElement("div");
  host.id = "cchc-widget";
  const root = host.attachShadow({ mode: "open" });
  // The style as a constructed sheet, not an inline <style>: a portal whose Content-Security-Policy
  // forbids inline styles (no 'unsafe-inline' in style-src) still gets a styled widget.
  const css = `
    :host { all: initial; }
    * { box-sizing: border-box; font: 15px/1.45 system-ui, sans-serif; }
    .open { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; border: 0; border-radius: 24px;
            padding: 12px 18px; background: #b3261e; color: #fff; cursor: pointer; box-shadow: 0 2px 8px #0004; }
    .panel { position: fixed; right: 20px; bottom: 76px; z-index: 2147483000; width: min(380px, calc(100vw - 40px));
             height: min(520px, calc(100vh - 100px)); display: flex; flex-direction: column; background: #fff;
             color: #1d1b20; border-radius: 12px; box-shadow: 0 4px 24px #0005; overflow: hidden; }
    .panel[hidden] { display: none; }
    header { display: flex; justify-content: space-between; align-items: center; padding: 10px 14px;
             background: #b3261e; color: #fff; font-weight: 600; }
    header button { background: none; border: 0; color: #fff; font-size: 20px; cursor: pointer; }
    .log { flex: 1; overflow-y: auto; padding: 12px; }
    .q { margin: 8px 0; text-align: right; color: #49454f; }
    .a { margin: 8px 0; white-space: pre-wrap; }
    .src { margin: 4px 0 12px; padding-left: 18px; font-size: 13px; }
    .src a { color: #0b57d0; }
    form { display: flex; gap: 6px; padding: 10px; border-top: 1px solid #ddd; }
    input { flex: 1; padding: 8px; border: 1px solid #999; border-radius: 6px; }
    form button { padding: 8px 14px; border: 0; border-radius: 6px; background: #b3261e; color: #fff; cursor: pointer; }
    form button:disabled { opacity: .6; }
  `;
  root.innerHTML = `<button class="open" type="button"></button>
  <section class="panel" role="dialog" hidden>
    <header><span class="title"></span><button class="close" type="button">×</button></header>
    <div class="log" aria-live="polite"></div>
    <form><input name="q" autocomplete="off" maxlength="2000" required><button type="submit"></button></form>
  </section>`;
  if ("adoptedStyleSheets" in root && typeof CSSStyleSheet === "function" && "replaceSync" in CSSStyleSheet.prototype) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
  } else {
    root.appendChild(document.createElement("style")).textContent = css;
  }
  const $ = (sel) => root.querySelector(sel);
  const panel = $(".panel"), log = $(".log"), form = $("form"), input = $("input"), send = $("form button");
  $(".open").textContent = t.open;
  $(".title").textContent = t.title;
  $(".close").setAttribute("aria-label", t.close);
  panel.setAttribute("aria-label", t.title);
  input.placeholder = t.placeholder;
  send.textContent = t.send;
  $(".open").addEventListener("click", () => { panel.hidden = !panel.hidden; if (!panel.hidden) input.focus(); });
  $(".close").addEventListener("click", () => { panel.hidden = true; });

  const line = (cls, text) => {
    const el = document.createElement("div");
    el.className = cls;
    el.textContent = text;
    log.appendChild(el);
    log.scrollTop = log.scrollHeight;
    return el;
  };

  // The answer as a reader sees it in a plain text box: the service writes Markdown (bold
  // figures, italic notes, a comparison as a table), which the chat page renders and this small
  // widget flattens, still as text only: "**672**" -> "672", a table row -> "Hà Giang: 672 — …".
  const plain = (markdown) => {
    const out = [];
    const lines = markdown.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i];
      if (/^\s*\|/.test(l)) {
        const cells = l.trim().replace(/^\||\|$/g, "").split("|").map((c) => c.trim());
        if (cells.every((c) => /^:?-{2,}:?$/.test(c))) continue;  // the rule under the header
        if (/^\s*\|(\s*:?-{2,}:?\s*\|)+\s*$/.test(lines[i + 1] || "")) continue;  // the header row
        out.push(cells.length > 1 ? `${cells[0]}: ${cells.slice(1).join(" — ")}` : cells[0]);
        continue;
      }
      out.push(l.replace(/^#{1,6}\s+/, "").replace(/^_(.+)_$/, "$1"));
    }
    return out.join("\n").replace(/\*\*([^*\n]+)\*\*/g, "$1").replace(/\n{3,}/g, "\n\n");
  };
  // A date as the answer writes it: "19/7/2023" in Vietnamese.
  const dated = (iso) => {
    const [y, m, d] = String(iso).split("-").map(Number);
    return !en && d ? `${d}/${m}/${y}` : iso;
  };

  const safeHref = (url) => {
    try { const u = new URL(url); return ["http:", "https:"].includes(u.protocol) ? u.href : null; } catch { return null; }
  };

  const sources = (citations) => {
    if (!citations.length) return;
    const list = document.createElement("ol");
    list.className = "src";
    list.setAttribute("aria-label", t.sources);
    for (const c of citations) {
      const item = document.createElement("li");
      const href = safeHref(c.url || "");
      // The date, and where the quote sits when the citation says (a legal article, a PDF page).
      const meta = [c.published ? dated(c.published) : null, c.path, c.page ? `${t.page} ${c.page}` : null].filter(Boolean).join(", ");
      // A quote read from a scan says so, with Tesseract's confidence: its figures may be misread.
      const ocr = c.ocr ? t.ocr + (typeof c.ocr_confidence === "number" ? `, ${t.confidence} ${Math.round(c.ocr_confidence * 100)}%` : "") : "";
      const label = `${c.title || c.doc_id}${meta || ocr ? ` (${[meta, ocr].filter(Boolean).join(" · ")})` : ""}`;
      if (href) {
        const a = document.createElement("a");
        a.href = href; a.target = "_blank"; a.rel = "noopener noreferrer"; a.textContent = label;
        a.title = c.quote || "";
        item.appendChild(a);
      } else {
        item.textContent = label;
      }
      list.appendChild(item);
    }
    log.appendChild(list);
    log.scrollTop = log.scrollHeight;
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const question = input.value.trim();
    if (!question) return;
    line("q", question);
    const pending = line("a", t.wait);
    send.disabled = true;
    try {
      const headers = { "Content-Type": "application/json", "Accept-Language": en ? "en" : "vi" };
      if (script.dataset.key) headers.Authorization = `Bearer ${script.dataset.key}`;
      const r = await fetch(`${base}/v1/ask`, {
        method: "POST", headers, body: JSON.stringify({ question, history: history.slice(-10) }),
      });
      const body = await r.json();
      if (!r.ok) { pending.textContent = body.message || (typeof body.detail === "string" ? body.detail : t.failed); return; }
      pending.textContent = plain(body.answer);
      sources(body.citations || []);
      history.push({ role: "user", content: question }, { role: "assistant", content: body.answer });
      input.value = "";
    } catch {
      pending.textContent = t.failed;  // offline, or this page's origin is not in CCHC_CORS_ORIGINS
    } finally {
      send.disabled = false;
    }
  });

  (document.body || document.documentElement).appendChild(host);
})();
