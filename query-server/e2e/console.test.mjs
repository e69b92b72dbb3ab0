// The SEO console in a real browser: the release server on the fixtures,
// headless Chromium driven by playwright-core. Run from .ci/run after
// `cargo build --release`; `npm test` here for a developer.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";

const here = dirname(fileURLToPath(import.meta.url));
const project = resolve(here, "../..");
const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";
const screenshotDir = join(project, "target", "e2e");
const haveChromium = existsSync(chromiumPath);
// A query of the fixtures with three pages of matches or more.
const PAGED_QUERY = "卫衣";
const skip = !haveChromium && process.env.CI !== "true"
  ? `no Chromium at ${chromiumPath}: install it with 'apt-get install chromium fonts-noto-cjk' (CI never skips this test)`
  : false;

let server;
let base;
let browser;
let root;

before(async () => {
  if (skip) return;
  assert.ok(haveChromium, `CI needs Chromium at ${chromiumPath}`);
  const binary = (name) => join(project, "target", "release", name);
  for (const name of ["indexer", "query-server"]) {
    assert.ok(existsSync(binary(name)), `build the release binaries first: cargo build --release (missing ${binary(name)})`);
  }
  root = mkdtempSync(join(tmpdir(), "console-e2e-"));
  const built = spawnSync(binary("indexer"), ["build", "--input", join(project, "fixtures"), "--index-root", root], { encoding: "utf8" });
  assert.equal(built.status, 0, built.stderr);
  server = spawn(binary("query-server"), ["serve", "--index-root", root, "--addr", "127.0.0.1:0"], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, RUST_LOG: "warn" } });
  const firstLine = await new Promise((resolveLine, reject) => {
    const lines = createInterface({ input: server.stdout });
    lines.once("line", resolveLine);
    server.once("exit", (code) => reject(new Error(`query-server exited with ${code}`)));
  });
  base = "http://" + firstLine.replace("listening on ", "").trim();
  const { chromium } = await import("playwright-core");
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
      "--disable-component-update", "--disable-sync", "--disable-quic"],
  });
});

after(async () => {
  if (browser) await browser.close();
  if (server) server.kill("SIGTERM");
  if (root) rmSync(root, { recursive: true, force: true });
});

// A fresh browser context: its own language, time zone and storage.
async function openConsole({ locale = "zh-CN", timezoneId = "Asia/Shanghai", width = 1100 } = {}) {
  const context = await browser.newContext({ locale, timezoneId, viewport: { width, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(base + "/");
  await page.waitForFunction(() => document.getElementById("footer").dataset.generation);
  page.on("close", () => context.close().catch(() => {})); // the browser may be gone already
  return { page, errors };
}

// Types `text` key by key and waits for the answer to the whole of it (the
// answers to "l" and "ly" may show the same first suggestion).
async function typeAndWait(page, text) {
  await page.keyboard.type(text, { delay: 60 });
  await page.waitForFunction((typed) => document.getElementById("suggest-status").textContent.includes(`“${typed}”`), text);
}

test("typing initials shows the hanzi suggestion, probe fills its table", { skip }, async () => {
  const { page, errors } = await openConsole();
  const footer = await page.textContent("#footer");
  assert.match(footer, /商品 360/);

  await page.click("#q");
  await typeAndWait(page, "lyq");
  const option = page.locator('#suggestions li[data-text="连衣裙"]');
  await option.waitFor({ state: "visible" });
  assert.equal(await option.locator(".kind").getAttribute("data-kind"), "initials");
  assert.equal(await option.locator(".kind").textContent(), "首字母");
  assert.equal(await page.getAttribute("#q", "aria-expanded"), "true");

  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, "console-dropdown.png") });

  // Keyboard: down to the first suggestion, enter takes it and runs the search.
  const first = await page.textContent("#suggestion-0 .text");
  await page.keyboard.press("ArrowDown");
  assert.equal(await page.getAttribute("#suggestion-0", "aria-selected"), "true");
  await page.keyboard.press("Enter");
  await page.locator("#results li").first().waitFor();
  assert.equal(await page.inputValue("#q"), first);
  assert.equal(await page.isHidden("#suggestions"), true, "the list closes after a choice");
  assert.match(await page.textContent("#results-status"), /共 \d+ 条结果/);
  assert.match(await page.textContent("#results li .hit-meta"), /分数 .* = 文本 .* × 热度/);

  await page.fill("#term", "连衣裙");
  await page.click("#probe-form button");
  const lyqRow = page.locator('#probe-table tbody tr[data-prefix="lyq"]');
  await lyqRow.waitFor();
  const cells = await lyqRow.locator("td").allTextContents();
  assert.equal(await lyqRow.locator("td").nth(1).getAttribute("data-typed-as"), "initials");
  assert.equal(cells[2], "1", `连衣裙 should lead for lyq: ${cells}`);
  assert.equal(cells[3], "-", "no score is needed where the term is already shown");
  assert.match(cells[4], /连衣裙/);
  assert.ok(await page.locator('#probe-table tbody tr[data-prefix="连"]').count() === 1);
  assert.ok(await page.locator("#probe-chart svg rect").count() >= 4, "bar chart drawn");
  assert.match(await page.textContent("#probe-summary"), /是联想词/);

  // The table spans the page's main column, not half of it.
  const widths = await page.evaluate(() => ({
    table: document.getElementById("probe-table").getBoundingClientRect().width,
    main: document.querySelector("main").getBoundingClientRect().width,
  }));
  assert.ok(widths.table >= widths.main - 60, `probe table ${widths.table}px of ${widths.main}px`);

  await page.screenshot({ path: join(screenshotDir, "console.png"), fullPage: true });

  // The pinyin of a candidate probes the candidate.
  await page.fill("#term", "lianyiqun");
  await page.click("#probe-form button");
  await page.waitForFunction(() => document.getElementById("probe-summary").textContent.startsWith("“lianyiqun”拼出的是“连衣裙”"));
  assert.match(await page.textContent("#probe-summary"), /“连衣裙”是联想词/);
  assert.equal(await page.locator('#probe-table tbody tr[data-prefix="连"] td').nth(1).getAttribute("data-typed-as"), "hanzi");
  assert.deepEqual(errors, []);
  await page.close();
});

test("arrows put the highlighted suggestion in the box; Escape closes the list and keeps the text", { skip }, async () => {
  const { page, errors } = await openConsole();
  await page.click("#q");
  await typeAndWait(page, "lyq");
  await page.locator('#suggestions li[data-text="连衣裙"]').waitFor({ state: "visible" });
  const texts = await page.locator("#suggestions li[role=option]").evaluateAll((items) => items.map((item) => item.dataset.text));
  assert.ok(texts.length >= 2, `two suggestions at least: ${texts}`);

  await page.keyboard.press("ArrowDown");
  assert.equal(await page.inputValue("#q"), texts[0]);
  await page.keyboard.press("ArrowDown");
  assert.equal(await page.inputValue("#q"), texts[1]);
  assert.equal(await page.getAttribute("#suggestion-1", "aria-selected"), "true");
  await page.keyboard.press("ArrowUp");
  assert.equal(await page.inputValue("#q"), texts[0]);
  await page.keyboard.press("ArrowUp");
  assert.equal(await page.inputValue("#q"), "lyq", "above the first suggestion: what was typed");
  await page.keyboard.press("ArrowUp");
  assert.equal(await page.inputValue("#q"), texts[texts.length - 1], "wraps to the last");
  // Filling the box is not typing: no new request replaces the list.
  await page.waitForTimeout(300);
  assert.equal(await page.locator("#suggestions li[role=option]").count(), texts.length);

  await page.keyboard.press("Escape");
  assert.equal(await page.isHidden("#suggestions"), true, "Escape closes the list");
  assert.equal(await page.inputValue("#q"), texts[texts.length - 1], "Escape keeps the text");

  await page.fill("#q", "");
  await typeAndWait(page, "连衣");
  await page.locator("#suggestions li[role=option]").first().waitFor({ state: "visible" });
  await page.keyboard.press("Escape");
  await page.waitForTimeout(300);
  assert.equal(await page.isHidden("#suggestions"), true);
  assert.equal(await page.inputValue("#q"), "连衣");
  assert.deepEqual(errors, []);
  await page.close();
});

test("the empty box shows the hot list, labelled as such", { skip }, async () => {
  const { page } = await openConsole();
  await page.click("#q");
  const label = page.locator("#suggestions li.list-label");
  await label.waitFor({ state: "visible" });
  assert.equal(await label.textContent(), "热搜榜");
  assert.equal(await page.getAttribute("#suggestions", "aria-label"), "热搜榜");
  assert.ok(await page.locator("#suggestions li[role=option]").count() > 0);
  assert.equal(await page.locator("#suggestions .kind").count(), 0, "nothing typed, so no match kind");
  assert.match(await page.textContent("#suggest-status"), /热搜榜/);
  await page.keyboard.press("ArrowDown");
  assert.equal(await page.getAttribute("#suggestion-0", "aria-selected"), "true", "the label is not an option");
  await page.screenshot({ path: join(screenshotDir, "console-hot-list.png") });

  await page.fill("#q", "连");
  await page.waitForFunction(() => document.getElementById("suggestions").dataset.hot === "false");
  assert.equal(await label.count(), 0, "typed prefixes get no hot-list label");
  assert.equal(await page.getAttribute("#suggestions", "aria-label"), "联想词");
  await page.close();
});

test("Chinese by default, English for an English browser, and a switch", { skip }, async () => {
  const chinese = await openConsole({ locale: "zh-CN" });
  assert.equal(await chinese.page.textContent("#typing-title"), "像用户一样输入");
  assert.equal(await chinese.page.textContent("#search-form button"), "搜索");
  assert.equal(await chinese.page.getAttribute("html", "lang"), "zh-CN");
  await chinese.page.close();

  // A browser in neither language gets Chinese, for the staff.
  const other = await openConsole({ locale: "de-DE" });
  assert.equal(await other.page.textContent("#probe-title"), "诊断联想词");
  await other.page.close();

  const { page, errors } = await openConsole({ locale: "en-US" });
  assert.equal(await page.textContent("#typing-title"), "Type like a user");
  assert.equal(await page.textContent("#probe-table th:nth-child(4)"), "Score needed");
  assert.match(await page.textContent("#footer"), /^generation .* · built .* · product 360/);
  await page.fill("#term", "连衣裙");
  await page.click("#probe-form button");
  await page.waitForFunction(() => document.getElementById("probe-summary").textContent.includes("is a candidate"));

  await page.click("#lang");
  assert.equal(await page.textContent("#typing-title"), "像用户一样输入");
  assert.equal(await page.textContent("#lang"), "English");
  assert.match(await page.textContent("#probe-summary"), /是联想词/, "what is shown is re-labelled");
  assert.match(await page.textContent("#footer"), /^索引版本 /);
  await page.reload();
  await page.waitForFunction(() => document.getElementById("footer").dataset.generation);
  assert.equal(await page.textContent("#typing-title"), "像用户一样输入", "the choice is remembered");
  await page.click("#lang");
  assert.equal(await page.textContent("#search-form button"), "Search");
  assert.deepEqual(errors, []);
  await page.close();
});

test("results page through all matches", { skip }, async () => {
  const { page, errors } = await openConsole({ locale: "en-US" });
  assert.equal(await page.isHidden("#pager"), true, "no pager before a search");
  await page.fill("#q", "连衣裙");
  await page.click("#search-form button");
  await page.waitForFunction(() => document.getElementById("results-status").textContent.includes("matches for “连衣裙”"));
  const fewTotal = Number((await page.textContent("#results-status")).match(/^(\d+) matches/)[1]);
  assert.ok(fewTotal <= 10, `连衣裙 fits one page: ${fewTotal}`);
  assert.equal(await page.isHidden("#pager"), true, "no pager for one page of matches");
  await page.fill("#q", PAGED_QUERY);
  await page.click("#search-form button");
  await page.waitForFunction((query) => document.getElementById("results-status").textContent.includes(`matches for “${query}”`), PAGED_QUERY);
  const total = Number((await page.textContent("#results-status")).match(/^(\d+) matches/)[1]);
  assert.ok(total > 20, `the query should need three pages at least: ${total}`);
  assert.equal(await page.isVisible("#pager"), true);
  assert.equal(await page.isDisabled("#previous-page"), true);
  const seen = new Set();
  for (let pageNumber = 0; ; pageNumber++) {
    const ids = await page.locator("#results li").evaluateAll((items) => items.map((item) => item.dataset.id));
    ids.forEach((id) => seen.add(id));
    const from = pageNumber * 10 + 1;
    assert.equal(await page.textContent("#page-status"), `${from}–${from + ids.length - 1} of ${total}`);
    if (await page.isDisabled("#next-page")) break;
    await page.click("#next-page");
    await page.waitForFunction((expected) => document.getElementById("page-status").textContent.startsWith(expected), `${from + 10}–`);
  }
  assert.equal(seen.size, total, "every match shown once across the pages");
  assert.equal(await page.isDisabled("#previous-page"), false);
  await page.click("#previous-page");
  await page.waitForFunction(() => !document.getElementById("next-page").disabled);
  await page.screenshot({ path: join(screenshotDir, "console-results.png"), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test("facet chips filter the results, the sort reorders them, titles are highlighted", { skip }, async () => {
  const { page, errors } = await openConsole();
  await page.fill("#q", PAGED_QUERY);
  await page.click("#search-form button");
  await page.locator('#facets [data-facet="category"] button.chip').first().waitFor();
  const total = async () => Number((await page.textContent("#results-status")).match(/共 (\d+) 条结果/)[1]);
  const everything = await total();
  // The query's words are marked in the titles, as text (no HTML from the server).
  const marks = await page.locator("#results li .hit-title mark").allTextContents();
  assert.ok(marks.includes(PAGED_QUERY) && marks.every((text) => text.length > 0), `marks: ${marks}`);

  // A category chip keeps exactly its count of matches, all of that category.
  const categoryChip = page.locator('#facets [data-facet="category"] button.chip').first();
  const category = await categoryChip.getAttribute("data-value");
  const count = Number(await categoryChip.locator(".count").textContent());
  assert.ok(count < everything, `${category} (${count}) should narrow ${everything} matches`);
  await categoryChip.click();
  await page.waitForFunction((expected) => /共 (\d+) 条结果/.test(document.getElementById("results-status").textContent)
    && document.getElementById("results-status").textContent.includes(`共 ${expected} 条结果`), count);
  const categories = await page.locator("#results li").evaluateAll((items) => items.map((item) => item.dataset.category));
  assert.ok(categories.length > 0 && categories.every((value) => value === category), `${categories}`);
  const pressed = page.locator(`#facets [data-facet="category"] button.chip[data-value="${category}"]`);
  assert.equal(await pressed.getAttribute("aria-pressed"), "true");

  // Cheapest first, then dearest first: the same matches in price order.
  const prices = () => page.locator("#results li").evaluateAll((items) => items.map((item) => Number(item.dataset.price)));
  const firstIds = () => page.locator("#results li").evaluateAll((items) => items.map((item) => item.dataset.id).join());
  const before = await firstIds();
  await page.selectOption("#sort", "price_asc");
  await page.waitForFunction((previous) => {
    const ids = [...document.querySelectorAll("#results li")].map((item) => item.dataset.id).join();
    return ids && ids !== previous;
  }, before);
  const ascending = await prices();
  assert.deepEqual(ascending, [...ascending].sort((a, b) => a - b), `price_asc: ${ascending}`);
  assert.equal(await total(), count, "a sort order changes the order, not the matches");
  await page.selectOption("#sort", "price_desc");
  await page.waitForFunction((low) => {
    const first = document.querySelector("#results li"); // none while the new page loads
    return first !== null && Number(first.dataset.price) > low;
  }, ascending[0]);
  const descending = await prices();
  assert.deepEqual(descending, [...descending].sort((a, b) => b - a), `price_desc: ${descending}`);
  assert.match(await page.textContent("#results li .hit-facts"), /价格 ¥\d+\.\d\d/);
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, "console-result-page.png"), fullPage: true });

  // Clearing the filters brings every match back.
  await page.click("#clear-filters");
  await page.waitForFunction((expected) => document.getElementById("results-status").textContent.includes(`共 ${expected} 条结果`), everything);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the footer shows the build time readably, in the reader's time zone", { skip }, async () => {
  const { page } = await openConsole({ locale: "zh-CN", timezoneId: "Asia/Shanghai" });
  const footer = await page.textContent("#footer");
  assert.match(footer, /构建于 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(UTC\+8\)/);
  assert.doesNotMatch(footer, /\d\dT\d\d:/, "no raw RFC 3339 text");
  const exact = await page.getAttribute("#footer", "title");
  const shown = footer.match(/(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)/).slice(1).map(Number);
  const utc = Date.UTC(shown[0], shown[1] - 1, shown[2], shown[3] - 8, shown[4], shown[5]);
  assert.ok(Math.abs(utc - Date.parse(exact)) < 1000, `${footer} is not ${exact} in UTC+8`);
  await page.close();
});

test("works at phone width without sideways scrolling", { skip }, async () => {
  const { page } = await openConsole({ width: 375 });
  await page.fill("#q", "连衣");
  await page.locator("#suggestions li").first().waitFor({ state: "visible" });
  const overflow = await page.evaluate(() => document.scrollingElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page wider than the phone by ${overflow}px`);
  for (const id of ["q", "term"]) {
    const label = await page.locator(`label[for="${id}"]`).count();
    assert.equal(label, 1, `input #${id} has a label`);
  }
  await page.screenshot({ path: join(screenshotDir, "console-phone.png") });
  await page.close();
});

test("no request while an input method is composing", { skip }, async () => {
  const { page } = await openConsole();
  const suggestRequests = [];
  page.on("request", (request) => { if (request.url().includes("/v1/suggest?")) suggestRequests.push(request.url()); });
  await page.focus("#q");
  await page.waitForTimeout(300);
  suggestRequests.length = 0;
  await page.evaluate(() => {
    const input = document.getElementById("q");
    input.dispatchEvent(new CompositionEvent("compositionstart", { data: "" }));
    for (const partial of ["l", "li", "lia", "lian"]) {
      input.value = partial;
      input.dispatchEvent(new InputEvent("input", { data: partial, isComposing: true }));
    }
  });
  await page.waitForTimeout(400);
  assert.equal(suggestRequests.length, 0, `requests during composition: ${suggestRequests}`);
  const composed = page.waitForRequest((request) =>
    request.url().includes("/v1/suggest?") && new URL(request.url()).searchParams.get("q") === "连");
  await page.evaluate(() => {
    const input = document.getElementById("q");
    input.value = "连";
    input.dispatchEvent(new CompositionEvent("compositionend", { data: "连" }));
  });
  await composed;
  await page.waitForFunction(() => document.getElementById("suggest-status").textContent.includes("“连”"));
  assert.equal(await page.locator('#suggestions li[data-text="连衣裙"]').count(), 1);
  await page.close();
});

test("a script typed as a query is shown as text, never run", { skip }, async () => {
  const { page } = await openConsole({ locale: "en-US" });
  const dialogs = [];
  page.on("dialog", async (dialog) => { dialogs.push(dialog.message()); await dialog.dismiss(); });
  const payload = "<script>alert(1)</script><img src=x onerror=alert(2)>";
  await page.fill("#term", payload.slice(0, 60));
  await page.click("#probe-form button");
  await page.waitForFunction(() => document.getElementById("probe-summary").textContent.includes("not a suggestion candidate"));
  await page.fill("#q", payload.slice(0, 60));
  await page.click("#search-form button");
  await page.waitForFunction(() => !document.getElementById("results-status").textContent.includes("searching"));
  await page.waitForTimeout(300);
  assert.deepEqual(dialogs, []);
  assert.equal(await page.locator("#results img, #probe-summary img, #probe-table img").count(), 0);
  assert.match(await page.textContent("#probe-summary"), /<script>/);
  await page.close();
});
