// The webviews' messages to the host, validated by their valibot schemas (src/inspector/protocol.ts):
// the bounds at their edges, non-finite numbers, wrong types, unknown message types, and unknown
// fields dropped. Expected answers from the protocol's documented bounds.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseDashboardMessage, parseInspectorMessage, POSITION_BINS, SCORE_BINS } from "../../src/inspector/protocol";

test("inspector: step indices from 0 below 10 million, whole numbers only; labels and actions from their lists", () => {
  assert.deepEqual(parseInspectorMessage({ type: "reveal", step: 0 }), { type: "reveal", step: 0 });
  assert.deepEqual(parseInspectorMessage({ type: "reveal", step: 9_999_999 }), { type: "reveal", step: 9_999_999 });
  for (const step of [10_000_000, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, "2", null])
    assert.equal(parseInspectorMessage({ type: "reveal", step }), null, `step ${String(step)}`);
  assert.deepEqual(parseInspectorMessage({ type: "label", step: 1, label: "clear" }), { type: "label", step: 1, label: "clear" });
  assert.equal(parseInspectorMessage({ type: "label", step: 1 }), null, "a label is required");
  assert.equal(parseInspectorMessage({ type: "run", action: "score; rm -rf /" }), null);
  assert.deepEqual(parseInspectorMessage({ type: "rendered", ms: 0 }), { type: "rendered", ms: 0 });
  assert.equal(parseInspectorMessage({ type: "rendered", ms: -1 }), null);
  assert.equal(parseInspectorMessage({ type: "unknown" }), null);
  assert.equal(parseInspectorMessage([{ type: "ready" }]), null, "an array is not a message");
  assert.deepEqual(parseInspectorMessage({ type: "ready", html: "<img onerror=x>" }), { type: "ready" }, "unknown fields are dropped");
});

test("dashboard: thresholds in [0, 1], bins below their counts, record numbers whole", () => {
  for (const value of [0, 1, 0.5]) assert.deepEqual(parseDashboardMessage({ type: "saveThreshold", value }), { type: "saveThreshold", value });
  for (const value of [-0.01, 1.01, Number.NaN, Number.POSITIVE_INFINITY])
    assert.equal(parseDashboardMessage({ type: "threshold", value }), null, String(value));
  const score = (bin: number) => parseDashboardMessage({ type: "select", selection: { kind: "score", group: "correct", bin } });
  assert.notEqual(score(SCORE_BINS - 1), null);
  assert.equal(score(SCORE_BINS), null);
  const cell = (label: number, prediction: number) => parseDashboardMessage({ type: "select", selection: { kind: "confusion", label, prediction } });
  assert.deepEqual(cell(POSITION_BINS.length - 1, 0), { type: "select", selection: { kind: "confusion", label: POSITION_BINS.length - 1, prediction: 0 } });
  assert.equal(cell(POSITION_BINS.length, 0), null);
  assert.equal(parseDashboardMessage({ type: "select", selection: { kind: "bogus", bin: 0 } }), null);
  assert.deepEqual(parseDashboardMessage({ type: "openRecord", record: 3, extra: 1 }), { type: "openRecord", record: 3 });
  assert.equal(parseDashboardMessage({ type: "openRecord", record: 3.5 }), null);
  assert.deepEqual(parseDashboardMessage({ type: "loadScores" }), { type: "loadScores" });
});
