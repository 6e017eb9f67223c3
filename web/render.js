// Answer rendering for the chat page: a small Markdown renderer, the answer's table (with
// copy-as-CSV) and an inline SVG chart for trends. Our own code, no library and no CDN:
// every string from the server or a document goes into the page through textContent or
// setAttribute on an element we create, never through innerHTML, so no text ever becomes markup.
"use strict";

function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

// Inline Markdown: **bold**, _italic_ / *italic*, `code`, [label](http…) links and [n] citation
// chips. A quote's own asterisks come escaped ("\*") and are shown as written.
const INLINE = /(\\[\\*_`[\]()<>#|-]|\*\*[^*\n]+?\*\*|`[^`\n]+`|\[\d+\](?!\()|\[[^\]\n]+\]\((?:https?:\/\/|\/)[^)\s]+\)|(?<![\p{L}\p{N}])_[^_\n]+?_(?![\p{L}\p{N}])|(?<![*\p{L}\p{N}])\*[^*\n]+?\*(?!\*))/u;

function renderInline(container, text, citations, chipFor) {
  const byN = new Map((citations || []).map((c) => [c.n, c]));
  const parts = text.split(new RegExp(INLINE.source, "gu"));
  let plain = "";
  const flush = () => { if (plain) container.appendChild(document.createTextNode(plain)); plain = ""; };
  for (const part of parts) {
    if (!part) continue;
    if (part.length === 2 && part[0] === "\\") { plain += part[1]; continue; }
    let m;
    if ((m = part.match(/^\*\*([^*]+)\*\*$/))) { flush(); renderInline(container.appendChild(el("strong")), m[1], citations, chipFor); }
    else if ((m = part.match(/^`([^`]+)`$/))) { flush(); container.appendChild(el("code", {}, m[1])); }
    else if ((m = part.match(/^\[(\d+)\]$/)) && byN.has(Number(m[1])) && chipFor) { flush(); container.appendChild(chipFor(byN.get(Number(m[1])))); }
    else if ((m = part.match(/^\[([^\]]+)\]\(((?:https?:\/\/|\/)[^)\s]+)\)$/))) {
      flush();
      const a = el("a", { href: m[2], rel: "noopener noreferrer" }, m[1]);
      if (/^https?:/.test(m[2])) a.target = "_blank";
      container.appendChild(a);
    } else if ((m = part.match(/^[_*]([^_*][^]*?)[_*]$/)) && part.length > 2) { flush(); renderInline(container.appendChild(el("em")), m[1], citations, chipFor); }
    else plain += part;
  }
  flush();
}

const isTableLine = (line) => /^\s*\|.*\|\s*$/.test(line);
const isRule = (line) => /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/.test(line);
const cellsOf = (line) => line.trim().replace(/^\||\|$/g, "").split(/(?<!\\)\|/).map((c) => c.trim());

// Block Markdown: headings, paragraphs, bullet and numbered lists, block quotes, tables.
// A Markdown table is drawn from the answer's `table` field when it has one (its cells are
// data, with per-row citations), else from the text's own rows.
function renderMarkdown(container, text, opts = {}) {
  const { citations = [], table = null, chipFor = null, standalone = null, labels = {} } = opts;
  const lines = String(text).replace(/\r\n?/g, "\n").split("\n");
  let tableDrawn = false;
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) { i++; continue; }
    let m;
    if ((m = line.match(/^(#{1,6})\s+(.*)$/))) {
      // Answer headings sit under the page's h1 and the turn: h3 and below.
      const h = el(`h${Math.min(6, m[1].length + 2)}`, { class: "md-h" });
      renderInline(h, m[2], citations, chipFor);
      container.appendChild(h);
      i++;
    } else if (isTableLine(line) && i + 1 < lines.length && isRule(lines[i + 1])) {
      const rows = [];
      const head = cellsOf(line);
      i += 2;
      while (i < lines.length && isTableLine(lines[i])) rows.push(cellsOf(lines[i++]));
      if (table && !tableDrawn) { container.appendChild(tableBlock(table, citations, chipFor, labels)); tableDrawn = true; }
      else container.appendChild(tableBlock({ columns: head, rows, citations: [] }, citations, chipFor, labels));
    } else if (/^\s*([-*+])\s+/.test(line) || /^\s*\d+[.)]\s+/.test(line)) {
      const ordered = /^\s*\d+[.)]\s+/.test(line);
      const list = el(ordered ? "ol" : "ul", { class: "md-list" });
      const item = ordered ? /^\s*\d+[.)]\s+(.*)$/ : /^\s*[-*+]\s+(.*)$/;
      while (i < lines.length && item.test(lines[i])) {
        const li = el("li");
        renderInline(li, lines[i].match(item)[1], citations, chipFor);
        list.appendChild(li);
        i++;
      }
      container.appendChild(list);
    } else if (/^\s*>/.test(line)) {
      const quote = el("blockquote", { class: "md-quote" });
      const body = [];
      while (i < lines.length && /^\s*>/.test(lines[i])) body.push(lines[i++].replace(/^\s*>\s?/, ""));
      renderMarkdown(quote, body.join("\n"), { ...opts, table: null });
      container.appendChild(quote);
    } else {
      const para = [];
      while (i < lines.length && lines[i].trim() && !/^(#{1,6})\s|^\s*>|^\s*([-*+]|\d+[.)])\s+/.test(lines[i])
             && !(isTableLine(lines[i]) && isRule(lines[i + 1] || ""))) para.push(lines[i++]);
      const joined = para.join("\n");
      const understood = joined.match(/^_([^\n]+)_$/);
      const p = el("p", { class: understood && standalone && understood[1].includes(standalone) ? "understood" : "md-p" });
      renderInline(p, joined, citations, chipFor);
      container.appendChild(p);
    }
  }
  // A table the text did not show (an answer written by a model, say) is still drawn.
  if (table && !tableDrawn && table.rows && table.rows.length) container.appendChild(tableBlock(table, citations, chipFor, labels));
}

// Numbers as the documents write them: "1.894" is 1894, "35,48%" is 35.48.
function parseFigure(cell) {
  const m = String(cell || "").match(/-?\d{1,3}(?:\.\d{3})+(?:,\d+)?|-?\d+(?:,\d+)?(?:\.\d+)?/);
  if (!m) return null;
  let s = m[0];
  if (/^-?\d{1,3}(\.\d{3})+(,\d+)?$/.test(s)) s = s.replace(/\./g, "").replace(",", ".");
  else s = s.replace(",", ".");
  const v = Number(s);
  return Number.isFinite(v) ? v : null;
}

// A trend table: its first column names periods (years, quarters, months).
const PERIOD = /^(?:(?:năm|year|quý|quarter|q|tháng|month)\s*)?(?:[1-4IV]+\s*[/-]\s*)?(?:\d{1,2}\s*[/-]\s*)?(?:19|20)\d{2}$/i;
function trendPoints(table) {
  if (!table || !table.rows || table.rows.length < 2) return null;
  const points = table.rows.map((r) => ({ label: String(r[0] || "").trim(), value: parseFigure(r[1]) }));
  if (!points.every((p) => PERIOD.test(p.label) && p.value !== null)) return null;
  return points.sort((a, b) => periodOrder(a.label) - periodOrder(b.label));  // oldest first, left to right
}
// A period's place in time: its year, then its quarter or month ("quý 2/2024" after "quý 1/2024",
// whatever order the rows come in; the service lists the newest first).
const ROMAN = { i: 1, ii: 2, iii: 3, iv: 4 };
function periodOrder(label) {
  const l = label.toLowerCase();
  const year = Number((l.match(/(?:19|20)\d{2}/) || [0])[0]);
  let m, month = 0;
  if ((m = l.match(/(?:quý|quarter|q)\s*([1-4]|iv|i{1,3})\s*[/-]/))) month = 3 * (ROMAN[m[1]] || Number(m[1]));
  else if ((m = l.match(/(\d{1,2})\s*[/-]\s*(?:19|20)\d{2}/))) month = Number(m[1]);
  return year * 100 + month;
}

const SVG_NS = "http://www.w3.org/2000/svg";
function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

// A small line chart drawn by the page: one point per period, labelled with its figure.
function trendChart(points, title) {
  const W = 360, H = 160, L = 16, R = 16, T = 22, B = 28;
  const values = points.map((p) => p.value);
  const lo = Math.min(...values), hi = Math.max(...values);
  const span = hi - lo || Math.abs(hi) || 1;
  const x = (i) => L + (points.length === 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (points.length - 1));
  const y = (v) => T + (H - T - B) * (1 - (v - lo) / span);
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "trend-chart", role: "img", "aria-label": title });
  root.appendChild(svg("title", {}, title));
  root.appendChild(svg("line", { x1: L, x2: W - R, y1: H - B, y2: H - B, class: "axis" }));
  root.appendChild(svg("polyline", { points: points.map((p, i) => `${x(i)},${y(p.value)}`).join(" "), class: "trend-line", fill: "none" }));
  points.forEach((p, i) => {
    root.appendChild(svg("circle", { cx: x(i), cy: y(p.value), r: 4, class: "trend-dot" }));
    const anchor = i === 0 ? "start" : i === points.length - 1 ? "end" : "middle";
    root.appendChild(svg("text", { x: x(i), y: y(p.value) - 8, "text-anchor": anchor, class: "trend-value" }, p.raw || p.value.toLocaleString("vi-VN")));
    root.appendChild(svg("text", { x: x(i), y: H - 8, "text-anchor": anchor, class: "trend-label" }, p.label));
  });
  return root;
}

function csvCell(value) {
  const s = String(value ?? "");
  return /[",\n;]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
function tableCsv(table) {
  return [table.columns, ...table.rows].map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n";
}

// The table with its per-row citation chips, a copy-as-CSV button and, for a trend, a chart.
function tableBlock(table, citations, chipFor, labels = {}) {
  const byN = new Map((citations || []).map((c) => [c.n, c]));
  const wrap = el("figure", { class: "answer-table-wrap" });
  const scroller = el("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-label": labels.table || "Bảng" });
  const t = el("table", { class: "answer-table" });
  const head = el("tr");
  for (const c of table.columns) head.appendChild(el("th", { scope: "col" }, c));
  t.appendChild(el("thead")).appendChild(head);
  const body = el("tbody");
  table.rows.forEach((row, i) => {
    const tr = el("tr");
    row.forEach((cell, j) => {
      const td = el(j === 0 ? "th" : "td", j === 0 ? { scope: "row" } : {});
      renderInline(td, cell || "—", [], null);
      if (j === row.length - 1 && chipFor) for (const n of (table.citations || [])[i] || []) if (byN.has(n)) td.appendChild(chipFor(byN.get(n)));
      tr.appendChild(td);
    });
    body.appendChild(tr);
  });
  t.appendChild(body);
  scroller.appendChild(t);
  const points = trendPoints(table);
  if (points) {
    points.forEach((p) => { p.raw = String((table.rows.find((r) => String(r[0]).trim() === p.label) || [])[1] || "").match(/-?[\d.,]+\s*%?/)?.[0]; });
    const title = `${labels.chart || "Biểu đồ xu hướng"}: ${points.map((p) => `${p.label} ${p.raw || p.value}`).join("; ")}`;
    wrap.appendChild(trendChart(points, title));
  }
  wrap.appendChild(scroller);
  const bar = el("div", { class: "table-actions" });
  const copy = el("button", { type: "button", class: "copy-csv" }, labels.csv || "Sao chép CSV");
  const status = el("span", { class: "fb-status", role: "status" });
  copy.addEventListener("click", async () => {
    try { await navigator.clipboard.writeText(tableCsv(table)); status.textContent = labels.copied || "Đã chép"; }
    catch (_) { status.textContent = labels.copyFailed || "Không chép được"; }
  });
  bar.append(copy, status);
  wrap.appendChild(bar);
  return wrap;
}

// A text fragment link (#:~:text=start,end) so the browser highlights the quote on its site.
function fragmentUrl(url, quote) {
  // Markdown marks a stored text keeps ("## ", "| ", "- ") are not on the source page: left out.
  const words = String(quote || "").replace(/\s+/g, " ").trim().split(" ").filter((w) => w && !/^[#*|>_-]+$/.test(w));
  if (!words.length) return url;
  const enc = (s) => encodeURIComponent(s).replace(/-/g, "%2D").replace(/,/g, "%2C").replace(/&/g, "%26");
  const base = String(url).split("#")[0];
  if (words.length <= 8) return `${base}#:~:text=${enc(words.join(" "))}`;
  return `${base}#:~:text=${enc(words.slice(0, 4).join(" "))},${enc(words.slice(-4).join(" "))}`;
}
