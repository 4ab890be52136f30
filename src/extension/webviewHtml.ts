/**
 * The page every StepLens webview loads: a strict CSP (`default-src 'none'`, the one script by
 * nonce, styles and KaTeX's fonts only from dist/ and media/), and the panel options that allow
 * exactly those folders.
 */
import crypto from "node:crypto";
import * as vscode from "vscode";

/** The HTML shell of a StepLens webview: strict CSP, one nonce'd script, local styles (KaTeX's included). */
export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, opts: { script: string; title: string; nonce?: string }): string {
  const nonce = opts.nonce ?? crypto.randomBytes(16).toString("base64");
  const uri = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...p)).toString();
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join("; ");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${uri("dist", "katex.css")}">
<link rel="stylesheet" href="${uri("media", "inspector.css")}">
<title>${opts.title}</title>
</head>
<body>
<main id="root" aria-live="off"><p class="empty">Loading…</p></main>
<script nonce="${nonce}" src="${uri("dist", opts.script)}"></script>
</body>
</html>`;
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    retainContextWhenHidden: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, "dist"), vscode.Uri.joinPath(extensionUri, "media")],
  };
}
