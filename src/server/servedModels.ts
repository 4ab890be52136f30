/**
 * The models a server offers: one entry per distinct model file (a file used by two roles is one
 * model), named by its file name, and which role answers a request's `model` field. A role name
 * ("generator", "prm", …) is accepted as a model name too. No `vscode` import here.
 */
import type { EngineInfo, ModelRole } from "../engines/engine";
import { MODEL_ROLES } from "../engines/engine";
import * as v from "valibot";
import { ApiError } from "./apiError";
import { parseRequest, wrongType } from "./requestSchema";

export interface ServedModel {
  id: string;
  /** Roles this model fills, in MODEL_ROLES order: at least one (a model is served for a role). */
  roles: [ModelRole, ...ModelRole[]];
}

/** "…/models/tiny-prm.gguf" → "tiny-prm"; "hf:user/repo:Q4_K_M" → "user/repo:Q4_K_M"; an API name stays. */
export function modelId(source: string): string {
  if (source.startsWith("hf:")) return source.slice(3);
  const base = source.split(/[\\/]/).pop() ?? source;
  return base.replace(/\.gguf$/i, "") || source;
}

export function servedModels(info: EngineInfo): ServedModel[] {
  const byId = new Map<string, ServedModel>();
  for (const role of MODEL_ROLES) {
    const source = info.models[role];
    if (!source) continue;
    const id = modelId(source);
    const entry = byId.get(id);
    if (entry) entry.roles.push(role);
    else byId.set(id, { id, roles: [role] });
  }
  return [...byId.values()];
}

/** A request's `model`: a served name or a role name; absent or null for the route's preferred role. */
const ModelParam = v.nullish(v.string(wrongType("'$field' must be a string.")));

/**
 * The role that answers `model` for a route that prefers `preferred` roles (generation prefers
 * generator, then verifier, prover, prm). Missing `model`: the first preferred role with a model.
 */
export function resolveRole(requested: unknown, served: ServedModel[], preferred: readonly ModelRole[]): ModelRole {
  const model = parseRequest(ModelParam, requested, "model");
  const available = (roles: readonly [ModelRole, ...ModelRole[]]) => preferred.find((r) => roles.includes(r)) ?? roles[0];
  const [first, ...rest] = served;
  if (!first) throw new ApiError(503, "The server has no model loaded.", "server_error", "model", "no_model");
  if (!model) return available([...first.roles, ...rest.flatMap((m) => m.roles)]);
  if ((MODEL_ROLES as readonly string[]).includes(model)) {
    const role = model as ModelRole;
    if (served.some((m) => m.roles.includes(role))) return role;
  }
  const entry = served.find((m) => m.id === model);
  if (entry) return available(entry.roles);
  throw new ApiError(
    404,
    `The model '${model}' does not exist on this server. Available: ${served.map((m) => m.id).join(", ")} (or a role name: ${MODEL_ROLES.join(", ")}).`,
    "invalid_request_error",
    "model",
    "model_not_found",
  );
}

export const GENERATION_ROLES: readonly ModelRole[] = ["generator", "verifier", "prover", "prm"];
export const SCORING_ROLES: readonly ModelRole[] = ["prm", "verifier", "generator", "prover"];
