// Qwen2.5-Math-PRM through vLLM's pooling API, against a local HTTP server that answers in vLLM's
// documented shape (no real vLLM is reachable here). Checks the request it receives (route, task,
// chat-templated input with the system prompt, <extra_0> joins and the trailing separator), P(correct)
// from the second column, the fallback to the older `reward` task, a per-token answer mapped through
// /tokenize, the errors that say what to run, and `steplens score --endpoint … --prm qwen2.5-math-prm-7b`.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { OpenAiEngine } from "../../src/engines/openai/openAiEngine";
import { StepLensError } from "../../src/core/errors";
import { qwenPrmInput, QWEN_PRM_SEPARATOR_ID } from "../../src/engines/openai/poolingPrm";
import { runCli } from "../../src/cli/main";
import { itemAt } from "../support/indexing";

interface Seen {
  method: string;
  url: string;
  body: Record<string, unknown>;
}
type Reply = (req: Seen) => { status: number; body: unknown };

const servers: http.Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

async function fakeVllm(reply: Reply): Promise<{ base: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let data = "";
    req.on("data", (c) => (data += c));
    req.on("end", () => {
      const s: Seen = { method: req.method ?? "", url: req.url ?? "", body: data ? JSON.parse(data) : {} };
      seen.push(s);
      const r = reply(s);
      res.writeHead(r.status, { "content-type": "application/json" });
      res.end(JSON.stringify(r.body));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return { base: `http://127.0.0.1:${port}/v1`, seen };
}

const PROBLEM = "Sue has 18 flamingos; one third are painted white. How many more pink than white?";
const STEPS = ["One third of 18 is 6, so 12 stay pink.", "12 + 6 = 18 pink.", "18 - 6 = 12."];
/** vLLM's documented answer: one [P(incorrect), P(correct)] pair per separator. */
const pooling = (pairs: number[][]) => ({
  id: "pool-1",
  object: "list",
  created: 1,
  model: "Qwen/Qwen2.5-Math-PRM-7B",
  data: [{ index: 0, object: "pooling", data: pairs }],
  usage: { prompt_tokens: 97, total_tokens: 97, completion_tokens: 0 },
});
const PAIRS = [
  [0.02, 0.98],
  [0.91, 0.09],
  [0.7, 0.3],
];

const engine = (base: string, prmAdapter = "qwen2.5-math-prm-7b") =>
  new OpenAiEngine({ baseUrl: base, model: "Qwen/Qwen2.5-Math-PRM-7B", prmAdapter, retry: { maxRetries: 0 } });

test("POST /pooling with task token_classify and the chat-templated <extra_0> input; P(correct) is the second column", async () => {
  const { base, seen } = await fakeVllm(() => ({ status: 200, body: pooling(PAIRS) }));
  const r = await engine(base).scoreSteps({ problem: PROBLEM, steps: STEPS });
  assert.equal(seen.length, 1);
  const request = itemAt(seen, 0, "the /pooling request");
  assert.deepEqual([request.method, request.url], ["POST", "/pooling"], "the route sits at the server root, next to /v1");
  assert.equal(request.body.task, "token_classify");
  assert.equal(request.body.model, "Qwen/Qwen2.5-Math-PRM-7B");
  const input = request.body.input as string;
  assert.equal(
    input,
    "<|im_start|>system\nPlease reason step by step, and put your final answer within \\boxed{}.<|im_end|>\n" +
      `<|im_start|>user\n${PROBLEM}<|im_end|>\n` +
      `<|im_start|>assistant\n${STEPS.join("<extra_0>")}<extra_0><|im_end|>\n`,
  );
  assert.equal(input.split("<extra_0>").length - 1, STEPS.length, "one separator per step, the last one trailing");
  assert.deepEqual(
    r.steps.map((s) => s.score),
    [0.98, 0.09, 0.3],
  );
  assert.ok(itemAt(r.steps, 1, "step 2").margin < 0 && itemAt(r.steps, 0, "step 1").margin > 0);
  assert.match(r.adapter, /qwen2\.5-math-prm-7b \(vLLM \/pooling, task token_classify\)/);
  assert.equal(r.evaluatedTokens, 97);
});

test("an older vLLM that refuses token_classify gets the reward task; raw logits are turned into probabilities", async () => {
  const { base, seen } = await fakeVllm((s) =>
    s.body.task === "token_classify"
      ? {
          status: 400,
          body: { object: "error", message: "Unsupported task: 'token_classify' Supported tasks: ['encode', 'reward']", type: "BadRequestError", code: 400 },
        }
      : {
          status: 200,
          body: pooling([
            [-2, 2],
            [1, -1],
            [0, 0],
          ]),
        },
  );
  const r = await engine(base).scoreSteps({ problem: PROBLEM, steps: STEPS });
  assert.deepEqual(
    seen.map((s) => s.body.task),
    ["token_classify", "reward"],
  );
  assert.ok(Math.abs(itemAt(r.steps, 0, "step 1").score - 1 / (1 + Math.exp(-4))) < 1e-9);
  assert.ok(Math.abs(itemAt(r.steps, 2, "step 3").score - 0.5) < 1e-9);
});

test("a server returning one row per token: the separator rows are found through /tokenize", async () => {
  const tokens = [1, 2, QWEN_PRM_SEPARATOR_ID, 3, QWEN_PRM_SEPARATOR_ID, 4, 5, QWEN_PRM_SEPARATOR_ID, 6];
  const rows = tokens.map((t, i) =>
    t === QWEN_PRM_SEPARATOR_ID ? itemAt(PAIRS, tokens.slice(0, i).filter((x) => x === t).length, `the pair of separator at token ${i}`) : [0.5, 0.5],
  );
  const { base, seen } = await fakeVllm((s) =>
    s.url === "/tokenize" ? { status: 200, body: { count: tokens.length, tokens } } : { status: 200, body: pooling(rows) },
  );
  const r = await engine(base).scoreSteps({ problem: PROBLEM, steps: STEPS });
  assert.deepEqual(
    r.steps.map((s) => s.score),
    [0.98, 0.09, 0.3],
  );
  assert.equal(seen[1]?.body.prompt, qwenPrmInput(PROBLEM, STEPS));
});

test("a server without the route, or one that is not a pooling model: the error says what to run", async () => {
  const notFound = await fakeVllm(() => ({ status: 404, body: { detail: "Not Found" } }));
  await assert.rejects(engine(notFound.base).scoreSteps({ problem: PROBLEM, steps: STEPS }), (e: unknown) => {
    assert.ok(e instanceof StepLensError);
    assert.equal(e.details.code, "no-pooling-route");
    assert.match(e.details.hint ?? "", /vllm serve Qwen\/Qwen2\.5-Math-PRM-7B --runner pooling/);
    assert.match(e.details.hint ?? "", /--task reward/);
    return true;
  });
  const generative = await fakeVllm(() => ({ status: 400, body: { object: "error", message: "The model does not support Pooling API", code: 400 } }));
  await assert.rejects(engine(generative.base).scoreSteps({ problem: PROBLEM, steps: STEPS }), (e: unknown) => {
    assert.ok(e instanceof StepLensError && e.details.code === "no-pooling-route" && /every task was refused/.test(e.message), String(e));
    return true;
  });
  assert.equal(generative.seen.length, 3, "token_classify, reward, then no task");
  const wrongCount = await fakeVllm((s) =>
    s.url === "/tokenize" ? { status: 200, body: { tokens: [1, 2] } } : { status: 200, body: pooling(PAIRS.slice(0, 2)) },
  );
  await assert.rejects(engine(wrongCount.base).scoreSteps({ problem: PROBLEM, steps: STEPS }), /0 separators for 3 steps/);
});

test("steplens score --endpoint … --prm qwen2.5-math-prm-7b scores through the pooling route", async () => {
  const { base, seen } = await fakeVllm(() => ({ status: 200, body: pooling(PAIRS) }));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-pooling-"));
  const file = path.join(dir, "flamingos.trace.md");
  fs.writeFileSync(file, `Problem: ${PROBLEM}\n\n${STEPS.map((s, i) => `Step ${i + 1}: ${s}`).join("\n\n")}\n`);
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]) => new Writable({ write: (c, _e, cb) => (into.push(String(c)), cb()) });
  const code = await runCli(["score", file, "--endpoint", base, "--api-model", "Qwen/Qwen2.5-Math-PRM-7B", "--prm", "qwen2.5-math-prm-7b", "--json"], {
    stdout: sink(out),
    stderr: sink(err),
    env: {},
    signal: new AbortController().signal,
    isTTY: false,
  });
  assert.equal(code, 0, err.join(""));
  const j = JSON.parse(out.join(""));
  assert.deepEqual(
    j.steps.map((s: { score: number }) => s.score),
    [0.98, 0.09, 0.3],
  );
  assert.equal(j.firstError, 1);
  const request = itemAt(seen, 0, "the /pooling request");
  assert.equal(request.url, "/pooling");
  assert.ok((request.body.input as string).includes("<extra_0>"));
});

test("the editor's settings reach the route: engine kind openai with the preset as PRM adapter, or picked as the PRM model", async () => {
  const { DEFAULT_CONFIG } = await import("../../src/config");
  const { createEngine, endpointPrmAdapter } = await import("../../src/engines/createEngine");
  const { base, seen } = await fakeVllm(() => ({ status: 200, body: pooling(PAIRS) }));
  const config = structuredClone(DEFAULT_CONFIG);
  config.engine.kind = "openai";
  config.openai.baseUrl = base;
  config.openai.prmModel = "Qwen/Qwen2.5-Math-PRM-7B";
  config.openai.maxRetries = 0;
  config.models.prm = "qwen2.5-math-prm-7b"; // what the model picker writes
  assert.equal(endpointPrmAdapter(config), "qwen2.5-math-prm-7b");
  const e = await createEngine(config);
  try {
    const r = await e.scoreSteps({ problem: PROBLEM, steps: STEPS });
    assert.deepEqual(
      r.steps.map((s) => s.score),
      [0.98, 0.09, 0.3],
    );
    assert.equal(seen[0]?.url, "/pooling");
    assert.equal(seen[0]?.body.model, "Qwen/Qwen2.5-Math-PRM-7B");
  } finally {
    await e.dispose();
  }
  // An adapter set explicitly wins over the picked model.
  assert.equal(endpointPrmAdapter({ ...config, prm: { ...config.prm, adapter: "judge" } }), "judge");
});
