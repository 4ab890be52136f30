// End-to-end checks of the StepLens basics in the browser workbench (run by test/runner/run-e2e.mjs
// against the installed .vsix, with a copy of test/fixtures/workspace open).
// Each check: { name, run(ctx) }; ctx helpers are documented in run-e2e.mjs (makeContext).
const TRACE = "cyclist-speed.trace.md"; // Problem, then 4 steps; step 3 starts on line 7

export const checks = [
  {
    name: "the .vsix installs into code-server",
    async run(ctx) {
      const expected = `${ctx.extensionId}@${ctx.extensionVersion}`;
      if (!ctx.installed.includes(expected)) throw new Error(`code-server --list-extensions lacks ${expected}: ${ctx.installed.join(", ") || "(none)"}`);
    },
  },
  {
    name: "the workbench shows the fixture workspace",
    async run(ctx) {
      await ctx.expectVisible(ctx.page.locator(".explorer-folders-view .monaco-list-row", { hasText: TRACE }), `${TRACE} in the Explorer`, 60_000);
    },
  },
  {
    name: "a trace opened through Quick Open is in the StepLens Trace language",
    async run(ctx) {
      await ctx.quickOpen(TRACE);
      await ctx.waitUntil(
        "the language status to read StepLens Trace",
        () => ctx.statusBarText("status.editor.mode"),
        (t) => t === "StepLens Trace",
      );
      const lines = await ctx.editorLines();
      if (!lines.some((l) => l.startsWith("Step 1:"))) throw new Error(`the editor does not show the trace text: ${lines.slice(0, 3).join(" / ")}`);
    },
  },
  {
    name: "the Outline lists the problem and every step",
    async run(ctx) {
      await ctx.runCommand("Explorer: Focus on Outline View");
      const rows = ctx.page.locator(".outline-pane .monaco-list-row");
      const labels = await ctx.waitUntil(
        "four steps in the Outline",
        () => rows.allInnerTexts(),
        (t) => Array.isArray(t) && [1, 2, 3, 4].every((n) => t.some((l) => l.includes(`Step ${n}`))),
        30_000,
      );
      if (!labels.some((l) => /problem/i.test(l))) throw new Error(`the Outline has no problem entry: ${labels.join(" | ")}`);
    },
  },
  {
    name: "StepLens: Go to Step… from the palette selects the chosen step",
    async run(ctx) {
      await ctx.quickOpen(TRACE);
      await ctx.runCommand("StepLens: Go to Step");
      await ctx.expectVisible(ctx.page.locator(".quick-input-list .monaco-list-row", { hasText: "Step 3" }), "Step 3 in the Go to Step pick");
      await ctx.page.keyboard.type("Step 3");
      await ctx.expectVisible(
        ctx.page.locator(".quick-input-list .monaco-list-row.focused", { hasText: "Step 3" }),
        "Step 3 focused in the filtered pick",
        10_000,
      );
      await ctx.page.keyboard.press("Enter");
      // The step is selected with the cursor at its start: "Ln 7, Col 1 (… selected)".
      await ctx.waitUntil(
        "the cursor on step 3 (line 7)",
        () => ctx.statusBarText("status.editor.selection"),
        (t) => typeof t === "string" && /^Ln 7, Col 1\b/.test(t),
      );
    },
  },
  {
    name: "StepLens: Show Output opens the StepLens log",
    async run(ctx) {
      await ctx.runCommand("StepLens: Show Output");
      const panel = ctx.page.locator(".part.panel .monaco-editor .view-lines");
      await ctx.waitUntil(
        "the StepLens output to say it activated",
        () => ctx.text(panel),
        (t) => typeof t === "string" && /StepLens .*activated/.test(t),
      );
    },
  },
];
