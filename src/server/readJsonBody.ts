/**
 * Reads a request body as JSON within a byte limit. Too large → 413 (the rest of the body is
 * drained, up to a hard cap, so the client reads the answer instead of a reset connection);
 * not JSON → 400 with the parser's message; not an object → 400. No `vscode` import here.
 */
import type { IncomingMessage } from "node:http";
import { isJsonObject } from "../core/jsonValue";
import { ApiError } from "./apiError";

/** Past this many bytes an oversized body is no longer drained: the connection is dropped. */
const DRAIN_CAP_FACTOR = 8;
const DRAIN_CAP_MIN = 64 * 1024 * 1024;

export class BodyTooLargeError extends ApiError {
  constructor(
    readonly limit: number,
    /** True when the connection must be closed (the body was not read to its end). */
    readonly mustClose: boolean,
  ) {
    super(
      413,
      `Request body is larger than the server's limit of ${limit} bytes (steplens serve --max-body BYTES raises it).`,
      "invalid_request_error",
      null,
      "body_too_large",
    );
  }
}

export function readJsonBody(req: IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    const drainCap = Math.max(limit * DRAIN_CAP_FACTOR, DRAIN_CAP_MIN);
    if (Number.isFinite(declared) && declared > drainCap) {
      req.pause();
      reject(new BodyTooLargeError(limit, true));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    let settled = false;
    const finish = (f: () => void) => {
      if (settled) return;
      settled = true;
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      f();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
        if (size > drainCap) {
          req.pause();
          finish(() => reject(new BodyTooLargeError(limit, true)));
        }
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () =>
      finish(() => {
        if (tooLarge) return reject(new BodyTooLargeError(limit, false));
        const text = Buffer.concat(chunks).toString("utf8");
        if (text.trim() === "") return reject(new ApiError(400, "Request body is empty; send a JSON object.", "invalid_request_error", null, "empty_body"));
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch (e) {
          return reject(new ApiError(400, `Request body is not valid JSON: ${(e as Error).message}`, "invalid_request_error", null, "invalid_json"));
        }
        if (!isJsonObject(value)) {
          return reject(new ApiError(400, "Request body must be a JSON object.", "invalid_request_error", null, "invalid_json"));
        }
        resolve(value);
      });
    const onError = (e: Error) => finish(() => reject(e));
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
  });
}
