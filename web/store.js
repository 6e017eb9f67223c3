// Conversations kept in this browser (localStorage: no account, nothing leaves the machine).
// One entry per conversation: {id, title, created, updated, turns: [{question, filters, data}]},
// where `data` is the answer object exactly as /v1/ask returned it, so a reopened conversation
// is drawn by the same code as a fresh one and its follow-ups carry the same history.
"use strict";

const STORE_KEY = "cchc-conversations";
const CURRENT_KEY = "cchc-current";
const MAX_CONVERSATIONS = 200;  // the oldest go first: localStorage holds a few MB

const Conversations = {
  all() {
    try {
      const list = JSON.parse(localStorage.getItem(STORE_KEY) || "[]");
      return Array.isArray(list) ? list.filter((c) => c && c.id && Array.isArray(c.turns)) : [];
    } catch (_) { return []; }  // a damaged entry never blocks the page
  },
  save(list) {
    list.sort((a, b) => b.updated - a.updated);
    for (let keep = Math.min(list.length, MAX_CONVERSATIONS); keep > 0; keep = Math.floor(keep / 2)) {
      try { localStorage.setItem(STORE_KEY, JSON.stringify(list.slice(0, keep))); return true; }
      catch (_) { /* quota: keep fewer */ }
    }
    return false;
  },
  get(id) { return this.all().find((c) => c.id === id) || null; },
  currentId() { return localStorage.getItem(CURRENT_KEY); },
  setCurrent(id) { if (id) localStorage.setItem(CURRENT_KEY, id); else localStorage.removeItem(CURRENT_KEY); },
  create(firstQuestion) {
    const now = Date.now();
    const conv = { id: `c${now.toString(36)}${Math.random().toString(36).slice(2, 8)}`, title: firstQuestion.slice(0, 80), created: now, updated: now, turns: [] };
    const list = this.all();
    list.push(conv);
    this.save(list);
    this.setCurrent(conv.id);
    return conv;
  },
  addTurn(id, turn) {
    const list = this.all();
    const conv = list.find((c) => c.id === id);
    if (!conv) return;
    conv.turns.push(turn);
    conv.updated = Date.now();
    this.save(list);
  },
  rename(id, title) {
    const list = this.all();
    const conv = list.find((c) => c.id === id);
    if (conv && title.trim()) { conv.title = title.trim().slice(0, 120); this.save(list); }
  },
  remove(id) {
    this.save(this.all().filter((c) => c.id !== id));
    if (this.currentId() === id) this.setCurrent(null);
  },
};

// A conversation as Markdown: each question, its answer as the service wrote it, and the
// sources with their quotes, so the file stands on its own.
function conversationMarkdown(conv, t) {
  const out = [`# ${conv.title}`, "", `_${new Date(conv.created).toISOString().slice(0, 10)}_`, ""];
  for (const turn of conv.turns) {
    out.push(`## ${turn.question}`, "", turn.data.answer, "");
    if (turn.data.citations.length) {
      out.push(`**${t.sources}**`, "");
      for (const c of turn.data.citations) {
        // Where the quote sits and whether it was read from a scan (sources.js's citedPlace).
        const meta = [c.source, c.published, citedPlace(c, t)].filter(Boolean).join(", ");
        out.push(`${c.n}. ${c.url ? `[${c.title}](${c.url})` : c.title}${meta ? ` (${meta})` : ""}`);
        out.push(`   > ${c.quote.replace(/\s*\n\s*/g, " ")}`);
      }
      out.push("");
    }
  }
  return out.join("\n");
}
