// The README in the .vsix: every link to another repository file becomes an in-page anchor to that
// file's text, appended as a section, so the extension's Details page loses nothing.
import assert from "node:assert/strict";
import { test } from "node:test";
import { packagedReadme, slug } from "../../src/build/packagedReadme.mjs";
import { repoRoot } from "../support/repo";

test("the packaged README inlines every linked doc and keeps no link to a file the .vsix lacks", () => {
  const text = packagedReadme(repoRoot());
  const links = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
  const local = links.filter((l) => !/^(https?:|mailto:|#|command:)/.test(l));
  assert.deepEqual(
    local.filter((l) => l !== "LICENSE"),
    [],
    "links to files outside the page",
  );
  const headings = new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!)));
  const anchors = links.filter((l) => l.startsWith("#")).map((l) => l.slice(1));
  assert.ok(anchors.length >= 10, "the README links to the docs");
  for (const a of anchors) assert.ok(headings.has(a), `#${a} has a heading on the page`);
  for (const doc of ["docs/engines.md", "docs/verification.md", "CONTRIBUTING.md"]) assert.ok(text.includes(`<!-- ${doc} -->`), `${doc} is inlined`);
  assert.doesNotMatch(text, /!\[[^\]]*\]\(media\//, "screenshots (not in the .vsix) are dropped");
});

test("slugs follow GitHub's rule", () => {
  assert.equal(slug("Engines and `steplens serve`"), "engines-and-steplens-serve");
  assert.equal(slug("Progress (PAV): how much"), "progress-pav-how-much");
});
