// The document library at /admin: upload files and follow their ingest job, list, search,
// download and delete documents, and see what the injection screening held back and why.
// The admin key is asked once and kept in sessionStorage (gone when the tab closes).
// Text from documents and the server goes in through textContent only (el() in render.js).
"use strict";

const T = {
  vi: {
    title: "Thư viện tài liệu", chat: "Về trang hỏi đáp", keyTitle: "Khóa quản trị", keyLabel: "Khóa API quản trị (giữ trong phiên làm việc này)",
    keySave: "Dùng khóa", keyForget: "Quên khóa", keySet: "Đã có khóa cho phiên này.", keyMissing: "Chưa có khóa: nhập khóa để tải lên hoặc xóa.",
    keyWrong: "Khóa không đúng hoặc máy chủ chưa bật quản trị: {m}", uploadTitle: "Tải tài liệu lên", filesLabel: "Tệp PDF (cả bản quét), ảnh quét PNG/JPEG/TIFF, DOCX, HTML, TXT/MD hoặc JSONL",
    upload: "Tải lên", docsTitle: "Tài liệu đang có", search: "Tìm theo tên, nguồn, mã", colTitle: "Tiêu đề", colSource: "Nguồn", colDate: "Ngày",
    colChunks: "Đoạn", colActions: "Thao tác", remove: "Xóa", download: "Tải tệp gốc", confirmRemove: "Xóa tài liệu «{t}»? Nó sẽ không được trích dẫn nữa.",
    confirmReplace: "Thư viện đã có tài liệu cùng tên tệp: {n}. Thay thế tài liệu cũ bằng tệp mới, hay giữ cả hai?",
    replace: "Thay thế", keepBoth: "Giữ cả hai", cancel: "Hủy", count: "{n} / {total} tài liệu",
    job: "Tác vụ {id}: {status} — {done}/{total} tài liệu, {chunks} đoạn", rejected: "Bị từ chối", heldBack: "Bị giữ lại (sàng lọc chỉ dẫn cho AI)",
    heldWhy: "{f}: bị giữ lại, vì có câu ra lệnh cho trợ lý AI («{q}»). Hãy xem lại tài liệu trước khi nạp.",
    errors: "Lỗi", added: "Thêm {a}, cập nhật {u}, không đổi {s}", failed: "Không thực hiện được: {m}", down: "Không kết nối được máy chủ; hãy thử lại.",
    status: { queued: "đang chờ", running: "đang nạp", succeeded: "xong", failed: "thất bại", interrupted: "bị ngắt" },
    lang: "EN", langLabel: "EN — Switch to English", uploadedFile: "tệp", cancelled: "Đã hủy: không thay thế tài liệu nào.",
    metaLegend: "Thông tin tài liệu (đọc từ tệp; sửa nếu cần)", metaTitle: "Tiêu đề", metaSource: "Nguồn (cơ quan, trang)",
    metaDate: "Ngày ban hành/đăng", metaUrl: "Địa chỉ bài gốc (URL)", metaReading: "Đang đọc thông tin trong tệp…",
    metaRead: "Đã điền từ tệp: {what}. Hãy sửa nếu chưa đúng.", metaNothing: "Tệp không ghi tiêu đề hay ngày: hãy điền nếu biết.",
    metaMany: "Nhiều tệp: thông tin được đọc riêng từ từng tệp.", metaRecords: "Tệp JSONL/JSON: thông tin lấy từ từng bản ghi.",
    metaFailed: "Chưa đọc trước được tệp: {m}", metaKey: "Nhập khóa quản trị để đọc trước thông tin trong tệp.",
    fTitle: "tiêu đề", fSource: "nguồn", fDate: "ngày", fUrl: "địa chỉ", fromText: "theo văn bản", fromProps: "theo thuộc tính tệp",
    legal: "{kind} số {number}", issued: "ban hành {d}", effective: "hiệu lực {d}",
  },
  en: {
    title: "Document library", chat: "Back to the chat", keyTitle: "Admin key", keyLabel: "Admin API key (kept for this session)",
    keySave: "Use this key", keyForget: "Forget the key", keySet: "A key is set for this session.", keyMissing: "No key yet: enter one to upload or delete.",
    keyWrong: "Wrong key, or admin is disabled on this server: {m}", uploadTitle: "Upload documents", filesLabel: "PDF files (scans too), PNG/JPEG/TIFF scans, DOCX, HTML, TXT/MD or JSONL",
    upload: "Upload", docsTitle: "Documents held", search: "Search by title, source, id", colTitle: "Title", colSource: "Source", colDate: "Date",
    colChunks: "Chunks", colActions: "Actions", remove: "Delete", download: "Download the original", confirmRemove: "Delete «{t}»? It will never be cited again.",
    confirmReplace: "The library already holds a document with this file name: {n}. Replace it with the new file, or keep both?",
    replace: "Replace", keepBoth: "Keep both", cancel: "Cancel", count: "{n} of {total} documents",
    job: "Job {id}: {status} — {done}/{total} documents, {chunks} chunks", rejected: "Refused", heldBack: "Held back (instructions to an AI)",
    errors: "Errors", added: "Added {a}, updated {u}, unchanged {s}", failed: "Could not do it: {m}", down: "Could not reach the server; try again.",
    status: { queued: "queued", running: "running", succeeded: "done", failed: "failed", interrupted: "interrupted" },
    lang: "VI", langLabel: "VI — Chuyển sang tiếng Việt", uploadedFile: "file", cancelled: "Cancelled: nothing was replaced.",
    metaLegend: "About the document (read from the file; correct if needed)", metaTitle: "Title", metaSource: "Source (agency, site)",
    metaDate: "Date issued/published", metaUrl: "Address of the original (URL)", metaReading: "Reading the file…",
    metaRead: "Filled in from the file: {what}. Correct anything wrong.", metaNothing: "The file states no title or date: fill them in if you know them.",
    metaMany: "Several files: each file's own details are read.", metaRecords: "A JSONL/JSON file: the details come from its records.",
    metaFailed: "Could not read the file ahead: {m}", metaKey: "Enter the admin key to read the file's details ahead.",
    fTitle: "title", fSource: "source", fDate: "date", fUrl: "address", fromText: "from the text", fromProps: "from the file's properties",
    legal: "{kind} No. {number}", issued: "issued {d}", effective: "in force from {d}",
  },
};
let lang = localStorage.getItem("cchc-lang") === "en" ? "en" : "vi";
let docs = [];
const $ = (id) => document.getElementById(id);
const t = (key, values = {}) => T[lang][key].replace(/\{(\w+)\}/g, (_, k) => values[k] ?? "");

async function call(url, opts = {}) {
  const key = sessionStorage.getItem("cchc-key");
  const headers = { "Accept-Language": lang, ...(opts.headers || {}), ...(key ? { Authorization: `Bearer ${key}` } : {}) };
  return fetch(url, { ...opts, headers });
}
async function reason(r) {
  try {
    const body = await r.json();
    if (typeof body.message === "string") return body.message;
    if (typeof body.detail === "string") return body.detail;
    if (body.detail && body.detail.message) return [body.detail.message, ...(body.detail.rejected || [])].join(" ");
  } catch (_) { /* not JSON */ }
  return String(r.status);
}

function applyLanguage() {
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-i18n]").forEach((n) => { n.textContent = T[lang][n.dataset.i18n]; });
  $("lang").textContent = T[lang].lang;
  $("lang").setAttribute("aria-label", T[lang].langLabel);
  showKey();
  renderDocs();
}

function showKey(message) {
  const has = Boolean(sessionStorage.getItem("cchc-key"));
  $("key-form").hidden = has;
  $("key-forget").hidden = !has;
  $("key-state").textContent = message || (has ? t("keySet") : t("keyMissing"));
}

// A refused key is forgotten at once, so the form to enter another one comes back.
async function wrongKey(r) {
  const why = await reason(r);
  sessionStorage.removeItem("cchc-key");
  showKey(t("keyWrong", { m: why }));
}

async function loadDocs() {
  try {
    const r = await call("/v1/documents");
    if (!r.ok) { $("docs-count").textContent = t("failed", { m: await reason(r) }); return; }
    docs = (await r.json()).documents;
    renderDocs();
  } catch (_) { $("docs-count").textContent = t("down"); }
}

function renderDocs() {
  const q = $("search").value.trim().toLowerCase();
  const shown = docs.filter((d) => !q || [d.title, d.doc_id, d.source, d.file_name].some((v) => (v || "").toLowerCase().includes(q)));
  const body = $("docs").querySelector("tbody");
  body.replaceChildren();
  for (const d of shown) {
    const row = el("tr", { "data-doc-id": d.doc_id });
    const title = el("th", { scope: "row" }, d.title || d.doc_id);
    if (d.file_name) title.appendChild(el("span", { class: "file-name" }, ` (${T[lang].uploadedFile}: ${d.file_name})`));
    // data-label: on a phone each row is a card, and a cell says which column it is.
    row.append(title, el("td", { "data-label": t("colSource") }, d.source || "—"),
      el("td", { class: "nowrap", "data-label": t("colDate") }, d.published || "—"), el("td", { "data-label": t("colChunks") }, String(d.chunks)));
    const cell = el("td", { class: "actions-cell" });
    const actions = cell.appendChild(el("div", { class: "doc-actions" }));
    if (d.file_name) actions.appendChild(el("a", { href: `/v1/documents/${encodeURIComponent(d.doc_id)}/original`, download: d.file_name }, t("download")));
    const del = el("button", { type: "button", class: "delete-doc", "aria-label": `${t("remove")}: ${d.title || d.doc_id}` }, t("remove"));
    del.addEventListener("click", () => removeDoc(d));
    actions.appendChild(del);
    row.appendChild(cell);
    body.appendChild(row);
  }
  $("docs-count").textContent = t("count", { n: shown.length, total: docs.length });
}

async function removeDoc(d) {
  if (!window.confirm(t("confirmRemove", { t: d.title || d.doc_id }))) return;
  try {
    const r = await call(`/v1/documents/${encodeURIComponent(d.doc_id)}`, { method: "DELETE" });
    if (r.status === 401 || r.status === 403) { await wrongKey(r); return; }
    if (!r.ok && r.status !== 404) { $("docs-count").textContent = t("failed", { m: await reason(r) }); return; }
    await loadDocs();
  } catch (_) { $("docs-count").textContent = t("down"); }
}

function reportBox(job) {
  const box = el("div", { class: "job-report" });
  const rep = job.report || {};
  if (job.report) box.appendChild(el("p", {}, t("added", { a: rep.added ?? 0, u: rep.updated ?? 0, s: rep.unchanged ?? 0 })));
  const problems = [...(rep.errors || []), ...(job.error ? [job.error] : [])];
  const held = problems.filter((e) => /held back/i.test(e));
  const other = problems.filter((e) => !/held back/i.test(e));
  for (const [label, items, cls] of [[t("heldBack"), held, "held-back"], [t("errors"), other, "job-errors"]]) {
    if (!items.length) continue;
    box.appendChild(el("h3", {}, label));
    const ul = el("ul", { class: cls });
    for (const e of items) ul.appendChild(el("li", {}, cls === "held-back" ? heldReason(e) : e));
    box.appendChild(ul);
  }
  return box;
}

// Why the screening held a document back, in the page's language: ingest reports it in English
// ("FILE: document 'ID' held back: it contains instructions addressed to an AI assistant
// ('…'); review it before ingesting"); any other wording is shown as it came.
const HELD = /^(.*?): (?:document '.*?' )?held back: (?:it contains instructions|hidden text in the page is) addressed to an AI assistant \((.*)\); review it before ingesting$/s;
function heldReason(e) {
  const m = lang === "vi" && e.match(HELD);
  return m ? t("heldWhy", { f: m[1], q: m[2].replace(/^['"]|['"]$/g, "") }) : e;
}

// Polls the job until it ends: a progress bar of documents done, then what it did.
async function follow(accepted) {
  const card = el("div", { class: "job", "data-job-id": accepted.job_id });
  const line = el("p", { class: "job-line" });
  const bar = el("progress", { max: "1", value: "0", "aria-label": accepted.job_id });
  card.append(line, bar);
  if (accepted.rejected && accepted.rejected.length) {
    card.appendChild(el("h3", {}, t("rejected")));
    const ul = el("ul", { class: "rejected" });
    for (const r of accepted.rejected) ul.appendChild(el("li", {}, r));
    card.appendChild(ul);
  }
  $("jobs").prepend(card);
  for (;;) {
    let job;
    try {
      const r = await call(accepted.status_url);
      if (!r.ok) { line.textContent = t("failed", { m: await reason(r) }); return; }
      job = await r.json();
    } catch (_) { line.textContent = t("down"); return; }
    line.textContent = t("job", { id: job.job_id.slice(0, 8), status: T[lang].status[job.status] || job.status, done: job.done, total: job.total, chunks: job.chunks });
    bar.max = Math.max(1, job.total);
    bar.value = job.done;
    if (!["queued", "running"].includes(job.status)) { card.classList.add(job.status); card.appendChild(reportBox(job)); break; }
    await new Promise((ok) => setTimeout(ok, 400));
  }
  await loadDocs();
  card.dataset.listed = "true";  // the list below now shows what the job did
}

// A file under a name the library already holds: replace the old document, keep both, or
// cancel. The API keeps both unless asked to replace (replace=true), so nothing is lost silently.
function chooseForSameName(names) {
  return new Promise((done) => {
    const box = el("div", { class: "same-name", role: "alertdialog", "aria-labelledby": "same-name-q" });
    box.appendChild(el("p", { id: "same-name-q" }, t("confirmReplace", { n: names.join(", ") })));
    for (const [choice, label] of [["replace", t("replace")], ["both", t("keepBoth")], ["cancel", t("cancel")]]) {
      const b = el("button", { type: "button", "data-choice": choice }, label);
      b.addEventListener("click", () => { box.remove(); done(choice); });
      box.appendChild(b);
    }
    $("upload-form").after(box);
    box.querySelector("button").focus();
  });
}

// --- the upload form's details, pre-filled from the file -----------------------------------
// One file: POST /v1/documents/inspect reads it as an upload would (nothing is stored) and the
// empty fields take what it found. Only a field the person changed is sent with the upload, so
// what the file itself says keeps its provenance (a date "from the text").
const META = ["title", "source", "published", "url"];
let inspected = {};
let inspecting = 0;  // a reply for a file no longer chosen is dropped

function showDate(iso) {
  const [y, m, d] = String(iso).split("-").map(Number);
  return lang === "vi" && d ? `${d}/${m}/${y}` : iso;
}

function describe(info) {
  const filled = [["title", "fTitle"], ["source", "fSource"], ["published", "fDate"], ["url", "fUrl"]]
    .filter(([k]) => info[k]).map(([k, word]) => T[lang][word] + (k === "published" && info.published_from
      ? ` (${T[lang][info.published_from === "text" ? "fromText" : "fromProps"]})` : ""));
  const m = info.metadata || {};
  const legal = [m.doc_kind && m.doc_number ? t("legal", { kind: m.doc_kind, number: m.doc_number }) : m.doc_kind,
    m.issued ? t("issued", { d: showDate(m.issued) }) : null, m.effective ? t("effective", { d: showDate(m.effective) }) : null]
    .filter(Boolean).join(", ");
  const head = filled.length ? t("metaRead", { what: filled.join(", ") }) : t("metaNothing");
  return legal ? `${head} ${legal}.` : head;
}

function resetMeta() {
  inspected = {};
  for (const k of META) { const box = $(`meta-${k}`); box.value = ""; delete box.dataset.touched; }
  $("meta-source").placeholder = "";
}

async function inspectFiles() {
  const files = [...$("files").files];
  const run = ++inspecting;
  resetMeta();
  const single = files.length === 1 && !/\.jsonl?$/i.test(files[0].name);
  $("meta").disabled = !single;
  $("meta-state").textContent = files.length > 1 ? t("metaMany") : files.length && !single ? t("metaRecords") : "";
  if (!single) return;
  if (!sessionStorage.getItem("cchc-key")) { $("meta-state").textContent = t("metaKey"); return; }
  $("meta-state").textContent = t("metaReading");
  const form = new FormData();
  form.append("files", files[0], files[0].name);
  try {
    const r = await call("/v1/documents/inspect", { method: "POST", body: form });
    if (run !== inspecting) return;
    if (r.status === 401 || r.status === 403) { await wrongKey(r); $("meta-state").textContent = t("metaKey"); return; }
    if (!r.ok) { $("meta-state").textContent = t("metaFailed", { m: await reason(r) }); return; }
    const info = await r.json();
    // A file that names no source is cited by its file name (ingest's fallback): the box shows that
    // as its placeholder and offers the issuing body a decision names, which is then sent.
    const fallback = info.source && info.source === files[0].name;
    const offered = { ...info, source: fallback ? (info.metadata || {}).issuer || "" : info.source };
    $("meta-source").placeholder = fallback ? info.source : "";
    for (const k of META) {
      inspected[k] = info[k] || "";
      const box = $(`meta-${k}`);
      if (!box.dataset.touched && offered[k]) box.value = offered[k];  // what the person typed meanwhile stays
    }
    $("meta-state").textContent = describe(offered);
  } catch (_) { if (run === inspecting) $("meta-state").textContent = t("down"); }
}

async function upload() {
  const files = [...$("files").files];
  const held = new Set(docs.map((d) => d.file_name).filter(Boolean));
  const same = [...new Set(files.map((f) => f.name).filter((n) => held.has(n)))];
  let replace = false;
  if (same.length) {
    const choice = await chooseForSameName(same);
    if (choice === "cancel") { $("jobs").prepend(el("p", { class: "fb-status" }, t("cancelled"))); return; }
    replace = choice === "replace";
  }
  const form = new FormData();
  for (const f of files) form.append("files", f, f.name);
  if (!$("meta").disabled) {
    for (const k of META) {
      const value = $(`meta-${k}`).value.trim();
      if (value && value !== inspected[k]) form.append(k, value);
    }
  }
  $("upload").disabled = true;
  try {
    const r = await call(`/v1/documents${replace ? "?replace=true" : ""}`, { method: "POST", body: form });
    if (r.status === 401 || r.status === 403) { await wrongKey(r); return; }
    if (!r.ok) { $("jobs").prepend(el("p", { class: "error", role: "alert" }, t("failed", { m: await reason(r) }))); return; }
    const accepted = await r.json();
    $("files").value = "";
    resetMeta();
    $("meta").disabled = true;
    $("meta-state").textContent = "";
    await follow(accepted);
  } catch (_) { $("jobs").prepend(el("p", { class: "error", role: "alert" }, t("down"))); }
  finally { $("upload").disabled = false; }
}

$("key-form").addEventListener("submit", (e) => {
  e.preventDefault();
  if ($("admin-key").value.trim()) sessionStorage.setItem("cchc-key", $("admin-key").value.trim());
  $("admin-key").value = "";
  showKey();
  if ($("files").files.length) inspectFiles();  // the file chosen before the key can be read now
});
$("files").addEventListener("change", inspectFiles);
for (const k of META) $(`meta-${k}`).addEventListener("input", (e) => { e.target.dataset.touched = "1"; });
$("key-forget").addEventListener("click", () => { sessionStorage.removeItem("cchc-key"); showKey(); $("admin-key").focus(); });
$("upload-form").addEventListener("submit", (e) => { e.preventDefault(); upload(); });
$("search").addEventListener("input", renderDocs);
$("lang").addEventListener("click", () => { lang = lang === "vi" ? "en" : "vi"; localStorage.setItem("cchc-lang", lang); applyLanguage(); });
applyLanguage();
loadDocs();
