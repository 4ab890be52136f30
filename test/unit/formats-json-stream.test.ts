import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { StepLensError } from "../../src/core/errors";
import { readJsonLines, readRawRecords, sniffContainer, splitJsonArray, type RawRecord } from "../../src/formats/jsonStream";
import { sleep } from "../support/wait";
import { itemAt } from "../support/indexing";

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** `text` cut into pieces of `size` UTF-16 units (cuts may fall inside escapes, strings, surrogate pairs). */
async function* pieces(text: string, size: number): AsyncGenerator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

function tempFile(name: string, content: string | Buffer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-json-stream-"));
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

function removeTemp(file: string): void {
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
}

/** Line (1-based) on which each top-level element of a pretty-printed array starts, computed independently. */
function elementStartLines(text: string, count: number): number[] {
  // Each element of JSON.stringify(arr, null, 2) starts on a line indented by exactly two spaces.
  const lines = text.split("\n");
  const starts: number[] = [];
  lines.forEach((l, i) => {
    if (/^ {2}[^\s\]}]/.test(l)) starts.push(i + 1); // not a closing "  }" / "  ]"
  });
  assert.equal(starts.length, count);
  return starts;
}

const TRICKY = [
  { id: "a", text: "brackets ] [ and braces } { inside a string", steps: ["x = [1, 2]", "{not: an object}"] },
  { id: "b", text: 'escaped "quotes" and a backslash \\ then a quote \\"', nested: { deep: [[[{ k: "]}" }]]] } },
  { id: "c", text: "unicode: é ü 数学 ∑ 𝔽 🙂 \u2028 line sep", steps: ["ки", "\\boxed{\\frac{1}{2}}"] },
  "a bare string with , comma and ] bracket",
  12345.5e-3,
  true,
  null,
  [],
  {},
  { id: "d", empty: "", backslashes: "\\\\\\", newline: "line1\nline2" },
];

test("splitJsonArray: every element of a tricky array survives every chunk size from 1 to 40", async () => {
  for (const text of [JSON.stringify(TRICKY, null, 2), JSON.stringify(TRICKY)]) {
    for (let size = 1; size <= 40; size++) {
      const got = await collect(splitJsonArray(pieces(text, size)));
      assert.equal(got.length, TRICKY.length, `chunk size ${size}`);
      got.forEach((r, i) => {
        assert.equal(r.index, i);
        assert.deepEqual(JSON.parse(r.text), TRICKY[i], `element ${i}, chunk size ${size}`);
      });
    }
  }
});

test("splitJsonArray: the line of each element is where it starts (pretty-printed and compact)", async () => {
  const pretty = JSON.stringify(TRICKY, null, 2);
  const expected = elementStartLines(pretty, TRICKY.length);
  for (const size of [1, 3, 7, 64, 100000]) {
    const got = await collect(splitJsonArray(pieces(pretty, size)));
    assert.deepEqual(
      got.map((r) => r.line),
      expected,
      `chunk size ${size}`,
    );
  }
  const compact = await collect(splitJsonArray(pieces(JSON.stringify(TRICKY), 5)));
  assert.ok(compact.every((r) => r.line === 1));
  const custom = '\n\n[ {"a": 1},\n\n  {"b":\n 2}\n,3]';
  assert.deepEqual(
    (await collect(splitJsonArray(pieces(custom, 2)))).map((r) => [r.line, r.text]),
    [
      [3, '{"a": 1}'],
      [5, '{"b":\n 2}'],
      [7, "3"],
    ],
  );
});

test("splitJsonArray: randomly generated nested values round-trip at random chunk sizes", async () => {
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const alphabet = ['"', "\\", "[", "]", "{", "}", ",", ":", " ", "\n", "a", "é", "🙂", "ки", "\t"];
  const str = () => Array.from({ length: Math.floor(rand() * 12) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join("");
  const value = (depth: number): unknown => {
    const r = rand();
    if (depth > 3 || r < 0.3) return str();
    if (r < 0.4) return Math.floor(rand() * 1000) - 500;
    if (r < 0.45) return rand() < 0.5;
    if (r < 0.5) return null;
    if (r < 0.75) return Array.from({ length: Math.floor(rand() * 4) }, () => value(depth + 1));
    return Object.fromEntries(Array.from({ length: Math.floor(rand() * 4) }, () => [str(), value(depth + 1)]));
  };
  for (let round = 0; round < 30; round++) {
    const arr = Array.from({ length: 1 + Math.floor(rand() * 8) }, () => value(0));
    const text = JSON.stringify(arr, null, rand() < 0.5 ? 2 : undefined);
    const size = 1 + Math.floor(rand() * 17);
    const got = await collect(splitJsonArray(pieces(text, size)));
    assert.deepEqual(
      got.map((r) => JSON.parse(r.text)),
      arr,
      `round ${round}, chunk size ${size}`,
    );
  }
});

test("splitJsonArray: multi-byte UTF-8 split across 1-byte file chunks decodes correctly", async () => {
  const records = [{ t: "数学 🙂 ∑ é" }, { t: "ки +/-" }];
  const file = tempFile("utf8.json", "\uFEFF" + JSON.stringify(records, null, 1));
  try {
    for (const hwm of [1, 2, 3, 5]) {
      const got = await collect(readRawRecords(file, "json-array", { highWaterMark: hwm }));
      assert.deepEqual(
        got.map((r) => JSON.parse(r.text)),
        records,
        `highWaterMark ${hwm}`,
      );
    }
  } finally {
    removeTemp(file);
  }
});

test("splitJsonArray: empty arrays, stray commas and a bad element are separate records", async () => {
  assert.deepEqual(await collect(splitJsonArray(pieces("  [ ]  ", 1))), []);
  const got = await collect(splitJsonArray(pieces('[{"a":1},,{"b":2},{"c":3 oops},{"d":4},]', 3)));
  assert.deepEqual(
    got.map((r) => r.text),
    ['{"a":1}', "", '{"b":2}', '{"c":3 oops}', '{"d":4}', ""],
  );
  assert.deepEqual(
    got.map((r) => r.index),
    [0, 1, 2, 3, 4, 5],
  );
});

async function expectError(text: string, size: number, pattern: RegExp, line: number): Promise<RawRecord[]> {
  const got: RawRecord[] = [];
  await assert.rejects(
    async () => {
      for await (const r of splitJsonArray(pieces(text, size), { file: "x.json" })) got.push(r);
    },
    (e: unknown) => {
      assert.ok(e instanceof StepLensError);
      assert.match(e.message, pattern);
      assert.equal(e.details.file, "x.json");
      assert.equal(e.details.line, line);
      return true;
    },
  );
  return got;
}

test("splitJsonArray: broken containers fail with file and line, after the records before them", async () => {
  const truncated = await expectError('[\n{"a": 1},\n{"b": "unterminated}\n]\n', 4, /never closed.*inside record 1, which starts on line 3/, 5);
  assert.deepEqual(
    truncated.map((r) => r.text),
    ['{"a": 1}'],
  );
  await expectError('\n\n{"a": 1}', 2, /expected a JSON array/, 3);
  await expectError("[1, 2]\n\n[3]", 2, /after the closing/, 3);
  await expectError("   \n ", 1, /empty/, 2);
});

test("readJsonLines: 1-based line numbers, blank lines skipped, CRLF and BOM handled", async () => {
  const text = '\uFEFF{"a":1}\r\n\r\n   \n{"b":"x\\ny"}\n{"c":3}';
  const got = await collect(readJsonLines(Readable.from([text])));
  assert.deepEqual(got, [
    { index: 0, line: 1, text: '{"a":1}' },
    { index: 1, line: 4, text: '{"b":"x\\ny"}' },
    { index: 2, line: 5, text: '{"c":3}' },
  ]);
});

test("readRawRecords: JSONL from a file with tiny chunks gives the same records and lines", async () => {
  const lines = Array.from({ length: 50 }, (_, i) => JSON.stringify({ i, s: "数".repeat(i % 7) + "🙂" }));
  lines.splice(10, 0, "");
  const file = tempFile("d.jsonl", lines.join("\n") + "\n");
  try {
    const got = await collect(readRawRecords(file, "jsonl", { highWaterMark: 3 }));
    assert.equal(got.length, 50);
    assert.equal(got[9]?.line, 10);
    assert.equal(got[10]?.line, 12); // the blank line 11 is skipped, not a record
    assert.deepEqual(JSON.parse(itemAt(got, 49, "record 50").text).i, 49);
  } finally {
    removeTemp(file);
  }
});

test("readRawRecords: stopping early closes the file stream", async () => {
  const file = tempFile("many.jsonl", Array.from({ length: 1000 }, (_, i) => `{"i":${i}}`).join("\n"));
  try {
    let stream: fs.ReadStream | undefined;
    for await (const r of readRawRecords(file, "jsonl", { highWaterMark: 64, onStream: (s) => (stream = s) })) {
      if (r.index === 2) break;
    }
    assert.ok(stream?.destroyed, "the stream is destroyed after break");
  } finally {
    removeTemp(file);
  }
});

test("sniffContainer: first non-blank character decides", () => {
  assert.equal(sniffContainer("\uFEFF  \n [ {"), "json-array");
  assert.equal(sniffContainer('\n{"a":1}'), "jsonl");
  assert.equal(sniffContainer("# Problem"), null);
  assert.equal(sniffContainer("   "), null);
});

test("readRawRecords: a stalled consumer stops the reading (bounded read-ahead), both containers", async () => {
  const record = JSON.stringify({ x: "a".repeat(200), y: ["[", "{", '"'] });
  const lines = Array.from({ length: 40000 }, () => record); // ~9 MB each way
  for (const [name, container, content] of [
    ["stall.jsonl", "jsonl", lines.join("\n")],
    ["stall.json", "json-array", "[\n" + lines.join(",\n") + "\n]"],
  ] as const) {
    const file = tempFile(name, content);
    try {
      let stream: fs.ReadStream | undefined;
      for await (const r of readRawRecords(file, container, { onStream: (s) => (stream = s) })) {
        assert.equal(r.index, 0);
        await sleep(300); // the consumer stalls on the first record ("nothing happens within": the bytes read stay bounded)
        const read = stream?.bytesRead ?? 0;
        assert.ok(read < 2 * 1024 * 1024, `${container}: read ${read} bytes of ${content.length} while stalled`);
        break;
      }
    } finally {
      removeTemp(file);
    }
  }
});
