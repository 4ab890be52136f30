/**
 * Entry of the untrusted-workspace integration pass (extensionTestsPath): the same mocha entry as
 * test/vscode (it loads every `*.test.js` next to the bundled file, i.e. out/test/vscode-untrusted/,
 * and writes its results to $STEPLENS_TEST_RESULTS). Run by
 * `node test/runner/run-vscode-tests.mjs --untrusted`, which opens a fresh copy of the fixture
 * workspace with Workspace Trust enabled and never granted.
 */
export { run } from "../vscode/index";
