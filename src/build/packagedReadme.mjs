// The README that goes into the .vsix. The extension's Details page cannot follow links to other
// files of the repository (the .vsix has no docs/ and the manifest's repository is not a real
// host), so every Markdown file the README links to is appended to it as a section, and each link
// becomes an in-page anchor to that section's heading: every fact stays one click away. Screenshot
// embeds are dropped (the images stay out of the .vsix); `LICENSE` links point at the packaged file.
import fs from "node:fs";
import path from "node:path";

/** GitHub-style heading slug (what VS Code's Markdown renderer uses for in-page anchors). */
export function slug(heading) {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*_~]/g, "")
    .replace(/[^\p{L}\p{N}\s-]/gu, "")
    .replace(/\s/g, "-");
}

function shiftHeadings(markdown) {
  let code = false;
  return markdown
    .split("\n")
    .map((line) => {
      if (line.startsWith("```")) code = !code;
      return !code && /^#{1,5} /.test(line) ? `#${line}` : line;
    })
    .join("\n");
}

const LINKABLE = /^(?:docs\/[\w.-]+\.md|CONTRIBUTING\.md|CHANGELOG\.md)$/;

export function packagedReadme(root) {
  const linked = [];
  const seen = new Map();
  /** The in-page anchor for a repository file (inlined once, in link order); null for other targets. */
  const anchorOf = (file) => {
    if (!LINKABLE.test(file)) return null;
    if (!fs.existsSync(path.join(root, file))) throw new Error(`a link points at ${file}, which does not exist`);
    if (!seen.has(file)) {
      const text = fs.readFileSync(path.join(root, file), "utf8");
      seen.set(file, slug(/^# (.+)$/m.exec(text)?.[1] ?? file));
      linked.push({ file, text });
    }
    return seen.get(file);
  };
  /** Rewrites the links of `markdown` (which lives in folder `dir` of the repository) to in-page anchors. */
  const rewrite = (markdown, dir) =>
    markdown.replace(/^!\[[^\]]*\]\((?:\.\.\/)?media\/[^)]+\)\s*\n/gm, "").replace(/\]\(([\w./-]+\.md)(#[\w-]+)?\)/g, (m, target) => {
      const file = path.posix.normalize(path.posix.join(dir, target));
      if (file === "README.md") return "](#steplens)";
      const anchor = anchorOf(file);
      // A link to a heading inside another file goes to that file's section: headings repeat across files.
      return anchor === null ? m : `](#${anchor})`;
    });
  const readme = rewrite(fs.readFileSync(path.join(root, "README.md"), "utf8"), ".");
  const sections = [];
  for (let i = 0; i < linked.length; i++) {
    const { file, text } = linked[i];
    sections.push(`\n\n---\n\n<!-- ${file} -->\n${shiftHeadings(rewrite(text, path.posix.dirname(file))).trim()}\n`);
  }
  return `${readme.trimEnd()}\n\n---\n\n# Reference\n\nThe sections below are the repository's documentation files, included here so every link above works on this page.${sections.join("")}`;
}
