/**
 * The editor's pipeline tasks without VS Code: the pipeline table against package.json's
 * taskDefinitions, the command lines the tasks and the Synthesize/Export commands run, the terminal
 * names, the `$steplens` problem matcher against the CLI's `file:line: message` errors.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { StepLensError } from "../../src/core/errors";
import { EXPORT_FORMAT_NAMES } from "../../src/export/formats";
import { bundledCli, commandLineText, resolveCli } from "../../src/pipelines/cliInvocation";
import { EDITOR_EXPORT_FORMATS, exportArgs, exportOutputs, synthesizeArgs } from "../../src/pipelines/pipelineArgs";
import { PIPELINE_NAMES, definitionProblem, displayCommand, taskLabel, taskProcess } from "../../src/pipelines/pipelineTable";
import { itemAt } from "../support/indexing";

const manifest = JSON.parse(fs.readFileSync(path.join(process.cwd(), "package.json"), "utf8")) as {
  contributes: {
    taskDefinitions: { type: string; required: string[]; properties: Record<string, { enum?: string[] }> }[];
    problemMatchers: { name: string; pattern: { regexp: string; file: number; line: number; message: number } }[];
    commands: { command: string; title: string }[];
  };
};

describe("pipeline tasks (pure)", () => {
  it("package.json declares the steplens task type with a required pipeline whose enum is the table", () => {
    const def = manifest.contributes.taskDefinitions.find((d) => d.type === "steplens");
    assert.ok(def);
    assert.deepEqual(def.required, ["pipeline"]);
    assert.deepEqual(def.properties.pipeline?.enum, [...PIPELINE_NAMES]);
    for (const name of ["synthesize", "export", "eval", "score", "serve", "rl"]) assert.ok(PIPELINE_NAMES.includes(name), name);
    const titles = manifest.contributes.commands.map((c) => c.title);
    assert.ok(titles.includes("Synthesize Training Data…") && titles.includes("Export Training Data…"));
  });

  it("the bundled CLI runs through the host's runtime with ELECTRON_RUN_AS_NODE; a 'cli' replaces it", () => {
    const bundled = resolveCli(undefined, "/opt/code/code", "/ext/dist/cli.js");
    assert.deepEqual(bundled, bundledCli("/opt/code/code", "/ext/dist/cli.js"));
    assert.deepEqual(bundled.env, { ELECTRON_RUN_AS_NODE: "1" });
    const p = taskProcess({ pipeline: "export", args: ["run", "--format", "trl-prm", "--out", "x.jsonl"] }, bundled);
    assert.deepEqual(p, {
      command: "/opt/code/code",
      args: ["/ext/dist/cli.js", "export", "run", "--format", "trl-prm", "--out", "x.jsonl"],
      env: { ELECTRON_RUN_AS_NODE: "1" },
    });
    const onPath = taskProcess({ pipeline: "serve", args: ["--port", "8080"] }, resolveCli("steplens", "/node", "/cli.js"));
    assert.deepEqual(onPath, { command: "steplens", args: ["serve", "--port", "8080"], env: {} });
  });

  it("bad definitions are refused with a reason", () => {
    assert.match(definitionProblem({ pipeline: "train" }) ?? "", /unknown pipeline "train": use one of synthesize, export/);
    assert.match(definitionProblem({ pipeline: "export", args: "run" }) ?? "", /list of strings/);
    assert.equal(definitionProblem({ pipeline: "rl", args: [] }), null);
    assert.throws(() => taskProcess({ pipeline: "nope" }, bundledCli("n", "c")), /unknown pipeline/);
  });

  it("task (and terminal) names say what the job does; the detail shows the steplens command line", () => {
    assert.equal(
      taskLabel({ pipeline: "export", args: ["runs/gsm8k", "--format", "trl-prm", "--out", "export/prm.jsonl"] }),
      "export gsm8k (trl-prm) → prm.jsonl",
    );
    assert.equal(
      taskLabel({ pipeline: "export", args: ["--balance", "data/pb.json", "--format", "processbench", "--out", "o.jsonl"] }),
      "export pb.json (processbench) → o.jsonl",
    );
    assert.equal(taskLabel({ pipeline: "synthesize", args: ["--problems", "data/p.jsonl", "--out", "runs/p"] }), "synthesize p.jsonl → p");
    assert.equal(taskLabel({ pipeline: "serve", args: ["--port", "9"] }), "serve");
    // Run Task shows "<source>: <name>" and the source is StepLens: no name may repeat it ("StepLens: StepLens …").
    for (const pipeline of PIPELINE_NAMES) assert.doesNotMatch(taskLabel({ pipeline, args: ["x"] }), /^StepLens\b/i, pipeline);
    assert.equal(displayCommand({ pipeline: "export", args: ["my run", "--format", "trl-prm"] }), "steplens export 'my run' --format trl-prm");
    assert.equal(commandLineText("a", ["it's"]), "a 'it'\\''s'");
  });

  it("the Export and Synthesize commands build these command lines", () => {
    const args = exportArgs({
      input: "runs/p",
      format: "verl-parquet",
      out: "export/rl.parquet",
      labels: ".steplens/labels.jsonl",
      balance: true,
      dropUnanimous: true,
      splitRatio: 0.95,
    });
    assert.deepEqual(args, [
      "runs/p",
      "--format",
      "verl-parquet",
      "--out",
      "export/rl.parquet",
      "--labels",
      ".steplens/labels.jsonl",
      "--balance",
      "--drop-unanimous",
      "--split-ratio",
      "0.95",
    ]);
    assert.deepEqual(exportOutputs(args, "/ws"), ["/ws/export/rl.train.parquet", "/ws/export/rl.test.parquet"]);
    assert.deepEqual(exportOutputs(["x", "--out", "o.jsonl"], "/ws"), ["/ws/o.jsonl"]);
    assert.deepEqual(
      synthesizeArgs({
        problems: "p.jsonl",
        out: "runs/p",
        solutions: 8,
        verifications: 16,
        aggregate: "step",
        tau: 0.5,
        metaCritique: true,
        generator: { model: "g.gguf" },
        verifier: { endpoint: "http://127.0.0.1:8000/v1", apiModel: "qwen" },
        resume: true,
      }),
      [
        "--problems",
        "p.jsonl",
        "--out",
        "runs/p",
        "--solutions",
        "8",
        "--verifications",
        "16",
        "--aggregate",
        "step",
        "--tau",
        "0.5",
        "--meta-critique",
        "--generator-model",
        "g.gguf",
        "--verifier-endpoint",
        "http://127.0.0.1:8000/v1",
        "--verifier-api-model",
        "qwen",
        "--resume",
      ],
    );
  });

  it("the editor offers exactly the CLI's export formats", () => {
    assert.deepEqual(
      EDITOR_EXPORT_FORMATS.map((f) => f.name),
      [...EXPORT_FORMAT_NAMES],
    );
  });

  it("the $steplens problem matcher reads the CLI's file:line: message errors (POSIX and Windows paths)", () => {
    const m = manifest.contributes.problemMatchers.find((x) => x.name === "steplens");
    assert.ok(m);
    const re = new RegExp(m.pattern.regexp);
    const line = new StepLensError("record 3 is not valid JSON: Unexpected token (column 5).", {
      file: "data/problems.jsonl",
      line: 4,
      hint: "Fix the JSON.",
    }).format();
    const hit = re.exec(line);
    assert.ok(hit, line);
    assert.equal(hit[m.pattern.file], "data/problems.jsonl");
    assert.equal(hit[m.pattern.line], "4");
    assert.match(itemAt(hit, m.pattern.message, "the message group"), /^record 3 is not valid JSON/);
    const win = re.exec("C:\\data\\p.jsonl:12: bad record");
    assert.ok(win);
    assert.equal(win[m.pattern.file], "C:\\data\\p.jsonl");
    assert.equal(re.exec("wrote 8 trl-prm rows to export/prm.jsonl"), null, "summary lines are not problems");
  });
});
