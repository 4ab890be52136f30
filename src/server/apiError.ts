/**
 * Errors the server answers with, in OpenAI's shape: `{"error": {"message", "type", "param", "code"}}`.
 * Clients built for OpenAI (the `openai` package, vLLM clients, trainers) read them as they are.
 * No `vscode` import here.
 */
export type ApiErrorType = "invalid_request_error" | "authentication_error" | "not_found_error" | "server_error" | "rate_limit_error";

export interface ApiErrorBody {
  error: { message: string; type: ApiErrorType; param: string | null; code: string | null };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: ApiErrorType = status >= 500 ? "server_error" : "invalid_request_error",
    readonly param: string | null = null,
    readonly code: string | null = null,
    /** Extra response headers (Retry-After, WWW-Authenticate, Allow). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }

  body(): ApiErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** 400 for a request parameter, naming it. */
export function badParam(param: string, message: string, code = "invalid_value"): ApiError {
  return new ApiError(400, message, "invalid_request_error", param, code);
}
