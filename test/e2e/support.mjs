// Helpers shared by the browser checks (test/e2e/*.e2e.mjs and test/e2e-unstable/*.e2e.mjs) that need
// no state of the runner's `ctx` beyond what they are given. Not a check file: the runner loads
// only *.e2e.mjs.
import fs from "node:fs";
import net from "node:net";
import path from "node:path";

/** A free TCP port on 127.0.0.1 (several engineers run the suites at once). */
export async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, "127.0.0.1", r));
  const port = s.address().port;
  await new Promise((r) => s.close(r));
  return port;
}

/** The innermost frame of the one visible webview (close other editors first). */
export function webview(ctx) {
  return ctx.page.frameLocator("iframe.webview.ready").frameLocator("iframe#active-frame");
}

/** Writes the workspace's .vscode/settings.json (VS Code picks the file up as it changes, like a user editing it). */
export function writeWorkspaceSettings(ctx, values) {
  const dir = path.join(ctx.workspace, ".vscode");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "settings.json"), JSON.stringify(values, null, 2));
}

/** The HTTP status of a reward server's /health (0 when nothing answers within 2 s). */
export async function healthStatus(url) {
  try {
    return (await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) })).status;
  } catch {
    return 0;
  }
}

/** Shows `file` in the Explorer, expanding `folder` (a top-level folder of the workspace) if needed; returns the file's row. */
export async function revealInExplorer(ctx, folder, file) {
  await ctx.runCommand("View: Show Explorer");
  const folderRow = ctx.page.locator(".explorer-folders-view .monaco-list-row", { hasText: new RegExp(`^${folder}$`) });
  await ctx.expectVisible(folderRow, `the ${folder} folder in the Explorer`, 30_000);
  const fileRow = ctx.page.locator(".explorer-folders-view .monaco-list-row", { hasText: file });
  if (
    !(await fileRow
      .first()
      .isVisible()
      .catch(() => false))
  )
    await folderRow.first().click();
  await ctx.expectVisible(fileRow, `${file} in the Explorer`);
  return fileRow;
}

/** Waits until the run dashboard's reward chart (in `frame`) draws `points` points. */
export async function waitForRewardPoints(ctx, frame, points, what) {
  await ctx.waitUntil(
    what,
    () => frame.locator("#chart-reward circle.point").count(),
    (n) => n === points,
    30_000,
  );
}

/**
 * Takes screenshot `name` of the webview in `frame` with the whole window for it (no panel, no side
 * bar; the side bar comes back after). Returns the screenshot's path.
 */
export async function shotWholeWindow(ctx, frame, name) {
  await ctx.runCommand("View: Hide Panel").catch(() => ctx.page.keyboard.press("Escape"));
  await ctx.runCommand("View: Toggle Primary Side Bar Visibility");
  await ctx.expectHidden(ctx.page.locator(".part.sidebar"), "the primary side bar");
  await ctx.waitForStableBox(frame.locator("body"), "the webview's new width");
  await ctx.painted(frame, "the webview");
  const file = await ctx.shot(name);
  await ctx.runCommand("View: Toggle Primary Side Bar Visibility");
  return file;
}

/** "Open Dataset in StepLens" from the Explorer's context menu on `file` (in the top-level `folder`). */
export async function openDatasetFromExplorer(ctx, folder, file) {
  const row = await revealInExplorer(ctx, folder, file);
  await row.first().click({ button: "right" });
  const entry = ctx.page.locator(".context-view .action-label", { hasText: "Open Dataset in StepLens" });
  await ctx.clickMenuEntry(entry, "“Open Dataset in StepLens” in the context menu");
}
