/**
 * The inspector's math splitter is linear (issue 18: 60 KB of unclosed `\(` or `\[` took 6–7 s on
 * the webview's thread) and step text is capped before it is rendered. Work is counted (characters
 * looked at), not timed; the segments agree with a straightforward reference splitter (the scan
 * from every opener, written here from the rules in the module's header) on random inputs.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { capRenderedText, MAX_MATH_LENGTH, MAX_RENDERED_TEXT, type Segment, splitMath } from "../../src/inspector/mathSegments";

/** Reference: for every opener, scan forward for its close (quadratic, obviously right). */
function referenceSplit(text: string): Segment[] {
  const out: Segment[] = [];
  let buf = "";
  const flush = () => {
    if (buf) out.push({ kind: "text", text: buf });
    buf = "";
  };
  const findClose = (from: number, close: string) => {
    for (let j = from; j < text.length; j++) {
      if ((close === "$" || close === "$$") && text[j] === "\\") {
        j++;
        continue;
      }
      if (text.startsWith(close, j)) return j;
    }
    return -1;
  };
  let i = 0;
  while (i < text.length) {
    if (text[i] === "\\" && text[i + 1] === "$") {
      buf += "\\$";
      i += 2;
      continue;
    }
    const pairs: [string, string, boolean][] = [
      ["$$", "$$", true],
      ["\\[", "\\]", true],
      ["\\(", "\\)", false],
      ["$", "$", false],
    ];
    const hit = pairs.find(([o]) => text.startsWith(o, i));
    if (!hit) {
      buf += text[i++];
      continue;
    }
    const [open, close, display] = hit;
    const end = findClose(i + open.length, close);
    const tex = end < 0 ? "" : text.slice(i + open.length, end);
    const inlineOk = open !== "$" || (tex.length > 0 && !/^\s|\s$/.test(tex) && !/\n\s*\n/.test(tex));
    if (end < 0 || !tex.trim() || !inlineOk || tex.length > MAX_MATH_LENGTH) {
      buf += open;
      i += open.length;
      continue;
    }
    flush();
    out.push({ kind: "math", tex, display, source: text.slice(i, end + close.length) });
    i = end + close.length;
  }
  flush();
  return out;
}

describe("inspector math splitter: linear, capped", { timeout: 60_000 }, () => {
  for (const [name, unit] of [
    ["unclosed \\(", "\\(x "],
    ["unclosed \\[", "\\[x "],
    ["unclosed $$", "$$x "],
    ["lone $ with escapes", "$\\\\x "],
  ] as const) {
    it(`60 KB of ${name}: work at most 8 per character, and it stays text`, () => {
      const text = unit.repeat(Math.ceil(60_000 / unit.length));
      const work = { steps: 0 };
      const segs = splitMath(text, work);
      assert.ok(work.steps > 0, "work is counted");
      assert.ok(work.steps <= 8 * text.length, `${work.steps} steps for ${text.length} characters`);
      assert.equal(segs.map((s) => (s.kind === "text" ? s.text : s.source)).join(""), text, "nothing lost");
    });
  }

  it("one close at the very end after 30,000 openers: linear, and the too-long math is text", () => {
    const text = "\\(".repeat(30_000) + "x\\)";
    const work = { steps: 0 };
    const segs = splitMath(text, work);
    assert.ok(work.steps <= 8 * text.length, `${work.steps} steps`);
    assert.ok(segs.every((s) => s.kind === "text" || s.tex.length <= MAX_MATH_LENGTH));
  });

  it("the same segments as the reference splitter on 3,000 random strings", () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
    const alphabet = ["$", "$$", "\\", "\\(", "\\)", "\\[", "\\]", "x", " ", "\n", "\\$", "a"];
    for (let n = 0; n < 3000; n++) {
      let t = "";
      const len = 1 + Math.floor(rand() * 24);
      for (let k = 0; k < len; k++) t += alphabet[Math.floor(rand() * alphabet.length)];
      assert.deepEqual(splitMath(t), referenceSplit(t), JSON.stringify(t));
    }
  });

  it("text longer than the render cap is cut with a note saying how much was left out", () => {
    const step = "a".repeat(3_000_000);
    const shown = capRenderedText(step);
    assert.ok(shown.length < MAX_RENDERED_TEXT + 200);
    assert.ok(shown.startsWith("a".repeat(MAX_RENDERED_TEXT)));
    assert.match(shown, /2,980,000 more characters not shown/);
    assert.equal(capRenderedText("short"), "short");
  });
});
