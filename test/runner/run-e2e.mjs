#!/usr/bin/env node
// End-to-end tests in the browser: package StepLens as a .vsix (src/build/package.mjs), install it
// into code-server with --install-extension, open a copy of test/fixtures/workspace in headless
// Debian chromium, and run named checks against the real workbench (what a user sees and clicks).
//
// Checks live in test/e2e/*.e2e.mjs; each file exports `checks`: [{ name, run(ctx), timeoutMs? }, ...],
// run in file-name order, then in list order. A check throws to fail, or fails when it runs past its
// time limit (3 minutes unless it sets timeoutMs); later checks still run. Add a
// feature's checks in a new file there (see test/e2e/basics.e2e.mjs for the helpers on `ctx`).
// Screenshots (one per check, plus failure shots) go to out/test-artifacts/e2e/.
//
// Usage: node test/runner/run-e2e.mjs [--vsix <file>] [--no-package] [--only <substring>] [--keep]
//   --no-package reuses steplens-<version>-linux-x64.vsix from an earlier `npm run package`.
// Prints `e2e: N passed, M failed` last; exits non-zero if any check failed or none ran.
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import {
  ARTIFACTS_DIR,
  FIXTURE_WORKSPACE,
  REPO_ROOT,
  TEST_SETTINGS,
  createRunDir,
  ensureTestEnv,
  extensionHostLogs,
  installExtension,
  launchChromium,
  listExtensions,
  removeRunDir,
  seconds,
  startCodeServer,
  tail,
  workbenchUrl,
} from "./code-server.mjs";

const { values: opts } = parseArgs({
  options: {
    vsix: { type: "string" },
    "no-package": { type: "boolean", default: false },
    only: { type: "string" },
    keep: { type: "boolean", default: false },
  },
});
const SHOTS = path.join(ARTIFACTS_DIR, "e2e");
// STEPLENS_E2E_DIR runs another folder of checks, e.g. test/e2e-unstable (kept out of `npm test`).
const CHECKS_DIR = path.resolve(REPO_ROOT, process.env.STEPLENS_E2E_DIR ?? "test/e2e");
const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"));
/** A check's time limit unless it sets timeoutMs (declared before the checks run: see withinCheckLimit). */
const CHECK_TIMEOUT_MS = 180_000;
const EXTENSION_ID = `${pkg.publisher}.${pkg.name}`;
const t0 = Date.now();
const log = (msg) => console.log(`[e2e ${seconds(Date.now() - t0)}] ${msg}`);

const results = [];
let run, server, browser;
try {
  ensureTestEnv();
  fs.rmSync(SHOTS, { recursive: true, force: true });
  fs.mkdirSync(SHOTS, { recursive: true });

  // 1. the .vsix
  const vsix = path.resolve(opts.vsix ?? path.join(REPO_ROOT, `${pkg.name}-${pkg.version}-linux-x64.vsix`));
  if (!opts.vsix && !opts["no-package"]) {
    const r = spawnSync(process.execPath, [path.join(REPO_ROOT, "src/build/package.mjs")], { cwd: REPO_ROOT, stdio: "inherit" });
    if (r.status !== 0) throw new Error("npm run package failed");
  }
  if (!fs.existsSync(vsix)) throw new Error(`${vsix} does not exist (run npm run package)`);
  log(`packaged ${path.basename(vsix)} (${(fs.statSync(vsix).size / 1024 / 1024).toFixed(1)} MB)`);

  // 2. install it into an isolated code-server, with a scratch copy of the fixture workspace
  run = createRunDir("e2e", { settings: TEST_SETTINGS });
  const workspace = path.join(run.dir, "workspace");
  fs.cpSync(FIXTURE_WORKSPACE, workspace, { recursive: true });
  installExtension(run, vsix);
  const installed = listExtensions(run);
  log(`installed: ${installed.join(", ") || "(nothing)"}`);

  // 3. code-server + chromium
  server = await startCodeServer(run, { folder: workspace });
  log(`code-server listening on ${server.origin}`);
  browser = await launchChromium(run);
  const page = browser.pages()[0] ?? (await browser.newPage());
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(e.message));
  page.on("console", (m) => {
    if (process.env.VERBOSE) console.log(`[browser ${m.type()}] ${m.text().slice(0, 400)}`);
  });
  await page.goto(workbenchUrl(server.origin, { folder: workspace }));
  await page.locator(".monaco-workbench").waitFor({ timeout: 90_000 });
  log("workbench loaded");

  // 4. the checks
  const ctx = makeContext({ page, run, server, workspace, installed, vsix, pageErrors });
  const checks = await loadChecks();
  if (!checks.length) throw new Error(`no checks found in ${path.relative(REPO_ROOT, CHECKS_DIR)}/*.e2e.mjs`);
  for (const [i, check] of checks.entries()) {
    const started = Date.now();
    ctx.shotIndex = i + 1;
    ctx.checkName = check.name;
    try {
      await withinCheckLimit(check, check.run(ctx));
      await ctx.shot().catch(() => {});
      results.push({ name: check.name, ok: true, ms: Date.now() - started });
      console.log(`  ✓ ${check.name} (${seconds(Date.now() - started)})`);
    } catch (e) {
      const shot = await ctx.shot("failure").catch(() => null);
      results.push({ name: check.name, ok: false, ms: Date.now() - started, error: e?.message ?? String(e) });
      console.log(
        `  ✗ ${check.name} (${seconds(Date.now() - started)})\n      ${String(e?.message ?? e)
          .split("\n")
          .slice(0, 6)
          .join("\n      ")}`,
      );
      if (shot) console.log(`      screenshot: ${path.relative(REPO_ROOT, shot)}`);
      await page.keyboard.press("Escape").catch(() => {});
    }
  }
} catch (e) {
  results.push({ name: "set-up (package, install, start the workbench)", ok: false, error: e?.message ?? String(e) });
  console.error(`e2e set-up failed: ${e?.stack ?? e}`);
} finally {
  await browser?.close().catch(() => {});
  server?.stop();
}

const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
if ((failed || !results.length) && run) {
  for (const f of [run.logFile, ...extensionHostLogs(run)]) {
    const text = tail(f, 25);
    if (text.trim()) console.log(`--- ${path.relative(REPO_ROOT, f)} (last lines) ---\n${text}`);
    if (fs.existsSync(f)) fs.copyFileSync(f, path.join(SHOTS, path.basename(f)));
  }
  console.log(`run directory kept: ${path.relative(REPO_ROOT, run.dir)}`);
} else if (run && !opts.keep) {
  removeRunDir(run);
}
fs.writeFileSync(path.join(SHOTS, "results.json"), JSON.stringify({ passed, failed, results }, null, 2));
log(`screenshots in ${path.relative(REPO_ROOT, SHOTS)}/`);
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed || !results.length ? 1 : 0);

// ---------------------------------------------------------------------------------------------

/**
 * A check's time limit (`timeoutMs` on the check, else CHECK_TIMEOUT_MS): past it the check fails,
 * named, and the next one runs, instead of the whole run hanging on one stuck wait.
 */
async function withinCheckLimit(check, running) {
  const limit = check.timeoutMs ?? CHECK_TIMEOUT_MS;
  let timer;
  const expired = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`check "${check.name}" timed out after ${limit} ms`)), limit);
  });
  try {
    return await Promise.race([running, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Monaco renders spaces as U+00A0: make them plain for comparisons. */
function plain(text) {
  return text.replace(/\u00a0/g, " ");
}

async function loadChecks() {
  const files = fs.existsSync(CHECKS_DIR)
    ? fs
        .readdirSync(CHECKS_DIR)
        .filter((f) => f.endsWith(".e2e.mjs"))
        .sort()
    : [];
  const all = [];
  for (const f of files) {
    const mod = await import(pathToFileURL(path.join(CHECKS_DIR, f)).href);
    if (!Array.isArray(mod.checks)) throw new Error(`${f} must export \`checks\`: [{ name, run(ctx) }]`);
    for (const c of mod.checks) {
      if (typeof c?.name !== "string" || typeof c?.run !== "function") throw new Error(`${f}: every check needs a name and a run(ctx) function`);
      if (!opts.only || c.name.includes(opts.only)) all.push({ ...c, file: f });
    }
  }
  return all;
}

/** Helpers the checks use. Every wait has a timeout and says what it was waiting for. */
function makeContext({ page, run, server, workspace, installed, vsix, pageErrors }) {
  const ctx = {
    page,
    run,
    server,
    workspace,
    installed,
    vsix,
    pageErrors,
    extensionId: EXTENSION_ID,
    extensionVersion: pkg.version,
    shotIndex: 0,
    checkName: "",

    /** Screenshot into out/test-artifacts/e2e/NN-<check>[-suffix].png; returns the path. */
    async shot(suffix = "") {
      const slug = ctx.checkName
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-|-$/g, "")
        .slice(0, 60);
      const file = path.join(SHOTS, `${String(ctx.shotIndex).padStart(2, "0")}-${slug}${suffix ? `-${suffix}` : ""}.png`);
      await page.screenshot({ path: file });
      return file;
    },

    /** Waits until `locator` is visible; the error names `what`. */
    async expectVisible(locator, what, timeout = 30_000) {
      try {
        await locator.first().waitFor({ state: "visible", timeout });
      } catch {
        throw new Error(`not visible after ${timeout} ms: ${what}`);
      }
      return locator.first();
    },

    /** Waits until `locator` is hidden (or gone); the error names `what`. */
    async expectHidden(locator, what, timeout = 10_000) {
      try {
        await locator.first().waitFor({ state: "hidden", timeout });
      } catch {
        throw new Error(`still visible after ${timeout} ms: ${what}`);
      }
    },

    /** Polls `read()` until `predicate(value)` holds; returns the value. */
    async waitUntil(what, read, predicate, timeout = 30_000) {
      const until = Date.now() + timeout;
      let value;
      for (;;) {
        value = await read().catch(() => undefined);
        if (predicate(value)) return value;
        if (Date.now() > until) throw new Error(`timed out after ${timeout} ms waiting for ${what}; last value: ${JSON.stringify(value)}`);
        await page.waitForTimeout(200);
      }
    },

    /**
     * Waits until `scope` (the page, or a webview's frame) has loaded its fonts and painted two
     * animation frames since: what a screenshot shows is then what the DOM holds.
     */
    async painted(scope = page, what = "the page", timeout = 10_000) {
      const body = scope.locator("body").first();
      await ctx.waitUntil(
        `${what} to load its fonts and paint`,
        () =>
          body.evaluate((el) => {
            const view = el.ownerDocument.defaultView;
            const twoFrames = () => new Promise((resolve) => view.requestAnimationFrame(() => view.requestAnimationFrame(() => resolve(true))));
            return Promise.race([el.ownerDocument.fonts.ready.then(twoFrames), new Promise((resolve) => view.setTimeout(() => resolve(false), 2_000))]);
          }),
        (done) => done === true,
        timeout,
      );
    },

    /** Polls `locator`'s bounding box until two reads in a row agree (an animation or a layout has ended). */
    async waitForStableBox(locator, what, timeout = 10_000) {
      let previous;
      await ctx.waitUntil(
        `${what} to stop moving`,
        async () => {
          const box = JSON.stringify(await locator.first().boundingBox());
          const same = box === previous;
          previous = box;
          return same;
        },
        (same) => same === true,
        timeout,
      );
    },

    /**
     * Hovers an entry of an open context menu and waits until the menu has focused it (a click on an
     * entry the menu has not yet taken in is lost); returns the entry, ready for its click.
     */
    async focusMenuEntry(entry, what, timeout = 10_000) {
      const item = entry.first();
      await ctx.expectVisible(item, what, timeout);
      await item.hover({ timeout });
      await ctx.waitUntil(
        `${what} focused by the menu`,
        () => item.evaluate((el) => Boolean(el.closest(".action-item")?.classList.contains("focused"))),
        (focused) => focused === true,
        timeout,
      );
      return item;
    },

    /** Clicks an entry of an open context menu once the menu has focused it (focusMenuEntry). */
    async clickMenuEntry(entry, what, timeout = 10_000) {
      await (await ctx.focusMenuEntry(entry, what, timeout)).click({ timeout });
    },

    /**
     * Hovers the first line holding `text` in the active editor until a hover matching `expect` shows
     * (moving away between tries, until the last hover has gone); returns the hover's text.
     */
    async hoverLine(text, expect, tries = 10) {
      const line = page.locator(".editor-group-container.active .monaco-editor .view-line", { hasText: text }).first();
      await ctx.expectVisible(line, `the editor line "${text}"`);
      const box = await line.boundingBox();
      const hover = page.locator(".monaco-hover:visible");
      let last = "";
      for (let attempt = 0; attempt < tries; attempt++) {
        await page.mouse.move(box.x + box.width + 400, box.y + 300);
        await hover
          .first()
          .waitFor({ state: "hidden", timeout: 2_000 })
          .catch(() => {});
        await page.mouse.move(box.x + 40 + attempt * 7, box.y + box.height / 2, { steps: 4 });
        const shown = await page
          .locator(".monaco-hover:visible", { hasText: expect })
          .first()
          .waitFor({ state: "visible", timeout: 2_000 })
          .then(() => true)
          .catch(() => false);
        last = (await hover.allInnerTexts().catch(() => [])).join("\n");
        if (shown && expect.test(last)) return last;
      }
      throw new Error(`no hover matching ${expect} over "${text}" after ${tries} tries; last hover: ${JSON.stringify(last.slice(0, 300))}`);
    },

    /** Focuses the workbench (keyboard shortcuts need it). */
    async focusWorkbench() {
      await page
        .locator(".monaco-workbench")
        .click({ position: { x: 700, y: 5 } })
        .catch(() => {});
    },

    /**
     * Collapses the expanded top-level rows of the side bar's tree views, except those naming `keep`:
     * a dataset an earlier check left expanded (3,400 records) pushes the rows a later check looks
     * for out of the virtualised list.
     */
    async collapseTrees(keep) {
      const expanded = page.locator('.pane-body .monaco-list-row[aria-level="1"][aria-expanded="true"]', keep ? { hasNotText: keep } : {});
      for (let i = 0; i < 10; i++) {
        const n = await expanded.count();
        if (n === 0) return;
        await expanded.first().locator(".monaco-tl-twistie").click();
        await ctx.waitUntil(
          "an expanded tree row to collapse",
          () => expanded.count(),
          (c) => c < n,
          10_000,
        );
      }
    },

    /** Opens a workspace file through Quick Open (Ctrl+P) and waits for its editor tab. */
    async quickOpen(fileName) {
      await ctx.focusWorkbench();
      await page.keyboard.press("Control+P");
      const input = await ctx.expectVisible(page.locator(".quick-input-widget input"), "the Quick Open input");
      await input.fill(fileName);
      await ctx.expectVisible(page.locator(".quick-input-list .monaco-list-row", { hasText: fileName }), `${fileName} in the Quick Open list`);
      await page.keyboard.press("Enter");
      await ctx.expectVisible(page.locator(".tabs-container .tab.active", { hasText: fileName }), `an active editor tab for ${fileName}`);
      await ctx.expectVisible(page.locator(".monaco-editor .view-lines"), "the editor text");
    },

    /** Runs a command from the palette (F1) by its title, e.g. "StepLens: Go to Step…". */
    async runCommand(title) {
      await ctx.focusWorkbench();
      await page.keyboard.press("F1");
      const input = await ctx.expectVisible(page.locator(".quick-input-widget input"), "the command palette");
      await input.fill(`>${title}`);
      await ctx.expectVisible(page.locator(".quick-input-list .monaco-list-row", { hasText: title }), `"${title}" in the command palette`);
      await page.keyboard.press("Enter");
    },

    /**
     * runCommand, tried up to `tries` times (Escape between): a check that runs first (`--only`) can
     * start before StepLens has registered its commands.
     */
    async runCommandRetrying(title, tries = 7) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await ctx.runCommand(title);
        } catch (e) {
          await page.keyboard.press("Escape");
          if (attempt >= tries) throw e;
        }
      }
    },

    /**
     * "StepLens: Use Demo Model" (retried, as runCommandRetrying), done once the StepLens log says the
     * demo model was selected: the command has written the settings by then.
     */
    async useDemoModel() {
      const before = ctx.countInLog(/demo model selected: /g);
      await ctx.runCommandRetrying("StepLens: Use Demo Model");
      await ctx.waitForLog("“demo model selected” in the StepLens log", /demo model selected: /g, before);
    },

    /** How many times `pattern` (a /g regular expression) occurs in the StepLens log files of this run. */
    countInLog(pattern) {
      return extensionHostLogs(run)
        .filter((f) => /StepLens\.log$/i.test(f))
        .map((f) => (fs.readFileSync(f, "utf8").match(pattern) ?? []).length)
        .reduce((a, b) => a + b, 0);
    },

    /** Waits until `pattern` occurs in the StepLens log more often than the `before` times counted earlier (countInLog). */
    async waitForLog(what, pattern, before, timeout = 60_000) {
      await ctx.waitUntil(
        what,
        async () => ctx.countInLog(pattern),
        (n) => n > before,
        timeout,
      );
    },

    /** Text of a status bar item by its id (e.g. "status.editor.mode", "status.editor.selection"). */
    async statusBarText(id) {
      return (await page.locator(`.statusbar-item[id="${id}"]`).first().innerText()).trim();
    },

    /** Lines of text currently rendered in the active editor (non-breaking spaces made plain). */
    async editorLines() {
      return (await page.locator(".editor-group-container.active .monaco-editor .view-line").allInnerTexts()).map(plain);
    },

    /** innerText of the first match, with the editor's non-breaking spaces made plain. */
    async text(locator) {
      return plain(await locator.first().innerText());
    },
  };
  return ctx;
}
