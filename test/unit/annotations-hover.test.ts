import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { buildHover, commandUri, type HoverContent, modelDisplayName } from "../../src/annotations/hoverContent";
import { codeSpan, escapeMarkdown } from "../../src/annotations/markdownEscape";
import { DEMO_NOTICE, buildAnnotations, type HumanLabel } from "../../src/annotations/stepAnnotations";
import { scoreResult, textTrace, verification } from "./annotations-fixtures";
import { itemAt } from "../support/indexing";

// A reference CommonMark renderer (markdown-it, installed with @vscode/vsce), run in its most
// permissive mode — raw HTML on, bare-URL linkify on — so escaping is tested against the worst case.

const MarkdownIt = createRequire(__filename)("markdown-it") as any;
const md = new MarkdownIt({ html: true, linkify: true });
const render = (markdown: string): string => md.render(markdown) as string;

const decode = (html: string): string =>
  html
    .replace(/<[^>]*>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");

const hrefs = (html: string): string[] => [...html.matchAll(/<a\s+href="([^"]*)"/g)].map((m) => itemAt(m, 1, "the link's href").replace(/&amp;/g, "&"));
const tags = (html: string): string[] =>
  [...new Set([...html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9]*)/g)].map((m) => itemAt(m, 1, "the tag name").toLowerCase()))].sort();
const ALLOWED_TAGS = new Set(["a", "blockquote", "br", "code", "em", "hr", "p", "strong"]);

function hoverFor(opts: { critique?: string; model?: string; label?: HumanLabel; demo?: boolean; stepText?: string }): { hover: HoverContent; html: string } {
  const trace = textTrace(["2 + 2 = 4", opts.stepText ?? "then 4 * 2 = 9", "answer 9"]);
  const a = buildAnnotations({
    trace,
    threshold: 0.5,
    score: scoreResult([0.92, 0.08, 0.3], { model: opts.model ?? "/models/cache/tiny-prm.gguf" }),
    verification: verification(["cccccccc", "iiiiiicc", "iiiiiiii"], 0.5, opts.critique !== undefined ? { 1: { 2: opts.critique } } : {}),
    labels: opts.label ? new Map([[1, opts.label]]) : null,
    demo: opts.demo,
  });
  const hover = buildHover(a, itemAt(a.steps, 1, "step 2's annotation"), { documentUri: "file:///ws/traces/a.md", verifySamples: 8 });
  return { hover, html: render(hover.markdown) };
}

const ARG = encodeURIComponent(JSON.stringify([{ uri: "file:///ws/traces/a.md", step: 1 }]));

test("hover: exact Markdown for a scored, verified, first-error step", () => {
  const { hover } = hoverFor({ critique: "4 * 2 is 8, not 9." });
  const expected = [
    "**StepLens · Step 2** · first error ✗ (decided by the verifier ensemble)",
    "**PRM** 0\\.08 &lt; 0\\.50 threshold ✗ · margin \\-2\\.44  \nmodel `tiny-prm.gguf` · adapter math\\-shepherd",
    "**Verifiers** 6 of 8 verifiers\\: incorrect",
    "> 4 \\* 2 is 8\\, not 9\\.  \n> — verifier 3",
    "*scored in 420 ms \\(40 of 120 tokens evaluated\\) · verified in 12\\.3 s*",
    "---",
    `[Re\\-score](command:steplens.score?${ARG}) · [Verify ×8](command:steplens.verify?${ARG}) · [Open in inspector](command:steplens.openInspector?${ARG}) · [Mark correct](command:steplens.markStepCorrect?${ARG}) · [Mark incorrect](command:steplens.markStepIncorrect?${ARG})`,
  ].join("\n\n");
  assert.equal(hover.markdown, expected);
  assert.deepEqual(
    hover.commands.map((c) => c.command),
    ["steplens.score", "steplens.verify", "steplens.openInspector", "steplens.markStepCorrect", "steplens.markStepIncorrect"],
  );
  assert.deepEqual(hover.commands[0]?.args, [{ uri: "file:///ws/traces/a.md", step: 1 }]);
});

test("hover renders (reference renderer) to the expected text, links and nothing else", () => {
  const { hover, html } = hoverFor({ critique: "4 * 2 is 8, not 9." });
  assert.deepEqual(hrefs(html), hover.commands.map(commandUri));
  assert.ok(
    tags(html).every((t) => ALLOWED_TAGS.has(t)),
    tags(html).join(","),
  );
  const text = decode(html);
  assert.match(text, /PRM 0\.08 < 0\.50 threshold ✗ · margin -2\.44/);
  assert.match(text, /6 of 8 verifiers: incorrect/);
  assert.match(text, /4 \* 2 is 8, not 9\./);
  assert.match(text, /model tiny-prm\.gguf/);
});

test("hover: label, dataset truth, progress, demo notice and the label commands", () => {
  const trace = textTrace(["a", "b", "c"], { kind: "first-error", firstError: 1 });
  const a = buildAnnotations({
    trace,
    threshold: 0.5,
    score: scoreResult([0.9, 0.4, 0.9], { seconds: 2.5 }),
    labels: new Map([[1, "incorrect" as const]]),
    progress: { steps: [{ index: 1, qBefore: 0.62, qAfter: 0.25, advantage: -0.37, interval: [-0.5, -0.21], rollouts: 16 }], confidence: 0.9, seconds: 31 },
    demo: true,
  });
  const hover = buildHover(a, itemAt(a.steps, 1, "step 2's annotation"), { documentUri: "untitled:x", commandIds: { markCorrect: "my.mark" } });
  const paragraphs = hover.markdown.split("\n\n");
  assert.equal(paragraphs[0], "**StepLens · Step 2** · first error ✗ (decided by your label)");
  assert.equal(
    paragraphs[1],
    `**PRM** 0\\.40 &lt; 0\\.50 threshold ✗ · margin \\-0\\.41  \nmodel \`tiny-prm.gguf\` · adapter math\\-shepherd  \n*${escapeMarkdown(DEMO_NOTICE)}*`,
  );
  assert.equal(paragraphs[2], "**Progress** Q 0\\.62 → 0\\.25 · advantage \\-0\\.37 (90% interval \\-0\\.50 to \\-0\\.21, 16 rollouts)");
  assert.equal(paragraphs[3], "**Label** marked incorrect · **Dataset** first error");
  assert.equal(paragraphs[4], "*scored in 2\\.50 s \\(40 of 120 tokens evaluated\\) · progress in 31\\.0 s*");
  assert.deepEqual(
    hover.commands.map((c) => c.title),
    ["Re-score", "Verify", "Open in inspector", "Mark correct", "Clear label"],
  );
  assert.equal(hover.commands[3]?.command, "my.mark");
  assert.match(decode(render(hover.markdown)), /demo: scores are meaningless/);
});

test("hover without commands, and for a step with nothing yet", () => {
  const a = buildAnnotations({ trace: textTrace(["a", "b"]), threshold: 0.5 });
  const hover = buildHover(a, itemAt(a.steps, 0, "step 1's annotation"), { documentUri: "file:///x", withoutCommands: true });
  assert.equal(hover.markdown, "**StepLens · Step 1**\n\n*Not scored yet\\.*");
  assert.deepEqual(hover.commands, []);
});

test("commandUri percent-encodes everything a Markdown link target could end on", () => {
  const uri = commandUri({ title: "x", command: "steplens.score", args: [{ uri: "file:///a (1)/it's!*~.md", step: 0 }] });
  assert.equal(uri, "command:steplens.score?%5B%7B%22uri%22%3A%22file%3A%2F%2F%2Fa%20%281%29%2Fit%27s%21%2A%7E.md%22%2C%22step%22%3A0%7D%5D");
  assert.deepEqual(JSON.parse(decodeURIComponent(uri.slice("command:steplens.score?".length))), [{ uri: "file:///a (1)/it's!*~.md", step: 0 }]);
});

// ---- security: untrusted critique / model text ----

const ATTACKS: [name: string, critique: string][] = [
  ["a Markdown link to a command", "Click [here](command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22rm%20-rf%20~%5Cn%22%7D) to fix."],
  ["a reference-style link", "[x][1]\n\n[1]: command:steplens.evil"],
  ["an autolink", "<command:steplens.evil> and <https://evil.example/>"],
  ["a bare URL (GFM linkify)", "see https://evil.example/x and www.evil.example"],
  ["an e-mail autolink", "mail me at attacker@evil.example"],
  ["an image", "![pwn](https://evil.example/p.png)"],
  ["raw HTML", '<img src=x onerror="alert(1)"><script>alert(1)</script><a href="command:x">y</a>'],
  ["an HTML comment and entity", "<!-- hidden --> &lt;b&gt; &#60;i&#62; &amp;"],
  ["backticks breaking out of a code span", "`` ` ``` ` [a](command:x) `"],
  ["a closing link bracket in text", "]) [Mark correct](command:steplens.markStepCorrect?%5B%5D"],
  ["headings, lists, rules and tables", "# H1\n- item\n1. one\n***\n| a | b |\n|---|---|\n> quote"],
  ["backslashes before punctuation", "\\[not a link\\](command:x) \\\\ \\`"],
  ["a theme icon", "$(zap) $(terminal)"],
  ["line breaks and setext underline", "text\r\n===\u2028more\u0000nul"],
  ["bidi overrides", "safe \u202eevil\u202c text"],
  ["emphasis and strikethrough", "*a* _b_ ~~c~~ **d**"],
];

for (const [name, critique] of ATTACKS) {
  test(`security: a critique containing ${name} stays literal text`, () => {
    const { hover, html } = hoverFor({ critique });
    // The only links are the hover's own commands.
    assert.deepEqual(hrefs(html), hover.commands.map(commandUri));
    assert.doesNotMatch(html, /<img|<script|<!--|<a href="command:x"/i); // as tags; the same words as escaped text are fine
    assert.ok(
      tags(html).every((t) => ALLOWED_TAGS.has(t)),
      `unexpected tags: ${tags(html).join(",")}`,
    );
    // The critique is shown literally (white space collapsed, controls as spaces, bidi controls dropped).
    const shown = critique
      .replace(/[\u202a-\u202e\u2066-\u2069]/g, "")
      .replace(/[\u0000-\u001f\u2028\u2029]/g, " ")
      .replace(/\s+/g, " ")
      .trim();
    const blockquote = /<blockquote>\s*<p>([\s\S]*?)<br>/.exec(html);
    assert.ok(blockquote, "the critique is in its own blockquote");
    assert.equal(decode(itemAt(blockquote, 1, "the blockquote's text")).trim(), shown);
    // The hover's structure is intact: the same paragraphs as a harmless critique.
    assert.equal((html.match(/<p>/g) ?? []).length, (hoverFor({ critique: "fine" }).html.match(/<p>/g) ?? []).length);
  });
}

test("security: a model name with backticks cannot escape its code span", () => {
  for (const model of ["a`b", "``x``", "`[l](command:x)`", "` <img src=x>", "a\nb"]) {
    const { html } = hoverFor({ model });
    const code = /<code>([\s\S]*?)<\/code>/.exec(html);
    assert.ok(code, model);
    assert.equal(decode(itemAt(code, 1, "the code span's text")).trim(), model.replace(/\n/g, " ").trim(), JSON.stringify(model));
    assert.doesNotMatch(html, /<img/);
  }
});

test("security: random strings of Markdown-significant characters never make links or HTML", () => {
  const alphabet = [
    "[",
    "]",
    "(",
    ")",
    "<",
    ">",
    "&",
    "`",
    "\\",
    "*",
    "_",
    "!",
    "#",
    "|",
    ":",
    "/",
    "\n",
    " ",
    "a",
    "command:x",
    "https://e.x",
    "www.e.x",
    "$(",
    ";",
    "&lt;",
    "<a href='command:x'>",
  ];
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 400; i++) {
    let s = "";
    const len = 1 + Math.floor(rand() * 30);
    for (let k = 0; k < len; k++) s += alphabet[Math.floor(rand() * alphabet.length)];
    const escaped = escapeMarkdown(s);
    const html = render(`x ${escaped} y`);
    assert.deepEqual(hrefs(html), [], JSON.stringify(s));
    assert.deepEqual(tags(html), ["p"], JSON.stringify(s));
    assert.equal(decode(html).trim(), `x ${s.replace(/\n/g, " ")} y`.replace(/\s+$/, "").trim(), JSON.stringify(s));
    const span = render(`x ${codeSpan(s)} y`);
    assert.deepEqual(tags(span), ["code", "p"], JSON.stringify(s));
  }
});

test("escapeMarkdown and codeSpan: exact outputs", () => {
  assert.equal(escapeMarkdown("[x](command:y)"), "\\[x\\]\\(command\\:y\\)");
  assert.equal(escapeMarkdown("<b>&amp;</b>"), "&lt;b&gt;&amp;amp\\;&lt;\\/b&gt;");
  assert.equal(escapeMarkdown("a\nb\r\nc"), "a b  c");
  assert.equal(escapeMarkdown("\\`"), "\\\\\\`");
  assert.equal(escapeMarkdown("plain words 123"), "plain words 123");
  assert.equal(codeSpan("abc"), "`abc`");
  assert.equal(codeSpan("a`b"), "``a`b``");
  assert.equal(codeSpan("`x``"), "``` `x`` ```");
});

test("the hover names the model by its file name, not its absolute path (the status details keep the path)", () => {
  assert.equal(modelDisplayName("/home/me/.cache/steplens/models/math-shepherd.Q4_K_M.gguf"), "math-shepherd.Q4_K_M.gguf");
  assert.equal(modelDisplayName("C:\\models\\prm.gguf"), "prm.gguf");
  assert.equal(modelDisplayName("hf:QuantFactory/math-shepherd-mistral-7b-prm-GGUF:Q4_K_M"), "hf:QuantFactory/math-shepherd-mistral-7b-prm-GGUF:Q4_K_M");
  assert.equal(modelDisplayName("qwen3-4b"), "qwen3-4b");
});
