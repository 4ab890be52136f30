// The StepLens Trace TextMate grammar, tokenized by the TextMate engine of the VS Code under test
// (the vscode-textmate and vscode-oniguruma copies it ships and tokenizes editors with), loading
// the grammar file package.json contributes. Tokens come out as VS Code's colorization tests write
// them: { c: text, t: scopes }.
import assert from "node:assert/strict";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import * as vscode from "vscode";

const EXTENSION_ID = "steplens.steplens";
const SCOPE = "text.steplens-trace";

interface Token {
  /** the token's text */
  c: string;
  /** its scopes, space-separated, outermost first */
  t: string;
}

interface TextMateGrammar {
  tokenizeLine(line: string, state: unknown): { tokens: { startIndex: number; endIndex: number; scopes: string[] }[]; ruleStack: unknown };
}

function fixture(name: string): vscode.Uri {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed in this host`);
  return vscode.Uri.file(path.join(ext.extensionPath, "test/fixtures/workspace/outline", name));
}

/** Resolves a module from VS Code's own node_modules (plain folder in code-server, asar in desktop builds). */
function fromVsCode(module: string): { exports: any; dir: string } {
  const tried: string[] = [];
  for (const base of ["node_modules", "node_modules.asar", "node_modules.asar.unpacked"]) {
    const dir = path.join(vscode.env.appRoot, base, module);
    tried.push(dir);
    if (!fs.existsSync(path.join(dir, "package.json"))) continue;
    return { exports: createRequire(path.join(vscode.env.appRoot, "package.json"))(dir), dir };
  }
  assert.fail(`VS Code ships no ${module}; looked in ${tried.join(", ")}`);
}

let grammarPromise: Promise<TextMateGrammar> | undefined;

async function loadGrammar(): Promise<TextMateGrammar> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
  const contributed = (ext.packageJSON.contributes?.grammars ?? []).find((g: { scopeName: string }) => g.scopeName === SCOPE);
  assert.ok(contributed, `package.json contributes no grammar ${SCOPE}`);
  assert.equal(contributed.language, "steplens-trace");
  const grammarFile = path.join(ext.extensionPath, contributed.path);
  const textmate = fromVsCode("vscode-textmate").exports;
  const onig = fromVsCode("vscode-oniguruma");
  const wasm = fs.readFileSync(path.join(onig.dir, "release/onig.wasm"));
  await onig.exports.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new onig.exports.OnigScanner(patterns),
      createOnigString: (text: string) => new onig.exports.OnigString(text),
    }),
    loadGrammar: async (scope: string) => (scope === SCOPE ? textmate.parseRawGrammar(fs.readFileSync(grammarFile, "utf8"), grammarFile) : null),
  });
  const grammar = await registry.loadGrammar(SCOPE);
  assert.ok(grammar, `the grammar in ${contributed.path} did not load`);
  return grammar;
}

async function tokensOf(name: string): Promise<Token[]> {
  grammarPromise ??= loadGrammar();
  const grammar = await grammarPromise;
  const text = fs.readFileSync(fixture(name).fsPath, "utf8");
  const tokens: Token[] = [];
  let state: unknown = null;
  for (const line of text.split(/\r?\n/)) {
    const r = grammar.tokenizeLine(line, state);
    for (const t of r.tokens) {
      const c = line.slice(t.startIndex, t.endIndex);
      if (c) tokens.push({ c, t: t.scopes.join(" ") });
    }
    state = r.ruleStack;
  }
  assert.ok(tokens.length > 10, `no tokens for ${name}`);
  assert.ok(
    tokens.every((t) => t.t.startsWith(SCOPE)),
    "tokenized with the StepLens Trace grammar",
  );
  return tokens;
}

/** The `nth` token whose text is exactly `text`. */
function find(tokens: Token[], text: string, nth = 0): Token {
  const hits = tokens.filter((t) => t.c === text);
  assert.ok(hits.length > nth, `token ${JSON.stringify(text)} #${nth} not found among ${hits.length}`);
  return hits[nth]!;
}

function assertScope(token: Token, scope: string): void {
  assert.ok(
    token.t.split(" ").some((s) => s.startsWith(scope)),
    `${JSON.stringify(token.c)} has ${scope}: ${token.t}`,
  );
}

function assertNoScope(token: Token, scope: string): void {
  assert.ok(!token.t.split(" ").some((s) => s.startsWith(scope)), `${JSON.stringify(token.c)} must not have ${scope}: ${token.t}`);
}

suite("StepLens Trace grammar", () => {
  let tokens: Token[];

  suiteSetup(async () => {
    tokens = await tokensOf("highlighting.trace.md");
  });

  test("problem and solution headers", () => {
    assertScope(find(tokens, "Problem"), "entity.name.section.problem.steplens-trace");
    assertScope(find(tokens, "Solution"), "entity.name.section.solution.steplens-trace");
  });

  test("step markers in their forms, and prose that only mentions a step is not one", () => {
    const steps = tokens.filter((t) => /^step$/i.test(t.c));
    assert.equal(steps.length, 3, steps.map((s) => s.t).join("\n")); // **Step 1:**, Step 2:, ## Step 3
    for (const s of steps) assertScope(s, "keyword.control.step.steplens-trace");
    const prose = tokens.find((t) => t.c.startsWith("Step 4 is where prose"));
    assert.ok(prose, "the prose line is one token");
    assertNoScope(prose, "keyword.control.step");
    assertScope(find(tokens, "1"), "constant.numeric"); // first "1" is inside $\frac{1}{2}$: math number
    const numbers = tokens.filter((t) => t.t.includes("constant.numeric.step.steplens-trace")).map((t) => t.c);
    assert.deepEqual(numbers, ["1", "2", "3"]);
  });

  test("inline math: $…$ and \\(…\\)", () => {
    const frac = find(tokens, "\\frac");
    assertScope(frac, "markup.math.inline.steplens-trace");
    assertScope(frac, "support.function.tex.steplens-trace");
    assertScope(find(tokens, "\\("), "punctuation.definition.math.begin");
    const six = tokens.find((t) => t.c === "6" && t.t.includes("markup.math.inline"));
    assert.ok(six, "the 6 inside \\(6\\) is math");
  });

  test("display math: \\[…\\] and \\begin{…}…\\end{…} spanning lines", () => {
    assertScope(find(tokens, "\\["), "punctuation.definition.math.begin");
    const display = tokens.filter((t) => t.t.includes("markup.math.block.steplens-trace") && t.c === "\\frac");
    assert.ok(display.length >= 6, `\\frac inside display math: ${display.length}`);
    assertScope(find(tokens, "aligned"), "variable.parameter.environment");
    assertScope(find(tokens, "\\end"), "markup.math.block.steplens-trace");
    assertScope(find(tokens, "&"), "meta.embedded.math.display");
  });

  test("<think> blocks", () => {
    const tags = tokens.filter((t) => t.c === "think");
    assert.equal(tags.length, 2);
    for (const t of tags) assertScope(t, "entity.name.tag.think.steplens-trace");
    const inside = tokens.find((t) => t.c.includes("Add the fractions"));
    assert.ok(inside);
    assertScope(inside, "meta.block.think.steplens-trace");
  });

  test("the final-answer line and a balanced \\boxed{…}", () => {
    assertScope(find(tokens, "Answer"), "keyword.other.final-answer.steplens-trace");
    const boxed = find(tokens, "\\boxed");
    assertScope(boxed, "support.function.boxed.steplens-trace");
    const i = tokens.indexOf(boxed);
    // \boxed{\frac{5}{6}}: the inner braces are groups, the last } closes the box, then the $.
    const rest = tokens.slice(i + 1);
    const closing = rest.find((t) => t.t.includes("punctuation.definition.boxed.end"));
    assert.ok(closing, "the box closes");
    const inner = rest.slice(0, rest.indexOf(closing));
    assert.ok(
      inner.some((t) => t.c === "5" && t.t.includes("markup.bold.boxed")),
      inner.map((t) => `${t.c} ${t.t}`).join("\n"),
    );
    assert.equal(inner.filter((t) => t.t.includes("punctuation.definition.group.end.tex")).length, 2, "two inner groups closed before the box");
    assertScope(rest[rest.indexOf(closing) + 1]!, "punctuation.definition.math.end");
  });

  test("$$…$$ display math over several lines in another trace", async () => {
    const quadratic = await tokensOf("quadratic.trace.md");
    const inDisplay = quadratic.filter((t) => t.t.includes("markup.math.block.steplens-trace"));
    assert.ok(
      inDisplay.some((t) => t.c.includes("x")),
      "x^2 - 5x + 6 is display math",
    );
    const after = quadratic.find((t) => t.c.includes("so the roots are"));
    assert.ok(after);
    assertNoScope(after, "markup.math");
  });
});
