/**
 * `steplens export`: every format written from a hand-made synthesis folder (docs/synthesis.md) or a
 * ProcessBench file, and read back by a reader that is not the writer: JSON.parse plus checks of
 * every field's type, StepLens's own dataset readers and verdict parser (the rows must be readable
 * as the formats they claim), and for parquet parquet-wasm + apache-arrow (independent of
 * hyparquet-writer).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { readTraces } from "../../src/formats/records";
import { parseVerification } from "../../src/verify/verdictParser";
import { EXPORT_FORMAT_NAMES } from "../../src/export/formats";
import { readParquetIndependently } from "../support/parquetReader";
import { FIXTURE_SOLUTIONS, cli, exportWorkspace, readJsonl, solutionId } from "./export-fixtures";
import { itemAt } from "../support/indexing";

const labelled = FIXTURE_SOLUTIONS.filter((s) => s.labels);

describe("steplens export: every format read back independently", () => {
  const work = exportWorkspace("sl-export-", { tornLastLine: true });

  const out = (name: string) => path.join(work.tmp, name);

  it("trl-prm: {prompt: str, completions: str[], labels: bool[]}, steps up to the first unknown label", async () => {
    const r = await cli(["export", work.synth, "--format", "trl-prm", "--out", out("trl.jsonl")]);
    assert.equal(r.code, 0, r.err);
    const rows = readJsonl(out("trl.jsonl"));
    assert.equal(rows.length, labelled.length, "one row per labelled solution; the unlabelled one and the torn line give none");
    for (const [i, row] of rows.entries()) {
      assert.deepEqual(Object.keys(row).sort(), ["completions", "labels", "prompt"]);
      assert.equal(typeof row.prompt, "string");
      assert.ok(Array.isArray(row.completions) && row.completions.every((c) => typeof c === "string"));
      assert.ok(Array.isArray(row.labels) && row.labels.every((l) => typeof l === "boolean"));
      assert.equal((row.completions as string[]).length, (row.labels as boolean[]).length);
      const s = itemAt(labelled, i, `labelled solution ${i}`);
      const known = s.labels!.findIndex((l) => l === null);
      assert.deepEqual(row.labels, known < 0 ? s.labels : s.labels!.slice(0, known));
      assert.equal(row.prompt, s.problem);
    }
    assert.match(r.err, /wrote 8 trl-prm rows/);
  });

  it("math-shepherd: {input, label, task} with ки / + -, read back by StepLens's Math-Shepherd reader", async () => {
    const r = await cli(["export", work.synth, "--format", "math-shepherd", "--out", out("ms.jsonl")]);
    assert.equal(r.code, 0, r.err);
    const rows = readJsonl(out("ms.jsonl"));
    for (const row of rows) {
      assert.deepEqual(Object.keys(row).sort(), ["input", "label", "task"]);
      assert.equal(row.task, "tiny-math");
      assert.equal((row.input as string).split("ки").length - 1, (row.label as string).split(/[+-](?=\n|$)/).length - 1);
    }
    const traces = [];
    for await (const t of readTraces(out("ms.jsonl"))) {
      assert.ok(t.ok, t.ok ? "" : t.error.format());
      traces.push(t.trace);
    }
    assert.equal(traces[0]?.format, "math-shepherd");
    assert.deepEqual(
      traces.map((t) => (t.labels?.kind === "per-step" ? t.labels.steps : null)),
      labelled.map((s) => {
        const k = s.labels!.indexOf(null);
        return k < 0 ? s.labels : s.labels!.slice(0, k);
      }),
    );
    const [firstTrace] = traces;
    const [firstLabelled] = labelled;
    assert.ok(firstTrace && firstLabelled, "a trace and a labelled solution");
    assert.equal(firstTrace.problem, firstLabelled.problem);
    assert.deepEqual(
      firstTrace.steps.map((s) => s.text),
      firstLabelled.steps,
    );
  });

  it("prm-sft: the PRM prompt; the target's verdict lines parse back to the labels and the outcome", async () => {
    const r = await cli(["export", work.synth, "--format", "prm-sft", "--out", out("prm.jsonl")]);
    assert.equal(r.code, 0, r.err);
    const rows = readJsonl(out("prm.jsonl"));
    assert.equal(rows.length, labelled.length);
    for (const [i, row] of rows.entries()) {
      const messages = row.messages as { role: string; content: string }[];
      assert.deepEqual(
        messages.map((m) => m.role),
        ["user", "assistant"],
      );
      assert.ok(messages.every((m) => typeof m.content === "string"));
      assert.match(itemAt(messages, 0, "the user message").content, /^Problem: .*\n\nStudent Solution: Step 1: [\s\S]*\n\nLet's verify step by step\.$/);
      const s = itemAt(labelled, i, `labelled solution ${i}`);
      const k = s.labels!.indexOf(null);
      const known = k < 0 ? s.labels! : s.labels!.slice(0, k);
      const parsed = parseVerification(itemAt(messages, 1, "the assistant message").content, { stepCount: known.length });
      assert.ok(parsed.ok, JSON.stringify(parsed));
      assert.deepEqual(
        parsed.steps.map((x) => x.verdict === "correct"),
        known,
      );
      assert.equal(parsed.finalVerdict, s.outcome);
    }
  });

  it("prm-cot-sft: the target is the verification that agrees, thinking removed", async () => {
    const r = await cli(["export", work.synth, "--format", "prm-cot-sft", "--out", out("cot.jsonl")]);
    assert.equal(r.code, 0, r.err);
    const rows = readJsonl(out("cot.jsonl"));
    assert.equal(rows.length, labelled.length);
    for (const [i, row] of rows.entries()) {
      const [user, assistant] = row.messages as { role: string; content: string }[];
      assert.ok(user && assistant, "a user and an assistant message");
      const s = itemAt(labelled, i, `labelled solution ${i}`);
      assert.match(user.content, /^Problem: /);
      assert.ok(!assistant.content.includes("<think>"), "thinking is stripped");
      const parsed = parseVerification(assistant.content, { stepCount: s.steps.length });
      assert.ok(parsed.ok);
      s.labels!.forEach((l, k) => l !== null && assert.equal(parsed.steps[k]?.verdict, l ? "correct" : "incorrect"));
    }
    // From a dataset (no verification text) nothing comes out, and it says why.
    const d = await cli(["export", work.pb, "--format", "prm-cot-sft", "--out", out("cot-pb.jsonl")]);
    assert.equal(d.code, 1);
    assert.match(d.err, /skipped 3: no verification that agrees/);
  });

  it("orm-sft: the ORM prompt and Yes/No", async () => {
    const r = await cli(["export", work.synth, "--format", "orm-sft", "--out", out("orm.jsonl")]);
    assert.equal(r.code, 0, r.err);
    const rows = readJsonl(out("orm.jsonl"));
    assert.deepEqual(
      rows.map((x) => (x.messages as { content: string }[])[1]?.content),
      labelled.map((s) => (s.outcome === "yes" ? "Yes" : "No")),
    );
    assert.match(
      itemAt(itemAt(rows, 0, "the first row").messages as { content: string }[], 0, "the prompt").content,
      /\n\nSolution: [\s\S]*\n\nIs the answer correct \(Yes\/No\)\?$/,
    );
  });

  it("processbench: {id, problem, steps, label}, read back by StepLens's ProcessBench reader", async () => {
    const r = await cli(["export", work.synth, "--format", "processbench", "--out", out("pb.jsonl")]);
    assert.equal(r.code, 0, r.err);
    const rows = readJsonl(out("pb.jsonl"));
    for (const row of rows) {
      assert.deepEqual(Object.keys(row).sort(), ["id", "label", "problem", "steps"]);
      assert.ok(Number.isInteger(row.label));
    }
    assert.deepEqual(
      rows.map((x) => [x.id, x.label]),
      labelled.map((s) => [solutionId(s), s.labels!.indexOf(false)]),
    );
    for await (const t of readTraces(out("pb.jsonl"))) {
      assert.ok(t.ok);
      assert.equal(t.trace.format, "processbench");
    }
    // A ProcessBench file round-trips unchanged.
    const again = await cli(["export", work.pb, "--format", "processbench", "--out", out("pb2.jsonl")]);
    assert.equal(again.code, 0, again.err);
    const original = JSON.parse(fs.readFileSync(work.pb, "utf8")) as Record<string, unknown>[];
    assert.deepEqual(
      readJsonl(out("pb2.jsonl")),
      original.map(({ id, problem, steps, label }) => ({ id, problem, steps, label })),
    );
  });

  it("verl-parquet: nested columns with the right types, read by parquet-wasm + apache-arrow", async () => {
    const r = await cli(["export", work.synth, "--format", "verl-parquet", "--out", out("rl.parquet")]);
    assert.equal(r.code, 0, r.err);
    const bytes = fs.readFileSync(out("rl.parquet"));
    assert.equal(bytes.subarray(0, 4).toString(), "PAR1");
    const t = readParquetIndependently(bytes);
    assert.deepEqual(t.fields, [
      "data_source: Utf8",
      "prompt: List<Struct<{role:Utf8, content:Utf8}>>",
      "ability: Utf8",
      "reward_model: Struct<{style:Utf8, ground_truth:Utf8}>",
      "extra_info: Struct<{split:Utf8, index:Int64, problem_id:Utf8, ground_truth_source:Utf8, problem:Utf8}>",
    ]);
    assert.equal(t.rows.length, 3, "one row per problem");
    const [p1, , p3] = t.rows as {
      data_source: string;
      prompt: { role: string; content: string }[];
      ability: string;
      reward_model: { style: string; ground_truth: string };
      extra_info: { split: string; index: bigint; problem_id: string; ground_truth_source: string; problem: string };
    }[];
    assert.ok(p1 && p3, "rows for problems p1 and p3");
    assert.equal(p1.data_source, "tiny-math");
    assert.deepEqual(
      p1.prompt.map((m) => m.role),
      ["user"],
    );
    assert.match(itemAt(p1.prompt, 0, "p1's user message").content, /^What is 2 \+ 3 \* 4\?\n\n.*\\boxed\{\}.*<answer><\/answer>/);
    assert.equal(p1.ability, "math");
    assert.deepEqual(p1.reward_model, { style: "model", ground_truth: "14" }, "reference-free: the verifier-majority answer as a hint");
    assert.deepEqual(p3.reward_model, { style: "rule", ground_truth: "5" }, "a reference answer makes it a rule reward");
    assert.equal(typeof p1.extra_info.index, "bigint");
    assert.deepEqual(
      { ...p1.extra_info, index: Number(p1.extra_info.index) },
      { split: "train", index: 0, problem_id: "p1", ground_truth_source: "verifier-majority", problem: "What is 2 + 3 * 4?" },
      "extra_info carries the problem text alone: verl hands the reward function extra_info, not the prompt",
    );
  });

  it("verl-jsonl: the same rows as JSON; --instruction '' leaves the problem alone", async () => {
    const r = await cli(["export", work.synth, "--format", "verl-jsonl", "--out", out("rl.jsonl"), "--instruction", ""]);
    assert.equal(r.code, 0, r.err);
    const rows = readJsonl(out("rl.jsonl"));
    const first = itemAt(rows, 0, "the first row");
    assert.deepEqual(Object.keys(first), ["data_source", "prompt", "ability", "reward_model", "extra_info"]);
    assert.deepEqual(rows[1]?.prompt, [{ role: "user", content: itemAt(FIXTURE_SOLUTIONS, 3, "fixture solution 3").problem }]);
    assert.equal(typeof (first.extra_info as { index: unknown }).index, "number");
  });

  it("every format in the table is covered above", () => {
    assert.deepEqual([...EXPORT_FORMAT_NAMES].sort(), [
      "math-shepherd",
      "orm-sft",
      "prm-cot-sft",
      "prm-sft",
      "processbench",
      "trl-prm",
      "verl-jsonl",
      "verl-parquet",
    ]);
  });
});
