// The project's lint rules, with its layering as rules (run by `npm run lint`, part of `npm test`):
//   - `vscode` is imported only under src/extension (everything else runs in plain Node and the CLI);
//   - the core (everything in src/ outside src/extension and src/cli) imports nothing from either;
//   - the webview imports nothing from the extension host or Node.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const noVscode = { name: "vscode", message: "Only src/extension may import vscode: keep this logic testable in plain Node and usable by the CLI." };
const layer = (from, what) => ({
  group: [`**/${from}/**`, `**/${from}`],
  message: `The core must not import from src/${from} (${what}); move the shared code into the core instead.`,
});

// Inside the core, a lower layer imports nothing from the folders above it (sideways imports are how
// layering erodes): src/core imports only itself; src/formats only src/core and itself; src/datasets
// not the export. A shared piece moves down instead (e.g. src/formats/synthesisFolder.ts).
const CORE_ABOVE_FORMATS = ["annotations", "datasets", "engines", "eval", "export", "grading", "inspector", "labels", "pipelines", "progress"];
const CORE_ABOVE_FORMATS_2 = ["rewards", "rl", "search", "server", "synthesis", "verify", "config"];
const notFrom = (folders, who) => ({
  group: folders.flatMap((f) => [`../${f}`, `../${f}/**`, `../../${f}`, `../../${f}/**`]),
  message: `${who} must not import from ${folders.map((f) => `src/${f}`).join(", ")} (a layer above it or beside it); move the shared piece down instead.`,
});
const coreLayers = [noVscode];
const corePatterns = [layer("extension", "VS Code adapters"), layer("cli", "the command line")];

export default tseslint.config(
  {
    ignores: ["dist/**", "out/**", "node_modules/**", ".test-env/**", ".steplens-test/**", "**/*.d.ts", "bench/results/**"],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: {
        console: "readonly",
        process: "readonly",
        Buffer: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        setInterval: "readonly",
        clearInterval: "readonly",
        setImmediate: "readonly",
        queueMicrotask: "readonly",
        structuredClone: "readonly",
        URL: "readonly",
        URLSearchParams: "readonly",
        TextEncoder: "readonly",
        TextDecoder: "readonly",
        AbortController: "readonly",
        AbortSignal: "readonly",
        fetch: "readonly",
        performance: "readonly",
        __dirname: "readonly",
        require: "readonly",
        module: "writable",
      },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none", ignoreRestSiblings: true }],
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-non-null-assertion": "off",
      "@typescript-eslint/no-require-imports": "off",
      "no-control-regex": "off",
      "no-empty": ["error", { allowEmptyCatch: true }],
      "prefer-const": "error",
      eqeqeq: ["error", "always", { null: "ignore" }],
      "@typescript-eslint/no-this-alias": ["error", { allowedNames: ["host"] }],
    },
  },
  {
    // The core: no vscode, nothing from the adapters above it.
    files: ["src/**/*.ts"],
    ignores: ["src/extension/**", "src/cli/**"],
    rules: {
      "no-restricted-imports": ["error", { paths: [noVscode], patterns: [layer("extension", "VS Code adapters"), layer("cli", "the command line")] }],
    },
  },
  {
    // src/core: the bottom layer.
    files: ["src/core/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { paths: coreLayers, patterns: [...corePatterns, notFrom(["formats", ...CORE_ABOVE_FORMATS, ...CORE_ABOVE_FORMATS_2], "src/core")] },
      ],
    },
  },
  {
    // src/formats: readers of traces and datasets, on src/core only.
    files: ["src/formats/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { paths: coreLayers, patterns: [...corePatterns, notFrom([...CORE_ABOVE_FORMATS, ...CORE_ABOVE_FORMATS_2], "src/formats")] },
      ],
    },
  },
  {
    // src/datasets (the Datasets view's model) reads synthesis folders through src/formats, not the export.
    files: ["src/datasets/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { paths: coreLayers, patterns: [...corePatterns, notFrom(["export"], "src/datasets")] }],
    },
  },
  {
    // The CLI: no vscode, nothing from the extension.
    files: ["src/cli/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [noVscode],
          patterns: [{ group: ["**/extension/**", "**/extension"], message: "The CLI must not import the VS Code adapters (src/extension)." }],
        },
      ],
    },
  },
  {
    // The webview runs in a browser sandbox: no extension host code, no Node built-ins.
    files: ["webview/**/*.ts"],
    languageOptions: { globals: { window: "readonly", document: "readonly", HTMLElement: "readonly", acquireVsCodeApi: "readonly" } },
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [noVscode],
          patterns: [
            {
              group: ["node:*", "**/extension/**", "**/engines/**", "**/cli/**"],
              message: "The webview gets data by messages: no Node modules, engines or adapters.",
            },
          ],
        },
      ],
    },
  },
  {
    // Tests and benches may reach into untyped JSON answers.
    files: ["test/**/*.ts", "bench/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    // Browser-side callbacks of the end-to-end tests (page.evaluate) run in the workbench page.
    files: ["test/e2e/**/*.mjs"],
    languageOptions: { globals: { document: "readonly", window: "readonly", getComputedStyle: "readonly", HTMLElement: "readonly" } },
  },
  {
    // Plain JavaScript build, test and bench scripts (Node ESM).
    files: ["**/*.mjs", "**/*.js"],
    rules: { "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", caughtErrors: "none" }] },
  },
);
