/**
 * `steplens serve` with the real model (Gemma 3 270M Q4_K_M; in-process, 127.0.0.1, port 0, a bearer
 * token), and StepLens's OpenAI engine against it: a chat completion stops on its own, first-token
 * log-probabilities come back normalised, and constrained verification through the endpoint
 * (response_format json_schema) parses every sample. Plus the `steplens serve` CLI itself serving the
 * real file. Behaviour only: not the model's judgement.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { Engine } from "../../src/engines/engine";
import type { LocalEngine } from "../../src/engines/local/localEngine";
import { StepLensServer } from "../../src/server/stepLensServer";
import { resolveTemplate } from "../../src/verify/templates";
import { verifyTrace } from "../../src/verify/verifyPipeline";
import { realModelEngine, realModelPath, realModelThreads } from "../support/realModel";
import { repoRoot } from "../support/repo";
import { serveOverOpenAi } from "./serve-fixture";

const TOKEN = "real-model-serve-token";

describe("real model behind steplens serve", () => {
  let local: LocalEngine;
  let server: StepLensServer;
  let remote: Engine;
  before(async () => {
    local = await realModelEngine({ sequences: 2 });
    ({ server, remote } = await serveOverOpenAi(local, { token: TOKEN, concurrency: 2 }));
  });
  after(async () => {
    await remote?.dispose();
    await server?.close();
    await local?.dispose();
  });

  it(
    "a generation through the server is the local engine's own (greedy: same text, same finish reason, no end-of-turn text)",
    { timeout: 600_000 },
    async () => {
      const req = {
        role: "generator" as const,
        prompt: [{ role: "user" as const, content: "What is 2 + 3? Answer with the number." }],
        n: 1,
        temperature: 0,
        maxTokens: 24,
      };
      const [served] = await remote.generate(req);
      const [direct] = await local.generate(req);
      assert.ok(served && direct, "one generation served and one local");
      assert.equal(served.text, direct.text);
      assert.equal(served.finishReason, direct.finishReason);
      assert.ok(served.tokens > 0 && served.tokens <= 24);
      assert.ok(!served.text.includes("<end_of_turn>"), "the stop trigger is not part of the text");
    },
  );

  it(
    "first-token log-probabilities through the server: normalised, and the numbers the local engine computes over the full vocabulary",
    { timeout: 600_000 },
    async () => {
      const prompt = [{ role: "user" as const, content: "Is 2 + 2 = 4? Answer Yes or No." }];
      const p = await remote.tokenProbabilities({ role: "verifier", prompt, candidates: ["Yes", "No"] });
      const { Yes: yes, No: no } = p.normalized;
      assert.ok(yes !== undefined && no !== undefined, "normalised probabilities for Yes and No");
      const sum = yes + no;
      assert.ok(Math.abs(sum - 1) < 1e-6, `normalised: ${sum}`);
      const direct = await local.tokenProbabilities({ role: "verifier", prompt, candidates: ["Yes", "No"] });
      const { Yes: localYes, No: localNo } = direct.logprobs;
      assert.ok(localYes !== undefined && localNo !== undefined, "local log-probabilities for Yes and No");
      let finite = 0;
      for (const c of ["Yes", "No"]) {
        const servedLogprob = p.logprobs[c];
        const localLogprob = direct.logprobs[c];
        assert.ok(servedLogprob !== undefined && localLogprob !== undefined, `${c}: a served and a local log-probability`);
        assert.ok(servedLogprob <= 0, `${c}: ${servedLogprob}`);
        // An endpoint reports its top log-probabilities only: a candidate outside them is −∞ there.
        if (Number.isFinite(servedLogprob)) {
          finite++;
          assert.ok(Math.abs(servedLogprob - localLogprob) < 1e-3, `${c}: served ${servedLogprob} vs local ${localLogprob}`);
        } else assert.ok(localLogprob < Math.max(localYes, localNo), `${c} is the less likely one locally too`);
      }
      assert.ok(finite >= 1, "the likelier candidate is among the served top log-probabilities");
    },
  );

  it("constrained verification through the endpoint: every sample parses", { timeout: 900_000 }, async () => {
    const r = await verifyTrace(
      remote,
      { problem: "What is 3 + 4?", steps: ["3 + 4 = 7.", "The answer is 7."] },
      { template: resolveTemplate("spark"), samples: 2, seed: 1, constrained: { maxCritiqueChars: 40 } },
    );
    for (const s of r.samples) {
      assert.equal(s.finishReason, "stop");
      assert.ok(s.parse.ok, s.parse.ok ? "" : s.parse.reason);
    }
    assert.equal(r.aggregate.valid, 2);
  });

  it("the steplens serve CLI serves the real file on 127.0.0.1 (port 0) and lists it", { timeout: 300_000 }, async () => {
    const child = spawn(
      process.execPath,
      [path.join(repoRoot(), "dist/cli.js"), "serve", "--model", realModelPath(), "--gpu", "off", "--threads", String(realModelThreads()), "--port", "0"],
      { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, STEPLENS_OFFLINE: "1" } },
    );
    try {
      let out = "";
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`serve printed no URL within 240 s: ${out}`)), 240_000);
        const onData = (d: Buffer) => {
          out += String(d);
          const m = /http:\/\/127\.0\.0\.1:\d+/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[0]);
          }
        };
        child.stdout.on("data", onData);
        child.stderr.on("data", onData);
        child.on("exit", (code) => reject(new Error(`serve exited (${code}): ${out}`)));
      });
      const res = await fetch(`${url}/v1/models`, { signal: AbortSignal.timeout(30_000) });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { data: { id: string }[] };
      assert.ok(
        body.data.some((m) => m.id.includes("gemma-3-270m")),
        JSON.stringify(body),
      );
    } finally {
      child.kill("SIGTERM");
    }
  });
});
