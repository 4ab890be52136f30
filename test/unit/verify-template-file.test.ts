// Template files' front matter, read by the one front-matter parser (src/formats/text/frontMatter.ts)
// through src/verify/templateFile.ts: keys, comments, quoted and block values, and the errors (file,
// line, fix) for an unclosed block, an unreadable line and an unknown key. Lines counted by hand.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadTemplateFile } from "../../src/verify/templateFile";

function templateFile(text: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "steplens-tpl-fm-")), "t.txt");
  fs.writeFileSync(file, text);
  return file;
}

const failsAt = (text: string, message: RegExp, line: number) =>
  assert.throws(
    () => loadTemplateFile(templateFile(text)),
    (e: Error & { details?: { line?: number; code?: string } }) => message.test(e.message) && e.details?.line === line && e.details.code === "bad-template",
    `${message} on line ${line}`,
  );

test("format, stepStyle and system; comment lines; the body starts after the closing ---", () => {
  const t = loadTemplateFile(
    templateFile("---\n# a comment\nformat: processbench\nstepStyle: step\nsystem: Grade carefully.\n---\nP: {{problem}}\n{{steps}}\n"),
  );
  assert.deepEqual([t.format, t.stepStyle, t.system, t.user], ["processbench", "step", "Grade carefully.", "P: {{problem}}\n{{steps}}"]);
});

test("a quoted system message keeps its # and colon; a block system message keeps its lines", () => {
  const quoted = loadTemplateFile(templateFile('---\nsystem: "Grader #1: be strict"\n---\n{{problem}} {{steps}}'));
  assert.equal(quoted.system, "Grader #1: be strict");
  const block = loadTemplateFile(templateFile("---\nsystem: |\n  Line one.\n  Line two.\n---\n{{problem}} {{steps}}"));
  assert.equal(block.system, "Line one.\nLine two.");
});

test("errors: never closed (line 1), a line that is not key: value, an unknown key, a placeholder after front matter", () => {
  failsAt("---\nformat: spark\n{{problem}} {{steps}}", /the front matter opened on line 1 is never closed/, 1);
  failsAt("---\nformat: spark\nthis is not a key\n---\n{{problem}} {{steps}}", /cannot read front matter line "this is not a key"/, 3);
  failsAt("---\nformat: spark\ncolour: blue\n---\n{{problem}} {{steps}}", /unknown front matter key "colour"/, 3);
  failsAt("---\nformat: thinkprm\n---\n{{problem}}\n{{stepz}}", /unknown placeholder \{\{stepz\}\}/, 5);
  failsAt("---\nformat: orm\n---\n{{problem}} {{steps}}", /format "orm"/, 2);
});

test("JSON templates through their schema: defaults, and each field's error with its fix", () => {
  const json = (value: unknown) => {
    const file = templateFile("");
    const jsonFile = file.replace(/\.txt$/, ".json");
    fs.writeFileSync(jsonFile, JSON.stringify(value));
    return jsonFile;
  };
  const t = loadTemplateFile(json({ user: "{{problem}} {{steps}}", format: null, fewShot: [{ problem: "1+1", steps: ["=2"], verification: "ok", extra: 1 }] }));
  assert.deepEqual([t.format, t.stepStyle, t.system, t.fewShot], ["spark", "step", undefined, [{ problem: "1+1", steps: ["=2"], verification: "ok" }]]);
  assert.equal(loadTemplateFile(json({ user: "{{problem}} {{steps}}", format: "processbench" })).stepStyle, "paragraph");
  const refused = (value: unknown, message: RegExp, hint: RegExp) =>
    assert.throws(
      () => loadTemplateFile(json(value)),
      (e: Error & { details?: { hint?: string } }) => message.test(e.message) && hint.test(e.details?.hint ?? ""),
      String(message),
    );
  refused([1], /no "user" text/, /Give at least/);
  refused({ format: "spark" }, /no "user" text/, /Give at least/);
  refused({ user: "{{problem}} {{steps}}", format: "orm" }, /format "orm" is not one of spark/, /Say which output format/);
  refused({ user: "{{problem}} {{steps}}", system: 3 }, /"system" is not a string/, /system message as a string/);
  refused({ user: "{{problem}} {{steps}}", stepStyle: "lines" }, /stepStyle "lines" is neither/, /<paragraph_0>/);
  refused({ user: "{{problem}} {{steps}}", fewShot: {} }, /fewShot is not a list/, /Give a list/);
  refused(
    {
      user: "{{problem}} {{steps}}",
      fewShot: [
        { problem: "p", steps: ["a"], verification: "v" },
        { problem: "p", steps: [1], verification: "v" },
      ],
    },
    /fewShot\[1\] is not/,
    /Fix or remove that example/,
  );
  refused({ user: "{{problem}} only" }, /never uses \{\{steps\}\}/, /Put \{\{steps\}\}/);
});
