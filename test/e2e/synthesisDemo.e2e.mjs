// End-to-end check of the demo path a newcomer walks (issue 20), in the browser workbench (run by
// test/runner/run-e2e.mjs against the installed .vsix): "StepLens: Use Demo Model", then
// "StepLens: Synthesize Training Data…" from the palette on examples/problems.jsonl (6 problems, the
// smallest pick of 4 solutions each, 1 constrained verification each: steplens.verify.samples and
// steplens.verify.constrained in the workspace settings, as a user would set them) runs `steplens
// synthesize` as a task in a terminal; the check waits for the run folder's manifest to say
// "complete", then "StepLens: Export Training Data…" from the palette (format trl-prm) writes the
// rows, and the "Open" button of its notification opens the exported file in an editor.
// The demo model has RANDOM WEIGHTS: the labels are noise; this tests the path, never judgement.
// Screenshots: NN-…-synthesis-terminal.png (the task's summary) and NN-…-exported-file.png.
// The file name sorts after editor/inspector/rewardLog so their settings are untouched; the workspace
// settings this check adds are put back at its end.
import fs from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "../runner/code-server.mjs";

const PROBLEMS = path.join(REPO_ROOT, "examples", "problems.jsonl");
const RUN = "steplens-runs/demo-synthesis";
const EXPORT_NAME = "demo-synthesis.trl-prm.jsonl";

function jsonl(file) {
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}

/**
 * Waits for the quick input whose title holds `title`, fills it with `value` (if given) and accepts
 * it with Enter until `accepted()` (default: that title is gone): a file dialog busy reading its
 * folder ignores an Enter, so it is pressed again, at most 4 times, only while the title still shows.
 */
async function answer(ctx, title, value, { accepted, fileDialog = false } = {}) {
  const titled = ctx.page.locator(".quick-input-widget .quick-input-title", { hasText: title });
  await ctx.expectVisible(titled, `the quick input "${title}"`, 30_000);
  const input = ctx.page.locator(".quick-input-widget input.input").first();
  if (value !== undefined) {
    // A file dialog sets its input to the folder it opened once it has read it (its ".." row shows
    // then): a value filled before that is overwritten, so it is filled again, at most 3 times.
    if (fileDialog)
      await ctx.expectVisible(ctx.page.locator(".quick-input-list .monaco-list-row", { hasText: ".." }), `the folder listing of "${title}"`, 30_000);
    for (let attempt = 1; ; attempt++) {
      await input.fill(value);
      try {
        await ctx.waitUntil(
          `"${value}" in the quick input "${title}"`,
          () => input.inputValue(),
          (v) => v === value,
          5_000,
        );
        break;
      } catch (e) {
        if (attempt >= 3) throw e;
      }
    }
  }
  accepted ??= async () => !(await titled.first().isVisible());
  for (let attempt = 1; ; attempt++) {
    await ctx.page.keyboard.press("Enter");
    try {
      await ctx.waitUntil(
        `the quick input "${title}" to accept Enter`,
        () => accepted(),
        (ok) => ok === true,
        8_000,
      );
      return;
    } catch (e) {
      if (attempt >= 4 || !(await titled.first().isVisible())) throw e;
    }
  }
}

/** All terminal text, whitespace removed (rows wrap at the panel's width). */
async function terminalText(ctx) {
  return (await ctx.page.locator(".terminal-wrapper .xterm-rows").allInnerTexts()).join("").replace(/\s+/g, "");
}

export const checks = [
  {
    name: "demo path · Synthesize from the palette with the demo model, Export trl-prm, open the exported file",
    timeoutMs: 300_000,
    async run(ctx) {
      const problems = jsonl(PROBLEMS);
      const settingsFile = path.join(ctx.workspace, ".vscode", "settings.json");
      const before = fs.existsSync(settingsFile) ? fs.readFileSync(settingsFile, "utf8") : null;
      try {
        // The problems as a user has them in the workspace; tiny sizes in the workspace settings.
        fs.mkdirSync(path.join(ctx.workspace, "examples"), { recursive: true });
        const problemsFile = path.join(ctx.workspace, "examples", "problems.jsonl");
        fs.copyFileSync(PROBLEMS, problemsFile);
        fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
        const settings = before ? JSON.parse(before) : {};
        settings["steplens.verify.samples"] = 1;
        settings["steplens.verify.constrained"] = true;
        fs.writeFileSync(settingsFile, JSON.stringify(settings, null, 2));

        await ctx.runCommandRetrying("StepLens: Use Demo Model");
        await ctx.runCommand("View: Close All Editors");

        // Synthesize: problems (the file dialog), 4 solutions (each verified once), the output folder.
        await ctx.runCommand("StepLens: Synthesize Training Data");
        await answer(ctx, "Synthesize Training Data (1/3)", problemsFile, { fileDialog: true });
        // The pick's title names the verifications per solution: the workspace setting has been read.
        await answer(ctx, "each verified 1 times", "4");
        await answer(ctx, "Synthesize Training Data (3/3)", RUN);

        const manifestFile = path.join(ctx.workspace, RUN, "manifest.json");
        const manifest = await ctx.waitUntil(
          `${RUN}/manifest.json with status "complete"`,
          async () => JSON.parse(fs.readFileSync(manifestFile, "utf8")),
          (m) => m?.status === "complete",
          180_000,
        );
        if (manifest.settings.solutions !== 4 || manifest.settings.verifications !== 1 || !manifest.settings.constrained)
          throw new Error(`the run's settings are not the ones picked: ${JSON.stringify(manifest.settings)}`);
        const solutions = jsonl(path.join(ctx.workspace, RUN, "solutions.jsonl"));
        const labels = jsonl(path.join(ctx.workspace, RUN, "labels.jsonl"));
        if (solutions.length !== problems.length * 4) throw new Error(`${solutions.length} solutions, expected ${problems.length} problems × 4`);
        if (labels.length !== solutions.length) throw new Error(`${labels.length} labels for ${solutions.length} solutions: every solution should be labelled`);
        await ctx.expectVisible(
          ctx.page.locator(".notification-toast", { hasText: `synthesis finished in ${RUN}` }),
          "the “synthesis finished” notification",
          30_000,
        );
        // The task's summary in its terminal, with the demo label on it.
        const summary = `Synthesized:${problems.length}problems,${solutions.length}solutions`.replace(/\s+/g, "");
        await ctx.waitUntil(
          "the synthesis summary and “Labels: demo: scores are meaningless” in the terminal",
          () => terminalText(ctx),
          (t) => typeof t === "string" && t.includes(summary) && t.includes("Labels:demo:scoresaremeaningless"),
          20_000,
        );
        await ctx.shot("synthesis-terminal");

        // Export: from the synthesis folder, format trl-prm, the default options, into the workspace.
        await ctx.runCommand("StepLens: Export Training Data");
        await answer(ctx, "Export Training Data (1/4)", "demo-synthesis");
        await answer(ctx, "Export Training Data (2/4)", "trl-prm");
        await answer(ctx, "Export Training Data (3/4)");
        // The save dialog offers export/<run>.trl-prm.jsonl in the workspace; the folder is new, so
        // the dialog asks to create it: yes.
        const exported = path.join(ctx.workspace, "export", EXPORT_NAME);
        const saveDialog = ctx.page.locator(".quick-input-widget .quick-input-title", { hasText: "Export Training Data (4/4)" });
        await ctx.expectVisible(saveDialog, "the save dialog", 30_000);
        await ctx.waitUntil(
          `the save dialog's default ${path.relative(ctx.workspace, exported)}`,
          () => ctx.page.locator(".quick-input-widget input.input").first().inputValue(),
          (v) => typeof v === "string" && v.endsWith(`/export/${EXPORT_NAME}`),
          10_000,
        );
        const folderIsNew = !fs.existsSync(path.dirname(exported));
        await answer(ctx, "Export Training Data (4/4)");
        if (folderIsNew) await answer(ctx, "The folder export does not exist. Would you like to create it?");
        const toast = ctx.page.locator(".notification-toast", { hasText: `exported trl-prm to ${EXPORT_NAME}` });
        await ctx.expectVisible(toast, "the “exported trl-prm” notification", 90_000);

        // The rows: each a problem from the file, one label per step, labels true/false.
        const rows = jsonl(exported);
        if (rows.length < 1 || rows.length > solutions.length) throw new Error(`${rows.length} exported rows for ${solutions.length} solutions`);
        const prompts = new Set(problems.map((p) => p.problem));
        for (const [i, r] of rows.entries()) {
          if (!prompts.has(r.prompt)) throw new Error(`row ${i + 1}: prompt ${JSON.stringify(r.prompt)} is not a problem of examples/problems.jsonl`);
          if (!Array.isArray(r.completions) || !Array.isArray(r.labels) || !r.completions.length || r.completions.length !== r.labels.length)
            throw new Error(`row ${i + 1}: ${r.completions?.length} steps, ${r.labels?.length} labels`);
          if (!r.labels.every((l) => typeof l === "boolean")) throw new Error(`row ${i + 1}: labels ${JSON.stringify(r.labels)}`);
        }

        // "Open" on the notification: the exported file in an editor, its first rows visible.
        await toast.getByRole("button", { name: "Open", exact: true }).click();
        await ctx.expectVisible(ctx.page.locator(".tabs-container .tab.active", { hasText: EXPORT_NAME }), `an active editor tab for ${EXPORT_NAME}`);
        const first = `{"prompt":${JSON.stringify(rows[0].prompt)},"completions":[`;
        await ctx.waitUntil(
          `the exported file's first row (${first}…) in the editor`,
          () => ctx.editorLines(),
          (l) => Array.isArray(l) && l.some((x) => x.startsWith(first)),
          20_000,
        );
        const visible = (await ctx.editorLines()).filter((x) => x.startsWith('{"prompt":'));
        if (visible.length < Math.min(rows.length, 2)) throw new Error(`${visible.length} rows visible in the editor for ${rows.length} in the file`);
        await ctx.shot("exported-file");
      } finally {
        if (before === null) fs.rmSync(settingsFile, { force: true });
        else fs.writeFileSync(settingsFile, before);
      }
    },
  },
];
