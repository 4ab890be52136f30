/**
 * The server's request bodies, checked by valibot schemas (src/server/requestSchema.ts and the
 * routes): each refused body answers the status, parameter, code and message written out here by
 * hand, from the first failing check in the order the route declares them. The routes are called
 * directly with a context whose engine is never reached (the body is refused first).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ApiError } from "../../src/server/apiError";
import { parseMessages, parsePrompts, parseSampling } from "../../src/server/requestParams";
import { getRewardRoute } from "../../src/server/routes/getReward";
import { rewardRoute } from "../../src/server/routes/reward";
import { scoreRoute } from "../../src/server/routes/score";
import type { RouteContext } from "../../src/server/routeContext";

const ctx = (body: Record<string, unknown>) =>
  ({ body, served: [{ id: "prm", roles: ["prm"] }], rewards: { scalarize: "min", source: "prm" }, threshold: 0.5 }) as unknown as RouteContext;

async function refused(call: () => unknown, want: { status: number; param: string | null; code: string; message: string }) {
  let error: unknown;
  try {
    await call();
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof ApiError, `expected an ApiError, got ${String(error)}`);
  assert.deepEqual({ status: error.status, param: error.param, code: error.code, message: error.message }, want);
}

test("/v1/reward: items checked in order, an item's missing response and a batch over 1,024 named", async () => {
  await refused(() => rewardRoute(ctx({})), {
    status: 400,
    param: "items",
    code: "missing_required_parameter",
    message: `'items' must be an array of {"prompt", "response", "reference"?}.`,
  });
  await refused(() => rewardRoute(ctx({ items: [{ prompt: "p", response: "r" }, { prompt: "p" }] })), {
    status: 400,
    param: "items[1].response",
    code: "missing_required_parameter",
    message: "items[1].response must be a string.",
  });
  await refused(() => rewardRoute(ctx({ items: [{ response: "r", reference: 4 }] })), {
    status: 400,
    param: "items[0].reference",
    code: "invalid_type",
    message: "items[0].reference must be a string.",
  });
  await refused(() => rewardRoute(ctx({ items: Array(1025).fill(7) })), {
    status: 413,
    param: null,
    code: "batch_too_large",
    message: "The request holds 1025 items; the server takes at most 1024 per request. Split the batch.",
  });
  await refused(() => rewardRoute(ctx({ items: [{ response: "r", trainer_step: -1 }] })), {
    status: 400,
    param: "items[0].trainer_step",
    code: "invalid_type",
    message: "'items[0].trainer_step' must be a non-negative integer (the trainer's global step).",
  });
  await refused(() => rewardRoute(ctx({ items: [{ response: "r" }], dense: "yes" })), {
    status: 400,
    param: "dense",
    code: "invalid_type",
    message: "'dense' must be true or false.",
  });
});

test("/get_reward: a null query is missing, a query with a number is the wrong type, prompts must match", async () => {
  await refused(() => getRewardRoute(ctx({ query: null })), {
    status: 400,
    param: "query",
    code: "missing_required_parameter",
    message: "'query' is required: an array of strings.",
  });
  await refused(() => getRewardRoute(ctx({ query: ["a", 1] })), {
    status: 400,
    param: "query",
    code: "invalid_type",
    message: "'query' must be an array of strings.",
  });
  await refused(() => getRewardRoute(ctx({ query: ["a", "b"], prompts: ["p"] })), {
    status: 400,
    param: "prompts",
    code: "invalid_value",
    message: "'prompts' must have one entry per query (2), got 1.",
  });
  await refused(() => getRewardRoute(ctx({ query: ["a"], labels: "x" })), {
    status: 400,
    param: "labels",
    code: "invalid_type",
    message: "'labels' must be an array.",
  });
});

test("/v1/score: steps, then threshold (a wrong type is an invalid value), then cacheKey", async () => {
  await refused(() => scoreRoute(ctx({ problem: "p" })), {
    status: 400,
    param: "steps",
    code: "missing_required_parameter",
    message: "'steps' must be a non-empty array of strings.",
  });
  await refused(() => scoreRoute(ctx({ steps: ["a"], threshold: "0.5", cacheKey: 1 })), {
    status: 400,
    param: "threshold",
    code: "invalid_value",
    message: "'threshold' must be a number between 0 and 1.",
  });
  await refused(() => scoreRoute(ctx({ steps: ["a"], cacheKey: null })), {
    status: 400,
    param: "cacheKey",
    code: "invalid_type",
    message: "'cacheKey' must be a string.",
  });
});

test("OpenAI bodies: the first failing parameter answers, with its own code", async () => {
  await refused(() => parseSampling({ stream: true, n: 0 }, false), {
    status: 400,
    param: "stream",
    code: "unsupported_parameter",
    message: "Streaming is not supported by steplens serve; send stream: false.",
  });
  await refused(() => parseSampling({ logit_bias: { 1: 2 }, n: 0 }, true), {
    status: 400,
    param: "logit_bias",
    code: "unsupported_parameter",
    message: "'logit_bias' is not supported by steplens serve.",
  });
  await refused(() => parseSampling({ n: 2.5, stop: 3 }, true), { status: 400, param: "n", code: "invalid_type", message: "'n' must be an integer." });
  await refused(() => parseSampling({ max_completion_tokens: 0 }, true), {
    status: 400,
    param: "max_completion_tokens",
    code: "invalid_value",
    message: "'max_completion_tokens' must be between 1 and 1000000, got 0.",
  });
  await refused(() => parseSampling({ stop: ["a", ""] }, false), {
    status: 400,
    param: "stop",
    code: "invalid_type",
    message: "'stop' must be a non-empty string or an array of non-empty strings.",
  });
  await refused(() => parsePrompts(null), {
    status: 400,
    param: "prompt",
    code: "missing_required_parameter",
    message: "'prompt' must be a string or a non-empty array of strings.",
  });
  await refused(
    () =>
      parseMessages([
        { role: "user", content: "a" },
        { role: "user", content: [{ type: "text", text: "b" }, { type: "image_url" }] },
      ]),
    {
      status: 400,
      param: "messages[1].content[1]",
      code: "invalid_value",
      message: `'messages[1].content[1]' must be a text part ({"type": "text", "text": "…"}); images and audio are not supported.`,
    },
  );
  await refused(() => parseMessages([{ role: "user" }]), {
    status: 400,
    param: "messages[0].content",
    code: "invalid_type",
    message: "'messages[0].content' must be a string or an array of text parts.",
  });
  assert.deepEqual(
    parseMessages([
      {
        role: "developer",
        content: [
          { type: "text", text: "a" },
          { type: "text", text: "b" },
        ],
      },
    ]),
    [{ role: "system", content: "ab" }],
  );
});
