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

async function openConsole() {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(base + "/");
  await page.waitForFunction(() => document.getElementById("footer").textContent.startsWith("generation "));
  return { page, errors };
}

test("typing initials shows the hanzi suggestion, probe fills its table", { skip }, async () => {
  const { page, errors } = await openConsole();
  const footer = await page.textContent("#footer");
  assert.match(footer, /product 360/);

  await page.click("#q");
  await page.keyboard.type("lyq", { delay: 60 });
  const option = page.locator('#suggestions li[data-text="连衣裙"]');
  await option.waitFor({ state: "visible" });
  assert.equal(await option.locator(".kind").textContent(), "initials");
  assert.equal(await page.getAttribute("#q", "aria-expanded"), "true");

  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, "console-dropdown.png") });

  // Keyboard: down to the first suggestion, enter takes it and runs the search.
  const first = await page.textContent("#suggestions li:first-child .text");
  await page.keyboard.press("ArrowDown");
  assert.equal(await page.getAttribute("#suggestions li:first-child", "aria-selected"), "true");
  await page.keyboard.press("Enter");
  await page.locator("#results li").first().waitFor();
  assert.equal(await page.inputValue("#q"), first);
  assert.equal(await page.isHidden("#suggestions"), true, "the list closes after a choice");
  assert.match(await page.textContent("#results-status"), /matches for/);
  assert.match(await page.textContent("#results li .hit-meta"), /score .* = text .* × popularity/);

  await page.fill("#term", "连衣裙");
  await page.click("#probe-form button");
  const lyqRow = page.locator('#probe-table tbody tr[data-prefix="lyq"]');
  await lyqRow.waitFor();
  const cells = await lyqRow.locator("td").allTextContents();
  assert.equal(cells[1], "initials");
  assert.equal(cells[2], "1", `连衣裙 should lead for lyq: ${cells}`);
  assert.match(cells[4], /连衣裙/);
  assert.ok(await page.locator('#probe-table tbody tr[data-prefix="连"]').count() === 1);
  assert.ok(await page.locator("#probe-chart svg rect").count() >= 4, "bar chart drawn");
  assert.match(await page.textContent("#probe-summary"), /is a candidate/);

  await page.screenshot({ path: join(screenshotDir, "console.png"), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test("works at phone width without sideways scrolling", { skip }, async () => {
  const page = await browser.newPage({ viewport: { width: 375, height: 740 } });
  await page.goto(base + "/");
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
  const { page } = await openConsole();
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
