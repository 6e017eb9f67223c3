// Chat page for cchc-assistant: asking, errors, filters and conversations; answers are drawn by
// render.js, sources and suggestions by sources.js, words from i18n.js, storage by store.js.
// Everything from documents and the server is inserted as text, never HTML.
"use strict";

let lang = localStorage.getItem("cchc-lang") === "en" ? "en" : "vi";
let busy = false;
let current = null;  // the open conversation (store.js), null until its first answer
const $ = (id) => document.getElementById(id);
const tr = (key, values = {}) => I18N[lang][key].replace(/\{(\w+)\}/g, (_, k) => values[k] ?? "");

// A server with query keys configured answers 401: ask for the key once and keep it for this
// browser session only (sessionStorage: gone when the tab closes, never in localStorage).
// Accept-Language is the page's language, so the API's refusals come in it.
const KEY_PROMPT = { vi: "Máy chủ này cần khóa API. Nhập khóa của bạn:", en: "This server needs an API key. Enter your key:" };
async function api(url, opts = {}) {
  for (let attempt = 0; attempt < 2; attempt++) {
    const key = sessionStorage.getItem("cchc-key");
    const headers = { "Accept-Language": lang, ...(opts.headers || {}), ...(key ? { Authorization: `Bearer ${key}` } : {}) };
    const r = await fetch(url, { ...opts, headers });
    if (r.status !== 401 || attempt === 1) return r;
    const typed = window.prompt(KEY_PROMPT[lang]);
    if (!typed || !typed.trim()) return r;
    sessionStorage.setItem("cchc-key", typed.trim());
  }
}

function applyLanguage() {
  const t = I18N[lang];
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-i18n]").forEach((n) => { n.textContent = t[n.dataset.i18n]; });
  document.querySelectorAll("[data-i18n-placeholder]").forEach((n) => { n.placeholder = t[n.dataset.i18nPlaceholder]; });
  $("lang").textContent = t.lang;
  $("lang").setAttribute("aria-label", t.langLabel);  // the name starts with the visible text
  $("close-card").setAttribute("aria-label", t.close);
  const list = $("examples");
  list.replaceChildren();
  for (const q of t.examples) {
    const b = el("button", { type: "button", class: "example" }, q);
    b.addEventListener("click", () => { $("question").value = q; ask(); });
    list.appendChild(el("li")).appendChild(b);
  }
  renderChips();
  renderList();
}

// --- answers -------------------------------------------------------------------------------

function labels() {
  const t = I18N[lang];
  return { csv: t.csv, copied: t.copied, table: t.table, chart: t.chart, copyFailed: t.copyFailed };
}

// The answer's blocks as Markdown; the rewritten question of a follow-up above it when the
// text does not already say it.
function renderAnswer(container, answer, citations, table, standalone) {
  // Skipped only when the answer itself opens by saying it (an italic line naming the question);
  // another italic opening (a province's new name) is no such line.
  const said = (answer.match(/^_([^\n]*)_\s*(\n|$)/) || [])[1] || "";
  if (standalone && !said.includes(standalone)) container.appendChild(el("p", { class: "understood" }, I18N[lang].understood + standalone));
  renderMarkdown(container, answer, { citations, table, chipFor, standalone, labels: labels() });
}

function plainAnswer(data) {
  const lines = [data.answer.replace(/\*\*/g, "")];
  for (const c of data.citations) lines.push(`[${c.n}] ${c.title} — ${citationMeta(c)} ${c.url || ""}`.trim());
  return lines.join("\n");
}

async function sendFeedback(question, data, rating, comment) {
  try {
    const r = await api("/v1/feedback", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ question, answer: data.answer, citations: data.citations, rating, comment: comment || null }),
    });
    return r.ok;
  } catch (_) { return false; }
}

// Thumb icons as inline SVG: emoji need a colour-emoji font, which not every machine has.
const THUMB = "M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L14.17 1 7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z";
function thumb(down) {
  const icon = svg("svg", { viewBox: "0 0 24 24", width: 18, height: 18, "aria-hidden": "true", ...(down ? { transform: "rotate(180)" } : {}) });
  icon.appendChild(svg("path", { d: THUMB, fill: "currentColor" }));
  return icon;
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
    form.append(label, el("button", { type: "submit" }, t.sendfb));
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

// One question and its answer, as a fresh answer or from a stored conversation.
function drawAnswer(bot, question, data) {
  bot.replaceChildren();
  bot.removeAttribute("aria-busy");
  bot.classList.toggle("declined", !data.answerable);
  renderAnswer(bot, data.answer, data.citations, data.table, data.standalone_question);
  if (data.citations.length) {
    const list = el("ol", { class: "sources", "aria-label": I18N[lang].sources });
    for (const c of data.citations) {
      const b = el("button", { type: "button", class: "source" }, `[${c.n}] ${c.title} — ${citationMeta(c)}`);
      b.addEventListener("click", () => openSource(c, b));
      list.appendChild(el("li")).appendChild(b);
    }
    bot.appendChild(list);
  }
  for (const w of data.warnings || []) bot.appendChild(el("p", { class: "warning" }, w));
  bot.appendChild(answerActions(question, data));
  if (!data.answerable && !data.citations.length) linkTitles(bot);
}

function addTurn(question, filters) {
  $("empty").hidden = true;
  const user = el("div", { class: "turn user" }, question);
  const chips = filterChips(filters, false);
  if (chips) user.appendChild(chips);
  const bot = el("div", { class: "turn bot" });
  $("conversation").append(user, bot);
  return { user, bot };
}

function setBusy(on) {
  busy = on;
  $("send").disabled = on;
  $("ask-form").setAttribute("aria-busy", String(on));
  $("status").textContent = on ? I18N[lang].loading : "";
}

// A failure never loses the question: it goes back into the box, and Retry sends it again.
function showError(bot, user, message, question) {
  bot.replaceChildren(el("p", { class: "error", role: "alert" }, message));
  bot.removeAttribute("aria-busy");
  bot.classList.add("failed");
  if (!$("question").value.trim()) $("question").value = question;
  const retry = el("button", { type: "button", class: "retry" }, I18N[lang].retry);
  // Retry reads the filters as they are now: a refused filter can be removed first.
  retry.addEventListener("click", () => { user.remove(); bot.remove(); ask(question); });
  bot.appendChild(retry);
}

function refusal(body) {
  if (!body) return "";
  if (typeof body.message === "string") return body.message;
  if (typeof body.detail === "string") return body.detail;
  if (body.detail && typeof body.detail.message === "string") return body.detail.message;
  return "";
}

async function readStream(r, bot) {
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
  return data;
}

function currentFilters() {
  const filters = {};
  for (const k of ["province", "since", "until"]) if ($(k).value.trim()) filters[k] = $(k).value.trim();
  return filters;
}

async function ask(retryQuestion) {
  if (busy) return;
  const question = (retryQuestion || $("question").value).trim();
  if (!question) return;
  const filters = currentFilters();
  const history = (current ? current.turns : []).flatMap((t) => [
    { role: "user", content: t.question }, { role: "assistant", content: t.data.answer }]);
  const { user, bot } = addTurn(question, filters);
  bot.setAttribute("aria-busy", "true");
  bot.textContent = I18N[lang].thinking;
  if ($("question").value.trim() === question) $("question").value = "";
  setBusy(true);
  user.scrollIntoView({ block: "start" });
  try {
    if (!navigator.onLine) throw new TypeError("offline");
    const r = await api("/v1/ask", {
      method: "POST", headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify({ question, history, filters, stream: true }),
    });
    if (!r.ok) {
      let body = null;
      try { body = await r.json(); } catch (_) { /* not JSON: a proxy's page */ }
      const msg = r.status >= 500 ? tr("errServer", { s: r.status }) : tr("errRefused", { m: refusal(body) || r.status });
      showError(bot, user, msg, question);
      return;
    }
    const data = await readStream(r, bot);
    if (!data) { showError(bot, user, I18N[lang].errCut, question); return; }
    drawAnswer(bot, question, data);
    suggest(bot, data);
    if (!current) current = Conversations.create(question);
    const turn = { question, filters, data };
    current.turns.push(turn);
    Conversations.addTurn(current.id, turn);
    renderList();
  } catch (e) {
    const msg = !navigator.onLine ? I18N[lang].errOffline : e instanceof TypeError ? I18N[lang].errDown : tr("errServer", { s: e.name || "?" });
    showError(bot, user, msg, question);
  } finally {
    setBusy(false);
    // The new answer comes into view from its top, above the question box.
    bot.scrollIntoView({ block: "start" });
  }
}

// --- filters as chips ----------------------------------------------------------------------

function filterChips(filters, removable) {
  const keys = Object.keys(filters).filter((k) => filters[k]);
  if (!keys.length) return null;
  const box = el("ul", { class: "filter-chips" });
  for (const k of keys) {
    const text = `${I18N[lang][k]}: ${filters[k]}`;
    const li = el("li", { class: "filter-chip" });
    li.appendChild(el("span", {}, text));
    if (removable) {
      const x = el("button", { type: "button", class: "remove-filter", "aria-label": `${I18N[lang].removeFilter} ${text}` }, "×");
      x.addEventListener("click", () => { $(k).value = ""; renderChips(); $("question").focus(); });
      li.appendChild(x);
    }
    box.appendChild(li);
  }
  return box;
}

function renderChips() {
  const filters = currentFilters();
  const chips = filterChips(filters, true);
  $("active-filters").replaceChildren(...(chips ? [chips] : []));
  const n = Object.keys(filters).length;
  $("filter-count").textContent = n ? `(${n})` : "";
}
for (const k of ["province", "since", "until"]) $(k).addEventListener("input", renderChips);

// --- conversations -------------------------------------------------------------------------

function renderList() {
  const list = $("conversation-list");
  const all = Conversations.all().sort((a, b) => b.updated - a.updated);
  list.replaceChildren();
  if (!all.length) list.appendChild(el("li", { class: "muted" }, I18N[lang].empty));
  for (const conv of all) {
    const li = el("li", { class: "conv" + (current && conv.id === current.id ? " current" : "") });
    const open = el("button", { type: "button", class: "open-conv", ...(current && conv.id === current.id ? { "aria-current": "true" } : {}) }, conv.title);
    open.addEventListener("click", () => { openConversation(conv.id); closeSideOnPhone(); });
    const rename = el("button", { type: "button", class: "rename-conv", "aria-label": `${I18N[lang].rename}: ${conv.title}`, title: I18N[lang].rename }, "✎");
    rename.addEventListener("click", () => startRename(li, conv));
    const remove = el("button", { type: "button", class: "delete-conv", "aria-label": `${I18N[lang].remove}: ${conv.title}`, title: I18N[lang].remove }, "×");
    remove.addEventListener("click", () => {
      if (!window.confirm(tr("confirmRemove", { t: conv.title }))) return;
      Conversations.remove(conv.id);
      if (current && current.id === conv.id) newConversation();
      renderList();
      $("new-chat").focus();
    });
    li.append(open, rename, remove);
    list.appendChild(li);
  }
  $("export").disabled = !(current && current.turns.length);
}

function startRename(li, conv) {
  const input = el("input", { type: "text", class: "rename-input", "aria-label": I18N[lang].rename, maxlength: "120" });
  input.value = conv.title;
  li.replaceChildren(input);
  input.focus();
  input.select();
  let finished = false;
  const finish = (save) => {
    if (finished) return;
    finished = true;
    if (save) Conversations.rename(conv.id, input.value);
    if (current && current.id === conv.id) current = Conversations.get(conv.id);
    renderList();
  };
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") { e.preventDefault(); finish(true); }
    else if (e.key === "Escape") { e.stopPropagation(); finish(false); }
  });
  input.addEventListener("blur", () => finish(true));
}

function openConversation(id) {
  const conv = Conversations.get(id);
  if (!conv) return;
  current = conv;
  Conversations.setCurrent(id);
  $("conversation").querySelectorAll(".turn").forEach((n) => n.remove());
  $("empty").hidden = conv.turns.length > 0;
  for (const turn of conv.turns) drawAnswer(addTurn(turn.question, turn.filters || {}).bot, turn.question, turn.data);
  renderList();
  const last = $("conversation").querySelector(".turn.bot:last-child");
  if (last) last.scrollIntoView({ block: "start" });
}

function newConversation() {
  current = null;
  Conversations.setCurrent(null);
  $("conversation").querySelectorAll(".turn").forEach((n) => n.remove());
  $("empty").hidden = false;
  renderList();
}

function exportConversation() {
  if (!current) return;
  const blob = new Blob([conversationMarkdown(current, I18N[lang])], { type: "text/markdown;charset=utf-8" });
  const a = el("a", { href: URL.createObjectURL(blob), download: `${current.title.replace(/[\\/:*?"<>|]+/g, " ").slice(0, 60).trim() || "conversation"}.md` });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

const phone = () => window.matchMedia("(max-width: 52rem)").matches;
function closeSideOnPhone() {
  if (!phone()) return;
  document.body.classList.remove("side-open");
  $("toggle-list").setAttribute("aria-expanded", "false");
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

function showOnline() { $("offline").hidden = navigator.onLine; }

$("ask-form").addEventListener("submit", (e) => { e.preventDefault(); ask(); });
$("question").addEventListener("keydown", (e) => { if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); ask(); } });
$("new-chat").addEventListener("click", () => { newConversation(); closeSideOnPhone(); $("question").focus(); });
$("export").addEventListener("click", exportConversation);
$("close-card").addEventListener("click", closeSource);
// Tab and Shift+Tab stay inside the open card; Escape closes it.
$("source-card").addEventListener("keydown", (e) => {
  if (e.key !== "Tab") return;
  const items = [...$("source-card").querySelectorAll(FOCUSABLE)].filter((n) => !n.hidden);
  if (!items.length) return;
  const first = items[0], last = items[items.length - 1];
  if (e.shiftKey && (document.activeElement === first || !$("source-card").contains(document.activeElement))) { e.preventDefault(); last.focus(); }
  else if (!e.shiftKey && document.activeElement === last) { e.preventDefault(); first.focus(); }
});
$("toggle-list").addEventListener("click", () => {
  const open = document.body.classList.toggle("side-open");
  $("toggle-list").setAttribute("aria-expanded", String(open));
});
document.addEventListener("keydown", (e) => {
  if (e.key !== "Escape") return;
  if (!$("source-card").hidden) closeSource();
  else closeSideOnPhone();
});
$("lang").addEventListener("click", () => { lang = lang === "vi" ? "en" : "vi"; localStorage.setItem("cchc-lang", lang); applyLanguage(); });
window.addEventListener("online", showOnline);
window.addEventListener("offline", showOnline);
applyLanguage();
showOnline();
loadProvinces();
if (Conversations.currentId()) openConversation(Conversations.currentId());
