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

export function packagedReadme(root) {
  let readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
  readme = readme.replace(/^!\[[^\]]*\]\(media\/[^)]+\)\s*\n/gm, "");
  const linked = [];
  const seen = new Map();
  readme = readme.replace(/\]\(((?:docs\/[\w.-]+|CONTRIBUTING|CHANGELOG)(?:\.md)?)(#[\w-]+)?\)/g, (m, target, hash) => {
    const file = target.endsWith(".md") ? target : `${target}.md`;
    if (!fs.existsSync(path.join(root, file))) throw new Error(`README.md links to ${file}, which does not exist`);
    if (!seen.has(file)) {
      const text = fs.readFileSync(path.join(root, file), "utf8");
      const title = /^# (.+)$/m.exec(text)?.[1] ?? file;
      seen.set(file, slug(title));
      linked.push({ file, text });
    }
    return `](#${hash ? hash.slice(1) : seen.get(file)})`;
  });
  const sections = linked.map(({ file, text }) => `\n\n---\n\n<!-- ${file} -->\n${shiftHeadings(text).trim()}\n`);
  return `${readme.trimEnd()}\n\n---\n\n# Reference\n\nThe sections below are the repository's documentation files, included here so every link above works on this page.${sections.join("")}`;
}
