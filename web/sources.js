// What the documents hold, on the chat page: citations and the source card, a decline's
// closest documents as links, and follow-ups suggested from the facts behind a citation.
// Loaded before app.js, whose globals (lang, I18N, api, $) these functions use when called.
"use strict";

// --- citations and the source card -------------------------------------------------------

const isUpload = (c) => /^(upload:|file-)/.test(c.doc_id || "") && !c.url;
function citedDate(c) {
  if (!c.published) return I18N[lang].undated;
  const [y, m, d] = c.published.split("-").map(Number);
  if (!d) return c.published;
  // As the answer text writes it: "ngày 19/7/2023", "19 July 2023".
  return lang === "vi" ? `${I18N.vi.dated} ${d}/${m}/${y}`
    : new Date(Date.UTC(y, m - 1, d)).toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
}
// Where the quote sits ("Điều 2, Khoản 1, tr. 3") and whether its text was read from a scan;
// each only when the citation carries it (legal documents, PDFs, OCR).
function citedPlace(c, words = I18N[lang]) {
  const where = [c.path, c.page ? `${words.page} ${c.page}` : null].filter(Boolean).join(", ");
  const ocr = c.ocr ? words.ocr + (typeof c.ocr_confidence === "number" ? ` (${words.confidence} ${Math.round(c.ocr_confidence * 100)}%)` : "") : "";
  return [where, ocr].filter(Boolean).join(" · ");
}
function citationMeta(c) {
  const said = [c.source || (isUpload(c) ? I18N[lang].uploaded : null), citedDate(c)].filter(Boolean).join(", ");
  return [said, citedPlace(c)].filter(Boolean).join(" · ");
}

function chipFor(c) {
  const chip = el("button", { type: "button", class: "chip", "aria-label": `${I18N[lang].sources} ${c.n}: ${c.title}` }, String(c.n));
  chip.addEventListener("click", () => openSource(c, chip));
  return chip;
}

let cardOpener = null;
const FOCUSABLE = "a[href]:not([hidden]), button:not([disabled]), [tabindex]:not([tabindex='-1'])";
function closeSource() {
  if ($("source-card").hidden) return;
  $("source-card").hidden = true;
  if (cardOpener && cardOpener.isConnected) cardOpener.focus();  // focus returns where it was
  cardOpener = null;
}

async function openSource(c, opener) {
  cardOpener = opener || document.activeElement;
  $("source-title").textContent = c.title;
  $("source-meta").textContent = citationMeta(c);
  const link = $("source-link");
  if (c.url && /^https?:\/\//.test(c.url)) { link.href = c.quote ? fragmentUrl(c.url, c.quote) : c.url; link.textContent = I18N[lang][c.quote ? "open" : "openDoc"]; link.hidden = false; }
  else { link.removeAttribute("href"); link.hidden = true; }
  const file = $("source-file");
  file.removeAttribute("href");
  file.hidden = true;
  const box = $("source-context");
  box.replaceChildren(...(c.quote ? [el("mark", {}, c.quote)] : []));
  $("source-card").hidden = false;
  $("close-card").focus();
  if (!c.quote) return;  // a whole document: openDocument fills the text
  try {
    const r = await api(`/v1/documents/${encodeURIComponent(c.doc_id)}`);
    if (!r.ok) return;
    const doc = await r.json();
    if (doc.file_name) {  // an uploaded file: offered by its name, as it was sent
      file.href = `/v1/documents/${encodeURIComponent(c.doc_id)}/original`;
      file.download = doc.file_name;
      file.textContent = `${I18N[lang].download}: ${doc.file_name}`;
      file.hidden = false;
    }
    if (doc.text.slice(c.start, c.end) !== c.quote) return;
    const from = Math.max(0, doc.text.lastIndexOf("\n", c.start - 1200) + 1);
    const to = Math.min(doc.text.length, c.end + 1200);
    box.replaceChildren(
      document.createTextNode((from > 0 ? "… " : "") + doc.text.slice(from, c.start)),
      el("mark", {}, c.quote),
      document.createTextNode(doc.text.slice(c.end, to) + (to < doc.text.length ? " …" : "")),
    );
  } catch (_) { /* the quote alone is already shown */ }
  // The card opens at its quote, on a phone as on a desktop: the context scrolls, the title stays.
  const mark = box.querySelector("mark");
  if (mark) box.scrollTop = Math.max(0, mark.offsetTop - box.clientHeight / 3);
}

// A whole document in the card (a decline's "closest documents"): its opening, its link.
async function openDocument(doc, opener) {
  await openSource({ ...doc, quote: "", start: 0, end: 0, n: 0 }, opener);
  try {
    const r = await api(`/v1/documents/${encodeURIComponent(doc.doc_id)}`);
    if (!r.ok) return;
    const full = await r.json();
    const head = full.text.slice(0, 1500);
    $("source-context").replaceChildren(document.createTextNode(head + (full.text.length > head.length ? " …" : "")));
    $("source-context").scrollTop = 0;
  } catch (_) { /* the title and link are shown */ }
}

let documentList = null;  // fetched once, when a decline first names documents
function documents() {
  documentList = documentList || api("/v1/documents").then((r) => (r.ok ? r.json() : { documents: [] })).then((d) => d.documents).catch(() => []);
  return documentList;
}

// A decline names the closest documents by title («…»): each becomes a link to the document.
async function linkTitles(bot) {
  const walker = document.createTreeWalker(bot, NodeFilter.SHOW_TEXT);
  const nodes = [];
  while (walker.nextNode()) if (/«[^»]+»/.test(walker.currentNode.nodeValue)) nodes.push(walker.currentNode);
  if (!nodes.length) return;
  const byTitle = new Map((await documents()).map((d) => [d.title, d]));
  for (const node of nodes) {
    const parts = node.nodeValue.split(/«([^»]+)»/);
    if (!parts.some((p, i) => i % 2 && byTitle.has(p))) continue;
    const frag = document.createDocumentFragment();
    parts.forEach((p, i) => {
      if (i % 2 === 0) { if (p) frag.appendChild(document.createTextNode(p)); return; }
      const doc = byTitle.get(p);
      if (!doc) { frag.appendChild(document.createTextNode(`«${p}»`)); return; }
      // A real link, inline in the sentence (a button is laid out as a block of its own and
      // pushed the sentence's full stop onto a line of its own): a click opens the document in
      // the card, a middle click or "open in new tab" goes to its page, or to its file.
      const href = /^https?:\/\//.test(doc.url || "") ? doc.url
        : doc.file_name ? `/v1/documents/${encodeURIComponent(doc.doc_id)}/original` : `#${encodeURIComponent(doc.doc_id)}`;
      const a = el("a", { class: "doc-link", href }, `«${p}»`);
      a.addEventListener("click", (event) => { event.preventDefault(); openDocument(doc, a); });
      frag.appendChild(a);
    });
    node.replaceWith(frag);
  }
}

// --- suggested follow-ups, from the facts the index holds -----------------------------------

function periodWords(p) {
  let m;
  if ((m = String(p).match(/^(\d{4})-Q(\d)$/))) return lang === "vi" ? `quý ${m[2]}/${m[1]}` : `Q${m[2]} ${m[1]}`;
  if ((m = String(p).match(/^(\d{4})-(\d{2})$/))) return lang === "vi" ? `tháng ${Number(m[2])}/${m[1]}` : `${m[1]}-${m[2]}`;
  return lang === "vi" ? `năm ${p}` : String(p);
}
// A share is asked as one ("Tỷ lệ …"), so the answer leads with the share rather than a count.
function factQuestion(fact, unit, period) {
  const share = fact.value_unit === "%";
  if (lang === "vi") {
    const name = share && !/^tỷ lệ/i.test(fact.metric_name) ? `Tỷ lệ ${fact.metric_name}` : fact.metric_name;
    const asked = `${name} của ${unit} ${periodWords(period)} là bao nhiêu?`;
    return asked.charAt(0).toUpperCase() + asked.slice(1);
  }
  return `What was the ${share ? "share of " : ""}${fact.metric_name} for ${unit} in ${periodWords(period)}?`;
}
// "TX Kỳ Anh" and "thị xã Kỳ Anh" are one unit: never suggested as another.
const UNIT_WORDS = [[/^tx\.?\s+/, "thị xã "], [/^tp\.?\s+/, "thành phố "], [/^(tỉnh|thành phố|huyện|quận|thị xã|xã|phường)\s+/, ""]];
function unitKey(unit) {
  let k = String(unit).normalize("NFC").toLowerCase().trim();
  for (const [re, to] of UNIT_WORDS) k = k.replace(re, to);
  return k.replace(/\s+/g, " ");
}
async function facts(query) {
  const r = await api(`/v1/facts?kind=achieved&${new URLSearchParams(query)}`);
  return r.ok ? (await r.json()).facts : [];
}

// Two or three follow-ups: the same metric for the same unit in other periods, and for other
// units (in the same period where the index holds one, else in each unit's latest), taken from
// the facts behind the cited statement. Each is a question the index holds a figure for; none
// is shown when the answer has no such fact.
async function suggest(bot, data) {
  const c = data.citations[0];
  if (!data.answerable || !c) return;
  try {
    // The figure the answer leads with: a comparison table's first row (the row its first
    // citation quotes; the verdict above the table names the higher side, another citation's),
    // else its bold headline.
    const row = data.table && data.table.rows.length ? data.table.rows[0].join(" ") : "";
    const headline = row || (data.answer.match(/\*\*([^*]+)\*\*/) || [])[1] || "";
    const held = (await facts({ doc_id: c.doc_id })).filter((f) => f.unit && f.metric && f.period && f.start < c.end && f.end > c.start);
    const main = held.find((f) => headline && headline.includes(f.value_text)) || held[0];
    if (!main) return;
    const self = unitKey(main.unit);
    // Units the answer already compares are not suggested again.
    const shown = new Set((data.table ? data.table.rows.map((r) => r[0]) : []).map(unitKey));
    const [sameUnit, sameMetric] = await Promise.all([
      facts({ metric: main.metric, unit: main.unit }), facts({ metric: main.metric, ...(main.level ? { level: main.level } : {}) })]);
    const periods = [...new Set([...sameUnit, ...sameMetric].filter((f) => unitKey(f.unit || "") === self).map((f) => f.period)
      .filter((p) => p && p !== main.period))].sort().reverse().slice(0, 2);
    // Per other unit one fact: of the asked period if there is one, else its latest.
    const better = (a, b) => ((a.period === main.period) !== (b.period === main.period) ? a.period === main.period : a.period > b.period);
    const others = new Map();
    for (const f of sameMetric) {
      if (!f.unit || !f.period || unitKey(f.unit) === self || shown.has(unitKey(f.unit))) continue;
      const had = others.get(unitKey(f.unit));
      if (!had || better(f, had)) others.set(unitKey(f.unit), f);
    }
    const units = [...others.values()].sort((a, b) => (b.period === main.period) - (a.period === main.period)).slice(0, 3 - periods.length);
    const questions = [...periods.map((p) => factQuestion(main, main.unit, p)), ...units.map((f) => factQuestion(main, f.unit, f.period))];
    if (!questions.length || !bot.isConnected) return;
    const box = el("div", { class: "suggestions" });
    box.appendChild(el("span", { class: "fb-status" }, I18N[lang].suggest));
    for (const q of questions) {
      const b = el("button", { type: "button", class: "suggestion" }, q);
      b.addEventListener("click", () => { $("question").value = q; ask(); });
      box.appendChild(b);
    }
    bot.querySelector(".answer-actions").before(box);
  } catch (_) { /* suggestions are a help, never a failure */ }
}
