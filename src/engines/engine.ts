/**
 * One engine interface, two implementations: the local one (node-llama-cpp, GPU or CPU) and the
 * OpenAI-compatible one (`openai` package). Pipelines (scoring, verification, progress, eval) only
 * see this interface. No `vscode` import here.
 */
import type { RunOptions } from "../core/progress";

/** What a model is used for; each role's model is a setting. The same file used twice loads once. */
export type ModelRole = "prm" | "verifier" | "generator" | "prover";
export const MODEL_ROLES: readonly ModelRole[] = ["prm", "verifier", "generator", "prover"];

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** A prompt is raw text (completion) or a conversation (chat template applied by the engine). */
export type Prompt = string | ChatMessage[];

export interface SamplingOptions {
  /** Number of samples (default 1). */
  n?: number;
  temperature?: number;
  topP?: number;
  /** Base seed; sample i uses seed + i so runs are reproducible. */
  seed?: number;
  maxTokens?: number;
  stop?: string[];
  /** Constrain output to this JSON schema (use `enum` for indices and verdicts). */
  jsonSchema?: object;
}

export interface GenerateRequest extends SamplingOptions {
  role: ModelRole;
  prompt: Prompt;
}

export interface Generation {
  text: string;
  finishReason: "stop" | "length" | "cancelled";
  /** Tokens generated. */
  tokens: number;
}

/** Next-token probabilities, after `prompt`, of chosen candidate strings (e.g. "Yes"/"No"). */
export interface TokenProbabilityRequest {
  role: ModelRole;
  prompt: Prompt;
  candidates: string[];
}

export interface TokenProbabilities {
  /** Per candidate: its log-probability under the full vocabulary (first token of the candidate). */
  logprobs: Record<string, number>;
  /** Per candidate: probability renormalised over the candidates only. */
  normalized: Record<string, number>;
}

/** Continue a shared prefix `n` times (Monte Carlo rollouts); the prefix is evaluated once. */
export interface RolloutRequest extends SamplingOptions {
  role: ModelRole;
  prefix: Prompt;
}

export interface StepScore {
  index: number;
  /** P(step correct) in [0, 1]. */
  score: number;
  /** Logit margin (positive minus negative), for thresholds and calibration. */
  margin: number;
}

export interface ScoreRequest {
  problem: string;
  steps: string[];
  /**
   * Identifies the document being scored (e.g. a URI). Re-scoring the same key after an edit
   * evaluates only the tokens from the first changed step on (prefix reuse).
   */
  cacheKey?: string;
}

export interface ScoreResult {
  steps: StepScore[];
  /** Model name or path used. */
  model: string;
  /** PRM adapter used (math-shepherd, chat-turn, judge, …). */
  adapter: string;
  /** Tokens actually run through the model for this request (less than traceTokens after prefix reuse). */
  evaluatedTokens: number;
  /** Tokens in the whole scoring input. */
  traceTokens: number;
  seconds: number;
}

export interface EngineInfo {
  kind: "local" | "openai";
  /** "cuda" | "vulkan" | "metal" | "cpu" for local; the base URL for openai. */
  device: string;
  /** Per role: what it resolves to (path, URI or API model name). */
  models: Partial<Record<ModelRole, string>>;
  /** Requests waiting or running. */
  queued: number;
}

export interface Engine {
  info(): EngineInfo;
  countTokens(text: string, role: ModelRole, opts?: RunOptions): Promise<number>;
  /** Score every step of a trace with the PRM role's model and adapter. */
  scoreSteps(req: ScoreRequest, opts?: RunOptions): Promise<ScoreResult>;
  generate(req: GenerateRequest, opts?: RunOptions): Promise<Generation[]>;
  tokenProbabilities(req: TokenProbabilityRequest, opts?: RunOptions): Promise<TokenProbabilities>;
  rollouts(req: RolloutRequest, opts?: RunOptions): Promise<Generation[]>;
  dispose(): Promise<void>;
}
