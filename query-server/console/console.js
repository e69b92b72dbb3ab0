// SEO console: a drop-down that behaves like the app's, a probe panel and
// search results with score breakdowns. Everything the server returns is
// written with textContent, never as HTML.
"use strict";

const $ = (id) => document.getElementById(id);
const input = $("q");
const list = $("suggestions");
const suggestStatus = $("suggest-status");
const DEBOUNCE_MS = 80;

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

async function getJson(path, params, signal) {
  const url = path + "?" + new URLSearchParams(params).toString();
  const response = await fetch(url, { signal, headers: { accept: "application/json" } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const message = body.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${response.status}`;
    throw new Error(message);
  }
  return body;
}

// ---- drop-down -------------------------------------------------------------

let composing = false;
let debounceTimer = null;
let latestRequest = 0;
let inFlight = null;
let active = -1;

function closeList() {
  list.hidden = true;
  input.setAttribute("aria-expanded", "false");
  input.removeAttribute("aria-activedescendant");
  active = -1;
}

function setActive(index) {
  const items = [...list.children];
  if (items.length === 0) return;
  active = (index + items.length) % items.length;
  items.forEach((item, i) => item.setAttribute("aria-selected", String(i === active)));
  input.setAttribute("aria-activedescendant", items[active].id);
}

function renderSuggestions(suggestions) {
  list.replaceChildren();
  suggestions.forEach((suggestion, index) => {
    const item = element("li");
    item.id = `suggestion-${index}`;
    item.setAttribute("role", "option");
    item.setAttribute("aria-selected", "false");
    item.dataset.text = suggestion.text;
    item.append(element("span", suggestion.text, "text"), element("span", suggestion.match, "kind"));
    item.addEventListener("mousedown", (event) => {
      event.preventDefault();
      choose(suggestion.text);
    });
    list.append(item);
  });
  list.hidden = suggestions.length === 0;
  input.setAttribute("aria-expanded", String(suggestions.length > 0));
  active = -1;
}

async function requestSuggestions() {
  const query = input.value;
  const requestId = ++latestRequest;
  if (inFlight) inFlight.abort();
  inFlight = new AbortController();
  try {
    const body = await getJson("/v1/suggest", { q: query, limit: 10 }, inFlight.signal);
    if (requestId !== latestRequest) return; // a newer keystroke has been sent: stale
    renderSuggestions(body.suggestions);
    suggestStatus.textContent = `${body.suggestions.length} suggestions for “${query}”`;
  } catch (error) {
    if (error.name === "AbortError" || requestId !== latestRequest) return;
    suggestStatus.textContent = error.message;
    closeList();
  }
}

function scheduleSuggestions() {
  if (composing) return; // half-composed pinyin in an input method is not a query
  clearTimeout(debounceTimer);
  debounceTimer = setTimeout(requestSuggestions, DEBOUNCE_MS);
}

function choose(text) {
  input.value = text;
  closeList();
  runSearch(text);
}

input.addEventListener("compositionstart", () => { composing = true; });
input.addEventListener("compositionend", () => { composing = false; scheduleSuggestions(); });
input.addEventListener("input", scheduleSuggestions);
input.addEventListener("focus", scheduleSuggestions);
input.addEventListener("blur", () => setTimeout(closeList, 100));
input.addEventListener("keydown", (event) => {
  if (event.isComposing || composing) return;
  if (event.key === "ArrowDown") { event.preventDefault(); if (list.hidden) requestSuggestions(); else setActive(active + 1); }
  else if (event.key === "ArrowUp") { event.preventDefault(); setActive(active - 1); }
  else if (event.key === "Escape") { closeList(); }
  else if (event.key === "Enter" && active >= 0 && !list.hidden) {
    event.preventDefault();
    choose(list.children[active].dataset.text);
  }
});

$("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  closeList();
  runSearch(input.value);
});

// ---- search results ----------------------------------------------------------

async function runSearch(query) {
  const status = $("results-status");
  const results = $("results");
  results.replaceChildren();
  if (!query.trim()) { status.textContent = "type a query first"; return; }
  status.textContent = "searching…";
  try {
    const body = await getJson("/v1/search", { q: query, limit: 10, explain: "true" });
    status.textContent = `${body.total} matches for “${body.query}” · tokens: ${body.tokens.join(" | ")}`;
    for (const hit of body.hits) {
      const item = element("li");
      item.append(element("div", hit.title, "hit-title"));
      const explain = hit.explain || {};
      const anchor = hit.anchor ? ` · anchor ${hit.anchor.name}` : "";
      item.append(element("div",
        `${hit.type} ${hit.id} · score ${hit.score.toFixed(3)} = text ${Number(explain.text).toFixed(3)} × popularity ${Number(explain.popularity_multiplier).toFixed(3)}` +
        ` · sales ${hit.signals.sales} · followers ${hit.signals.followers} · likes ${hit.signals.likes}${anchor}`, "hit-meta"));
      results.append(item);
    }
  } catch (error) {
    status.textContent = error.message;
  }
}

// ---- probe -------------------------------------------------------------------

function barChart(candidate, firstPrefix) {
  const chart = $("probe-chart");
  chart.replaceChildren();
  if (!candidate) return;
  const components = candidate.components;
  // Components on a log scale, next to the popularity scores of what the first prefix shows.
  const rows = [
    ["search log", Math.log1p(components.search_count), components.search_count],
    ["sales", Math.log1p(components.sales), components.sales],
    ["followers", Math.log1p(components.followers), components.followers],
  ];
  const shown = (firstPrefix ? firstPrefix.shown : []).slice(0, 6);
  const maxLog = Math.max(1, ...rows.map((row) => row[1]));
  const maxScore = Math.max(candidate.score, ...shown.map((s) => s.score), 1e-9);
  const width = 520, rowHeight = 18, labelWidth = 150;
  const total = rows.length + 1 + shown.length + 1;
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${total * rowHeight + 8}`);
  svg.setAttribute("width", "100%");
  svg.setAttribute("role", "img");
  let y = 4;
  const bar = (label, fraction, value, color) => {
    const text = document.createElementNS(svg.namespaceURI, "text");
    text.setAttribute("x", "0"); text.setAttribute("y", String(y + 12));
    text.textContent = label;
    const rect = document.createElementNS(svg.namespaceURI, "rect");
    rect.setAttribute("x", String(labelWidth)); rect.setAttribute("y", String(y + 2));
    rect.setAttribute("height", String(rowHeight - 6));
    rect.setAttribute("width", String(Math.max(1, fraction * (width - labelWidth - 90))));
    rect.setAttribute("fill", color);
    const number = document.createElementNS(svg.namespaceURI, "text");
    number.setAttribute("x", String(labelWidth + fraction * (width - labelWidth - 90) + 4));
    number.setAttribute("y", String(y + 12));
    number.textContent = value;
    svg.append(text, rect, number);
    y += rowHeight;
  };
  rows.forEach(([label, log, raw]) => bar(`${label} (log)`, log / maxLog, raw, "#fa8c16"));
  y += rowHeight / 2;
  bar(`score: ${candidate.text}`, candidate.score / maxScore, candidate.score.toFixed(3), "#d4380d");
  shown.forEach((s) => bar(`top: ${s.text}`, s.score / maxScore, s.score.toFixed(3), "#8c8c8c"));
  chart.append(svg);
}

$("probe-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const term = $("term").value;
  const summary = $("probe-summary");
  const table = $("probe-table");
  const body = table.tBodies[0];
  body.replaceChildren();
  summary.textContent = "probing…";
  try {
    const probe = await getJson("/v1/suggest/probe", { term });
    const candidate = probe.candidate;
    summary.textContent = candidate
      ? `“${probe.term}” is a candidate: score ${candidate.score.toFixed(4)} (search log ${candidate.components.search_count}, sales ${candidate.components.sales}, followers ${candidate.components.followers}, documents ${candidate.components.documents})`
      : `“${probe.term}” is not a suggestion candidate`;
    for (const prefix of probe.prefixes) {
      const row = element("tr");
      row.dataset.prefix = prefix.prefix;
      row.append(element("td", prefix.prefix), element("td", prefix.typed_as));
      const rank = element("td", prefix.rank === null ? "absent" : String(prefix.rank));
      if (prefix.rank === null) rank.className = "absent";
      row.append(rank, element("td", prefix.needed_score === null ? "" : prefix.needed_score.toFixed(4)));
      row.append(element("td", prefix.shown.map((s) => s.text).join(" · ")));
      body.append(row);
    }
    table.hidden = false;
    barChart(candidate, probe.prefixes[0]);
  } catch (error) {
    summary.textContent = error.message;
    table.hidden = true;
  }
});

// ---- footer ----------------------------------------------------------------------

async function loadFooter() {
  const footer = $("footer");
  try {
    const ready = await getJson("/readyz", {});
    const counts = Object.entries(ready.documents).map(([type, count]) => `${type} ${count}`).join(" · ");
    footer.textContent = `generation ${ready.generation} · built ${ready.created_at} · ${counts}`;
  } catch (error) {
    footer.textContent = `no generation loaded (${error.message})`;
  }
}
loadFooter();
