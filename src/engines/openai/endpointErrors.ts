/**
 * Turns failures of the `openai` client into errors a user can act on: what the endpoint said,
 * and what to change (API key, base URL, model name, timeout). No `vscode` import here.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import { CancelledError, StepLensError } from "../../core/errors";

export interface EndpointContext {
  baseUrl: string;
  model?: string;
  /** What the request was for, e.g. "chat completion", "token probabilities". */
  what: string;
  timeoutMs: number;
  /** Attempts made (1 = no retry). */
  attempts: number;
}

/** True when the `openai` client stopped because our AbortSignal fired. */
export function isUserAbort(e: unknown): boolean {
  return e instanceof APIUserAbortError || e instanceof CancelledError || (e instanceof Error && e.name === "AbortError");
}

/** HTTP status of an endpoint error (undefined for connection failures and timeouts). */
export function statusOf(e: unknown): number | undefined {
  return e instanceof APIError && typeof e.status === "number" ? e.status : undefined;
}

/** Headers of an endpoint error response, for Retry-After. */
export function headersOf(e: unknown): Headers | undefined {
  return e instanceof APIError && e.headers instanceof Headers ? e.headers : undefined;
}

/** Timeouts and dropped connections are worth retrying, like 429 and 5xx. */
export function isTransientConnectionError(e: unknown): boolean {
  return e instanceof APIConnectionError && !(e instanceof APIUserAbortError);
}

/** The error to show for a failed endpoint request. */
export function endpointError(e: unknown, ctx: EndpointContext): Error {
  if (isUserAbort(e)) return new CancelledError();
  if (e instanceof StepLensError) return e;
  const retried = ctx.attempts > 1 ? ` (after ${ctx.attempts} attempts)` : "";
  const where = ctx.baseUrl;
  if (e instanceof APIConnectionTimeoutError) {
    return new StepLensError(`${ctx.what}: no answer from ${where} within ${ctx.timeoutMs} ms${retried}.`, {
      code: "endpoint-timeout",
      hint: "Raise steplens.openai.timeoutMs, lower max tokens, or check the server's load.",
    });
  }
  if (e instanceof APIConnectionError) {
    const cause = e.cause instanceof Error ? `: ${e.cause.message}` : "";
    return new StepLensError(`${ctx.what}: cannot reach ${where}${cause}${retried}.`, {
      code: "endpoint-unreachable",
      hint: "Is the server running (e.g. `steplens serve`, vLLM, llama.cpp server)? Check steplens.openai.baseUrl (it usually ends in /v1).",
    });
  }
  if (e instanceof APIError) {
    const status = e.status;
    const said = serverMessage(e);
    if (status === 401 || status === 403) {
      return new StepLensError(`${ctx.what}: ${where} refused the API key (${status}${said ? `: ${said}` : ""}).`, {
        code: "endpoint-auth",
        hint: "Set the key: OPENAI_API_KEY for the CLI (for a `steplens serve --token T`, the key is T); in VS Code the key kept in SecretStorage. Keys are never read from settings.",
      });
    }
    if (status === 404 && isUnknownModel(e, said)) {
      // The route exists; the model name does not (`steplens serve` says so with code
      // "model_not_found" and lists what it serves; OpenAI and vLLM answer much the same).
      const listed = /\bavailable\b/i.test(said) ? "" : ` GET ${where.replace(/\/$/, "")}/models lists the served names.`;
      const reason = said.replace(/\.$/, "");
      return new StepLensError(`${ctx.what}: ${where} has no model${ctx.model ? ` '${ctx.model}'` : " by that name"} (404${reason ? `: ${reason}` : ""}).`, {
        code: "model-not-found",
        hint: `Set the model to one the server serves: --api-model <name> for the CLI, steplens.openai.model in VS Code. For \`steplens serve\`, that is a served model name or a role name such as 'prm' or 'verifier'.${listed}`,
      });
    }
    if (status === 404) {
      return new StepLensError(`${ctx.what}: ${where} answered 404${said ? `: ${said}` : ""}.`, {
        code: "endpoint-not-found",
        hint: `Check steplens.openai.baseUrl (usually ends in /v1) and the model name${ctx.model ? ` '${ctx.model}'` : ""}; GET ${where.replace(/\/$/, "")}/models lists what the server has.`,
      });
    }
    if (status === 413) {
      return new StepLensError(`${ctx.what}: ${where} refused the request as too large (413)${said ? `: ${said}` : ""}.`, {
        code: "endpoint-too-large",
        hint: "Shorten the trace, or raise the server's body limit (`steplens serve --max-body BYTES`).",
      });
    }
    if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 409 && status !== 429) {
      const param = e.param ? ` (parameter '${e.param}')` : "";
      return new StepLensError(`${ctx.what}: ${where} rejected the request (${status})${param}${said ? `: ${said}` : ""}.`, {
        code: "endpoint-bad-request",
        hint: "The endpoint may not support this option (e.g. logprobs, n, response_format json_schema); check its documentation.",
      });
    }
    return new StepLensError(`${ctx.what}: ${where} failed (${status ?? "no status"})${said ? `: ${said}` : ""}${retried}.`, {
      code: "endpoint-failed",
      hint: "The server is overloaded or failing; retry later, lower steplens.openai.concurrency, or raise steplens.openai.maxRetries.",
    });
  }
  return e instanceof Error ? e : new Error(String(e));
}

/** A 404 about the request's model, not about the route: OpenAI's and `steplens serve`'s code, or the model parameter. */
function isUnknownModel(e: APIError, said: string): boolean {
  if (e.code === "model_not_found" || e.param === "model") return true;
  return /\bmodel\b.*\b(does not exist|not found)\b/i.test(said);
}

function serverMessage(e: APIError): string {
  const body = e.error as { message?: unknown } | undefined;
  if (body && typeof body.message === "string") return body.message;
  return "";
}
