// Chat page for cchc-assistant. Everything from documents is inserted as text, never HTML.
"use strict";

const I18N = {
  vi: {
    title: "Trợ lý cải cách hành chính", intro: "Hỏi về số liệu và sự kiện cải cách hành chính. Mọi câu trả lời đều kèm trích dẫn nguyên văn.",
    question: "Câu hỏi", placeholder: "Ví dụ: Tỷ lệ TTHC trực tuyến toàn trình của Hà Giang?", filters: "Bộ lọc",
    province: "Tỉnh/thành", since: "Từ ngày", until: "Đến ngày", newchat: "Cuộc trò chuyện mới", send: "Hỏi",
    thinking: "Đang tìm trong tài liệu…", error: "Lỗi", sources: "Nguồn", open: "Mở bài gốc", lang: "EN",
    copy: "Sao chép", copied: "Đã chép", up: "Câu trả lời hữu ích", down: "Câu trả lời chưa đúng", comment: "Góp ý (không bắt buộc)",
    sendfb: "Gửi góp ý", thanks: "Cảm ơn góp ý của bạn.", close: "Đóng",
    examples: [
      "Tỷ lệ thủ tục trực tuyến toàn trình của Hà Giang?",
      "PAR Index 2023 của TX Kỳ Anh là bao nhiêu điểm?",
      "So sánh số TTHC trực tuyến toàn trình của Hà Giang và Quảng Nam",
    ],
  },
  en: {
    title: "Administrative reform assistant", intro: "Ask about Vietnamese administrative reform figures and events. Every answer quotes its source verbatim.",
    question: "Question", placeholder: "e.g. What share of procedures are fully online in Hà Giang?", filters: "Filters",
    province: "Province", since: "From", until: "To", newchat: "New chat", send: "Ask",
    thinking: "Searching the documents…", error: "Error", sources: "Sources", open: "Open the original", lang: "VI",
    copy: "Copy", copied: "Copied", up: "Helpful answer", down: "Wrong or unhelpful answer", comment: "Comment (optional)",
    sendfb: "Send feedback", thanks: "Thank you for your feedback.", close: "Close",
    examples: [
      "What share of procedures are fully online in Hà Giang?",
      "What PAR Index score did Kỳ Anh town get in 2023?",
      "How many applications did Quảng Nam receive in January 2025?",
    ],
  },
};

let lang = localStorage.getItem("cchc-lang") || "vi";
let history = [];
const $ = (id) => document.getElementById(id);

// A server with query keys configured answers 401: ask for the key once and keep it for this
// browser session only (sessionStorage: gone when the tab closes, never in localStorage).
const KEY_PROMPT = { vi: "Máy chủ này cần khóa API. Nhập khóa của bạn:", en: "This server needs an API key. Enter your key:" };
async function api(url, opts = {}) {
  for (let attempt = 0; attempt < 2; attempt++) {
    const key = sessionStorage.getItem("cchc-key");
    const headers = { ...(opts.headers || {}), ...(key ? { Authorization: `Bearer ${key}` } : {}) };
    const r = await fetch(url, { ...opts, headers });
    if (r.status !== 401 || attempt === 1) return r;
    const typed = window.prompt(KEY_PROMPT[lang] || KEY_PROMPT.vi);
    if (!typed || !typed.trim()) return r;
    sessionStorage.setItem("cchc-key", typed.trim());
  }
}

function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function applyLanguage() {
  const t = I18N[lang];
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-i18n]").forEach((n) => { n.textContent = t[n.dataset.i18n]; });
  document.querySelectorAll("[data-i18n-placeholder]").forEach((n) => { n.placeholder = t[n.dataset.i18nPlaceholder]; });
  $("lang").textContent = t.lang;
  $("close-card").setAttribute("aria-label", t.close);
  const list = $("examples");
  list.replaceChildren();
  for (const q of t.examples) {
    const li = el("li");
    const b = el("button", { type: "button", class: "example" }, q);
    b.addEventListener("click", () => { $("question").value = q; ask(); });
    li.appendChild(b);
    list.appendChild(li);
  }
}

function chipFor(c) {
  const chip = el("button", { type: "button", class: "chip", "aria-label": `${I18N[lang].sources} ${c.n}: ${c.title}` }, String(c.n));
  chip.addEventListener("click", () => openSource(c));
  return chip;
}

// A comparison or trend (the answer object's `table`) as a real table; cells are text.
function renderTable(table, citations) {
  const byN = new Map(citations.map((c) => [c.n, c]));
  const t = el("table", { class: "answer-table" });
  const head = el("tr", {});
  for (const c of table.columns) head.appendChild(el("th", { scope: "col" }, c));
  t.appendChild(el("thead", {})).appendChild(head);
  const body = el("tbody", {});
  table.rows.forEach((row, i) => {
    const tr = el("tr", {});
    row.forEach((cell, j) => {
      const td = el(j === 0 ? "th" : "td", j === 0 ? { scope: "row" } : {}, cell || "—");
      if (j === row.length - 1) for (const n of table.citations[i] || []) if (byN.has(n)) td.appendChild(chipFor(byN.get(n)));
      tr.appendChild(td);
    });
    body.appendChild(tr);
  });
  t.appendChild(body);
  return t;
}

// Renders the answer's blocks: "_Đã hiểu câu hỏi là: …_" in italics, the Markdown table of a
// composed answer as a table, and the rest inline. Nothing from the server becomes HTML.
function renderAnswer(container, answer, citations, table) {
  let after = null;  // what the previous block was: null (none), "table" or "text"
  answer.split("\n\n").forEach((block) => {
    const isTable = Boolean(table) && block.startsWith("| ");
    // Blank lines between text blocks; a table is a block of its own and needs none.
    if (after === "text" && !isTable) container.appendChild(document.createTextNode("\n\n"));
    after = isTable ? "table" : "text";
    const understood = block.match(/^_([^\n]+)_$/);
    if (isTable) container.appendChild(renderTable(table, citations));
    else if (understood) container.appendChild(el("em", { class: "understood" }, understood[1]));
    else renderInline(container, block, citations);
  });
}

// Renders "**35,48%** — text [1]" as text nodes, <strong> and citation chips.
function renderInline(container, answer, citations) {
  const byN = new Map(citations.map((c) => [c.n, c]));
  const parts = answer.split(/(\*\*[^*]+\*\*|\[\d+\])/g);
  for (const part of parts) {
    if (!part) continue;
    const bold = part.match(/^\*\*([^*]+)\*\*$/);
    const ref = part.match(/^\[(\d+)\]$/);
    if (bold) container.appendChild(el("strong", {}, bold[1]));
    else if (ref && byN.has(Number(ref[1]))) container.appendChild(chipFor(byN.get(Number(ref[1]))));
    // A quote's own asterisks come escaped ("\\*"): shown as written, never as bold.
    else container.appendChild(document.createTextNode(part.replace(/\\([*\\(<])/g, "$1")));
  }
}

async function openSource(c) {
  $("source-title").textContent = c.title;
  $("source-meta").textContent = [c.source, c.published].filter(Boolean).join(" · ");
  const link = $("source-link");
  if (c.url && /^https?:\/\//.test(c.url)) { link.href = c.url; link.textContent = I18N[lang].open; link.hidden = false; }
  else link.hidden = true;
  const box = $("source-context");
  box.replaceChildren(el("mark", {}, c.quote));
  $("source-card").hidden = false;
  $("close-card").focus();
  try {
    const r = await api(`/v1/documents/${encodeURIComponent(c.doc_id)}`);
    if (!r.ok) return;
    const doc = await r.json();
    if (doc.text.slice(c.start, c.end) !== c.quote) return;
    const from = Math.max(0, doc.text.lastIndexOf("\n", c.start - 400) + 1);
    const to = Math.min(doc.text.length, c.end + 400);
    box.replaceChildren(
      document.createTextNode((from > 0 ? "… " : "") + doc.text.slice(from, c.start)),
      el("mark", {}, c.quote),
      document.createTextNode(doc.text.slice(c.end, to) + (to < doc.text.length ? " …" : "")),
    );
  } catch (_) { /* the quote alone is already shown */ }
}

function plainAnswer(data) {
  const lines = [data.answer.replace(/\*\*/g, "")];
  for (const c of data.citations) lines.push(`[${c.n}] ${c.title} — ${[c.source, c.published].filter(Boolean).join(", ")} ${c.url || ""}`.trim());
  return lines.join("\n");
}

async function sendFeedback(question, data, rating, comment) {
  const r = await api("/v1/feedback", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ question, answer: data.answer, citations: data.citations, rating, comment: comment || null }),
  });
  return r.ok;
}

// Thumb icons as inline SVG: emoji need a colour-emoji font, which not every machine has.
const THUMB = "M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L14.17 1 7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z";
function thumb(down) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", "18");
  svg.setAttribute("height", "18");
  svg.setAttribute("aria-hidden", "true");
  if (down) svg.setAttribute("transform", "rotate(180)");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", THUMB);
  path.setAttribute("fill", "currentColor");
  svg.appendChild(path);
  return svg;
}

// Copy, thumbs up, thumbs down (with an optional comment) under each answer.
function answerActions(question, data) {
  const t = I18N[lang];
  const bar = el("div", { class: "answer-actions" });
  const copy = el("button", { type: "button", class: "copy" }, t.copy);
  copy.addEventListener("click", async () => {
    try { await navigator.clipboard.writeText(plainAnswer(data)); copy.textContent = t.copied; } catch (_) { /* clipboard refused */ }
  });
  const up = el("button", { type: "button", class: "rate up", "aria-label": t.up, title: t.up, "aria-pressed": "false" });
  const down = el("button", { type: "button", class: "rate down", "aria-label": t.down, title: t.down, "aria-pressed": "false" });
  up.appendChild(thumb(false));
  down.appendChild(thumb(true));
  const status = el("span", { class: "fb-status", role: "status" });
  const done = () => { up.disabled = true; down.disabled = true; status.textContent = t.thanks; };
  up.addEventListener("click", async () => { up.setAttribute("aria-pressed", "true"); if (await sendFeedback(question, data, "up")) done(); });
  down.addEventListener("click", () => {
    down.setAttribute("aria-pressed", "true");
    if (bar.querySelector(".fb-form")) return;
    const form = el("form", { class: "fb-form" });
    const label = el("label", {}, t.comment);
    const box = el("input", { type: "text", maxlength: "4000", class: "fb-comment" });
    label.appendChild(box);
    const submit = el("button", { type: "submit" }, t.sendfb);
    form.append(label, submit);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (await sendFeedback(question, data, "down", box.value.trim())) { form.remove(); done(); }
    });
    bar.appendChild(form);
    box.focus();
  });
  bar.append(copy, up, down, status);
  return bar;
}

async function loadProvinces() {
  try {
    const r = await api("/v1/provinces");
    const list = $("province-list");
    for (const p of (await r.json()).provinces) {
      for (const name of [p.name, ...p.old_names.filter((n) => n !== p.name)]) list.appendChild(el("option", { value: name }));
    }
  } catch (_) { /* free text still works */ }
}

async function ask() {
  const question = $("question").value.trim();
  if (!question) return;
  $("empty").hidden = true;
  const conv = $("conversation");
  conv.appendChild(el("div", { class: "turn user" }, question));
  const bot = el("div", { class: "turn bot", "aria-busy": "true" }, I18N[lang].thinking);
  conv.appendChild(bot);
  $("question").value = "";
  const filters = {};
  for (const k of ["province", "since", "until"]) if ($(k).value) filters[k] = $(k).value;
  try {
    const r = await api("/v1/ask", {
      method: "POST", headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify({ question, history, filters, stream: true }),
    });
    if (!r.ok) {
      const err = await r.json();
      bot.removeAttribute("aria-busy");
      bot.textContent = `${I18N[lang].error}: ${typeof err.detail === "string" ? err.detail : JSON.stringify(err.detail)}`;
      return;
    }
    // Server-sent events: "token" drafts while an LLM writes, then "final", the verified
    // answer that replaces the draft (it may differ: a rejected draft is never kept).
    const reader = r.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "", draft = "", data = null;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const event = (block.match(/^event: (.*)$/m) || [])[1];
        const payload = JSON.parse((block.match(/^data: (.*)$/m) || [])[1] || "null");
        if (event === "token") { draft += payload.text; bot.textContent = draft; }
        else if (event === "final") data = payload;
      }
    }
    bot.textContent = "";
    bot.removeAttribute("aria-busy");
    if (!data) { bot.textContent = I18N[lang].error; return; }
    if (!data.answerable) bot.classList.add("declined");
    renderAnswer(bot, data.answer, data.citations, data.table);
    if (data.citations.length) {
      const list = el("div", { class: "sources" });
      for (const c of data.citations) {
        const b = el("button", { type: "button", class: "source" }, `[${c.n}] ${c.title} — ${[c.source, c.published].filter(Boolean).join(", ")}`);
        b.addEventListener("click", () => openSource(c));
        list.appendChild(b);
      }
      bot.appendChild(list);
    }
    for (const w of data.warnings || []) bot.appendChild(el("p", { class: "warning" }, w));
    bot.appendChild(answerActions(question, data));
    history.push({ role: "user", content: question }, { role: "assistant", content: data.answer });
  } catch (e) {
    bot.textContent = `${I18N[lang].error}: ${e}`;
  }
  bot.scrollIntoView({ block: "nearest" });
}

$("ask-form").addEventListener("submit", (e) => { e.preventDefault(); ask(); });
$("question").addEventListener("keydown", (e) => { if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); ask(); } });
$("new-chat").addEventListener("click", () => { history = []; $("conversation").replaceChildren(); $("empty").hidden = false; $("question").focus(); });
$("close-card").addEventListener("click", () => { $("source-card").hidden = true; });
document.addEventListener("keydown", (e) => { if (e.key === "Escape") $("source-card").hidden = true; });
$("lang").addEventListener("click", () => { lang = lang === "vi" ? "en" : "vi"; localStorage.setItem("cchc-lang", lang); applyLanguage(); });
applyLanguage();
loadProvinces();
