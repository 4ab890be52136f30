// Shared by the serve-* and openai-* tests: the real local engine (through createEngine) on the
// generated tiny BPE + ChatML GGUF. RANDOM WEIGHTS: these tests check plumbing, not judgement.
import { DEFAULT_CONFIG, type StepLensConfig } from "../../src/config";
import { createEngine } from "../../src/engines/createEngine";
import type { Engine } from "../../src/engines/engine";
import OpenAI from "openai";
import type { OpenAiEngine } from "../../src/engines/openai/openAiEngine";
import { StepLensServer } from "../../src/server/stepLensServer";
import { testModel } from "../support/testModels";
import { itemAt } from "../support/indexing";

export function serveTestModel(): Promise<string> {
  return testModel({ tokenizer: "spm", chatTemplate: true });
}

/** A StepLens config running every role on the tiny model, on the CPU, with `sequences` sequences. */
export async function serveTestConfig(overrides: { sequences?: number; adapter?: string } = {}): Promise<StepLensConfig> {
  const model = await serveTestModel();
  const config: StepLensConfig = structuredClone(DEFAULT_CONFIG);
  config.engine.kind = "local";
  config.models = { prm: model, verifier: model, generator: model, prover: model };
  config.local = { ...config.local, gpu: "off", maxThreads: 0, contextSize: 4096, sequences: overrides.sequences ?? 2 };
  config.prm.adapter = overrides.adapter ?? "math-shepherd";
  return config;
}

export async function serveTestEngine(overrides: { sequences?: number; adapter?: string } = {}): Promise<Engine> {
  return createEngine(await serveTestConfig(overrides));
}

/** fetch() options of a JSON POST: `body` as JSON (a string is sent as it is), a bearer token if given. */
export function jsonPost(body: unknown, options: { token?: string; headers?: Record<string, string> } = {}): RequestInit {
  return {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}), ...options.headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  };
}

/**
 * POSTs `body` as JSON to `url` (a string is sent as it is); the status, the headers and the parsed
 * JSON answer. Fails after `timeoutMs` (default 120 s) instead of waiting for ever.
 */
export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  options: { timeoutMs?: number } = {},
): Promise<{ status: number; headers: Headers; json: any }> {
  const res = await fetch(url, { ...jsonPost(body, { headers }), signal: AbortSignal.timeout(options.timeoutMs ?? 120_000) });
  return { status: res.status, headers: res.headers, json: await res.json() };
}

/** An engine behind `steplens serve`, and the clients that reach it over the OpenAI-compatible API. */
export interface ServedOverOpenAi {
  server: StepLensServer;
  /** The `openai` package's client, with the token, no retries. */
  client: OpenAI;
  /** The served model's id, as models.list gives it. */
  modelId: string;
  /** StepLens's own OpenAI-compatible engine (createEngine with engine.kind "openai", the remote PRM adapter). */
  remote: OpenAiEngine;
}

/**
 * Serves `engine` on a free loopback port (bearer `token`, `concurrency` requests at once) and points
 * an `openai` client and StepLens's OpenAI engine at it. The caller disposes `remote`, closes `server`
 * and disposes `engine`.
 */
export async function serveOverOpenAi(engine: Engine, options: { token: string; concurrency: number }): Promise<ServedOverOpenAi> {
  const server = await StepLensServer.start({ engine, port: 0, token: options.token, concurrency: options.concurrency });
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: options.token, maxRetries: 0 });
  const modelId = itemAt((await client.models.list()).data, 0, "the first model the server lists").id;
  const config = structuredClone(DEFAULT_CONFIG);
  config.engine.kind = "openai";
  config.openai = { ...config.openai, baseUrl: `${server.url}/v1`, model: modelId, concurrency: options.concurrency };
  config.prm.adapter = "remote";
  const remote = (await createEngine(config, { apiKey: options.token })) as OpenAiEngine;
  return { server, client, modelId, remote };
}
