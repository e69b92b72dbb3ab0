// SEO console: a drop-down that behaves like the app's, a probe panel and
// a result page (filters, sort orders, facet chips, highlighted titles) with
// score breakdowns. Everything the server returns is
// written with textContent, never as HTML.
"use strict";

const $ = (id) => document.getElementById(id);
const input = $("q");
const list = $("suggestions");
const suggestStatus = $("suggest-status");
const DEBOUNCE_MS = 80;
const PAGE_SIZE = 10;

// ---- languages ------------------------------------------------------------------
// Chinese for the staff who use it; English when the browser prefers it or
// when switched (the choice is remembered in this browser).

const MESSAGES = {
  zh: {
    pageTitle: "下拉联想词 SEO 控制台",
    title: "SEO 控制台",
    subtitle: "下拉联想词 · 搜索",
    switchTo: "English",
    typingTitle: "像用户一样输入",
    queryLabel: "查询（汉字、全拼、首字母或混合）",
    searchButton: "搜索",
    suggestionsLabel: "联想词",
    hotList: "热搜榜",
    hotListStatus: (n) => `热搜榜：${n} 个词（输入框为空时展示）`,
    suggestionsFor: (n, q) => (n === 0 ? `“${q}”没有联想词` : `“${q}”的联想词：${n} 个`),
    kinds: { prefix: "前缀", pinyin: "全拼", initials: "首字母", mixed: "混合", fuzzy: "模糊音", typo: "纠错", completion: "补全", related: "相关" },
    probeTitle: "诊断联想词",
    termLabel: "词（汉字，或它的全拼、首字母）",
    probeButton: "诊断",
    probeCaption: "输入到该词的每个前缀下，该词的位置",
    colPrefix: "前缀",
    colTypedAs: "输入方式",
    colRank: "排名",
    colNeeded: "所需分数",
    colShown: "展示的前 10",
    typedAs: { hanzi: "汉字", pinyin: "全拼", initials: "首字母", latin: "字母数字", mixed: "混合" },
    absent: "未进前 10",
    noSuggestions: "没有联想词",
    probing: "诊断中…",
    spelled: (spelling, term) => `“${spelling}”拼出的是“${term}”。`,
    isCandidate: (term, c) =>
      `“${term}”是联想词：分数 ${c.score.toFixed(4)}（搜索次数 ${c.components.search_count}，衰减后 ${c.components.recent_search.toFixed(1)}，上升 ×${Math.max(1, c.components.rising).toFixed(2)}，销量 ${c.components.sales}，粉丝 ${c.components.followers}，文档 ${c.components.documents}）`,
    hotRank: (rank) => `热搜榜第 ${rank} 位。`,
    relatedSearches: (list) => `相关搜索：${list}`,
    notCandidate: (term) => `“${term}”不是联想词`,
    chartLog: (label) => `${label}（对数）`,
    chartSearchLog: "搜索次数",
    chartSales: "销量",
    chartFollowers: "粉丝",
    chartScore: (text) => `分数：${text}`,
    chartTop: (text) => `前列：${text}`,
    chartLabel: "分数构成，以及前列联想词的分数",
    resultsTitle: "搜索结果",
    typeFirst: "请先输入查询",
    searching: "搜索中…",
    matches: (total, q, tokens) => `“${q}”共 ${total} 条结果 · 分词：${tokens}`,
    relaxed: (words) => `放宽匹配：去掉了 ${words}`,
    converted: (from, to) => `按“${to}”搜索（输入的是“${from}”）`,
    productWord: (word) => `中心词：${word}`,
    // Outside relevance order the server sends no score (0): only its parts are shown.
    hitMeta: (hit, e, anchor, ranked) =>
      `${hit.type} ${hit.id} · ${ranked ? `分数 ${hit.score.toFixed(3)} = ` : ""}文本 ${Number(e.text).toFixed(3)} × 热度 ${Number(e.popularity_multiplier).toFixed(3)}` +
      ` · 销量 ${hit.signals.sales} · 粉丝 ${hit.signals.followers} · 点赞 ${hit.signals.likes}${anchor ? ` · 主播 ${anchor}` : ""}`,
    sortLabel: "排序",
    sortRelevance: "综合",
    sortSales: "销量",
    sortPriceAsc: "价格从低到高",
    sortPriceDesc: "价格从高到低",
    sortNewest: "最新发布",
    sortFollowers: "主播粉丝",
    typeLabel: "类型",
    typeAll: "全部",
    typeProduct: "商品",
    typeVideo: "短视频",
    typeLive: "直播",
    typeAnchor: "主播",
    priceMinLabel: "最低价（元）",
    priceMaxLabel: "最高价（元）",
    liveNowLabel: "正在直播",
    clearFilters: "清除筛选",
    facetCategory: "类目",
    facetBrand: "品牌",
    facetPrice: "价格",
    priceRange: (min, max) => (max === null ? `¥${min / 100} 以上` : `¥${min / 100}–${max / 100}`),
    hitFacts: (hit, when) => [
      hit.price_cents !== undefined ? `价格 ¥${(hit.price_cents / 100).toFixed(2)}` : null,
      hit.brand ? `品牌 ${hit.brand}` : null,
      hit.category ? `类目 ${hit.category}` : null,
      when ? `发布于 ${when}` : null,
    ].filter(Boolean).join(" · "),
    pageStatus: (from, to, total) => `第 ${from}–${to} 条，共 ${total} 条`,
    previousPage: "上一页",
    nextPage: "下一页",
    footer: (generation, built, counts) => `索引版本 ${generation} · 构建于 ${built} · ${counts}`,
    docTypes: { product: "商品", video: "短视频", live: "直播", anchor: "主播" },
    noGeneration: (message) => `没有加载索引（${message}）`,
    loading: "正在加载索引信息…",
  },
  en: {
    pageTitle: "Drop-down suggestions SEO console",
    title: "SEO console",
    subtitle: "下拉联想词 · search",
    switchTo: "中文",
    typingTitle: "Type like a user",
    queryLabel: "Query (hanzi, pinyin, initials or mixed)",
    searchButton: "Search",
    suggestionsLabel: "Suggestions",
    hotList: "Hot searches",
    hotListStatus: (n) => `hot searches: ${n} terms (shown while the box is empty)`,
    suggestionsFor: (n, q) => (n === 0 ? `no suggestions for “${q}”` : `${n} suggestions for “${q}”`),
    kinds: { prefix: "prefix", pinyin: "pinyin", initials: "initials", mixed: "mixed", fuzzy: "fuzzy", typo: "typo", completion: "completion", related: "related" },
    probeTitle: "Probe a suggestion term",
    termLabel: "Term (hanzi, or its pinyin or initials)",
    probeButton: "Probe",
    probeCaption: "Where the term stands for each prefix typed on the way to it",
    colPrefix: "Prefix",
    colTypedAs: "Typed as",
    colRank: "Rank",
    colNeeded: "Score needed",
    colShown: "Top 10 shown",
    typedAs: { hanzi: "hanzi", pinyin: "pinyin", initials: "initials", latin: "letters", mixed: "mixed" },
    absent: "not in top 10",
    noSuggestions: "no suggestions",
    probing: "probing…",
    spelled: (spelling, term) => `“${spelling}” spells “${term}”. `,
    isCandidate: (term, c) =>
      `“${term}” is a candidate: score ${c.score.toFixed(4)} (search log ${c.components.search_count}, decayed ${c.components.recent_search.toFixed(1)}, rising ×${Math.max(1, c.components.rising).toFixed(2)}, sales ${c.components.sales}, followers ${c.components.followers}, documents ${c.components.documents})`,
    hotRank: (rank) => `Hot list rank ${rank}. `,
    relatedSearches: (list) => `related searches: ${list}`,
    notCandidate: (term) => `“${term}” is not a suggestion candidate`,
    chartLog: (label) => `${label} (log)`,
    chartSearchLog: "search log",
    chartSales: "sales",
    chartFollowers: "followers",
    chartScore: (text) => `score: ${text}`,
    chartTop: (text) => `top: ${text}`,
    chartLabel: "Score components and the scores of the top suggestions",
    resultsTitle: "Search results",
    typeFirst: "type a query first",
    searching: "searching…",
    matches: (total, q, tokens) => `${total} matches for “${q}” · tokens: ${tokens}`,
    relaxed: (words) => `relaxed: dropped ${words}`,
    converted: (from, to) => `searched for “${to}” (typed “${from}”)`,
    productWord: (word) => `product word: ${word}`,
    hitMeta: (hit, e, anchor, ranked) =>
      `${hit.type} ${hit.id} · ${ranked ? `score ${hit.score.toFixed(3)} = ` : ""}text ${Number(e.text).toFixed(3)} × popularity ${Number(e.popularity_multiplier).toFixed(3)}` +
      ` · sales ${hit.signals.sales} · followers ${hit.signals.followers} · likes ${hit.signals.likes}${anchor ? ` · anchor ${anchor}` : ""}`,
    sortLabel: "Sort",
    sortRelevance: "Relevance",
    sortSales: "Sales",
    sortPriceAsc: "Price, low to high",
    sortPriceDesc: "Price, high to low",
    sortNewest: "Newest",
    sortFollowers: "Anchor followers",
    typeLabel: "Type",
    typeAll: "All",
    typeProduct: "Products",
    typeVideo: "Videos",
    typeLive: "Lives",
    typeAnchor: "Anchors",
    priceMinLabel: "Min price (¥)",
    priceMaxLabel: "Max price (¥)",
    liveNowLabel: "Live now",
    clearFilters: "Clear filters",
    facetCategory: "Category",
    facetBrand: "Brand",
    facetPrice: "Price",
    priceRange: (min, max) => (max === null ? `¥${min / 100} and up` : `¥${min / 100}–${max / 100}`),
    hitFacts: (hit, when) => [
      hit.price_cents !== undefined ? `price ¥${(hit.price_cents / 100).toFixed(2)}` : null,
      hit.brand ? `brand ${hit.brand}` : null,
      hit.category ? `category ${hit.category}` : null,
      when ? `published ${when}` : null,
    ].filter(Boolean).join(" · "),
    pageStatus: (from, to, total) => `${from}–${to} of ${total}`,
    previousPage: "Previous",
    nextPage: "Next",
    footer: (generation, built, counts) => `generation ${generation} · built ${built} · ${counts}`,
    docTypes: { product: "product", video: "video", live: "live", anchor: "anchor" },
    noGeneration: (message) => `no generation loaded (${message})`,
    loading: "loading generation…",
  },
};

const LANGUAGE_KEY = "seo-console-language";

function initialLanguage() {
  const saved = localStorage.getItem(LANGUAGE_KEY);
  if (saved && MESSAGES[saved]) return saved;
  const preferred = (navigator.languages && navigator.languages[0]) || navigator.language || "";
  return preferred.toLowerCase().startsWith("en") ? "en" : "zh";
}

let language = initialLanguage();
const t = (key) => MESSAGES[language][key];

// Each panel re-renders its last answer when the language changes.
const rerenders = [];

function applyLanguage() {
  document.documentElement.lang = language === "zh" ? "zh-CN" : "en";
  document.title = t("pageTitle");
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  const toggle = $("lang");
  toggle.textContent = t("switchTo");
  toggle.lang = language === "zh" ? "en" : "zh-CN";
  list.setAttribute("aria-label", list.dataset.hot === "true" ? t("hotList") : t("suggestionsLabel"));
  $("probe-chart").setAttribute("aria-label", t("chartLabel"));
  rerenders.forEach((render) => render());
}

$("lang").addEventListener("click", () => {
  language = language === "zh" ? "en" : "zh";
  localStorage.setItem(LANGUAGE_KEY, language);
  applyLanguage();
});

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
// What the user typed: the arrows show suggestions in the box, and going
// past the last (or above the first) brings this back, as the app does.
let typedText = "";
let lastSuggestions = null;

const options = () => [...list.querySelectorAll('[role="option"]')];

function closeList() {
  list.hidden = true;
  input.setAttribute("aria-expanded", "false");
  input.removeAttribute("aria-activedescendant");
  active = -1;
}

function setActive(index) {
  const items = options();
  if (items.length === 0) return;
  // -1 is the typed text itself, between the last item and the first.
  const positions = items.length + 1;
  active = ((index + 1 + positions) % positions) - 1;
  items.forEach((item, i) => item.setAttribute("aria-selected", String(i === active)));
  if (active >= 0) {
    input.setAttribute("aria-activedescendant", items[active].id);
    input.value = items[active].dataset.text;
  } else {
    input.removeAttribute("aria-activedescendant");
    input.value = typedText;
  }
}

function renderSuggestions() {
  if (!lastSuggestions) return;
  const { suggestions, hot, query } = lastSuggestions;
  list.replaceChildren();
  list.dataset.hot = String(hot);
  list.setAttribute("aria-label", hot ? t("hotList") : t("suggestionsLabel"));
  if (hot && suggestions.length > 0) {
    const label = element("li", t("hotList"), "list-label");
    label.setAttribute("role", "presentation");
    list.append(label);
  }
  suggestions.forEach((suggestion, index) => {
    const item = element("li");
    item.id = `suggestion-${index}`;
    item.setAttribute("role", "option");
    item.setAttribute("aria-selected", String(index === active));
    item.dataset.text = suggestion.text;
    item.append(element("span", suggestion.text, "text"));
    if (!hot) { // nothing was typed: how the hot list "matched" says nothing
      const kind = element("span", t("kinds")[suggestion.match] || suggestion.match, "kind");
      kind.dataset.kind = suggestion.match;
      item.append(kind);
    }
    item.addEventListener("mousedown", (event) => {
      event.preventDefault();
      choose(suggestion.text);
    });
    list.append(item);
  });
  suggestStatus.textContent = hot ? t("hotListStatus")(suggestions.length) : t("suggestionsFor")(suggestions.length, query);
}

async function requestSuggestions() {
  const query = input.value;
  const requestId = ++latestRequest;
  if (inFlight) inFlight.abort();
  inFlight = new AbortController();
  try {
    const body = await getJson("/v1/suggest", { q: query, limit: 10 }, inFlight.signal);
    if (requestId !== latestRequest) return; // a newer keystroke has been sent: stale
    typedText = query;
    active = -1;
    lastSuggestions = { suggestions: body.suggestions, hot: query.trim() === "", query };
    renderSuggestions();
    list.hidden = body.suggestions.length === 0;
    input.setAttribute("aria-expanded", String(body.suggestions.length > 0));
  } catch (error) {
    if (error.name === "AbortError" || requestId !== latestRequest) return;
    suggestStatus.textContent = error.message;
    closeList();
  }
}
rerenders.push(renderSuggestions);

function scheduleSuggestions() {
  if (composing) return; // half-composed pinyin in an input method is not a query
  clearTimeout(debounceTimer);
  debounceTimer = setTimeout(requestSuggestions, DEBOUNCE_MS);
}

function choose(text) {
  input.value = text;
  typedText = text;
  closeList();
  runSearch(text, 0);
}

input.addEventListener("compositionstart", () => { composing = true; });
input.addEventListener("compositionend", () => { composing = false; scheduleSuggestions(); });
input.addEventListener("input", scheduleSuggestions);
input.addEventListener("focus", scheduleSuggestions);
input.addEventListener("blur", () => setTimeout(closeList, 100));
input.addEventListener("keydown", (event) => {
  if (event.isComposing || composing) return;
  if (event.key === "ArrowDown") {
    event.preventDefault();
    if (list.hidden) requestSuggestions(); else setActive(active + 1);
  } else if (event.key === "ArrowUp") {
    event.preventDefault();
    if (!list.hidden) setActive(active - 1);
  } else if (event.key === "Escape") {
    // A type="search" box clears itself on Escape; the app only closes the list.
    event.preventDefault();
    clearTimeout(debounceTimer);
    latestRequest++; // an answer still on its way must not reopen the list
    closeList();
  } else if (event.key === "Enter" && active >= 0 && !list.hidden) {
    event.preventDefault();
    choose(options()[active].dataset.text);
  }
});

$("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  closeList();
  runSearch(input.value, 0);
});

// ---- search results: filters, sort orders, facet chips, highlighted titles -----

let lastSearch = null;
let latestSearch = 0;
// The query the result panel shows; filters and chips search it again.
let currentQuery = "";
// Facet values chosen with the chips (sent as repeated parameters).
const chosen = { category: new Set(), brand: new Set() };

// A price box in yuan as cents; blank or not a number is no bound.
function cents(id) {
  const text = $(id).value.trim();
  if (text === "") return null;
  const value = Math.round(Number(text) * 100);
  return Number.isFinite(value) && value >= 0 ? value : null;
}

function searchParams(query, offset) {
  const params = [["q", query], ["limit", PAGE_SIZE], ["offset", offset], ["explain", "true"],
    ["facets", "category,brand,price"]];
  if ($("sort").value !== "relevance") params.push(["sort", $("sort").value]);
  if ($("type").value !== "all") params.push(["type", $("type").value]);
  const min = cents("price-min");
  const max = cents("price-max");
  if (min !== null) params.push(["price_min", min]);
  if (max !== null) params.push(["price_max", max]);
  if ($("live-now").checked) params.push(["live_now", "true"]);
  for (const value of chosen.category) params.push(["category", value]);
  for (const value of chosen.brand) params.push(["brand", value]);
  return params;
}

async function runSearch(query, offset) {
  const status = $("results-status");
  $("results").replaceChildren();
  $("facets").replaceChildren();
  $("results-notes").textContent = "";
  $("pager").hidden = true;
  lastSearch = null;
  currentQuery = query;
  const searchId = ++latestSearch;
  if (!query.trim()) { status.textContent = t("typeFirst"); return; }
  status.textContent = t("searching");
  try {
    const params = searchParams(query, offset);
    const body = await getJson("/v1/search", params);
    if (searchId !== latestSearch) return; // a newer search was started meanwhile
    const ranked = !params.some(([name]) => name === "sort");
    lastSearch = { body, query, offset, ranked };
    renderResults();
  } catch (error) {
    status.textContent = error.message;
  }
}

// The title with the server's highlight spans (character offsets) as <mark>s.
function highlightedTitle(hit) {
  const node = element("div", null, "hit-title");
  const chars = Array.from(hit.title);
  let at = 0;
  for (const span of hit.highlights || []) {
    if (span.start > at) node.append(chars.slice(at, span.start).join(""));
    node.append(element("mark", chars.slice(span.start, span.end).join("")));
    at = Math.max(at, span.end);
  }
  if (at < chars.length) node.append(chars.slice(at).join(""));
  return node;
}

function chip(label, count, pressed, onClick) {
  const button = element("button", label, "chip");
  button.type = "button";
  button.append(element("span", count, "count"));
  button.setAttribute("aria-pressed", String(pressed));
  button.addEventListener("click", onClick);
  return button;
}

function facetGroup(name, label, chips) {
  if (chips.length === 0) return;
  const group = element("div", null, "facet-group");
  group.dataset.facet = name;
  group.append(element("span", label, "facet-label"), ...chips);
  $("facets").append(group);
}

function renderFacets(facets) {
  $("facets").replaceChildren();
  if (!facets) return;
  for (const [name, label] of [["category", t("facetCategory")], ["brand", t("facetBrand")]]) {
    const chips = (facets[name] || []).map((entry) => {
      const button = chip(entry.value, entry.count, chosen[name].has(entry.value), () => {
        if (chosen[name].has(entry.value)) chosen[name].delete(entry.value);
        else chosen[name].add(entry.value);
        runSearch(currentQuery, 0);
      });
      button.dataset.value = entry.value;
      return button;
    });
    facetGroup(name, label, chips);
  }
  const min = cents("price-min");
  const max = cents("price-max");
  const buckets = (facets.price || []).filter((bucket) => bucket.count > 0);
  facetGroup("price", t("facetPrice"), buckets.map((bucket) => {
    // A bucket's end is excluded; the price boxes take an included maximum.
    const top = bucket.max_cents === null ? null : bucket.max_cents - 1;
    const pressed = min === bucket.min_cents && max === top;
    return chip(t("priceRange")(bucket.min_cents, bucket.max_cents), bucket.count, pressed, () => {
      $("price-min").value = pressed ? "" : String(bucket.min_cents / 100);
      $("price-max").value = pressed || top === null ? "" : String(top / 100);
      runSearch(currentQuery, 0);
    });
  }));
}

function renderResults() {
  if (!lastSearch) return;
  const { body, query, offset, ranked } = lastSearch;
  const results = $("results");
  results.replaceChildren();
  results.start = offset + 1;
  $("results-status").textContent = t("matches")(body.total, body.query, body.tokens.join(" | "));
  const notes = [];
  if (body.converted) notes.push(t("converted")(body.converted.from, body.converted.to));
  if (body.product_word) notes.push(t("productWord")(body.product_word));
  if (body.relaxed) notes.push(t("relaxed")(body.dropped_words.join("、")));
  $("results-notes").textContent = notes.join(" · ");
  renderFacets(body.facets);
  for (const hit of body.hits) {
    const item = element("li");
    item.dataset.id = hit.id;
    item.dataset.price = hit.price_cents === undefined ? "" : String(hit.price_cents);
    item.dataset.category = hit.category || "";
    item.append(highlightedTitle(hit));
    const when = hit.published_at ? readableTime(hit.published_at) : null;
    const facts = t("hitFacts")(hit, when);
    if (facts) item.append(element("div", facts, "hit-facts"));
    item.append(element("div", t("hitMeta")(hit, hit.explain || {}, hit.anchor && hit.anchor.name, ranked), "hit-meta"));
    results.append(item);
  }
  const pager = $("pager");
  pager.hidden = body.total <= PAGE_SIZE && offset === 0;
  const last = offset + body.hits.length;
  $("page-status").textContent = t("pageStatus")(body.hits.length ? offset + 1 : 0, last, body.total);
  $("previous-page").disabled = offset === 0;
  $("next-page").disabled = last >= body.total;
  pager.dataset.query = query;
}
rerenders.push(renderResults);

$("previous-page").addEventListener("click", () => {
  if (lastSearch) runSearch(lastSearch.query, Math.max(0, lastSearch.offset - PAGE_SIZE));
});
$("next-page").addEventListener("click", () => {
  if (lastSearch) runSearch(lastSearch.query, lastSearch.offset + PAGE_SIZE);
});
$("result-filters").addEventListener("change", () => {
  if (currentQuery.trim()) runSearch(currentQuery, 0);
});
$("result-filters").addEventListener("submit", (event) => event.preventDefault());
$("clear-filters").addEventListener("click", () => {
  $("result-filters").reset();
  chosen.category.clear();
  chosen.brand.clear();
  if (currentQuery.trim()) runSearch(currentQuery, 0);
});

// ---- probe -------------------------------------------------------------------

function barChart(candidate, firstPrefix) {
  const chart = $("probe-chart");
  chart.replaceChildren();
  if (!candidate) return;
  const components = candidate.components;
  // Components on a log scale, next to the popularity scores of what the first prefix shows.
  const rows = [
    [t("chartSearchLog"), Math.log1p(components.search_count), components.search_count],
    [t("chartSales"), Math.log1p(components.sales), components.sales],
    [t("chartFollowers"), Math.log1p(components.followers), components.followers],
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
  rows.forEach(([label, log, raw]) => bar(t("chartLog")(label), log / maxLog, raw, "#fa8c16"));
  y += rowHeight / 2;
  bar(t("chartScore")(candidate.text), candidate.score / maxScore, candidate.score.toFixed(3), "#d4380d");
  shown.forEach((s) => bar(t("chartTop")(s.text), s.score / maxScore, s.score.toFixed(3), "#8c8c8c"));
  chart.append(svg);
}

let lastProbe = null;

function renderProbe() {
  if (!lastProbe) return;
  const probe = lastProbe;
  const candidate = probe.candidate;
  const spelled = probe.spelled_as ? t("spelled")(probe.spelled_as, probe.term) : "";
  const hot = probe.hot_rank ? t("hotRank")(probe.hot_rank) : "";
  $("probe-summary").textContent = spelled + hot + (candidate ? t("isCandidate")(probe.term, candidate) : t("notCandidate")(probe.term));
  const related = $("probe-related");
  related.textContent = probe.related.length ? t("relatedSearches")(probe.related.map((s) => s.text).join(" · ")) : "";
  const table = $("probe-table");
  const body = table.tBodies[0];
  body.replaceChildren();
  for (const prefix of probe.prefixes) {
    const row = element("tr");
    row.dataset.prefix = prefix.prefix;
    const typedAs = element("td", t("typedAs")[prefix.typed_as] || prefix.typed_as);
    typedAs.dataset.typedAs = prefix.typed_as;
    row.append(element("td", prefix.prefix), typedAs);
    const rank = element("td", prefix.rank === null ? t("absent") : String(prefix.rank), "number");
    if (prefix.rank === null) rank.classList.add("absent");
    // Already shown: no score is needed. Blank: fewer than 10 are shown, or
    // the term is no candidate, so no score can be named.
    let needed = "";
    if (prefix.rank !== null) needed = "-";
    else if (prefix.needed_score !== null) needed = prefix.needed_score.toFixed(4);
    row.append(rank, element("td", needed, "number"));
    const shown = prefix.shown.length ? prefix.shown.map((s) => s.text).join(" · ") : t("noSuggestions");
    row.append(element("td", shown));
    body.append(row);
  }
  table.hidden = false;
  barChart(candidate, probe.prefixes[0]);
}
rerenders.push(renderProbe);

$("probe-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const summary = $("probe-summary");
  summary.textContent = t("probing");
  try {
    lastProbe = await getJson("/v1/suggest/probe", { term: $("term").value });
    renderProbe();
  } catch (error) {
    lastProbe = null;
    summary.textContent = error.message;
    $("probe-table").hidden = true;
    $("probe-related").textContent = "";
    $("probe-chart").replaceChildren();
  }
});

// ---- footer ----------------------------------------------------------------------

let lastReady = null;

// "2026-11-28 15:04:05 (UTC+8)", in the reader's time zone.
function readableTime(rfc3339) {
  const date = new Date(rfc3339);
  if (Number.isNaN(date.getTime())) return rfc3339;
  const two = (n) => String(n).padStart(2, "0");
  const offset = -date.getTimezoneOffset();
  const zone = `UTC${offset >= 0 ? "+" : "-"}${Math.floor(Math.abs(offset) / 60)}${offset % 60 ? ":" + two(Math.abs(offset) % 60) : ""}`;
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ` +
    `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())} (${zone})`;
}

function renderFooter() {
  const footer = $("footer");
  if (!lastReady) { footer.textContent = t("loading"); return; }
  if (lastReady.error) { footer.textContent = t("noGeneration")(lastReady.error); return; }
  const ready = lastReady.ready;
  const counts = Object.entries(ready.documents)
    .map(([type, count]) => `${t("docTypes")[type] || type} ${count}`).join(" · ");
  footer.textContent = t("footer")(ready.generation, readableTime(ready.created_at), counts);
  footer.title = ready.created_at;
  footer.dataset.generation = ready.generation;
}
rerenders.push(renderFooter);

async function loadFooter() {
  try {
    lastReady = { ready: await getJson("/readyz", {}) };
  } catch (error) {
    lastReady = { error: error.message };
  }
  renderFooter();
}

applyLanguage();
loadFooter();
