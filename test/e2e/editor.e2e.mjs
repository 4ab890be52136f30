// End-to-end checks of the editor experience in the browser workbench (run by
// test/runner/run-e2e.mjs against the installed .vsix, with a copy of test/fixtures/workspace open):
// the demo model from the palette, a hover with the score, the first error in the Problems panel,
// a human label added by code action, the gutter heat and end-of-line scores, the dataset tree from
// the Explorer's context menu, the inspector. The demo model has RANDOM WEIGHTS: these checks test
// what the user sees, never whether a score is right. Screenshots: out/test-artifacts/e2e/.
import fs from "node:fs";
import path from "node:path";
import { openDatasetFromExplorer, webview, writeWorkspaceSettings } from "./support.mjs";

const TRACE = "rectangle-area.trace.md"; // Problem, then 4 steps (step 3 on line 7)

/** The StepLens status bar item's text ("" when not shown). */
async function steplensStatus(ctx) {
  const items = await ctx.page.locator(".statusbar-item").allInnerTexts();
  return items.map((t) => t.trim()).find((t) => t.startsWith("StepLens")) ?? "";
}

/** Rows of the Problems panel (opened with Ctrl+Shift+M). */
async function problems(ctx) {
  return ctx.page
    .locator(".markers-panel .monaco-list-row")
    .allInnerTexts()
    .catch(() => []);
}

async function dismissNotifications(ctx) {
  await ctx.runCommand("Notifications: Clear All Notifications").catch(() => {});
  await ctx.page.keyboard.press("Escape").catch(() => {});
}

export const checks = [
  {
    name: "StepLens: Use Demo Model from the palette selects the demo model (status bar says demo)",
    async run(ctx) {
      await ctx.quickOpen(TRACE);
      await ctx.runCommand("StepLens: Use Demo Model");
      await ctx.waitUntil(
        "the status bar to show the demo model",
        () => steplensStatus(ctx),
        (t) => typeof t === "string" && /\(demo\)/.test(t),
        60_000,
      );
      await ctx.expectVisible(ctx.page.locator(".notifications-toasts", { hasText: "scores are meaningless" }), "the demo model notice", 15_000);
    },
  },
  {
    name: "hovering a step shows its PRM score, the threshold, the model and the demo notice",
    async run(ctx) {
      await dismissNotifications(ctx);
      await ctx.quickOpen(TRACE);
      await ctx.waitUntil(
        "the status bar to say the engine runs on the CPU",
        () => steplensStatus(ctx),
        (t) => typeof t === "string" && /CPU/.test(t),
        90_000,
      );
      const hover = await ctx.hoverLine("Step 3: Solving", /PRM \d\.\d+/);
      for (const want of [
        /StepLens · Step 3/,
        /PRM \d\.\d+ (≥|<) 0\.50? threshold/,
        /steplens-demo-/,
        /demo: scores are meaningless/,
        /Re-score/,
        /Mark incorrect/,
      ]) {
        if (!want.test(hover)) throw new Error(`the hover lacks ${want}: ${hover}`);
      }
    },
  },
  {
    name: "with threshold 1 the first error (step 1) is in the Problems panel",
    async run(ctx) {
      await ctx.page.mouse.move(5, 400);
      writeWorkspaceSettings(ctx, { "steplens.prm.threshold": 1 });
      await ctx.focusWorkbench();
      await ctx.page.keyboard.press("Control+Shift+M");
      const rows = await ctx.waitUntil(
        "Step 1: first error in the Problems panel",
        () => problems(ctx),
        (r) => Array.isArray(r) && r.some((t) => /Step 1: first error — PRM 0\.\d+ < 1\.00/.test(t)),
        30_000,
      );
      if (!rows.some((t) => /StepLens/.test(t))) throw new Error(`the problems do not name their source StepLens: ${rows.join(" | ")}`);
      if (!rows.some((t) => /Step [234]: (incorrect|below threshold)/.test(t))) throw new Error(`the other steps are not warnings: ${rows.join(" | ")}`);
    },
  },
  {
    name: "a label added with a code action (Ctrl+.) is written to .steplens/labels.jsonl and becomes the first error",
    async run(ctx) {
      writeWorkspaceSettings(ctx, { "steplens.prm.threshold": 0 });
      await ctx.waitUntil(
        "no StepLens problems at threshold 0",
        () => problems(ctx),
        (r) => Array.isArray(r) && !r.some((t) => /Step \d: (first error|incorrect|below)/.test(t)),
        30_000,
      );
      await ctx.quickOpen(TRACE);
      const line = ctx.page.locator(".editor-group-container.active .monaco-editor .view-line", { hasText: "Step 3: Solving" }).first();
      await line.click({ position: { x: 60, y: 5 } });
      await ctx.page.keyboard.press("Control+.");
      const item = ctx.page.locator(".action-widget .monaco-list-row", { hasText: "Mark Step 3 incorrect" });
      await ctx.expectVisible(item, "“StepLens: Mark Step 3 incorrect” in the code actions", 15_000);
      await ctx.shot("code-actions");
      await item.first().click();
      const file = path.join(ctx.workspace, ".steplens", "labels.jsonl");
      const text = await ctx.waitUntil(
        "the label line",
        async () => fs.readFileSync(file, "utf8"),
        (t) => typeof t === "string" && t.includes('"label":"incorrect"'),
        15_000,
      );
      const rec = JSON.parse(text.trim().split("\n").pop());
      if (rec.trace !== TRACE || rec.step !== 2) throw new Error(`unexpected label line: ${text}`);
      await ctx.focusWorkbench();
      await ctx.page.keyboard.press("Control+Shift+M");
      await ctx.waitUntil(
        "Step 3: first error — marked incorrect in the Problems panel",
        () => problems(ctx),
        (r) => Array.isArray(r) && r.some((t) => /Step 3: first error — marked incorrect/.test(t)),
        30_000,
      );
      await ctx.quickOpen(TRACE);
      const hover = await ctx.hoverLine("Step 3: Solving", /Label marked incorrect/);
      if (!/Clear label/.test(hover)) throw new Error(`the hover offers no Clear label: ${hover}`);
    },
  },
  {
    name: "the gutter heat strip and the end-of-line scores are drawn",
    async run(ctx) {
      writeWorkspaceSettings(ctx, {});
      await ctx.quickOpen(TRACE);
      await ctx.page.mouse.move(5, 400);
      const gutter = ctx.page.locator(".editor-group-container.active .monaco-editor .margin .cgmr");
      await ctx.waitUntil(
        "gutter heat icons beside the steps",
        () => gutter.count(),
        (n) => n >= 4,
        30_000,
      );
      // End-of-line texts are CSS ::after content: read them from the computed styles. The settings
      // were just reset, so the decorations are re-applied: wait for the new ones.
      const afterTexts = () =>
        ctx.page.evaluate(() => {
          const out = [];
          for (const el of document.querySelectorAll(".editor-group-container.active .view-lines span")) {
            const c = getComputedStyle(el, "::after").content;
            if (c && c !== "none" && c !== "normal") out.push(c);
          }
          return out;
        });
      // Threshold 0.5 again: the demo model's step 1 (0.02) is the first error; step 3 keeps its label.
      await ctx.waitUntil(
        "end-of-line scores, the first error and the label on step 3",
        afterTexts,
        (a) => Array.isArray(a) && a.some((c) => /\d\.\d+ [✓✗]/.test(c)) && a.some((c) => /first error/.test(c)) && a.some((c) => /marked incorrect/.test(c)),
        30_000,
      );
      const icons = async () =>
        ctx.page.evaluate(() =>
          [...document.querySelectorAll(".editor-group-container.active .monaco-editor .margin .cgmr")]
            .map((el) => getComputedStyle(el).backgroundImage)
            .join(" "),
        );
      if (!/heat-light-\d\.svg/.test(await icons())) throw new Error(`the light theme's heat icons are not used: ${(await icons()).slice(0, 200)}`);
      // A dark theme swaps in the dark palette's icons.
      writeWorkspaceSettings(ctx, { "workbench.colorTheme": "Default Dark Modern" });
      await ctx.waitUntil("the dark palette's heat icons", icons, (t) => typeof t === "string" && /heat-dark-\d\.svg/.test(t), 30_000);
      await ctx.painted(ctx.page, "the workbench in the dark theme");
      await ctx.shot("dark-theme");
      writeWorkspaceSettings(ctx, {});
      await ctx.waitUntil("the light palette again", icons, (t) => typeof t === "string" && /heat-light-\d\.svg/.test(t), 30_000);
    },
  },
  {
    name: "Open Dataset in StepLens from the Explorer's context menu lists the records",
    async run(ctx) {
      const { page } = ctx;
      await openDatasetFromExplorer(ctx, "datasets", "gsm8k-sample.jsonl");
      const rows = page.locator(".pane-body .monaco-list-row", { hasText: "gsm8k-147" });
      await ctx.expectVisible(rows, "record gsm8k-147 in the StepLens Datasets view", 30_000);
      const text = await ctx.text(page.locator(".pane-body .monaco-list-row", { hasText: "gsm8k-147" }));
      if (!/step 2 →/.test(text)) throw new Error(`the record row lacks its ground truth: ${text}`);
      await rows.first().click();
      await ctx.expectVisible(page.locator(".tabs-container .tab.active", { hasText: "gsm8k-147.trace.md" }), "the record opened as a trace document", 30_000);
      await ctx.waitUntil(
        "the record's prediction in the tree",
        () => ctx.text(page.locator(".pane-body .monaco-list-row", { hasText: "gsm8k-147" })),
        (t) => typeof t === "string" && /→ (step \d|correct)/.test(t),
        60_000,
      );
    },
  },
  {
    name: "StepLens: Open Inspector shows the trace's charts and steps",
    async run(ctx) {
      const tab = ctx.page.locator(".tabs-container .tab", { hasText: TRACE });
      await ctx.expectVisible(tab, `the ${TRACE} tab`);
      await tab.first().click();
      await ctx.expectVisible(ctx.page.locator(".tabs-container .tab.active", { hasText: TRACE }), `${TRACE} active`);
      await ctx.runCommand("StepLens: Open Inspector");
      await ctx.expectVisible(ctx.page.locator(".tabs-container .tab", { hasText: `Inspector: ${TRACE}` }), "the inspector tab", 30_000);
      const frame = webview(ctx);
      await ctx.expectVisible(frame.locator("header h1", { hasText: TRACE }), "the inspector's title", 30_000);
      const meta = await frame.locator("header .meta").innerText();
      if (!/4 steps · threshold/.test(meta)) throw new Error(`unexpected inspector header: ${meta}`);
      await ctx.expectVisible(frame.locator("vscode-badge", { hasText: "demo: scores are meaningless" }), "the demo badge");
    },
  },
  {
    name: "the walkthrough leads from opening a trace to choosing a model (or the demo model) and scoring",
    async run(ctx) {
      await ctx.runCommand("Welcome: Open Walkthrough...");
      const input = await ctx.expectVisible(ctx.page.locator(".quick-input-widget input"), "the walkthrough pick");
      await input.fill("StepLens");
      await ctx.expectVisible(
        ctx.page.locator(".quick-input-list .monaco-list-row", { hasText: "Get started with StepLens" }),
        "the StepLens walkthrough in the pick",
      );
      await ctx.page.keyboard.press("Enter");
      const page = ctx.page.locator(".gettingStartedContainer");
      await ctx.expectVisible(page.locator("text=Get started with StepLens"), "the walkthrough's title", 20_000);
      for (const step of ["Open a reasoning trace", "Choose a model", "Score the trace", "Read the annotations", "Label steps yourself", "Browse a dataset"]) {
        await ctx.expectVisible(page.locator(".getting-started-step", { hasText: step }), `the step “${step}”`, 10_000);
      }
      await page.locator(".getting-started-step", { hasText: "Choose a model" }).first().click();
      await ctx.expectVisible(
        page.locator(".getting-started-step.expanded", { hasText: "Use Demo Model" }),
        "the demo model button in the “Choose a model” step",
        10_000,
      );
      await ctx.waitForStableBox(page.locator(".getting-started-step.expanded"), "the expanded “Choose a model” step");
    },
  },
];
